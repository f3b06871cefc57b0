/**
 * Process exit statuses of `bringup run`: a contract scripts and CI depend on.
 * isa-debug-exit statuses are always odd ((v << 1) | 1, as QEMU's device
 * gives), so none of the fixed even codes below can collide with one.
 */
import type { ExitReason } from '../emulator/machine/machine';

export const EXIT_ALL_HALTED = 0;
export const EXIT_TRIPLE_FAULT = 2;
/** The guest asked for a platform reset (0xCF9, 8042 pulse, port 0x92); the run ends as QEMU's -no-reboot does. */
export const EXIT_RESET_REQUESTED = 4;
/** An emulator bug (not a guest error): sysexits EX_SOFTWARE. */
export const EXIT_INTERNAL_ERROR = 70;
/** As timeout(1): --max-instructions, --timeout, a machine that can never make progress again, or gdb's `kill`. */
export const EXIT_LIMIT = 124;
/** sysexits EX_USAGE: bad arguments, or an image that cannot be loaded. */
export const EXIT_USAGE = 64;

/** The status a shell sees for an isa-debug-exit write of `value` (the OS keeps the low 8 bits). */
export function debugExitProcessStatus(status: number): number {
  return status & 0xff;
}

/** The process status for how a run ended (docs/cli.md "Exit status"). */
export function exitStatusFor(reason: ExitReason | { kind: 'timeout' } | { kind: 'killed' }): number {
  switch (reason.kind) {
    case 'debug-exit':
      return debugExitProcessStatus(reason.status);
    case 'all-halted':
      return EXIT_ALL_HALTED;
    case 'triple-fault':
      return EXIT_TRIPLE_FAULT;
    case 'reset-requested':
      return EXIT_RESET_REQUESTED;
    case 'instruction-limit':
    case 'idle-forever':
    case 'timeout':
    case 'killed':
      return EXIT_LIMIT;
  }
}
