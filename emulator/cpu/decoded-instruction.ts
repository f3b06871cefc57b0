/**
 * One decoded instruction: what the decoder extracted from the bytes (SDM
 * Vol. 2 chapter 2, "Instruction Format"). Objects are created once per
 * cached code address and reused on every execution, so execution never
 * allocates.
 */
import type { Handler, OpcodeEntry } from './opcode-table-types';

export const enum RepPrefix {
  None = 0,
  /** F3: REP / REPE / REPZ. */
  Rep = 1,
  /** F2: REPNE / REPNZ. */
  Repne = 2,
}

export class DecodedInstruction {
  entry!: OpcodeEntry;
  /** The handler the CPU runs: entry.execute or a specialised form (exec/fast.ts). Set by the CPU, not the decoder. */
  exec!: Handler;
  /** Register operands for specialised handlers (destination, source). */
  r1 = 0;
  r2 = 0;
  /**
   * The cached instruction that follows this one in the same decoded code
   * page (set by the CPU once the fall-through has been executed; only on
   * cached instructions, valid while the page's generation is unchanged).
   */
  next: DecodedInstruction | undefined = undefined;
  /** Total length in bytes, prefixes included. */
  length = 0;
  /** The opcode byte; two-byte opcodes are 0x100 | second byte. */
  opcode = 0;
  /** Code size the bytes were decoded for (CS.D). */
  codeSize: 16 | 32 = 32;
  opSize: 16 | 32 = 32;
  addrSize: 16 | 32 = 32;
  /** Segment override prefix (SegmentRegister number) or -1. */
  segmentOverride = -1;
  /** Segment for the memory operand: the override, else DS or SS (BP/ESP/EBP based). */
  segment = 3;
  rep: RepPrefix = RepPrefix.None;
  lock = false;
  hasModrm = false;
  mod = 0;
  reg = 0;
  rm = 0;
  /** True when the r/m operand is memory (mod != 3). */
  isMemory = false;
  /** Base / index register numbers for the memory operand, -1 when absent. */
  base = -1;
  index = -1;
  /** log2 of the SIB scale (0..3). */
  scale = 0;
  /** Displacement, sign-extended, as a signed number. */
  disp = 0;
  hasSib = false;
  /** Displacement byte count (0, 1, 2 or 4), for the disassembler. */
  dispSize = 0;
  /** First immediate (sign-extended where the form says so, masked to its operand size), or relative branch displacement (signed). */
  imm = 0;
  /** Second immediate: ENTER's nesting level, or the selector of a far pointer (Ap). */
  imm2 = 0;
  /** Raw bytes of the instruction (filled by the decoder, length entries valid). */
  readonly bytes = new Uint8Array(15);
}
