/**
 * A flat GDT in the BIOS area for the protected-mode boot protocols. The
 * Multiboot and PVH specifications leave GDTR undefined and only fix the
 * hidden descriptor state; pointing GDTR at descriptors that match that state
 * means a kernel which reloads a segment register before installing its own
 * GDT gets the same flat segment instead of garbage.
 */
import { ByteWriter } from './byte-writer';
import type { PlacedTable } from './placed-table';
import { BOOT_GDT_ADDRESS } from './platform-layout';

export const BOOT_CODE_SELECTOR = 0x08;
export const BOOT_DATA_SELECTOR = 0x10;
export const BOOT_TSS_SELECTOR = 0x18;
export const BOOT_GDT_LIMIT = 4 * 8 - 1;

/**
 * SDM Vol. 3A 3.4.5 descriptor words: 0x00CF9B000000FFFF is a 32-bit
 * execute/read code segment (accessed), base 0, 4 GiB (G=1, limit 0xFFFFF);
 * 0x00CF93... the matching read/write data segment; the TSS descriptor is a
 * busy 32-bit TSS at base 0 with limit 0x67, the TR state the PVH ABI asks for.
 */
const DESCRIPTORS: readonly (readonly [number, number])[] = [
  [0x00000000, 0x00000000],
  [0x0000ffff, 0x00cf9b00],
  [0x0000ffff, 0x00cf9300],
  [0x00000067, 0x00008b00],
];

export function buildBootGdt(): PlacedTable {
  const w = new ByteWriter(DESCRIPTORS.length * 8);
  DESCRIPTORS.forEach(([low, high], i) => w.u32(i * 8, low).u32(i * 8 + 4, high));
  return { name: 'boot GDT', address: BOOT_GDT_ADDRESS, bytes: w.bytes };
}
