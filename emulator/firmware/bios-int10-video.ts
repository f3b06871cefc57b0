/**
 * INT 10h video services, for a machine with no display: teletype output
 * (AH=0Eh) and write-string (AH=13h) go to the serial console; mode and
 * cursor queries answer as an 80x25 colour text mode would. Functions that
 * only draw (set mode, cursor, scroll, AH=09h/0Ah character writes) are
 * accepted and have no visible effect.
 */
import type { BiosCall } from './bios-call';
import { hex2, type BiosContext } from './bios-context';

const NO_EFFECT = new Set([0x00, 0x01, 0x02, 0x05, 0x06, 0x07, 0x09, 0x0a, 0x0b, 0x10, 0x11]);

export function int10Video(call: BiosCall, ctx: BiosContext): void {
  const ah = call.ah;
  switch (ah) {
    case 0x0e:
      ctx.teletype(call.al);
      return;
    case 0x13: {
      // ES:BP string, CX characters; AL bit 1: characters alternate with attribute bytes.
      const step = (call.al & 2) !== 0 ? 2 : 1;
      const start = call.linear('es', call.regs.ebp);
      for (let i = 0; i < call.cx; i++) ctx.teletype(ctx.memory.read8(start + i * step));
      return;
    }
    case 0x03:
      // Cursor at row 0, column 0; the usual underline cursor shape.
      call.dx = 0;
      call.cx = 0x0607;
      return;
    case 0x0f:
      // Mode 3, 80 columns, page 0.
      call.ax = (80 << 8) | 0x03;
      call.bx = call.bx & 0x00ff;
      return;
    default:
      if (NO_EFFECT.has(ah)) return;
      ctx.unsupported(`INT 10h AH=${hex2(ah)}h is not implemented`);
  }
}
