/**
 * Integer arithmetic, logic, shifts, bit operations and BCD (SDM Vol. 1
 * chapter 7.3; Vol. 2 instruction pages). Status flags come from the ALU;
 * EFLAGS is committed only after the destination write succeeds, so a
 * faulting store leaves flags as they were.
 */
import type { Cpu } from '../cpu';
import type { DecodedInstruction } from '../decoded-instruction';
import { Reg } from '../cpu-state';
import { Vector } from '../faults';
import type { Alu, OperandWidth } from '../alu';

/** ALU operation by the opcode's bits 5:3 / the group-1 ModRM.reg: ADD OR ADC SBB AND SUB XOR CMP. */
function compute(alu: Alu, op: number, a: number, b: number, w: OperandWidth): number {
  switch (op) {
    case 0: return alu.add(a, b, w);
    case 1: return alu.or(a, b, w);
    case 2: return alu.adc(a, b, w);
    case 3: return alu.sbb(a, b, w);
    case 4: return alu.and(a, b, w);
    case 5: return alu.sub(a, b, w);
    case 6: return alu.xor(a, b, w);
    default: return alu.sub(a, b, w);
  }
}

function aluToE(cpu: Cpu, insn: DecodedInstruction, op: number, w: OperandWidth, src: number): void {
  const st = cpu.state;
  const alu = cpu.alu;
  const a = cpu.readE(insn, w);
  alu.flags = st.eflags;
  const r = compute(alu, op, a, src, w);
  if (op !== 7) cpu.writeE(insn, w, r);
  st.eflags = alu.flags;
}

export function aluEbGb(cpu: Cpu, insn: DecodedInstruction): void {
  aluToE(cpu, insn, (insn.opcode >> 3) & 7, 8, cpu.getReg8(insn.reg));
}
export function aluEvGv(cpu: Cpu, insn: DecodedInstruction): void {
  aluToE(cpu, insn, (insn.opcode >> 3) & 7, insn.opSize, cpu.getReg(insn.reg, insn.opSize));
}
export function aluGbEb(cpu: Cpu, insn: DecodedInstruction): void {
  const st = cpu.state;
  const b = cpu.readE(insn, 8);
  const alu = cpu.alu;
  alu.flags = st.eflags;
  const op = (insn.opcode >> 3) & 7;
  const r = compute(alu, op, cpu.getReg8(insn.reg), b, 8);
  st.eflags = alu.flags;
  if (op !== 7) cpu.setReg8(insn.reg, r);
}
export function aluGvEv(cpu: Cpu, insn: DecodedInstruction): void {
  const st = cpu.state;
  const w = insn.opSize;
  const b = cpu.readE(insn, w);
  const alu = cpu.alu;
  alu.flags = st.eflags;
  const op = (insn.opcode >> 3) & 7;
  const r = compute(alu, op, cpu.getReg(insn.reg, w), b, w);
  st.eflags = alu.flags;
  if (op !== 7) cpu.setReg(insn.reg, w, r);
}
export function aluAlIb(cpu: Cpu, insn: DecodedInstruction): void {
  const st = cpu.state;
  const alu = cpu.alu;
  alu.flags = st.eflags;
  const op = (insn.opcode >> 3) & 7;
  const r = compute(alu, op, cpu.gpr[Reg.EAX] & 0xff, insn.imm, 8);
  st.eflags = alu.flags;
  if (op !== 7) cpu.setReg8(0, r);
}
export function aluEaxIz(cpu: Cpu, insn: DecodedInstruction): void {
  const st = cpu.state;
  const alu = cpu.alu;
  const w = insn.opSize;
  alu.flags = st.eflags;
  const op = (insn.opcode >> 3) & 7;
  const r = compute(alu, op, cpu.getReg(Reg.EAX, w), insn.imm, w);
  st.eflags = alu.flags;
  if (op !== 7) cpu.setReg(Reg.EAX, w, r);
}
/** 80 / 82: group 1 Eb,Ib. */
export function group1EbIb(cpu: Cpu, insn: DecodedInstruction): void {
  aluToE(cpu, insn, insn.reg, 8, insn.imm);
}
/** 81 / 83: group 1 Ev,Iz / Ev,Ibs. */
export function group1EvI(cpu: Cpu, insn: DecodedInstruction): void {
  aluToE(cpu, insn, insn.reg, insn.opSize, insn.imm);
}

export function testEbGb(cpu: Cpu, insn: DecodedInstruction): void {
  const a = cpu.readE(insn, 8);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  alu.and(a, cpu.getReg8(insn.reg), 8);
  cpu.state.eflags = alu.flags;
}
export function testEvGv(cpu: Cpu, insn: DecodedInstruction): void {
  const a = cpu.readE(insn, insn.opSize);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  alu.and(a, cpu.getReg(insn.reg, insn.opSize), insn.opSize);
  cpu.state.eflags = alu.flags;
}
export function testAlIb(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  alu.and(cpu.gpr[0] & 0xff, insn.imm, 8);
  cpu.state.eflags = alu.flags;
}
export function testEaxIz(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  alu.and(cpu.getReg(0, insn.opSize), insn.imm, insn.opSize);
  cpu.state.eflags = alu.flags;
}

/** 40+r / 48+r: INC / DEC r16/r32. */
export function incZv(cpu: Cpu, insn: DecodedInstruction): void {
  const r = insn.opcode & 7;
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  cpu.setReg(r, insn.opSize, alu.inc(cpu.getReg(r, insn.opSize), insn.opSize));
  cpu.state.eflags = alu.flags;
}
export function decZv(cpu: Cpu, insn: DecodedInstruction): void {
  const r = insn.opcode & 7;
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  cpu.setReg(r, insn.opSize, alu.dec(cpu.getReg(r, insn.opSize), insn.opSize));
  cpu.state.eflags = alu.flags;
}
function incDecE(cpu: Cpu, insn: DecodedInstruction, w: OperandWidth, dec: boolean): void {
  const a = cpu.readE(insn, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const r = dec ? alu.dec(a, w) : alu.inc(a, w);
  cpu.writeE(insn, w, r);
  cpu.state.eflags = alu.flags;
}
export function incEb(cpu: Cpu, insn: DecodedInstruction): void { incDecE(cpu, insn, 8, false); }
export function decEb(cpu: Cpu, insn: DecodedInstruction): void { incDecE(cpu, insn, 8, true); }
export function incEv(cpu: Cpu, insn: DecodedInstruction): void { incDecE(cpu, insn, insn.opSize, false); }
export function decEv(cpu: Cpu, insn: DecodedInstruction): void { incDecE(cpu, insn, insn.opSize, true); }

function widthOfGroup3(insn: DecodedInstruction): OperandWidth {
  return (insn.opcode & 1) === 0 ? 8 : insn.opSize;
}
/** F6/F7 /0: TEST E,I. */
export function testEI(cpu: Cpu, insn: DecodedInstruction): void {
  const w = widthOfGroup3(insn);
  const a = cpu.readE(insn, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  alu.and(a, insn.imm, w);
  cpu.state.eflags = alu.flags;
}
export function notE(cpu: Cpu, insn: DecodedInstruction): void {
  const w = widthOfGroup3(insn);
  const a = cpu.readE(insn, w);
  cpu.writeE(insn, w, ~a);
}
export function negE(cpu: Cpu, insn: DecodedInstruction): void {
  const w = widthOfGroup3(insn);
  const a = cpu.readE(insn, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const r = alu.neg(a, w);
  cpu.writeE(insn, w, r);
  cpu.state.eflags = alu.flags;
}
/** F6/F7 /4 MUL and /5 IMUL: AX ← AL*r/m8, DX:AX, EDX:EAX. */
export function mulE(cpu: Cpu, insn: DecodedInstruction): void {
  const w = widthOfGroup3(insn);
  const b = cpu.readE(insn, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const signed = insn.reg === 5;
  const low = signed ? alu.imul1(cpu.getReg(Reg.EAX, w), b, w) : alu.mul(cpu.getReg(Reg.EAX, w), b, w);
  cpu.state.eflags = alu.flags;
  if (w === 8) cpu.setReg(Reg.EAX, 16, (alu.high << 8) | low);
  else {
    cpu.setReg(Reg.EAX, w, low);
    cpu.setReg(Reg.EDX, w, alu.high);
  }
}
/** F6/F7 /6 DIV and /7 IDIV; #DE on divide by zero or quotient overflow. */
export function divE(cpu: Cpu, insn: DecodedInstruction): void {
  const w = widthOfGroup3(insn);
  const divisor = cpu.readE(insn, w);
  const alu = cpu.alu;
  let high: number, low: number;
  if (w === 8) {
    high = (cpu.gpr[Reg.EAX] >>> 8) & 0xff;
    low = cpu.gpr[Reg.EAX] & 0xff;
  } else {
    high = cpu.getReg(Reg.EDX, w);
    low = cpu.getReg(Reg.EAX, w);
  }
  const ok = insn.reg === 7 ? alu.idiv(high, low, divisor, w) : alu.div(high, low, divisor, w);
  if (!ok) cpu.fault(Vector.DE);
  if (w === 8) cpu.setReg(Reg.EAX, 16, ((alu.remainder & 0xff) << 8) | (alu.quotient & 0xff));
  else {
    cpu.setReg(Reg.EAX, w, alu.quotient);
    cpu.setReg(Reg.EDX, w, alu.remainder);
  }
}
/** 0F AF: IMUL Gv,Ev. */
export function imulGvEv(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const b = cpu.readE(insn, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const r = alu.imul(cpu.getReg(insn.reg, w), b, w);
  cpu.state.eflags = alu.flags;
  cpu.setReg(insn.reg, w, r);
}
/** 69 / 6B: IMUL Gv,Ev,Iz / Ibs. */
export function imulGvEvI(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const a = cpu.readE(insn, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const r = alu.imul(a, insn.imm, w);
  cpu.state.eflags = alu.flags;
  cpu.setReg(insn.reg, w, r);
}

/** Group 2 shifts/rotates by ModRM.reg: ROL ROR RCL RCR SHL SHR SAL SAR. */
function shift(alu: Alu, op: number, a: number, count: number, w: OperandWidth): number {
  switch (op) {
    case 0: return alu.rol(a, count, w);
    case 1: return alu.ror(a, count, w);
    case 2: return alu.rcl(a, count, w);
    case 3: return alu.rcr(a, count, w);
    case 4:
    case 6: return alu.shl(a, count, w);
    case 5: return alu.shr(a, count, w);
    default: return alu.sar(a, count, w);
  }
}
function shiftE(cpu: Cpu, insn: DecodedInstruction, count: number): void {
  const w: OperandWidth = (insn.opcode & 1) === 0 ? 8 : insn.opSize;
  const a = cpu.readE(insn, w);
  if ((count & 0x1f) === 0) return; // no flags, no write (SDM: count 0 affects nothing)
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const r = shift(alu, insn.reg, a, count, w);
  cpu.writeE(insn, w, r);
  cpu.state.eflags = alu.flags;
}
export function group2Ib(cpu: Cpu, insn: DecodedInstruction): void { shiftE(cpu, insn, insn.imm); }
export function group2One(cpu: Cpu, insn: DecodedInstruction): void { shiftE(cpu, insn, 1); }
export function group2Cl(cpu: Cpu, insn: DecodedInstruction): void { shiftE(cpu, insn, cpu.gpr[Reg.ECX] & 0xff); }

/** 0F A4/A5/AC/AD: SHLD / SHRD Ev,Gv,Ib|CL. */
export function shiftDouble(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const count = (insn.opcode & 1) === 0 ? insn.imm : cpu.gpr[Reg.ECX] & 0xff;
  const a = cpu.readE(insn, w);
  if ((count & 0x1f) === 0) return;
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const src = cpu.getReg(insn.reg, w);
  const r = (insn.opcode & 0xff) < 0xa8 ? alu.shld(a, src, count, w) : alu.shrd(a, src, count, w);
  cpu.writeE(insn, w, r);
  cpu.state.eflags = alu.flags;
}

/**
 * BT/BTS/BTR/BTC. With a register bit offset and a memory operand the
 * offset is signed and may address outside the operand (SDM Vol. 2 BT, "bit base").
 */
function bitOp(cpu: Cpu, insn: DecodedInstruction, op: number, bitOffset: number, fromRegister: boolean): void {
  const w = insn.opSize;
  const alu = cpu.alu;
  if (!insn.isMemory) {
    const v = cpu.getReg(insn.rm, w);
    const bit = bitOffset & (w - 1);
    alu.flags = cpu.state.eflags;
    const r = op === 0 ? (alu.bt(v, bit), v) : op === 1 ? alu.bts(v, bit) : op === 2 ? alu.btr(v, bit) : alu.btc(v, bit);
    cpu.state.eflags = alu.flags;
    if (op !== 0) cpu.setReg(insn.rm, w, r);
    return;
  }
  let off = cpu.ea(insn);
  let bit: number;
  if (fromRegister) {
    const signed = w === 32 ? bitOffset | 0 : (bitOffset << 16) >> 16;
    const unitBytes = w >>> 3;
    off += Math.floor(signed / w) * unitBytes;
    off = insn.addrSize === 32 ? off >>> 0 : off & 0xffff;
    bit = ((signed % w) + w) % w;
  } else bit = bitOffset & (w - 1);
  const v = cpu.readMem(insn.segment, off, w);
  alu.flags = cpu.state.eflags;
  const r = op === 0 ? (alu.bt(v, bit), v) : op === 1 ? alu.bts(v, bit) : op === 2 ? alu.btr(v, bit) : alu.btc(v, bit);
  if (op !== 0) cpu.writeMem(insn.segment, off, w, w === 16 ? r & 0xffff : r);
  cpu.state.eflags = alu.flags;
}
/** 0F A3/AB/B3/BB: BT/BTS/BTR/BTC Ev,Gv. */
export function btEvGv(cpu: Cpu, insn: DecodedInstruction): void {
  const op = insn.opcode === 0x1a3 ? 0 : insn.opcode === 0x1ab ? 1 : insn.opcode === 0x1b3 ? 2 : 3;
  bitOp(cpu, insn, op, cpu.getReg(insn.reg, insn.opSize), true);
}
/** 0F BA /4-7: BT/BTS/BTR/BTC Ev,Ib. */
export function btEvIb(cpu: Cpu, insn: DecodedInstruction): void {
  bitOp(cpu, insn, insn.reg - 4, insn.imm, false);
}
/** 0F BC/BD: BSF / BSR; destination unchanged when the source is 0. */
export function bitScan(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const src = cpu.readE(insn, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const r = insn.opcode === 0x1bc ? alu.bsf(src, w) : alu.bsr(src, w);
  cpu.state.eflags = alu.flags;
  if (r >= 0) cpu.setReg(insn.reg, w, r);
}

export function daa(cpu: Cpu): void {
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  cpu.setReg8(0, alu.daa(cpu.gpr[0] & 0xff));
  cpu.state.eflags = alu.flags;
}
export function das(cpu: Cpu): void {
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  cpu.setReg8(0, alu.das(cpu.gpr[0] & 0xff));
  cpu.state.eflags = alu.flags;
}
export function aaa(cpu: Cpu): void {
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  cpu.setReg(0, 16, alu.aaa(cpu.gpr[0] & 0xffff));
  cpu.state.eflags = alu.flags;
}
export function aas(cpu: Cpu): void {
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  cpu.setReg(0, 16, alu.aas(cpu.gpr[0] & 0xffff));
  cpu.state.eflags = alu.flags;
}
export function aam(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const r = alu.aam(cpu.gpr[0] & 0xff, insn.imm);
  if (r < 0) cpu.fault(Vector.DE);
  cpu.setReg(0, 16, r);
  cpu.state.eflags = alu.flags;
}
export function aad(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  cpu.setReg(0, 16, alu.aad(cpu.gpr[0] & 0xffff, insn.imm) & 0xff);
  cpu.state.eflags = alu.flags;
}

/** 0F B0/B1: CMPXCHG E,G (the destination is always written, SDM: "the processor never produces a locked read without also producing a locked write"). */
export function cmpxchg(cpu: Cpu, insn: DecodedInstruction): void {
  const w: OperandWidth = insn.opcode === 0x1b0 ? 8 : insn.opSize;
  const dest = cpu.readE(insn, w);
  const acc = cpu.getReg(Reg.EAX, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  alu.sub(acc, dest, w);
  if (acc === dest) {
    cpu.writeE(insn, w, cpu.getReg(insn.reg, w));
    cpu.state.eflags = alu.flags;
  } else {
    if (insn.isMemory) cpu.writeE(insn, w, dest);
    cpu.state.eflags = alu.flags;
    cpu.setReg(Reg.EAX, w, dest);
  }
}
/** 0F C0/C1: XADD E,G. */
export function xadd(cpu: Cpu, insn: DecodedInstruction): void {
  const w: OperandWidth = insn.opcode === 0x1c0 ? 8 : insn.opSize;
  const dest = cpu.readE(insn, w);
  const src = cpu.getReg(insn.reg, w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  const sum = alu.add(dest, src, w);
  cpu.writeE(insn, w, sum);
  cpu.state.eflags = alu.flags;
  if (!(!insn.isMemory && insn.rm === insn.reg)) cpu.setReg(insn.reg, w, dest);
}
/** 0F C7 /1: CMPXCHG8B m64. */
export function cmpxchg8b(cpu: Cpu, insn: DecodedInstruction): void {
  const off = cpu.ea(insn);
  const seg = insn.segment;
  const next = insn.addrSize === 32 ? (off + 4) >>> 0 : (off + 4) & 0xffff;
  const low = cpu.read32(seg, off);
  const high = cpu.read32(seg, next);
  const g = cpu.gpr;
  if (low === g[Reg.EAX] && high === g[Reg.EDX]) {
    cpu.write32(seg, off, g[Reg.EBX]);
    cpu.write32(seg, next, g[Reg.ECX]);
    cpu.state.eflags |= 0x40;
  } else {
    cpu.write32(seg, off, low);
    cpu.write32(seg, next, high);
    g[Reg.EAX] = low;
    g[Reg.EDX] = high;
    cpu.state.eflags &= ~0x40;
  }
}
