/** What the BIOS service handlers share: the machine's memory, disks, memory map, output and clock. */
import type { DiskImage } from './disk-image';
import type { E820Entry } from './e820';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { BiosTextConsole } from './bios-text-console';

export interface BiosContext {
  readonly memory: PhysicalMemory;
  /** INT 13h drives 80h, 81h, ... */
  readonly disks: readonly DiskImage[];
  readonly e820: readonly E820Entry[];
  readonly extendedMemoryKiB: number;
  /** INT 10h teletype output copied to the serial console (the machine sends it to COM1). */
  teletype(byte: number): void;
  /** The text screen the video BIOS draws on. */
  readonly screen: BiosTextConsole;
  /** Virtual time in nanoseconds. */
  now(): number;
  /** A BIOS function the guest asked for that is not implemented: reported, never silent. */
  unsupported(message: string): void;
  /** A20 gate state (INT 15h AX=240xh). */
  a20Enabled: boolean;
}

export function hex2(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
