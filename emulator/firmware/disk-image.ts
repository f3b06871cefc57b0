/**
 * A BIOS hard disk as the host supplies it (a raw image file, an in-memory
 * buffer in tests). The emulator reads it only through this interface.
 */
export const SECTOR_SIZE = 512;

export interface DiskImage {
  /** Number of 512-byte sectors. */
  readonly sectorCount: number;
  /** Copy `count` sectors from `lba` into `into` (count*512 bytes); false if any is past the end. */
  readSectors(lba: number, count: number, into: Uint8Array): boolean;
}

/** A disk backed by a byte array; a partial last sector reads as zero-padded. */
export function diskFromBytes(bytes: Uint8Array): DiskImage {
  const sectorCount = Math.ceil(bytes.length / SECTOR_SIZE);
  return {
    sectorCount,
    readSectors(lba: number, count: number, into: Uint8Array): boolean {
      if (lba < 0 || count < 0 || lba + count > sectorCount) return false;
      const start = lba * SECTOR_SIZE;
      const end = Math.min(bytes.length, start + count * SECTOR_SIZE);
      into.fill(0, 0, count * SECTOR_SIZE);
      into.set(bytes.subarray(start, end));
      return true;
    },
  };
}
