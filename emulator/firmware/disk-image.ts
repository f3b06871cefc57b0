/**
 * A BIOS hard disk as the host supplies it (a raw image file, an in-memory
 * buffer in tests). The emulator reads it only through this interface, and
 * writes through writeSectors when the disk has one.
 */
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const SECTOR_SIZE = 512;

export interface DiskImage {
  /** Number of 512-byte sectors. */
  readonly sectorCount: number;
  /** Copy `count` sectors from `lba` into `into` (count*512 bytes); false if any is past the end. */
  readSectors(lba: number, count: number, into: Uint8Array): boolean;
  /** Store `count` sectors from `from` at `lba`; false if any is past the end. Absent: the disk is read-only. */
  writeSectors?(lba: number, count: number, from: Uint8Array): boolean;
}

/** A disk backed by a byte array; a partial last sector reads as zero-padded. Read-only. */
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

/**
 * Where written sectors go besides the in-memory copy: the host's backing
 * file (`--disk-writable`). Called with the whole sectors written; the
 * host clips the last partial sector to the file's length if it wants to.
 */
export type DiskWriteBack = (lba: number, data: Uint8Array) => void;

/**
 * A writable disk over a base image: written sectors are kept in a
 * copy-on-write overlay in memory (the base bytes are never modified) and,
 * when `writeBack` is given, also passed to it, so that the file changes.
 * Every reader (INT 13h, the ATA controller) sees the same contents.
 */
export class OverlayDisk implements DiskImage {
  readonly sectorCount: number;
  private readonly overlay = new Map<number, Uint8Array>();
  constructor(private readonly base: DiskImage, private readonly writeBack?: DiskWriteBack) {
    this.sectorCount = base.sectorCount;
  }

  /** The copy-on-write overlay as plain data (docs/snapshots.md); the base image is configuration, not state. */
  save(): PlainObject {
    return saveOwnFields(this, ['base', 'sectorCount']);
  }

  /** Replace the overlay by a saved one (the write-back target is not told: the host file keeps what was written). */
  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }

  /** Sectors written since the machine started, by LBA. */
  get writtenSectors(): ReadonlyMap<number, Uint8Array> {
    return this.overlay;
  }

  readSectors(lba: number, count: number, into: Uint8Array): boolean {
    if (!this.base.readSectors(lba, count, into)) return false;
    for (let i = 0; i < count; i++) {
      const written = this.overlay.get(lba + i);
      if (written !== undefined) into.set(written, i * SECTOR_SIZE);
    }
    return true;
  }

  writeSectors(lba: number, count: number, from: Uint8Array): boolean {
    if (lba < 0 || count < 0 || lba + count > this.sectorCount) return false;
    for (let i = 0; i < count; i++) {
      const sector = from.slice(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE);
      this.overlay.set(lba + i, sector);
      this.writeBack?.(lba + i, sector);
    }
    return true;
  }
}
