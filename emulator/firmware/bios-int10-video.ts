/**
 * INT 10h video services for the 80x25 colour text mode (IBM PC/AT BIOS
 * interface, Ralf Brown's INT 10h list): the BIOS draws into the text
 * buffer and programs the CRTC cursor (bios-text-console.ts). Teletype
 * output (AH=0Eh) and write-string (AH=13h) are also copied to the serial
 * console, so a headless run shows what a boot loader prints. Graphics
 * modes are not offered: setting one is reported and leaves mode 3.
 */
import type { BiosCall } from './bios-call';
import { hex2, type BiosContext } from './bios-context';
import { COLUMNS, DEFAULT_ATTRIBUTE, ROWS } from './bios-text-console';

/** Palette and display-combination functions that change nothing a text screen shows here. */
const NO_VISIBLE_EFFECT = new Set([0x05, 0x0b, 0x10, 0x11, 0x12]);

export function int10Video(call: BiosCall, ctx: BiosContext): void {
  const ah = call.ah;
  const screen = ctx.screen;
  switch (ah) {
    case 0x00: {
      // AL bit 7 asks not to clear the screen.
      const mode = call.al & 0x7f;
      if (mode !== 0x02 && mode !== 0x03) ctx.unsupported(`INT 10h AH=00h: video mode ${hex2(mode)}h is not available (text mode 3 only); the screen stays in mode 3`);
      if ((call.al & 0x80) === 0) screen.clear();
      return;
    }
    case 0x01:
      screen.setCursorShape(call.regs.ecx >>> 8, call.regs.ecx);
      return;
    case 0x02:
      screen.setCursor(call.dh, call.dl);
      return;
    case 0x03: {
      const { row, column } = screen.cursor;
      call.dx = (row << 8) | column;
      call.cx = screen.cursorShape;
      return;
    }
    case 0x06:
    case 0x07:
      // AL lines (0 = clear), BH fill attribute, CH/CL top-left, DH/DL bottom-right.
      screen.scroll(ah === 0x06 ? 'up' : 'down', call.al, call.regs.ebx >>> 8, (call.regs.ecx >>> 8) & 0xff, call.regs.ecx & 0xff, call.dh, call.dl);
      return;
    case 0x08: {
      const { row, column } = screen.cursor;
      const cell = screen.cell(Math.min(row, ROWS - 1), Math.min(column, COLUMNS - 1));
      call.ax = (cell.attribute << 8) | cell.character;
      return;
    }
    case 0x09:
      screen.writeAtCursor(call.al, call.bx & 0xff, call.cx);
      return;
    case 0x0a:
      screen.writeAtCursor(call.al, undefined, call.cx);
      return;
    case 0x0e:
      screen.teletype(call.al);
      ctx.teletype(call.al);
      return;
    case 0x0f:
      // Mode 3, 80 columns, page 0.
      call.ax = (COLUMNS << 8) | 0x03;
      call.bx = call.bx & 0x00ff;
      return;
    case 0x13: {
      // ES:BP string, CX characters at row DH, column DL; AL bit 0: move the cursor; bit 1: characters alternate with attributes.
      const withAttributes = (call.al & 2) !== 0;
      const start = call.linear('es', call.regs.ebp);
      const saved = screen.cursor;
      screen.setCursor(call.dh, call.dl);
      for (let i = 0; i < call.cx; i++) {
        const character = ctx.memory.read8(start + i * (withAttributes ? 2 : 1));
        const attribute = withAttributes ? ctx.memory.read8(start + i * 2 + 1) : call.bx & 0xff;
        screen.teletype(character, character >= 0x20 ? attribute || DEFAULT_ATTRIBUTE : undefined);
        ctx.teletype(character);
      }
      if ((call.al & 1) === 0) screen.setCursor(saved.row, saved.column);
      return;
    }
    default:
      if (NO_VISIBLE_EFFECT.has(ah)) return;
      ctx.unsupported(`INT 10h AH=${hex2(ah)}h is not implemented`);
  }
}
