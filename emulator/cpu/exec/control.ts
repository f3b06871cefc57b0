/**
 * Control transfer: Jcc, JMP, CALL, RET, LOOP, JCXZ, INT n / INT3 / INTO,
 * IRET, HLT (SDM Vol. 1 6.3-6.5, Vol. 2 instruction pages). Far forms are in
 * far-transfer.ts.
 */
import type { Cpu } from '../cpu';
import type { DecodedInstruction } from '../decoded-instruction';
import { Reg } from '../cpu-state';
import { FLAG_OF } from '../eflags';
import { checkVirtual8086Iopl } from '../virtual-8086';
import { EventKind } from '../interrupts';
import { SegmentRegister } from '../segment-cache';
import { testCondition } from './conditions';
import { farCall, farJump, farReturn, interruptReturn } from '../far-transfer';

function relativeTarget(cpu: Cpu, insn: DecodedInstruction): number {
  const t = cpu.state.eip + insn.imm;
  return insn.opSize === 32 ? t >>> 0 : t & 0xffff;
}

/** 70-7F, 0F 80-8F: Jcc. */
export function jcc(cpu: Cpu, insn: DecodedInstruction): void {
  if (testCondition(cpu.state.eflags, insn.opcode & 0xf)) cpu.jumpNear(relativeTarget(cpu, insn));
}
/** E9 / EB: JMP rel. */
export function jmpRel(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.jumpNear(relativeTarget(cpu, insn));
}
/** E8: CALL rel. */
export function callRel(cpu: Cpu, insn: DecodedInstruction): void {
  const target = relativeTarget(cpu, insn);
  if (target > cpu.state.segments[SegmentRegister.CS].limit >>> 0) cpu.gp(0);
  cpu.push(insn.opSize, cpu.state.eip);
  cpu.state.eip = target;
}
/** FF /2: CALL Ev. */
export function callEv(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const target = cpu.readE(insn, w);
  if (target > cpu.state.segments[SegmentRegister.CS].limit >>> 0) cpu.gp(0);
  cpu.push(w, cpu.state.eip);
  cpu.state.eip = target;
}
/** FF /4: JMP Ev. */
export function jmpEv(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.jumpNear(cpu.readE(insn, insn.opSize));
}
/** C3 / C2 Iw: RET near. */
export function retNear(cpu: Cpu, insn: DecodedInstruction): void {
  const w = insn.opSize;
  const target = cpu.peek(w, 0);
  if (target > cpu.state.segments[SegmentRegister.CS].limit >>> 0) cpu.gp(0);
  cpu.setSp(cpu.sp + (w >>> 3) + (insn.opcode === 0xc2 ? insn.imm : 0));
  cpu.state.eip = target;
}

/** E0-E2: LOOPNE / LOOPE / LOOP; the count register is CX or ECX by address size. */
export function loop(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  let count: number;
  if (insn.addrSize === 32) count = g[Reg.ECX] = g[Reg.ECX] - 1;
  else {
    count = (g[Reg.ECX] - 1) & 0xffff;
    g[Reg.ECX] = (g[Reg.ECX] & 0xffff0000) | count;
  }
  let take = count !== 0;
  const zf = (cpu.state.eflags & 0x40) !== 0;
  if (insn.opcode === 0xe0) take &&= !zf;
  else if (insn.opcode === 0xe1) take &&= zf;
  if (take) cpu.jumpNear(relativeTarget(cpu, insn));
}
/** E3: JCXZ / JECXZ by address size. */
export function jcxz(cpu: Cpu, insn: DecodedInstruction): void {
  const c = insn.addrSize === 32 ? cpu.gpr[Reg.ECX] : cpu.gpr[Reg.ECX] & 0xffff;
  if (c === 0) cpu.jumpNear(relativeTarget(cpu, insn));
}

/** CD ib: INT n (a trap: the return address is the next instruction). */
export function intN(cpu: Cpu, insn: DecodedInstruction): void {
  // SDM 20.2.7, INT n pseudo-code: IOPL-sensitive in V86 mode (INT3, INTO and INT1 are not).
  checkVirtual8086Iopl(cpu);
  cpu.softwareInterrupt(insn.imm & 0xff, EventKind.SoftwareInt);
}
/** CC: INT3. */
export function int3(cpu: Cpu): void {
  cpu.softwareInterrupt(3, EventKind.SoftwareException);
}
/** F1: INT1 / ICEBP. */
export function int1(cpu: Cpu): void {
  cpu.softwareInterrupt(1, EventKind.Icebp);
}
/** CE: INTO — #OF when OF = 1. */
export function into(cpu: Cpu): void {
  if (cpu.state.eflags & FLAG_OF) cpu.softwareInterrupt(4, EventKind.SoftwareException);
}

/** F4: HLT — privileged: #GP(0) at CPL > 0, so always in V86 mode (CPL 3). */
export function hlt(cpu: Cpu): void {
  if ((cpu.protectedMode || cpu.virtual8086) && cpu.state.cpl !== 0) cpu.gp(0);
  cpu.halt();
}

/** EA: JMP ptr16:16/32. */
export function jmpFarAp(cpu: Cpu, insn: DecodedInstruction): void {
  farJump(cpu, insn.imm2, insn.imm, insn.opSize);
}
/** 9A: CALL ptr16:16/32. */
export function callFarAp(cpu: Cpu, insn: DecodedInstruction): void {
  farCall(cpu, insn.imm2, insn.imm, insn.opSize);
}
function readFarPointer(cpu: Cpu, insn: DecodedInstruction): void {
  const off = cpu.ea(insn);
  const w = insn.opSize;
  cpu.farOffset = cpu.readMem(insn.segment, off, w);
  const selOff = insn.addrSize === 32 ? (off + (w >>> 3)) >>> 0 : (off + (w >>> 3)) & 0xffff;
  cpu.farSelector = cpu.read16(insn.segment, selOff);
}
/** FF /5: JMP m16:16/32. */
export function jmpFarMp(cpu: Cpu, insn: DecodedInstruction): void {
  readFarPointer(cpu, insn);
  farJump(cpu, cpu.farSelector, cpu.farOffset, insn.opSize);
}
/** FF /3: CALL m16:16/32. */
export function callFarMp(cpu: Cpu, insn: DecodedInstruction): void {
  readFarPointer(cpu, insn);
  farCall(cpu, cpu.farSelector, cpu.farOffset, insn.opSize);
}
/** CB / CA Iw: RETF. */
export function retFar(cpu: Cpu, insn: DecodedInstruction): void {
  farReturn(cpu, insn.opSize, insn.opcode === 0xca ? insn.imm : 0);
}
/** CF: IRET / IRETD. */
export function iret(cpu: Cpu, insn: DecodedInstruction): void {
  interruptReturn(cpu, insn.opSize);
}
