/**
 * INT 13h fixed-disk services over the attached disk images (drive 80h is
 * the first): reset, status, CHS read (AH=02h), drive parameters (08h),
 * disk type (15h), and the EDD extensions check (41h), LBA read (42h) and
 * parameters (48h) from the BIOS Enhanced Disk Drive Specification 3.0.
 * Drive 81h is the second disk (the ATA primary slave). Reads see what the
 * guest wrote through the ATA controller (the disks are shared). Writes
 * through INT 13h fail with status 03h (write protected).
 */
import type { BiosCall } from './bios-call';
import { hex2, type BiosContext } from './bios-context';
import { BDA_BASE, BDA_DISK_STATUS } from './bios-data-area';
import { SECTOR_SIZE, type DiskImage } from './disk-image';

/** INT 13h status codes (AH). */
export const enum DiskStatus {
  Ok = 0x00,
  InvalidFunction = 0x01,
  WriteProtected = 0x03,
  SectorNotFound = 0x04,
}

/** The CHS geometry we report: 16 heads, 63 sectors per track, as many cylinders as fit (at most 1024). */
export interface DiskGeometry {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

export function diskGeometry(disk: DiskImage): DiskGeometry {
  const heads = 16;
  const sectorsPerTrack = 63;
  return { cylinders: Math.max(1, Math.min(1024, Math.floor(disk.sectorCount / (heads * sectorsPerTrack)))), heads, sectorsPerTrack };
}

/** EDD 3.0: AH=42h transfers at most 127 blocks per call. */
const MAX_EDD_BLOCKS = 127;

function readInto(ctx: BiosContext, disk: DiskImage, lba: number, count: number, address: number): boolean {
  const buffer = new Uint8Array(count * SECTOR_SIZE);
  if (!disk.readSectors(lba, count, buffer)) return false;
  ctx.memory.writeBytes(address, buffer);
  return true;
}

export function int13Disk(call: BiosCall, ctx: BiosContext): void {
  const ah = call.ah;
  const drive = call.dl;
  const disk = drive >= 0x80 ? ctx.disks[drive - 0x80] : undefined;
  const finish = (status: DiskStatus): void => {
    if (status === DiskStatus.Ok) call.ok();
    else call.fail(status);
    ctx.memory.write8(BDA_BASE + BDA_DISK_STATUS, status);
  };
  if (ah === 0x15 && disk === undefined) {
    // AH=15h: AH=00h "no such drive" is a successful answer.
    call.ok();
    return;
  }
  if (disk === undefined) {
    finish(DiskStatus.InvalidFunction);
    return;
  }
  const g = diskGeometry(disk);
  switch (ah) {
    case 0x00:
      finish(DiskStatus.Ok);
      return;
    case 0x01:
      call.ah = ctx.memory.read8(BDA_BASE + BDA_DISK_STATUS);
      call.setCarry(call.ah !== 0);
      return;
    case 0x02: {
      // CL bits 0-5 sector (1-based), CL bits 6-7 and CH the cylinder, DH the head; AL sectors to ES:BX.
      const count = call.al;
      const sector = call.cx & 0x3f;
      const cylinder = ((call.cx >>> 8) & 0xff) | ((call.cx & 0xc0) << 2);
      const head = call.dh;
      if (count === 0 || sector === 0 || head >= g.heads || sector > g.sectorsPerTrack) {
        call.al = 0;
        finish(count === 0 ? DiskStatus.InvalidFunction : DiskStatus.SectorNotFound);
        return;
      }
      const lba = (cylinder * g.heads + head) * g.sectorsPerTrack + (sector - 1);
      const ok = readInto(ctx, disk, lba, count, call.linear('es', call.bx));
      call.al = ok ? count : 0;
      finish(ok ? DiskStatus.Ok : DiskStatus.SectorNotFound);
      return;
    }
    case 0x03:
    case 0x43:
      // Writes through INT 13h are refused; guests write through the ATA controller (its overlay or, with --disk-writable, the file).
      finish(DiskStatus.WriteProtected);
      return;
    case 0x08: {
      const maxCylinder = g.cylinders - 1;
      call.cx = ((maxCylinder & 0xff) << 8) | ((maxCylinder >>> 2) & 0xc0) | g.sectorsPerTrack;
      call.dx = ((g.heads - 1) << 8) | ctx.disks.length;
      finish(DiskStatus.Ok);
      return;
    }
    case 0x15:
      // AH=03h: fixed disk; CX:DX = number of sectors.
      call.ok();
      call.ah = 0x03;
      call.cx = disk.sectorCount >>> 16;
      call.dx = disk.sectorCount & 0xffff;
      return;
    case 0x41:
      if (call.bx !== 0x55aa) {
        finish(DiskStatus.InvalidFunction);
        return;
      }
      // EDD 3.0 (AH=30h); CX bit 0: the fixed disk access subset (42h-44h, 47h, 48h).
      call.bx = 0xaa55;
      call.cx = 0x0001;
      call.setCarry(false);
      call.ah = 0x30;
      return;
    case 0x42: {
      // Disk address packet at DS:SI: size, reserved, blocks (u16), buffer offset:segment, LBA (u64),
      // and for size >= 18h a flat 64-bit buffer address used when offset:segment is FFFF:FFFF.
      const packet = call.linear('ds', call.regs.esi);
      const m = ctx.memory;
      const size = m.read8(packet);
      const blocks = m.read16(packet + 2);
      const offset = m.read16(packet + 4);
      const segment = m.read16(packet + 6);
      const lbaLow = m.read32(packet + 8);
      const lbaHigh = m.read32(packet + 12);
      if (size < 0x10 || blocks > MAX_EDD_BLOCKS) {
        finish(DiskStatus.InvalidFunction);
        return;
      }
      let address = ((segment << 4) + offset) >>> 0;
      if (offset === 0xffff && segment === 0xffff && size >= 0x18) {
        if (m.read32(packet + 0x14) !== 0) {
          finish(DiskStatus.InvalidFunction);
          return;
        }
        address = m.read32(packet + 0x10);
      }
      const ok = lbaHigh === 0 && readInto(ctx, disk, lbaLow, blocks, address);
      if (!ok) m.write16(packet + 2, 0);
      finish(ok ? DiskStatus.Ok : DiskStatus.SectorNotFound);
      return;
    }
    case 0x48: {
      // EDD 3.0 result buffer (1Ah bytes): size, flags (bit 1: CHS information valid), cylinders, heads,
      // sectors per track, total sectors (u64), bytes per sector.
      const buffer = call.linear('ds', call.regs.esi);
      const m = ctx.memory;
      if (m.read16(buffer) < 0x1a) {
        finish(DiskStatus.InvalidFunction);
        return;
      }
      m.write16(buffer, 0x1a);
      m.write16(buffer + 2, 0x0002);
      m.write32(buffer + 4, g.cylinders);
      m.write32(buffer + 8, g.heads);
      m.write32(buffer + 12, g.sectorsPerTrack);
      m.write32(buffer + 16, disk.sectorCount);
      m.write32(buffer + 20, 0);
      m.write16(buffer + 24, SECTOR_SIZE);
      finish(DiskStatus.Ok);
      return;
    }
    default:
      ctx.unsupported(`INT 13h AH=${hex2(ah)}h is not implemented`);
      finish(DiskStatus.InvalidFunction);
  }
}
