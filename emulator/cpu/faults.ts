/**
 * Exception vectors and the way the core unwinds a faulting instruction.
 * SDM Vol. 3A 6.3.1 Table 6-1 lists the vectors; 6.13 their error codes.
 */
export const enum Vector {
  DE = 0,
  DB = 1,
  NMI = 2,
  BP = 3,
  OF = 4,
  BR = 5,
  UD = 6,
  NM = 7,
  DF = 8,
  TS = 10,
  NP = 11,
  SS = 12,
  GP = 13,
  PF = 14,
  MF = 16,
  AC = 17,
  MC = 18,
  XM = 19,
}

export const VECTOR_MNEMONICS: readonly string[] = [
  '#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', 'coprocessor segment overrun', '#TS', '#NP', '#SS', '#GP', '#PF',
  'reserved 15', '#MF', '#AC', '#MC', '#XM', '#VE',
];

export const VECTOR_DESCRIPTIONS: readonly string[] = [
  'divide error', 'debug', 'non-maskable interrupt', 'breakpoint', 'overflow', 'BOUND range exceeded', 'invalid opcode',
  'device not available', 'double fault', 'coprocessor segment overrun', 'invalid TSS', 'segment not present',
  'stack-segment fault', 'general protection', 'page fault', 'reserved', 'x87 floating-point error', 'alignment check',
  'machine check', 'SIMD floating-point', 'virtualization exception',
];

/** Vectors that push an error code (SDM Vol. 3A 6.13). */
export function vectorHasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

/**
 * Exception classes for the double-fault rules (SDM Vol. 3A 6.15, Table 6-5):
 * 1 = contributory, 2 = page fault, 0 = benign.
 */
export function exceptionClass(vector: number): 0 | 1 | 2 {
  if (vector === 0 || (vector >= 10 && vector <= 13)) return 1;
  if (vector === 14) return 2;
  return 0;
}

export function describeVector(vector: number): string {
  if (vector < VECTOR_MNEMONICS.length) return `${VECTOR_MNEMONICS[vector]} (${VECTOR_DESCRIPTIONS[vector]})`;
  return `vector ${vector}`;
}

/**
 * Thrown (one shared instance, never allocated per fault) to unwind out of
 * an instruction handler when the guest faults; the CPU then delivers the
 * exception recorded in its pending-fault fields. It never escapes the core.
 */
export const GUEST_FAULT: { readonly guestFault: true } = Object.freeze({ guestFault: true as const });

/** An emulator bug (a broken invariant), never a guest mistake. */
export class EmulatorInternalError extends Error {
  override name = 'EmulatorInternalError';
}
