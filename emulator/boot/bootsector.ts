/**
 * Boot-sector boot, as a PC BIOS does it: sector 0 of the boot disk is read
 * to 0000:7C00 and entered in real mode with DL = the BIOS drive number.
 * The image is presented to the BIOS as the first hard disk (drive 80h).
 */
import { BootError } from './boot-error';
import { FIRST_HARD_DISK, type RealModeEntry } from './boot-plan';
import type { LoadPlacement } from './load-placement';
import { FLAG_IF, FLAG_RESERVED_1 } from '../cpu/eflags';

export const BOOT_SECTOR_ADDRESS = 0x7c00;
export const BOOT_SECTOR_SIZE = 512;

/** The 0x55 0xAA signature at offset 510 that BIOSes require of a bootable sector. */
export function hasBootSignature(image: Uint8Array): boolean {
  return image.length >= BOOT_SECTOR_SIZE && image[510] === 0x55 && image[511] === 0xaa;
}

export interface BootSectorResult {
  entry: RealModeEntry;
  note: string;
}

/**
 * Load sector 0. The signature is required when the protocol was detected
 * (auto); when the user asked for a boot sector explicitly, a missing
 * signature or a short image is accepted with a note, which is what test
 * images assembled without padding need.
 */
export function loadBootSector(image: Uint8Array, placement: LoadPlacement, explicit: boolean): BootSectorResult {
  if (image.length === 0) throw new BootError('the boot image is empty: there is no sector 0 to boot');
  let note = '';
  if (!hasBootSignature(image)) {
    if (!explicit) throw new BootError('sector 0 has no 0x55AA boot signature at offset 510');
    note = image.length < BOOT_SECTOR_SIZE
      ? ` (image is ${image.length} bytes, shorter than a sector: zero-padded, no 0x55AA signature)`
      : ' (no 0x55AA signature at offset 510; booted anyway because --boot bootsector was given)';
  }
  const sector = new Uint8Array(BOOT_SECTOR_SIZE);
  sector.set(image.subarray(0, BOOT_SECTOR_SIZE));
  placement.place('boot sector', BOOT_SECTOR_ADDRESS, sector);
  return {
    // SS:SP = 0000:7C00 just below the sector, as most BIOSes leave it; IF=1 as after POST.
    entry: {
      kind: 'real-mode',
      cs: 0,
      ip: BOOT_SECTOR_ADDRESS,
      ds: 0,
      es: 0,
      ss: 0,
      fs: 0,
      gs: 0,
      eflags: FLAG_RESERVED_1 | FLAG_IF,
      registers: { edx: FIRST_HARD_DISK, esp: BOOT_SECTOR_ADDRESS },
    },
    note,
  };
}
