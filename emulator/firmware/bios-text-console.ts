/**
 * What the video BIOS draws in 80x25 text mode: characters and attributes
 * in the text buffer at 0xB8000, the cursor in the BIOS data area (0x450,
 * page 0) and in the CRT controller, so the screen, a kernel reading the
 * cursor back from CRTC 0x0E/0x0F, and INT 10h AH=03h agree. Teletype
 * follows the IBM BIOS: CR, LF, BS and BEL are controls, the screen scrolls
 * up at the bottom with the attribute of the last line.
 */
import type { PhysicalMemory } from '../memory/physical-memory';
import type { VgaText } from '../devices/vga/vga-text';
import { CRTC_CURSOR_END, CRTC_CURSOR_LOCATION_HIGH, CRTC_CURSOR_LOCATION_LOW, CRTC_CURSOR_START } from '../devices/vga/vga-registers';
import { BDA_BASE, BDA_CURSOR_TYPE as BDA_CURSOR_TYPE_OFFSET } from './bios-data-area';

export const TEXT_BUFFER = 0xb8000;
export const COLUMNS = 80;
export const ROWS = 25;
/** Light grey on black, what the BIOS uses for teletype on a cleared screen. */
export const DEFAULT_ATTRIBUTE = 0x07;
const BDA_CURSOR_PAGE0 = BDA_BASE + 0x50;
const BDA_CURSOR_TYPE = BDA_BASE + BDA_CURSOR_TYPE_OFFSET;

export interface CursorPosition {
  row: number;
  column: number;
}

export class BiosTextConsole {
  constructor(
    private readonly memory: PhysicalMemory,
    private readonly vga: VgaText | undefined,
  ) {}

  get cursor(): CursorPosition {
    const word = this.memory.read16(BDA_CURSOR_PAGE0);
    return { row: (word >> 8) & 0xff, column: word & 0xff };
  }

  /** INT 10h AH=02h: the BIOS keeps the position in the BDA and programs the CRTC cursor location. */
  setCursor(row: number, column: number): void {
    this.memory.write16(BDA_CURSOR_PAGE0, ((row & 0xff) << 8) | (column & 0xff));
    const location = Math.min(row, ROWS - 1) * COLUMNS + Math.min(column, COLUMNS - 1);
    this.writeCrtc(CRTC_CURSOR_LOCATION_HIGH, location >> 8);
    this.writeCrtc(CRTC_CURSOR_LOCATION_LOW, location & 0xff);
  }

  /** INT 10h AH=01h: CH = start scan line (bit 5 hides the cursor), CL = end. */
  setCursorShape(start: number, end: number): void {
    this.memory.write16(BDA_CURSOR_TYPE, ((start & 0xff) << 8) | (end & 0xff));
    this.writeCrtc(CRTC_CURSOR_START, start & 0x3f);
    this.writeCrtc(CRTC_CURSOR_END, end & 0x1f);
  }

  get cursorShape(): number {
    return this.memory.read16(BDA_CURSOR_TYPE);
  }

  private writeCrtc(index: number, value: number): void {
    if (this.vga !== undefined) this.vga.registers.crtc[index] = value & 0xff;
  }

  cell(row: number, column: number): { character: number; attribute: number } {
    const address = TEXT_BUFFER + (row * COLUMNS + column) * 2;
    return { character: this.memory.read8(address), attribute: this.memory.read8(address + 1) };
  }

  private put(row: number, column: number, character: number, attribute: number | undefined): void {
    const address = TEXT_BUFFER + (row * COLUMNS + column) * 2;
    this.memory.write8(address, character & 0xff);
    if (attribute !== undefined) this.memory.write8(address + 1, attribute & 0xff);
  }

  /** INT 10h AH=09h/0Ah: `count` copies at the cursor, which does not move; AH=0Ah keeps the attributes. */
  writeAtCursor(character: number, attribute: number | undefined, count: number): void {
    const { row, column } = this.cursor;
    let index = row * COLUMNS + column;
    for (let i = 0; i < count && index < ROWS * COLUMNS; i++, index++) this.put(Math.floor(index / COLUMNS), index % COLUMNS, character, attribute);
  }

  /** INT 10h AH=06h/07h: scroll the window up (or down) by `lines`, 0 = clear it, filling with `attribute`. */
  scroll(direction: 'up' | 'down', lines: number, attribute: number, top: number, left: number, bottom: number, right: number): void {
    bottom = Math.min(bottom, ROWS - 1);
    right = Math.min(right, COLUMNS - 1);
    if (top > bottom || left > right) return;
    const height = bottom - top + 1;
    if (lines === 0 || lines > height) lines = height;
    const rows = direction === 'up' ? range(top, bottom) : range(top, bottom).reverse();
    for (const row of rows) {
      const source = direction === 'up' ? row + lines : row - lines;
      for (let column = left; column <= right; column++) {
        if (source >= top && source <= bottom) {
          const { character, attribute: a } = this.cell(source, column);
          this.put(row, column, character, a);
        } else this.put(row, column, 0x20, attribute);
      }
    }
  }

  /** INT 10h AH=00h (mode 3) clears the screen and homes the cursor. */
  clear(): void {
    this.scroll('up', 0, DEFAULT_ATTRIBUTE, 0, 0, ROWS - 1, COLUMNS - 1);
    this.setCursor(0, 0);
  }

  /** INT 10h AH=0Eh. */
  teletype(character: number, attribute?: number): void {
    let { row, column } = this.cursor;
    switch (character) {
      case 0x07:
        return; // BEL: no speaker
      case 0x08:
        if (column > 0) column--;
        break;
      case 0x0a:
        row++;
        break;
      case 0x0d:
        column = 0;
        break;
      default:
        this.put(row, column, character, attribute);
        column++;
        if (column >= COLUMNS) {
          column = 0;
          row++;
        }
    }
    if (row >= ROWS) {
      // Scrolling keeps the attribute of the cell at the cursor for the new line (IBM BIOS teletype).
      const fill = this.cell(ROWS - 1, 0).attribute;
      this.scroll('up', 1, fill, 0, 0, ROWS - 1, COLUMNS - 1);
      row = ROWS - 1;
    }
    this.setCursor(row, column);
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
