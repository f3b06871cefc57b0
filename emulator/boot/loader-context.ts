/** What every protocol loader gets: the image placement rules, the firmware's layout and the user's options. */
import { BootError } from './boot-error';
import type { BootOptions } from './boot-plan';
import { BootInfoArea, hex, type LoadPlacement } from './load-placement';
import type { FirmwareInfo } from '../firmware/install-firmware';
import { HIGH_MEMORY_BASE } from '../firmware/platform-layout';

export interface LoaderContext {
  placement: LoadPlacement;
  firmware: FirmwareInfo;
  options: BootOptions;
}

/** Boot information goes above the kernel (and never below 1 MiB, away from the BIOS areas). */
export function bootInfoArea(ctx: LoaderContext): BootInfoArea {
  const start = Math.ceil(Math.max(ctx.placement.highestEnd, HIGH_MEMORY_BASE) / 4096) * 4096;
  return new BootInfoArea(ctx.placement, start);
}

/** The entry point must be inside something that was loaded: a kernel cannot start in empty RAM. */
export function checkEntryLoaded(ctx: LoaderContext, entry: number, what: string): void {
  if (!ctx.placement.loaded.some((r) => entry >= r.start && entry < r.end)) {
    throw new BootError(`${what} ${hex(entry)} is not inside any loaded segment`);
  }
}
