/**
 * Instruction knowledge from the emulator's own opcode table
 * (emulator/cpu/opcode-table.ts), so hovers and completion describe exactly
 * what Bringup executes. Operand forms use the SDM Vol. 2 Appendix A.2
 * notation; `formText` spells them the way the SDM instruction pages do
 * (r/m32, imm8, rel16...) for the operand size of the code's bitness.
 */
import { listOpcodes, type OpcodeListing } from '../../emulator/cpu/opcode-table';
import type { OperandForm } from '../../emulator/cpu/opcode-table-types';
import type { Bits, Dialect } from '../model';

export interface InstructionForm {
  opcode: string;
  mnemonic: string;
  operands: readonly OperandForm[];
  description: string;
}

/** Alternative Jcc/SETcc/CMOVcc spellings (SDM Vol. 2 Jcc: "JZ is the same as JE"...). */
const CONDITION_ALIASES: Record<string, string> = {
  z: 'e', nz: 'ne', c: 'b', nae: 'b', nc: 'ae', nb: 'ae', na: 'be', nbe: 'a',
  pe: 'p', po: 'np', nge: 'l', nl: 'ge', ng: 'le', nle: 'g',
};

let byMnemonic: Map<string, OpcodeListing[]> | undefined;

function table(): Map<string, OpcodeListing[]> {
  if (byMnemonic !== undefined) return byMnemonic;
  const map = new Map<string, OpcodeListing[]>();
  const put = (name: string, listing: OpcodeListing): void => {
    const list = map.get(name) ?? [];
    if (!list.includes(listing)) list.push(listing);
    map.set(name, list);
  };
  for (const listing of listOpcodes()) {
    const e = listing.entry;
    if (e.mnemonic === 'fpu') continue; // placeholder for unimplemented x87 slots
    put(e.mnemonic, listing);
    if (e.mnemonic32 !== undefined) put(e.mnemonic32, listing);
  }
  byMnemonic = map;
  return map;
}

let attNames: Map<string, OpcodeListing[]> | undefined;

function attTable(): Map<string, OpcodeListing[]> {
  if (attNames !== undefined) return attNames;
  const map = new Map<string, OpcodeListing[]>();
  for (const listing of listOpcodes()) {
    const att = listing.entry.att;
    if (att === undefined) continue;
    map.set(att, [...(map.get(att) ?? []), listing]);
  }
  attNames = map;
  return map;
}

function canonical(mnemonic: string): string {
  const m = mnemonic.toLowerCase();
  for (const prefix of ['j', 'set', 'cmov']) {
    if (m.startsWith(prefix)) {
      const alias = CONDITION_ALIASES[m.slice(prefix.length)];
      if (alias !== undefined) return prefix + alias;
    }
  }
  if (m === 'jecxz') return 'jcxz';
  if (m === 'pause') return 'nop';
  return m;
}

/**
 * Table entries for a mnemonic as written. GAS (AT&T) mnemonics may carry an
 * operand-size suffix b/w/l/q (GAS manual, i386 "Instruction Naming").
 */
export function lookupInstruction(mnemonic: string, dialect: Dialect): OpcodeListing[] {
  const m = canonical(mnemonic);
  const direct = table().get(m);
  if (direct !== undefined) return direct;
  if (dialect === 'gas') {
    const att = attTable().get(m);
    if (att !== undefined) return att;
    const suffix = /^(.+?)([bwlq])$/.exec(m);
    if (suffix !== null) {
      const base = table().get(canonical(suffix[1])) ?? attTable().get(suffix[1]);
      if (base !== undefined) return base;
    }
    // movzbl / movsbw style: movz/movs + source size + destination size.
    const ext = /^mov([zs])([bw])[wlq]$/.exec(m);
    if (ext !== null) return table().get(ext[1] === 'z' ? 'movzx' : 'movsx') ?? [];
  }
  return [];
}

export function isTableMnemonic(mnemonic: string, dialect: Dialect): boolean {
  return lookupInstruction(mnemonic, dialect).length > 0;
}

/** Every mnemonic the table knows (Intel spelling), for completion. */
export function tableMnemonics(): string[] {
  return [...table().keys()].sort();
}

/** Human operand form for the operand size of code in `bits` (SDM Vol. 2 3.1.1.3 notation). */
export function formText(form: OperandForm, bits: Bits): string {
  const v = bits === 16 ? '16' : '32';
  const z = bits === 16 ? '16' : '32';
  switch (form) {
    case 'Eb': return 'r/m8';
    case 'Ew': return 'r/m16';
    case 'Ed': return 'r/m32';
    case 'Ev': return `r/m${v}`;
    case 'Gb': return 'r8';
    case 'Gw': return 'r16';
    case 'Gd': return 'r32';
    case 'Gv': case 'Gz': return `r${v}`;
    case 'M': return 'm';
    case 'Mw': return 'm16';
    case 'Md': return 'm32';
    case 'Mq': return 'm64';
    case 'Mp': return `m16:${v}`;
    case 'Ms': return bits === 16 ? 'm16&24 (limit, 24-bit base)' : 'm16&32 (limit, base)';
    case 'Ma': return `m${v}&${v}`;
    case 'Mfx': return 'm512byte';
    case 'Rd': return 'r32';
    case 'Sw': return 'Sreg';
    case 'Cd': return 'CR0–CR4';
    case 'Dd': return 'DR0–DR7';
    case 'Ib': return 'imm8';
    case 'Ibs': return 'imm8 (sign-extended)';
    case 'Iw': return 'imm16';
    case 'Iz': return `imm${z}`;
    case 'Iv': return `imm${v}`;
    case 'Jb': return 'rel8';
    case 'Jz': return `rel${z}`;
    case 'Ap': return `ptr16:${v}`;
    case 'Ob': return 'moffs8';
    case 'Ov': return `moffs${v}`;
    case 'Xb': return bits === 16 ? 'm8 at DS:SI' : 'm8 at DS:ESI';
    case 'Xv': return bits === 16 ? 'm16 at DS:SI' : 'm32 at DS:ESI';
    case 'Yb': return bits === 16 ? 'm8 at ES:DI' : 'm8 at ES:EDI';
    case 'Yv': return bits === 16 ? 'm16 at ES:DI' : 'm32 at ES:EDI';
    case 'Zb': return 'r8 (in opcode)';
    case 'Zv': return `r${v} (in opcode)`;
    case 'eAX': return bits === 16 ? 'AX' : 'EAX';
    case 'Mfs': return 'm32fp';
    case 'Mfd': return 'm64fp';
    case 'Mft': return 'm80fp';
    case 'Mwi': return 'm16int';
    case 'Mdi': return 'm32int';
    case 'Mqi': return 'm64int';
    case 'Mbcd': return 'm80bcd';
    case 'Menv': return bits === 16 ? 'm14byte' : 'm28byte';
    case 'Mst': return bits === 16 ? 'm94byte' : 'm108byte';
    case 'ST0': return 'ST(0)';
    case 'STi': return 'ST(i)';
    default: return form;
  }
}

/** Forms of a mnemonic for hover, de-duplicated, with the bitness's operand size. */
export function instructionForms(mnemonic: string, dialect: Dialect, bits: Bits): InstructionForm[] {
  const seen = new Set<string>();
  const out: InstructionForm[] = [];
  for (const { opcode, entry } of lookupInstruction(mnemonic, dialect)) {
    const name = bits !== 16 && entry.mnemonic32 !== undefined ? entry.mnemonic32 : entry.mnemonic;
    const key = `${opcode}|${entry.operands.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ opcode, mnemonic: name, operands: entry.operands, description: entry.description });
  }
  return out;
}
