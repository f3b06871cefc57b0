/**
 * What the VGA shows in text mode, read from its registers and the text
 * buffer: the geometry from the CRT controller (horizontal display end,
 * vertical display end / character height), the memory window from the
 * graphics controller's Miscellaneous register (0xB8000 colour, 0xB0000
 * monochrome), the start address and the cursor (location, start/end scan
 * line, disable bit). Plain data, for the CLI's --screen, the debugger's
 * bringup/screen request and tests.
 */
import type { PhysicalMemory } from '../../memory/physical-memory';
import { CP437 } from './cp437';
import {
  CRTC_CURSOR_END, CRTC_CURSOR_LOCATION_HIGH, CRTC_CURSOR_LOCATION_LOW, CRTC_CURSOR_START, CRTC_HORIZONTAL_DISPLAY_END, CRTC_MAX_SCAN_LINE, CRTC_OVERFLOW,
  CRTC_START_ADDRESS_HIGH, CRTC_START_ADDRESS_LOW, CRTC_VERTICAL_DISPLAY_END, GRAPHICS_MISC, textColourRgb, type VgaState,
} from './vga-registers';

export interface TextScreen {
  columns: number;
  rows: number;
  /** Physical address of the first displayed cell. */
  address: number;
  /** rows × columns character codes (CP437), row-major. */
  characters: number[];
  /** rows × columns attribute bytes (bits 0-3 foreground, 4-6 background, 7 blink or bright background). */
  attributes: number[];
  cursor: { row: number; column: number; visible: boolean; startScanLine: number; endScanLine: number };
  /** The 16 text colours as "#rrggbb", as the attribute controller and DAC map them. */
  palette: string[];
  /** Attribute bit 7 means blink (true) or bright background (false): Attribute Mode Control bit 3. */
  blink: boolean;
}

/** Base and size of the window GR6 bits 3:2 select (IBM VGA, Graphics Controller Miscellaneous Register). */
function memoryWindow(state: Readonly<VgaState>): { base: number; size: number } {
  switch ((state.graphics[GRAPHICS_MISC] >> 2) & 3) {
    case 0:
      return { base: 0xa0000, size: 0x20000 };
    case 1:
      return { base: 0xa0000, size: 0x10000 };
    case 2:
      return { base: 0xb0000, size: 0x8000 };
    default:
      return { base: 0xb8000, size: 0x8000 };
  }
}

function clamp(value: number, low: number, high: number, fallback: number): number {
  return value >= low && value <= high ? value : fallback;
}

export function readTextScreen(state: Readonly<VgaState>, memory: PhysicalMemory): TextScreen {
  const crtc = state.crtc;
  const columns = clamp(crtc[CRTC_HORIZONTAL_DISPLAY_END] + 1, 1, 132, 80);
  // Vertical display end is 10 bits: CRTC 0x12 plus overflow bits 1 (bit 8) and 6 (bit 9).
  const overflow = crtc[CRTC_OVERFLOW];
  const verticalEnd = crtc[CRTC_VERTICAL_DISPLAY_END] | ((overflow & 0x02) << 7) | ((overflow & 0x40) << 3);
  const charHeight = (crtc[CRTC_MAX_SCAN_LINE] & 0x1f) + 1;
  const rows = clamp(Math.floor((verticalEnd + 1) / charHeight), 1, 60, 25);
  const window = memoryWindow(state);
  const start = (crtc[CRTC_START_ADDRESS_HIGH] << 8) | crtc[CRTC_START_ADDRESS_LOW];
  const characters: number[] = [];
  const attributes: number[] = [];
  for (let i = 0; i < rows * columns; i++) {
    const offset = (((start + i) * 2) % window.size) >>> 0;
    characters.push(memory.read8(window.base + offset));
    attributes.push(memory.read8(window.base + ((offset + 1) % window.size)));
  }
  const location = ((crtc[CRTC_CURSOR_LOCATION_HIGH] << 8) | crtc[CRTC_CURSOR_LOCATION_LOW]) - start;
  const startScanLine = crtc[CRTC_CURSOR_START] & 0x1f;
  const endScanLine = crtc[CRTC_CURSOR_END] & 0x1f;
  const onScreen = location >= 0 && location < rows * columns;
  // Cursor Start bit 5 disables the cursor; a start line below the end line draws nothing either.
  const visible = onScreen && (crtc[CRTC_CURSOR_START] & 0x20) === 0 && startScanLine <= endScanLine;
  const palette: string[] = [];
  for (let c = 0; c < 16; c++) palette.push('#' + textColourRgb(state, c).map((v) => v.toString(16).padStart(2, '0')).join(''));
  return {
    columns,
    rows,
    address: window.base + ((start * 2) % window.size),
    characters,
    attributes,
    cursor: { row: onScreen ? Math.floor(location / columns) : -1, column: onScreen ? location % columns : -1, visible, startScanLine, endScanLine },
    palette,
    blink: (state.attribute[0x10] & 0x08) !== 0,
  };
}

/** The screen as UTF-8 text lines (CP437 mapped), trailing blanks trimmed, one "\n" per row. */
export function textScreenToString(screen: TextScreen): string {
  const lines: string[] = [];
  for (let r = 0; r < screen.rows; r++) {
    let line = '';
    for (let c = 0; c < screen.columns; c++) line += CP437[screen.characters[r * screen.columns + c]];
    lines.push(line.replace(/[ \u00a0]+$/, ''));
  }
  return lines.join('\n') + '\n';
}
