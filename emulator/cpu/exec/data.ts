/**
 * Data movement: MOV forms, MOVZX/MOVSX, LEA, XCHG, stack operations,
 * conversions, flags transfer, segment loads, CMOVcc/SETcc, BSWAP, XLAT,
 * ENTER/LEAVE, BOUND (SDM Vol. 1 7.3.1, Vol. 2 instruction pages).
 */
import type { Cpu } from '../cpu';
import { RepPrefix, type DecodedInstruction } from '../decoded-instruction';
import { Reg } from '../cpu-state';
import { FLAG_IF, FLAG_IOPL, FLAG_RF, FLAG_VM } from '../eflags';
import { checkVirtual8086Iopl } from '../virtual-8086';
import { Vector } from '../faults';
import { SegmentRegister } from '../segment-cache';
import { testCondition } from './conditions';

export function movEbGb(cpu: Cpu, insn: DecodedInstruction): void { cpu.writeE(insn, 8, cpu.getReg8(insn.reg)); }
export function movEvGv(cpu: Cpu, insn: DecodedInstruction): void { cpu.writeE(insn, insn.opSize, cpu.getReg(insn.reg, insn.opSize)); }
export function movGbEb(cpu: Cpu, insn: DecodedInstruction): void { cpu.setReg8(insn.reg, cpu.readE(insn, 8)); }
export function movGvEv(cpu: Cpu, insn: DecodedInstruction): void { cpu.setReg(insn.reg, insn.opSize, cpu.readE(insn, insn.opSize)); }
export function movEbIb(cpu: Cpu, insn: DecodedInstruction): void { cpu.writeE(insn, 8, insn.imm); }
export function movEvIz(cpu: Cpu, insn: DecodedInstruction): void { cpu.writeE(insn, insn.opSize, insn.imm); }
export function movZbIb(cpu: Cpu, insn: DecodedInstruction): void { cpu.setReg8(insn.opcode & 7, insn.imm); }
export function movZvIv(cpu: Cpu, insn: DecodedInstruction): void { cpu.setReg(insn.opcode & 7, insn.opSize, insn.imm); }
/** A0-A3: MOV AL/eAX ↔ moffs (the offset is in imm). */
export function movAlOb(cpu: Cpu, insn: DecodedInstruction): void { cpu.setReg8(0, cpu.read8(insn.segment, insn.imm)); }
export function movEaxOv(cpu: Cpu, insn: DecodedInstruction): void { cpu.setReg(0, insn.opSize, cpu.readMem(insn.segment, insn.imm, insn.opSize)); }
export function movObAl(cpu: Cpu, insn: DecodedInstruction): void { cpu.write8(insn.segment, insn.imm, cpu.gpr[0]); }
export function movOvEax(cpu: Cpu, insn: DecodedInstruction): void { cpu.writeMem(insn.segment, insn.imm, insn.opSize, cpu.gpr[0]); }

/** 0F B6/B7/BE/BF: MOVZX / MOVSX Gv,Eb|Ew. */
export function movExtend(cpu: Cpu, insn: DecodedInstruction): void {
  const srcWidth = (insn.opcode & 1) === 0 ? 8 : 16;
  let v = cpu.readE(insn, srcWidth);
  if (insn.opcode >= 0x1be) v = srcWidth === 8 ? (v << 24) >> 24 : (v << 16) >> 16;
  cpu.setReg(insn.reg, insn.opSize, v >>> 0);
}

export function lea(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.setReg(insn.reg, insn.opSize, cpu.ea(insn));
}

export function xchgEG(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opcode === 0x86 ? 8 : insn.opSize;
  const a = cpu.readE(insn, w);
  cpu.writeE(insn, w, cpu.getReg(insn.reg, w));
  cpu.setReg(insn.reg, w, a);
}
/** 91-97: XCHG eAX, r. */
export function xchgZv(cpu: Cpu, insn: DecodedInstruction): void {
  const r = insn.opcode & 7;
  const w = insn.opSize;
  const a = cpu.getReg(0, w);
  cpu.setReg(0, w, cpu.getReg(r, w));
  cpu.setReg(r, w, a);
}

export function nop(): void {}
/**
 * 90 with F3 (PAUSE): a spin-wait hint. The vCPU gives up the rest of its
 * slice, as PAUSE-loop exiting makes a hypervisor deschedule a spinning
 * vCPU (SDM Vol. 3C 25.1.3): spin loops then cost a few instructions per
 * scheduling round instead of a whole quantum, in deterministic virtual time.
 */
export function nopOrPause(cpu: Cpu, insn: DecodedInstruction): void {
  if (insn.rep === RepPrefix.Rep) cpu.yieldSlice();
}

// --- stack ---
export function pushZv(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.push(insn.opSize, cpu.getReg(insn.opcode & 7, insn.opSize));
}
export function popZv(cpu: Cpu, insn: DecodedInstruction): void {
  const v = cpu.pop(insn.opSize);
  cpu.setReg(insn.opcode & 7, insn.opSize, v);
}
export function pushI(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.push(insn.opSize, insn.imm);
}
export function pushEv(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.push(insn.opSize, cpu.readE(insn, insn.opSize));
}
/** 8F /0: POP Ev. ESP is incremented before the destination address is computed (SDM POP). */
export function popEv(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const oldEsp = cpu.gpr[Reg.ESP];
  const v = cpu.pop(w);
  try {
    cpu.writeE(insn, w, v);
  } catch (e) {
    cpu.gpr[Reg.ESP] = oldEsp;
    throw e;
  }
}
/** Segment register number encoded by PUSH/POP sreg opcodes. */
function sregOf(opcode: number): number {
  switch (opcode) {
    case 0x06: case 0x07: return SegmentRegister.ES;
    case 0x0e: return SegmentRegister.CS;
    case 0x16: case 0x17: return SegmentRegister.SS;
    case 0x1e: case 0x1f: return SegmentRegister.DS;
    case 0x1a0: case 0x1a1: return SegmentRegister.FS;
    default: return SegmentRegister.GS;
  }
}
export function pushSreg(cpu: Cpu, insn: DecodedInstruction): void {
  const sel = cpu.state.segments[sregOf(insn.opcode)].selector;
  if (insn.opSize === 32) {
    // Pushing a segment register with 32-bit operand size writes only the low 16 bits on recent processors (SDM PUSH).
    const sp = cpu.spMinus(4);
    cpu.write16(SegmentRegister.SS, sp, sel);
    cpu.setSp(sp);
  } else cpu.push(16, sel);
}
export function popSreg(cpu: Cpu, insn: DecodedInstruction): void {
  const seg = sregOf(insn.opcode);
  const v = cpu.peek(insn.opSize, 0) & 0xffff;
  cpu.loadSegment(seg, v);
  cpu.setSp(cpu.sp + (insn.opSize >>> 3));
  if (seg === SegmentRegister.SS) cpu.startInterruptShadow();
}

/** 60: PUSHA/PUSHAD — pushes the original ESP (SDM PUSHA). */
export function pusha(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const bytes = w >>> 3;
  const g = cpu.gpr;
  let sp = cpu.sp;
  const mask = cpu.stack32 ? 0xffffffff : 0xffff;
  for (let r = 0; r < 8; r++) {
    sp = ((sp - bytes) & mask) >>> 0;
    cpu.writeMem(SegmentRegister.SS, sp, w, g[r]);
  }
  cpu.setSp(sp);
}
/** 61: POPA/POPAD — the saved ESP is discarded. */
export function popa(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const bytes = w >>> 3;
  const values = cpu.popaScratch;
  let sp = cpu.sp;
  const mask = cpu.stack32 ? 0xffffffff : 0xffff;
  for (let r = 7; r >= 0; r--) {
    values[r] = cpu.readMem(SegmentRegister.SS, sp, w);
    sp = ((sp + bytes) & mask) >>> 0;
  }
  for (let r = 7; r >= 0; r--) if (r !== Reg.ESP) cpu.setReg(r, w, values[r]);
  cpu.setSp(sp);
}

/** 98: CBW / CWDE. */
export function cbw(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  if (insn.opSize === 16) cpu.setReg(0, 16, ((g[0] << 24) >> 24) & 0xffff);
  else g[0] = (g[0] << 16) >> 16;
}
/** 99: CWD / CDQ. */
export function cwd(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  if (insn.opSize === 16) cpu.setReg(Reg.EDX, 16, g[0] & 0x8000 ? 0xffff : 0);
  else g[Reg.EDX] = g[0] & 0x80000000 ? 0xffffffff : 0;
}

/** 9E SAHF / 9F LAHF: SF ZF AF PF CF ↔ AH. */
export function sahf(cpu: Cpu): void {
  const st = cpu.state;
  st.eflags = (st.eflags & ~0xd5) | ((cpu.gpr[0] >>> 8) & 0xd5) | 2;
}
export function lahf(cpu: Cpu): void {
  cpu.setReg8(4, (cpu.state.eflags & 0xd5) | 2);
}

/** 9C: PUSHF/PUSHFD; VM and RF are stored clear (SDM PUSHF). IOPL-sensitive in V86 mode. */
export function pushf(cpu: Cpu, insn: DecodedInstruction): void {
  const st = cpu.state;
  checkVirtual8086Iopl(cpu);
  cpu.push(insn.opSize, st.eflags & ~(FLAG_VM | FLAG_RF));
}
/** Flags POPF may change: CF PF AF ZF SF TF IF DF OF IOPL NT AC ID. */
const POPF_MASK = 0x00247fd5;
/**
 * 9D: POPF/POPFD with the CPL/IOPL rules of SDM Vol. 2 POPF: VM, VIF and VIP
 * are never changed, RF is cleared; in V86 mode POPF is IOPL-sensitive and,
 * at IOPL 3, leaves IOPL alone.
 */
export function popf(cpu: Cpu, insn: DecodedInstruction): void {
  const st = cpu.state;
  checkVirtual8086Iopl(cpu);
  const v = cpu.peek(insn.opSize, 0);
  let mask = insn.opSize === 32 ? POPF_MASK : POPF_MASK & 0xffff;
  if (cpu.protectedMode) {
    if (st.cpl > 0) mask &= ~FLAG_IOPL;
    if (st.cpl > ((st.eflags & FLAG_IOPL) >>> 12)) mask &= ~FLAG_IF;
  } else if (cpu.virtual8086) mask &= ~FLAG_IOPL;
  const wasIf = st.eflags & FLAG_IF;
  st.eflags = (((st.eflags & ~mask) | (v & mask)) & ~FLAG_RF) | 2;
  st.eflags >>>= 0;
  cpu.setSp(cpu.sp + (insn.opSize >>> 3));
  cpu.updateSlowChecks();
  if (!wasIf && st.eflags & FLAG_IF) cpu.attention = true;
}

/** D7: XLAT — AL ← [seg:(E)BX + AL]. */
export function xlat(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  const off = insn.addrSize === 32 ? (g[Reg.EBX] + (g[0] & 0xff)) >>> 0 : (g[Reg.EBX] + (g[0] & 0xff)) & 0xffff;
  cpu.setReg8(0, cpu.read8(insn.segment, off));
}

/** 0F C8+r: BSWAP r32 (16-bit operand size is undefined; treated as 32-bit). */
export function bswap(cpu: Cpu, insn: DecodedInstruction): void {
  const r = insn.opcode & 7;
  const v = cpu.gpr[r];
  cpu.gpr[r] = ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) >>> 0;
}

/** 0F 40-4F: CMOVcc — the source is read even when the condition is false (SDM CMOVcc). */
export function cmov(cpu: Cpu, insn: DecodedInstruction): void {
  const v = cpu.readE(insn, insn.opSize);
  if (testCondition(cpu.state.eflags, insn.opcode & 0xf)) cpu.setReg(insn.reg, insn.opSize, v);
  else if (insn.opSize === 32) cpu.gpr[insn.reg] = cpu.gpr[insn.reg];
}
/** 0F 90-9F: SETcc Eb. */
export function setcc(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.writeE(insn, 8, testCondition(cpu.state.eflags, insn.opcode & 0xf) ? 1 : 0);
}

/** 8C: MOV Ev,Sw — 16 bits to memory, zero-extended into a 32-bit register. */
export function movEvSw(cpu: Cpu, insn: DecodedInstruction): void {
  if (insn.reg > 5) cpu.ud();
  const sel = cpu.state.segments[insn.reg].selector;
  if (insn.isMemory) cpu.write16(insn.segment, cpu.ea(insn), sel);
  else cpu.setReg(insn.rm, insn.opSize, sel);
}
/** 8E: MOV Sw,Ew. MOV SS starts an interrupt shadow (SDM 6.8.3). */
export function movSwEw(cpu: Cpu, insn: DecodedInstruction): void {
  if (insn.reg > 5 || insn.reg === SegmentRegister.CS) cpu.ud();
  const v = cpu.readE(insn, 16);
  cpu.loadSegment(insn.reg, v);
  if (insn.reg === SegmentRegister.SS) cpu.startInterruptShadow();
}
/** C4 LES, C5 LDS, 0F B2 LSS, 0F B4 LFS, 0F B5 LGS: load far pointer. */
export function loadFarPointer(cpu: Cpu, insn: DecodedInstruction): void {
  const seg = insn.opcode === 0xc4 ? SegmentRegister.ES : insn.opcode === 0xc5 ? SegmentRegister.DS
    : insn.opcode === 0x1b2 ? SegmentRegister.SS : insn.opcode === 0x1b4 ? SegmentRegister.FS : SegmentRegister.GS;
  const off = cpu.ea(insn);
  const w = insn.opSize;
  const offset = cpu.readMem(insn.segment, off, w);
  const selOff = insn.addrSize === 32 ? (off + (w >>> 3)) >>> 0 : (off + (w >>> 3)) & 0xffff;
  const selector = cpu.read16(insn.segment, selOff);
  cpu.loadSegment(seg, selector);
  cpu.setReg(insn.reg, w, offset);
  if (seg === SegmentRegister.SS) cpu.startInterruptShadow();
}

/** C8: ENTER Iw,Ib (SDM ENTER, nesting level masked to 5 bits). */
export function enter(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const bytes = w >>> 3;
  const size = insn.imm & 0xffff;
  const level = insn.imm2 & 0x1f;
  const g = cpu.gpr;
  const mask = cpu.stack32 ? 0xffffffff : 0xffff;
  let sp = cpu.sp;
  const ebp = cpu.stack32 ? g[Reg.EBP] : g[Reg.EBP] & 0xffff;
  sp = ((sp - bytes) & mask) >>> 0;
  cpu.writeMem(SegmentRegister.SS, sp, w, g[Reg.EBP]);
  const frameTemp = sp;
  let bp = ebp;
  for (let i = 1; i < level; i++) {
    bp = ((bp - bytes) & mask) >>> 0;
    const v = cpu.readMem(SegmentRegister.SS, bp, w);
    sp = ((sp - bytes) & mask) >>> 0;
    cpu.writeMem(SegmentRegister.SS, sp, w, v);
  }
  if (level > 0) {
    sp = ((sp - bytes) & mask) >>> 0;
    cpu.writeMem(SegmentRegister.SS, sp, w, frameTemp);
  }
  sp = ((sp - size) & mask) >>> 0;
  // SDM: the final stack pointer must be valid; probe it as a write.
  if (size > 0) cpu.write8(SegmentRegister.SS, sp, cpu.read8(SegmentRegister.SS, sp));
  cpu.setReg(Reg.EBP, w, frameTemp);
  cpu.setSp(sp);
}
/** C9: LEAVE — (E)SP ← (E)BP; pop (E)BP. */
export function leave(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  const bp = cpu.stack32 ? g[Reg.EBP] : g[Reg.EBP] & 0xffff;
  const v = cpu.readMem(SegmentRegister.SS, bp, insn.opSize);
  cpu.setSp(bp + (insn.opSize >>> 3));
  cpu.setReg(Reg.EBP, insn.opSize, v);
}

/** 62: BOUND Gv,Ma — #BR when the index is outside [lower, upper] (signed). */
export function bound(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const off = cpu.ea(insn);
  const next = insn.addrSize === 32 ? (off + (w >>> 3)) >>> 0 : (off + (w >>> 3)) & 0xffff;
  const sx = (v: number): number => (w === 32 ? v | 0 : (v << 16) >> 16);
  const lower = sx(cpu.readMem(insn.segment, off, w));
  const upper = sx(cpu.readMem(insn.segment, next, w));
  const index = sx(cpu.getReg(insn.reg, w));
  if (index < lower || index > upper) cpu.fault(Vector.BR);
}

/**
 * FA CLI / FB STI with the IOPL rule (SDM CLI/STI: CPL > IOPL in protected
 * mode, IOPL < 3 in V86 mode is #GP(0); VME/PVI not emulated). STI blocks
 * interrupts for one instruction.
 */
export function cli(cpu: Cpu): void {
  const st = cpu.state;
  if (cpu.protectedMode && st.cpl > (st.eflags & FLAG_IOPL) >>> 12) cpu.gp(0);
  checkVirtual8086Iopl(cpu);
  st.eflags &= ~FLAG_IF;
}
export function sti(cpu: Cpu): void {
  const st = cpu.state;
  if (cpu.protectedMode && st.cpl > (st.eflags & FLAG_IOPL) >>> 12) cpu.gp(0);
  checkVirtual8086Iopl(cpu);
  if ((st.eflags & FLAG_IF) === 0) {
    st.eflags |= FLAG_IF;
    cpu.startInterruptShadow();
  }
}
export function clc(cpu: Cpu): void { cpu.state.eflags &= ~1; }
export function stc(cpu: Cpu): void { cpu.state.eflags |= 1; }
export function cmc(cpu: Cpu): void { cpu.state.eflags ^= 1; }
export function cld(cpu: Cpu): void { cpu.state.eflags &= ~0x400; }
export function std(cpu: Cpu): void { cpu.state.eflags |= 0x400; }
