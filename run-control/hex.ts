/** A 32-bit value as the debugger front ends print it: 0x and a fixed number of hex digits. */
export function hex(v: number, digits = 8): string {
  return '0x' + (v >>> 0).toString(16).padStart(digits, '0');
}
