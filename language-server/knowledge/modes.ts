/**
 * Which instructions exist in which mode. SDM Vol. 2 Appendix A.2.5 marks
 * opcodes "i64" (invalid in 64-bit mode) and "o64" (64-bit mode only); the
 * lists below are those opcodes' mnemonics as NASM and GAS spell them.
 */
import type { Bits } from '../model';

/** i64: invalid in 64-bit mode (SDM Vol. 2 Table A-2 superscript i64). */
const INVALID_IN_64 = new Set([
  'aaa', 'aad', 'aam', 'aas', 'daa', 'das', 'bound', 'into', 'arpl',
  'pusha', 'pushad', 'popa', 'popad', 'pushaw', 'pushal', 'popaw', 'popal', 'les', 'lds',
]);

/** Segment registers PUSH/POP cannot name in 64-bit mode (SDM Vol. 2 PUSH, POP: 06/07/0E/16/17/1E/1F are i64). */
const SEGMENT_PUSH_POP_64 = new Set(['cs', 'ds', 'es', 'ss']);

/** o64 instructions and 64-bit-only forms, rejected outside 64-bit mode (SDM Vol. 2 SWAPGS, CDQE, CQO, MOVSXD...). */
const ONLY_64 = new Set(['swapgs', 'cdqe', 'cqo', 'movsxd', 'iretq', 'jrcxz', 'cmpxchg16b', 'lodsq', 'stosq', 'movsq', 'cmpsq', 'scasq', 'pushfq', 'popfq']);

/** Why `mnemonic` (with its operands) cannot be assembled in `bits`, or undefined. */
export function modeProblem(mnemonic: string, operands: readonly string[], bits: Bits): string | undefined {
  const m = mnemonic.toLowerCase();
  if (bits === 64) {
    if (INVALID_IN_64.has(m)) return `${m} is not valid in 64-bit mode (SDM Vol. 2 Appendix A, i64)`;
    if ((m === 'push' || m === 'pop') && operands.length === 1 && SEGMENT_PUSH_POP_64.has(operands[0].trim().toLowerCase())) {
      return `${m} ${operands[0].trim()} is not valid in 64-bit mode (SDM Vol. 2 ${m.toUpperCase()})`;
    }
    if ((m === 'jmp' || m === 'call') && operands.length === 1 && /^\s*(?:0x[0-9a-f]+|\d+)\s*:/i.test(operands[0])) {
      return `direct far ${m} (ptr16:32) is not valid in 64-bit mode (SDM Vol. 2 ${m.toUpperCase()} EA/9A)`;
    }
    return undefined;
  }
  if (ONLY_64.has(m)) return `${m} exists only in 64-bit mode`;
  return undefined;
}

/**
 * Mnemonics NASM/GAS accept that Bringup's opcode table does not list (it has
 * no SSE, AVX or 64-bit instructions). Used to tell instructions from labels
 * and macro calls; hovers say the emulator does not execute them.
 */
export const OTHER_MNEMONICS = new Set([
  'pause', 'syscall', 'sysret', 'sysretq', 'rdtscp', 'rdpmc', 'xgetbv', 'xsetbv', 'monitor', 'mwait', 'rsm',
  'fld', 'fst', 'fstp', 'fild', 'fistp', 'fadd', 'fsub', 'fmul', 'fdiv', 'finit', 'fsave', 'frstor', 'fxch', 'fcom',
  'movd', 'movq', 'movaps', 'movups', 'movdqa', 'movdqu', 'pxor', 'xorps', 'ldmxcsr', 'stmxcsr', 'xsave', 'xrstor',
  'invpcid', 'wrfsbase', 'wrgsbase', 'rdfsbase', 'rdgsbase', 'vmxon', 'vmxoff', 'vmlaunch', 'vmresume', 'vmptrld',
  'vmclear', 'vmread', 'vmwrite', 'prefetch', 'prefetchw', 'popcnt', 'lzcnt', 'tzcnt', 'crc32', 'rdrand', 'rdseed',
  'ud0', 'ud1', 'sal', 'xlat', 'loopz', 'loopnz', 'lret', 'ljmp', 'lcall', 'jecxz', 'icebp', 'retn', 'enter', 'leave',
  ...INVALID_IN_64, ...ONLY_64,
]);

/** Instruction prefixes written as separate words (NASM manual 3.1; GAS "Instruction Prefixes"). */
export const PREFIXES = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'o16', 'o32', 'o64', 'a16', 'a32', 'a64', 'data16', 'data32', 'addr16', 'addr32', 'cs', 'ds', 'es', 'fs', 'gs', 'ss']);
