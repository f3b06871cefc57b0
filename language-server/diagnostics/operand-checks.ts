/**
 * Operand checks an assembler would reject, per instruction line. Each rule
 * is one NASM or GAS error (NASM manual 3.1 and its "invalid combination of
 * opcode and operands" / "mismatch in operand sizes" / "operation size not
 * specified" errors; GAS i386 "Instruction Naming" suffix rules).
 */
import type { Dialect, InstructionLine } from '../model';
import { registerInfo } from '../knowledge/registers';
import { modeProblem } from '../knowledge/modes';
import { tokenize } from '../parse/lexer';
import { isSizeKeyword } from '../parse/keywords';

export interface OperandProblem {
  message: string;
  start: number;
  end: number;
}

/** Instructions whose register/memory operands must all have one size (SDM Vol. 2: MOV, ADD... "r/m32, r32"). */
const SAME_SIZE = new Set(['mov', 'add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test', 'xchg', 'xadd', 'cmpxchg', 'bsf', 'bsr', 'bt', 'bts', 'btr', 'btc']);
const UNSIZED_MEMORY = new Set(['mov', 'add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test', 'inc', 'dec', 'not', 'neg', 'mul', 'div', 'idiv']);
const SIZE_BITS: Record<string, number> = { byte: 8, word: 16, dword: 32, qword: 64 };
const SUFFIX_BITS: Record<string, number> = { b: 8, w: 16, l: 32, q: 64 };

function sizeOf(text: string, dialect: Dialect): number | undefined {
  const reg = registerInfo(text.trim());
  if (reg !== undefined && reg.kind === 'gpr' && (dialect === 'nasm' || text.trim().startsWith('%'))) return reg.size;
  return undefined;
}

function isPlainNumber(text: string, dialect: Dialect): boolean {
  const t = dialect === 'gas' ? text.replace(/^\$/, '') : text;
  return /^[-+~(]*\s*(0x[0-9a-f]+|[0-9][0-9a-f]*[hbqo]?|'.'|"."|`.`)\s*\)*$/i.test(t.trim()) && (dialect === 'nasm' || text.startsWith('$'));
}

function checkNasm(insn: InstructionLine, problems: OperandProblem[]): void {
  const m = insn.mnemonic;
  const ops = insn.operands;
  const regSizes = ops.map((o) => sizeOf(o.text, 'nasm'));
  if (SAME_SIZE.has(m) || /^cmov/.test(m)) {
    const sized = regSizes.filter((s): s is number => s !== undefined);
    if (sized.length >= 2 && sized.some((s) => s !== sized[0])) {
      problems.push({ message: `${m}: register operands of different sizes (${sized.join(' and ')} bits); nasm: invalid combination of opcode and operands`, start: insn.span.start, end: ops[ops.length - 1].end });
      return;
    }
    const memory = ops.find((o) => o.text.includes('['));
    const size = memory === undefined ? undefined : /^(byte|word|dword|qword)\b/i.exec(memory.text.trim())?.[1].toLowerCase();
    if (memory !== undefined && size !== undefined && sized.length === 1 && SIZE_BITS[size] !== sized[0] && !(m.startsWith('bt') && memory !== ops[0])) {
      problems.push({ message: `${m}: ${size} memory operand with a ${sized[0]}-bit register; nasm: mismatch in operand sizes`, start: memory.start, end: memory.end });
      return;
    }
  }
  if (m === 'mov' && ops.length === 2) {
    const seg = ops.findIndex((o) => registerInfo(o.text.trim())?.kind === 'segment');
    if (seg >= 0 && regSizes[1 - seg] === 8) problems.push({ message: 'mov: a segment register moves to or from a 16/32-bit register, not an 8-bit one (SDM Vol. 2 MOV 8C/8E); nasm: invalid combination of opcode and operands', start: ops[0].start, end: ops[1].end });
    const cr = ops.findIndex((o) => { const k = registerInfo(o.text.trim())?.kind; return k === 'control' || k === 'debug'; });
    const want = insn.bits === 64 ? 64 : 32;
    if (cr >= 0 && regSizes[1 - cr] !== undefined && regSizes[1 - cr] !== want) problems.push({ message: `mov: control/debug registers move to or from a ${want}-bit register in ${insn.bits}-bit code (SDM Vol. 2 MOV 0F 20/22); nasm rejects it`, start: ops[0].start, end: ops[1].end });
  }
  if (UNSIZED_MEMORY.has(m)) {
    const memory = ops.find((o) => o.text.trim().startsWith('['));
    const anySize = ops.some((o) => tokenize(o.text, 0, 'nasm').some((t) => t.kind === 'ident' && isSizeKeyword(t.text)));
    const othersImmediate = ops.every((o) => o === memory || isPlainNumber(o.text, 'nasm'));
    if (memory !== undefined && !anySize && othersImmediate) problems.push({ message: `${m}: memory operand without byte/word/dword and no register to size it; nasm: operation size not specified`, start: memory.start, end: memory.end });
  }
}

function checkGas(insn: InstructionLine, problems: OperandProblem[]): void {
  const ops = insn.operands;
  const regSizes = ops.map((o) => sizeOf(o.text, 'gas'));
  const suffix = /^(.*?)([bwlq])$/.exec(insn.mnemonic);
  const plain = SAME_SIZE.has(insn.mnemonic) ? insn.mnemonic : undefined;
  const base = suffix !== null && (SAME_SIZE.has(suffix[1]) || ['push', 'pop', 'inc', 'dec', 'not', 'neg'].includes(suffix[1])) ? suffix[1] : undefined;
  if (base !== undefined && suffix !== null) {
    const want = SUFFIX_BITS[suffix[2]];
    const bad = ops.find((o, i) => regSizes[i] !== undefined && regSizes[i] !== want);
    if (bad !== undefined) problems.push({ message: `${insn.mnemonic}: register ${bad.text} is not ${want}-bit (GAS suffix '${suffix[2]}'); as: incorrect register / not allowed with this suffix`, start: bad.start, end: bad.end });
    return;
  }
  if (plain !== undefined) {
    const sized = regSizes.filter((s): s is number => s !== undefined);
    if (sized.length >= 2 && sized.some((s) => s !== sized[0])) problems.push({ message: `${plain}: register operands of different sizes (${sized.join(' and ')} bits); as: operand type mismatch`, start: insn.span.start, end: ops[ops.length - 1].end });
  }
}

export function checkInstruction(insn: InstructionLine, dialect: Dialect): OperandProblem[] {
  const problems: OperandProblem[] = [];
  const mode = modeProblem(dialect === 'gas' ? insn.mnemonic.replace(/^(pusha|popa)[wl]$/, '$1') : insn.mnemonic, insn.operands.map((o) => o.text), insn.bits);
  if (mode !== undefined) {
    problems.push({ message: `${mode}; ${dialect === 'nasm' ? 'nasm' : 'as'} rejects it in ${insn.bits}-bit code`, start: insn.span.start, end: insn.span.end });
    return problems;
  }
  if (insn.bits !== 64) {
    for (const o of insn.operands) {
      for (const t of tokenize(o.text, o.start, dialect)) {
        const reg = (t.kind === 'ident' && dialect === 'nasm') || t.kind === 'register' ? registerInfo(t.text) : undefined;
        if (reg?.only64 === true) {
          problems.push({ message: `${reg.name} exists only in 64-bit mode (SDM Vol. 1 3.4.1.1); this is ${insn.bits}-bit code`, start: t.start, end: t.end });
          return problems;
        }
      }
    }
  }
  if (dialect === 'nasm') checkNasm(insn, problems);
  else checkGas(insn, problems);
  return problems;
}
