/**
 * INT 1Ah time-of-day services from virtual time, so that runs repeat
 * exactly: the machine's clock reads 2000-01-01 00:00:00 at virtual time 0.
 * Ticks are the PIT's 1193182 Hz / 65536 (about 18.2 per second).
 */
import type { BiosCall } from './bios-call';
import { hex2, type BiosContext } from './bios-context';

const PIT_HZ = 1193182;
const TICKS_PER_DAY = 0x1800b0;
export const BIOS_EPOCH_MS = Date.UTC(2000, 0, 1);

function bcd(value: number): number {
  return ((Math.floor(value / 10) % 10) << 4) | (value % 10);
}

export class TimeOfDay {
  /** Ticks added by INT 1Ah AH=01h (set tick count). */
  private tickOffset = 0;

  save(): number {
    return this.tickOffset;
  }

  restore(tickOffset: number): void {
    this.tickOffset = tickOffset;
  }

  ticks(nowNs: number): number {
    const elapsed = Math.floor(((nowNs / 1e9) * PIT_HZ) / 65536);
    return (((elapsed + this.tickOffset) % TICKS_PER_DAY) + TICKS_PER_DAY) % TICKS_PER_DAY;
  }

  handle(call: BiosCall, ctx: BiosContext): void {
    const now = ctx.now();
    switch (call.ah) {
      case 0x00: {
        const t = this.ticks(now);
        call.cx = t >>> 16;
        call.dx = t & 0xffff;
        call.al = 0;
        return;
      }
      case 0x01:
        this.tickOffset += ((call.cx << 16) | call.dx) - this.ticks(now);
        return;
      case 0x02: {
        const d = new Date(BIOS_EPOCH_MS + Math.floor(now / 1e6));
        call.cx = (bcd(d.getUTCHours()) << 8) | bcd(d.getUTCMinutes());
        call.dx = bcd(d.getUTCSeconds()) << 8;
        call.setCarry(false);
        return;
      }
      case 0x04: {
        const d = new Date(BIOS_EPOCH_MS + Math.floor(now / 1e6));
        const year = d.getUTCFullYear();
        call.cx = (bcd(Math.floor(year / 100)) << 8) | bcd(year % 100);
        call.dx = (bcd(d.getUTCMonth() + 1) << 8) | bcd(d.getUTCDate());
        call.setCarry(false);
        return;
      }
      default:
        ctx.unsupported(`INT 1Ah AH=${hex2(call.ah)}h is not implemented`);
        call.setCarry(true);
    }
  }
}
