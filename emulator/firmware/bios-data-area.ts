/**
 * The BIOS data area at 0x400 and the EBDA, filled as a PC BIOS leaves them
 * for the boot loader (IBM PC/AT Technical Reference; the de-facto layout
 * every BIOS keeps), and the INT 15h AH=C0h system configuration table.
 */
import { ByteWriter } from './byte-writer';
import type { PlacedTable } from './placed-table';
import { EBDA_BASE, EBDA_SEGMENT, EBDA_SIZE, SYSTEM_CONFIG_TABLE_ADDRESS } from './platform-layout';
import { COM1_BASE } from '../devices/uart16550';

export const BDA_BASE = 0x400;
/** BDA offsets (relative to 0x400). */
export const BDA_COM1 = 0x00;
export const BDA_EBDA_SEGMENT = 0x0e;
export const BDA_EQUIPMENT = 0x10;
export const BDA_MEMORY_KIB = 0x13;
export const BDA_VIDEO_MODE = 0x49;
export const BDA_VIDEO_COLUMNS = 0x4a;
export const BDA_TIMER_TICKS = 0x6c;
export const BDA_DISK_STATUS = 0x74;
export const BDA_HARD_DISK_COUNT = 0x75;
export const BDA_VIDEO_ROWS = 0x84;
export const BDA_VIDEO_PAGE_SIZE = 0x4c;
export const BDA_CURSOR_TYPE = 0x60;
/** I/O base of the CRT controller (0x3D4 colour, 0x3B4 mono): kernels read it to find the cursor registers. */
export const BDA_CRTC_BASE = 0x63;
export const BDA_CHARACTER_HEIGHT = 0x85;

/**
 * Equipment word (INT 11h): bit 1 x87 present, bits 4-5 = 10b initial video
 * mode 80x25 colour, bits 9-11 = number of serial ports (1: COM1).
 */
export const EQUIPMENT_WORD = (1 << 1) | (2 << 4) | (1 << 9);

export function buildBiosDataArea(conventionalKiB: number, hardDisks: number): PlacedTable {
  const w = new ByteWriter(0x100);
  w.u16(BDA_COM1, COM1_BASE);
  w.u16(BDA_EBDA_SEGMENT, EBDA_SEGMENT);
  w.u16(BDA_EQUIPMENT, EQUIPMENT_WORD);
  w.u16(BDA_MEMORY_KIB, conventionalKiB);
  w.u8(BDA_VIDEO_MODE, 0x03).u16(BDA_VIDEO_COLUMNS, 80).u8(BDA_VIDEO_ROWS, 24);
  // Mode 3: 4 KiB pages, underline cursor (scan lines 6-7), CRTC at 0x3D4, 16-line characters.
  w.u16(BDA_VIDEO_PAGE_SIZE, 0x1000).u16(BDA_CURSOR_TYPE, 0x0607).u16(BDA_CRTC_BASE, 0x3d4).u16(BDA_CHARACTER_HEIGHT, 16);
  w.u8(BDA_HARD_DISK_COUNT, hardDisks);
  return { name: 'BIOS data area', address: BDA_BASE, bytes: w.bytes };
}

/** The EBDA's first word is its size in KiB. */
export function buildEbda(): PlacedTable {
  const w = new ByteWriter(EBDA_SIZE);
  w.u16(0, EBDA_SIZE / 1024);
  return { name: 'EBDA', address: EBDA_BASE, bytes: w.bytes };
}

/**
 * INT 15h AH=C0h system configuration table (Ralf Brown's table format):
 * length 8, model FCh (AT class), feature byte 1 = second 8259 (bit 6) and
 * RTC (bit 5) present.
 */
export function buildSystemConfigTable(): PlacedTable {
  const w = new ByteWriter(10);
  w.u16(0, 8).u8(2, 0xfc).u8(3, 0x01).u8(4, 0).u8(5, 0x60);
  return { name: 'system configuration table', address: SYSTEM_CONFIG_TABLE_ADDRESS, bytes: w.bytes };
}
