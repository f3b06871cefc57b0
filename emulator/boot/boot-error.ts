/**
 * A kernel or disk image that cannot be booted, or a machine configuration
 * the firmware cannot describe. The CLI reports the message and exits with
 * status 64 (EX_USAGE); the debug adapter shows it as a launch error.
 */
export class BootError extends Error {
  override readonly name = 'BootError';
}
