/**
 * Types of the opcode table (opcode-table.ts), kept apart so the decoded
 * instruction, the decoder, the disassembler and editor hovers can share them
 * without importing the executor.
 */
import type { DecodedInstruction } from './decoded-instruction';
import type { Cpu } from './cpu';

/**
 * Operand forms in the SDM's own notation (Vol. 2 Appendix A.2):
 * addressing method letter + operand type letter.
 *   E = ModRM r/m (register or memory), G = ModRM reg, M = ModRM memory only,
 *   R = ModRM r/m register only, S = ModRM reg selects a segment register,
 *   C / D = ModRM reg selects a control / debug register,
 *   I = immediate, J = relative branch displacement, A = far pointer (ptr16:16/32),
 *   O = moffs (offset in the instruction, no ModRM), X = DS:rSI, Y = ES:rDI,
 *   Z = general register from the low 3 opcode bits.
 *   b = byte, w = word, d = dword, v = word/dword by operand size,
 *   z = word for 16-bit / dword for 32/64-bit operand size, p = far pointer,
 *   s = 6-byte pseudo-descriptor, q = qword, a = BOUND pair.
 * 'Ibs' is a byte immediate sign-extended to the operand size (SDM "Ib" with
 * sign-extension, as in 83 /0 ib). Fixed registers are named as such.
 * x87 operands (SDM Vol. 2 3.1.1.3 names): Mfs/Mfd/Mft = m32fp/m64fp/m80fp,
 * Mwi/Mdi/Mqi = m16int/m32int/m64int, Mbcd = m80bcd, Menv = the 14/28-byte
 * environment, Mst = the 94/108-byte state; ST0 = ST(0), STi = ST(ModRM.rm).
 */
export type OperandForm =
  | 'Eb' | 'Ew' | 'Ed' | 'Ev' | 'Gb' | 'Gw' | 'Gd' | 'Gv' | 'Gz'
  | 'M' | 'Mw' | 'Md' | 'Mq' | 'Mp' | 'Ms' | 'Ma' | 'Mfx'
  | 'Mfs' | 'Mfd' | 'Mft' | 'Mwi' | 'Mdi' | 'Mqi' | 'Mbcd' | 'Menv' | 'Mst' | 'ST0' | 'STi'
  | 'Rd' | 'Sw' | 'Cd' | 'Dd'
  | 'Ib' | 'Iw' | 'Iz' | 'Ibs' | 'Iv' | 'Jb' | 'Jz' | 'Ap' | 'Ob' | 'Ov'
  | 'Xb' | 'Xv' | 'Yb' | 'Yv' | 'Zb' | 'Zv'
  | 'AL' | 'CL' | 'AX' | 'DX' | 'eAX' | '1'
  | 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS';

export type Handler = (cpu: Cpu, insn: DecodedInstruction) => void;

export interface OpcodeEntry {
  /** Intel mnemonic, lower case (for 16-bit operand size when `mnemonic32` differs). */
  readonly mnemonic: string;
  /** Mnemonic for 32-bit operand size (CWDE, PUSHAD, IRETD, ...), when different. */
  readonly mnemonic32?: string;
  readonly operands: readonly OperandForm[];
  /** One line, for hovers and the disassembly view. */
  readonly description: string;
  readonly execute: Handler;
  /** AT&T mnemonic when it is not derived from the Intel one (lcall, ljmp, movzbl, ...). */
  readonly att?: string;
}

/** An opcode whose meaning depends on ModRM.reg (SDM "opcode extension" groups). */
export interface OpcodeGroup {
  readonly group: string;
  /** Indexed by ModRM.reg; undefined = invalid (#UD). */
  readonly memory: readonly (OpcodeEntry | undefined)[];
  /** For mod = 3, when it differs from `memory` (e.g. 0F 01 /1 mod=3). Indexed by reg*8 + rm when `registerByRm` is set. */
  readonly register?: readonly (OpcodeEntry | undefined)[];
  readonly registerByRm?: boolean;
}

export type TableSlot = OpcodeEntry | OpcodeGroup | undefined;

export function isGroup(slot: TableSlot): slot is OpcodeGroup {
  return slot !== undefined && (slot as OpcodeGroup).group !== undefined;
}
