/**
 * Run control's stops in the protocol's words: which gdb signal a machine
 * event is shown as, and which stop reason goes with it. gdb has no
 * vocabulary for IPIs or mode switches; a signal stops it and prints a
 * name, and the `O` line before it (and `monitor why`) says what happened.
 */
import type { EventFilterId } from '../run-control/event-filters';
import { GdbSignal } from './stop-reply';

/** #DE, #MF, #XM are arithmetic (SIGFPE); #UD is SIGILL; other exceptions SIGSEGV (SDM Vol. 3A 6.15). */
function exceptionSignal(vector: number): number {
  if (vector === 0 || vector === 16 || vector === 19) return GdbSignal.FPE;
  if (vector === 6) return GdbSignal.ILL;
  return GdbSignal.SEGV;
}

export function signalForEvent(filter: EventFilterId, variables: Record<string, number | string | boolean>): number {
  switch (filter) {
    case 'init-ipi':
    case 'startup-ipi':
    case 'ipi-sent':
    case 'ipi-received':
      return GdbSignal.USR1;
    case 'pv-startup-state':
    case 'pv-vcpu-up':
    case 'pv-refused':
    case 'pv-stale-state':
    case 'cr0-pe':
    case 'cr0-pg':
    case 'port-io':
    case 'v86':
      return GdbSignal.USR2;
    case 'exception':
      return exceptionSignal(typeof variables.$vector === 'number' ? variables.$vector : -1);
    case 'invalid-opcode':
      return GdbSignal.ILL;
    case 'triple-fault':
      return GdbSignal.ABRT;
  }
}
