/**
 * Instruction decoder for 16- and 32-bit code (SDM Vol. 2 chapter 2):
 * prefixes, one- and two-byte opcodes, ModRM/SIB with 16- and 32-bit
 * addressing, displacements and immediates, driven by the operand forms in
 * the opcode table. Shared by the executor and the disassembler.
 *
 * 64-bit mode would add REX after the legacy prefixes and a third address
 * size; the prefix loop and `decodeModrm32` are where that goes.
 */
import { DecodedInstruction, RepPrefix } from './decoded-instruction';
import { isGroup, type OpcodeEntry, type OperandForm, type TableSlot } from './opcode-table-types';
import { lockAllowed, ONE_BYTE_MAP, TWO_BYTE_MAP } from './opcode-table';
import { SegmentRegister } from './segment-cache';

/** Fetch byte i of the instruction (may throw a guest fault: #GP past the limit or at 15 bytes, #PF). */
export type FetchByte = (i: number) => number;

const MODRM_FORMS: ReadonlySet<OperandForm> = new Set<OperandForm>([
  'Eb', 'Ew', 'Ed', 'Ev', 'Gb', 'Gw', 'Gd', 'Gv', 'Gz', 'M', 'Mw', 'Md', 'Mq', 'Mp', 'Ms', 'Ma', 'Mfx', 'Rd', 'Sw', 'Cd', 'Dd',
  'Mfs', 'Mfd', 'Mft', 'Mwi', 'Mdi', 'Mqi', 'Mbcd', 'Menv', 'Mst', 'STi',
]);
const MEMORY_ONLY_FORMS: ReadonlySet<OperandForm> = new Set<OperandForm>(['M', 'Mw', 'Md', 'Mq', 'Mp', 'Ms', 'Ma', 'Mfx', 'Mfs', 'Mfd', 'Mft', 'Mwi', 'Mdi', 'Mqi', 'Mbcd', 'Menv', 'Mst']);

function slotNeedsModrm(slot: TableSlot): boolean {
  if (slot === undefined) return false;
  if (isGroup(slot)) return true;
  return slot.operands.some((f) => MODRM_FORMS.has(f));
}
const ONE_BYTE_MODRM = ONE_BYTE_MAP.map(slotNeedsModrm);
const TWO_BYTE_MODRM = TWO_BYTE_MAP.map(slotNeedsModrm);

/** 16-bit ModRM r/m encodings (SDM Table 2-1): base, index. */
const RM16_BASE = [3, 3, 5, 5, 6, 7, 5, 3];
const RM16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1];

function signExtend(v: number, bits: number): number {
  const shift = 32 - bits;
  return (v << shift) >> shift;
}

/**
 * Decode one instruction into `insn`. Returns false when the bytes are not a
 * valid instruction (#UD); `insn.length` then covers the bytes examined.
 */
export function decodeInstruction(insn: DecodedInstruction, fetch: FetchByte, codeSize: 16 | 32): boolean {
  const bytes = insn.bytes;
  let pos = 0;
  const next = (): number => {
    const b = fetch(pos) & 0xff;
    bytes[pos++] = b;
    return b;
  };

  insn.codeSize = codeSize;
  let opSize: 16 | 32 = codeSize;
  let addrSize: 16 | 32 = codeSize;
  insn.segmentOverride = -1;
  insn.rep = RepPrefix.None;
  insn.lock = false;
  insn.hasModrm = false;
  insn.isMemory = false;
  insn.mod = insn.reg = insn.rm = 0;
  insn.base = insn.index = -1;
  insn.scale = 0;
  insn.disp = 0;
  insn.dispSize = 0;
  insn.hasSib = false;
  insn.imm = insn.imm2 = 0;

  // Legacy prefixes (SDM 2.1.1), any order; the last of a group wins.
  let b = next();
  for (;;) {
    switch (b) {
      case 0x26: insn.segmentOverride = SegmentRegister.ES; break;
      case 0x2e: insn.segmentOverride = SegmentRegister.CS; break;
      case 0x36: insn.segmentOverride = SegmentRegister.SS; break;
      case 0x3e: insn.segmentOverride = SegmentRegister.DS; break;
      case 0x64: insn.segmentOverride = SegmentRegister.FS; break;
      case 0x65: insn.segmentOverride = SegmentRegister.GS; break;
      case 0x66: opSize = codeSize === 32 ? 16 : 32; break;
      case 0x67: addrSize = codeSize === 32 ? 16 : 32; break;
      case 0xf0: insn.lock = true; break;
      case 0xf2: insn.rep = RepPrefix.Repne; break;
      case 0xf3: insn.rep = RepPrefix.Rep; break;
      default: break;
    }
    if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65 || b === 0x66 || b === 0x67 || b === 0xf0 || b === 0xf2 || b === 0xf3) {
      b = next();
      continue;
    }
    break;
  }
  insn.opSize = opSize;
  insn.addrSize = addrSize;
  insn.segment = insn.segmentOverride >= 0 ? insn.segmentOverride : SegmentRegister.DS;

  let slot: TableSlot;
  let needsModrm: boolean;
  if (b === 0x0f) {
    const b2 = next();
    insn.opcode = 0x100 | b2;
    slot = TWO_BYTE_MAP[b2];
    needsModrm = TWO_BYTE_MODRM[b2];
  } else {
    insn.opcode = b;
    slot = ONE_BYTE_MAP[b];
    needsModrm = ONE_BYTE_MODRM[b];
  }
  if (slot === undefined) return invalid(insn, pos);

  let entry: OpcodeEntry | undefined;
  if (needsModrm) {
    const modrm = next();
    insn.hasModrm = true;
    insn.mod = modrm >> 6;
    insn.reg = (modrm >> 3) & 7;
    insn.rm = modrm & 7;
    if (isGroup(slot)) {
      if (insn.mod === 3 && slot.register !== undefined) entry = slot.registerByRm ? slot.register[insn.reg * 8 + insn.rm] : slot.register[insn.reg];
      else entry = slot.memory[insn.reg];
    } else entry = slot;
    if (entry === undefined) return invalid(insn, pos);
    // MOV to/from CR/DR always uses a register operand; the mod bits are ignored (SDM MOV—Move to/from Control Registers).
    const forceRegister = entry.operands.includes('Rd');
    if (insn.mod !== 3 && !forceRegister) {
      insn.isMemory = true;
      if (addrSize === 32) decodeModrm32(insn, next);
      else decodeModrm16(insn, next);
      if (insn.segmentOverride >= 0) insn.segment = insn.segmentOverride;
    } else if (entry.operands.some((f) => MEMORY_ONLY_FORMS.has(f))) {
      return invalid(insn, pos);
    }
  } else entry = slot as OpcodeEntry;

  // LOCK only on read-modify-write instructions with a memory destination (SDM Vol. 2 LOCK: otherwise #UD).
  if (insn.lock && (!insn.isMemory || !lockAllowed(insn.opcode, insn.reg))) {
    return invalid(insn, pos);
  }

  // Immediates, in operand order.
  let immCount = 0;
  for (const form of entry.operands) {
    let value: number;
    switch (form) {
      case 'Ib': value = next(); break;
      case 'Ibs': value = signExtend(next(), 8); value = opSize === 32 ? value >>> 0 : value & 0xffff; break;
      case 'Jb': value = signExtend(next(), 8); break;
      case 'Iw': value = next() | (next() << 8); break;
      case 'Iz':
      case 'Iv':
        value = next() | (next() << 8);
        if (opSize === 32) value = (value | (next() << 16) | (next() << 24)) >>> 0;
        break;
      case 'Jz':
        value = next() | (next() << 8);
        value = opSize === 32 ? value | (next() << 16) | (next() << 24) : signExtend(value, 16);
        break;
      case 'Ob':
      case 'Ov':
        value = next() | (next() << 8);
        if (addrSize === 32) value = (value | (next() << 16) | (next() << 24)) >>> 0;
        break;
      case 'Ap': {
        let offset = next() | (next() << 8);
        if (opSize === 32) offset = (offset | (next() << 16) | (next() << 24)) >>> 0;
        insn.imm = offset;
        insn.imm2 = next() | (next() << 8);
        immCount = 2;
        continue;
      }
      default:
        continue;
    }
    if (immCount === 0) insn.imm = value;
    else insn.imm2 = value;
    immCount++;
  }

  insn.entry = entry;
  insn.length = pos;
  return true;
}

function invalid(insn: DecodedInstruction, pos: number): false {
  insn.length = pos;
  return false;
}

/** 16-bit addressing (SDM Table 2-1). */
function decodeModrm16(insn: DecodedInstruction, next: () => number): void {
  const mod = insn.mod;
  const rm = insn.rm;
  if (mod === 0 && rm === 6) {
    insn.disp = next() | (next() << 8);
    insn.dispSize = 2;
    return;
  }
  insn.base = RM16_BASE[rm];
  insn.index = RM16_INDEX[rm];
  if (insn.base === 5) insn.segment = SegmentRegister.SS; // BP-based addressing defaults to SS
  if (mod === 1) {
    insn.disp = signExtend(next(), 8);
    insn.dispSize = 1;
  } else if (mod === 2) {
    insn.disp = signExtend(next() | (next() << 8), 16);
    insn.dispSize = 2;
  }
}

/** 32-bit addressing with SIB (SDM Tables 2-2 and 2-3). */
function decodeModrm32(insn: DecodedInstruction, next: () => number): void {
  const mod = insn.mod;
  if (insn.rm === 4) {
    const sib = next();
    insn.hasSib = true;
    insn.scale = sib >> 6;
    const index = (sib >> 3) & 7;
    insn.index = index === 4 ? -1 : index;
    const base = sib & 7;
    if (base === 5 && mod === 0) insn.base = -1;
    else insn.base = base;
  } else if (insn.rm === 5 && mod === 0) {
    insn.base = -1;
  } else insn.base = insn.rm;
  if (insn.base === 4 || insn.base === 5) insn.segment = SegmentRegister.SS; // ESP/EBP-based addressing defaults to SS
  if (mod === 1) {
    insn.disp = signExtend(next(), 8);
    insn.dispSize = 1;
  } else if (mod === 2 || insn.base === -1) {
    insn.disp = next() | (next() << 8) | (next() << 16) | (next() << 24);
    insn.dispSize = 4;
  }
}
