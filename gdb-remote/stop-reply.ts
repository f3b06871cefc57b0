/** Stop replies as text (GDB manual E.3 "Stop Reply Packets"). */
import { hex2 } from './hex';
import type { StopReply } from './target';

/** gdb's own signal numbers (include/gdb/signals.def), which the protocol uses whatever the host. */
export const GdbSignal = {
  INT: 2,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  FPE: 8,
  SEGV: 11,
  USR1: 30,
  USR2: 31,
} as const;

export interface StopReplyOptions {
  /** gdb announced swbreak+ / hwbreak+ in qSupported (E.3: only then may the stub send those reasons). */
  swbreak: boolean;
  hwbreak: boolean;
}

export function formatStopReply(stop: StopReply, options: StopReplyOptions): string {
  switch (stop.kind) {
    case 'exited':
      return `W${hex2(stop.status)}`;
    case 'terminated':
      return `X${hex2(stop.signal)}`;
    case 'signal': {
      let cause = '';
      const c = stop.cause;
      if (c.kind === 'watch' || c.kind === 'rwatch' || c.kind === 'awatch') cause = `${c.kind}:${(c.address >>> 0).toString(16)};`;
      else if (c.kind === 'swbreak' && options.swbreak) cause = 'swbreak:;';
      else if (c.kind === 'hwbreak' && options.hwbreak) cause = 'hwbreak:;';
      return `T${hex2(stop.signal)}thread:${stop.thread.toString(16)};${cause}`;
    }
  }
}
