/**
 * Plain ELF boot: no boot protocol, just the program headers loaded at their
 * physical addresses and a jump to e_entry in the same flat 32-bit state the
 * other protocols use, with every general register zero except ESP.
 */
import type { FlatProtectedEntry } from './boot-plan';
import { physicalEntry, type ElfLoadView } from './elf-image';
import { flatProtectedEntry } from './flat-entry';
import { checkEntryLoaded, type LoaderContext } from './loader-context';
import { loadElfSegments } from './segment-loader';

export function loadPlainElf(image: Uint8Array, elf: ElfLoadView, ctx: LoaderContext): FlatProtectedEntry {
  loadElfSegments(image, elf, ctx.placement);
  const eip = physicalEntry(elf);
  checkEntryLoaded(ctx, eip, 'the ELF entry point');
  return flatProtectedEntry(eip, {}, ctx.firmware);
}
