/**
 * String instructions with REP/REPE/REPNE (SDM Vol. 1 7.3.9, Vol. 2 MOVS,
 * CMPS, SCAS, LODS, STOS, INS, OUTS, REP). The source segment honours
 * overrides, the destination is always ES; (E)SI/(E)DI/(E)CX width follows
 * the address size; DF picks the direction. Registers are committed after
 * each element, so a fault mid-way restarts with the remaining count. Long
 * repeats run in chunks and re-execute, leaving an interrupt window.
 */
import type { Cpu } from '../cpu';
import type { DecodedInstruction } from '../decoded-instruction';
import { RepPrefix } from '../decoded-instruction';
import { Reg } from '../cpu-state';
import { SegmentRegister } from '../segment-cache';
import { checkIoPermission } from './io';

/** Elements per execution of a REP instruction before it yields (re-executes) at an instruction boundary. */
const REP_CHUNK = 1024;

function width(insn: DecodedInstruction): number {
  return (insn.opcode & 1) === 0 ? 8 : insn.opSize;
}

function getIndex(cpu: Cpu, r: number, a32: boolean): number {
  return a32 ? cpu.gpr[r] : cpu.gpr[r] & 0xffff;
}
function advance(cpu: Cpu, r: number, a32: boolean, delta: number): void {
  const g = cpu.gpr;
  if (a32) g[r] = g[r] + delta;
  else g[r] = (g[r] & 0xffff0000) | ((g[r] + delta) & 0xffff);
}
function getCount(cpu: Cpu, a32: boolean): number {
  return a32 ? cpu.gpr[Reg.ECX] : cpu.gpr[Reg.ECX] & 0xffff;
}
function setCount(cpu: Cpu, a32: boolean, v: number): void {
  if (a32) cpu.gpr[Reg.ECX] = v;
  else cpu.gpr[Reg.ECX] = (cpu.gpr[Reg.ECX] & 0xffff0000) | (v & 0xffff);
}

type Element = (cpu: Cpu, insn: DecodedInstruction, w: number, a32: boolean, delta: number) => void;

/** Run one element or a REP loop of them; `conditional` = CMPS/SCAS (REPE/REPNE test ZF). */
function repeat(cpu: Cpu, insn: DecodedInstruction, element: Element, conditional: boolean): void {
  const w = width(insn);
  const a32 = insn.addrSize === 32;
  const delta = cpu.state.eflags & 0x400 ? -(w >>> 3) : w >>> 3;
  if (insn.rep === RepPrefix.None) {
    element(cpu, insn, w, a32, delta);
    return;
  }
  let count = getCount(cpu, a32);
  let done = 0;
  while (count !== 0) {
    element(cpu, insn, w, a32, delta);
    count = a32 ? (count - 1) >>> 0 : (count - 1) & 0xffff;
    setCount(cpu, a32, count);
    if (conditional) {
      const zf = (cpu.state.eflags & 0x40) !== 0;
      if (insn.rep === RepPrefix.Rep ? !zf : zf) return;
    }
    if (++done >= REP_CHUNK && count !== 0) {
      cpu.state.eip = cpu.insnEip; // resume at the next boundary
      return;
    }
  }
}

const movsElement: Element = (cpu, insn, w, a32, delta) => {
  const v = cpu.readMem(insn.segment, getIndex(cpu, Reg.ESI, a32), w);
  cpu.writeMem(SegmentRegister.ES, getIndex(cpu, Reg.EDI, a32), w, v);
  advance(cpu, Reg.ESI, a32, delta);
  advance(cpu, Reg.EDI, a32, delta);
};
const stosElement: Element = (cpu, insn, w, a32, delta) => {
  cpu.writeMem(SegmentRegister.ES, getIndex(cpu, Reg.EDI, a32), w, cpu.getReg(Reg.EAX, w));
  advance(cpu, Reg.EDI, a32, delta);
};
const lodsElement: Element = (cpu, insn, w, a32, delta) => {
  cpu.setReg(Reg.EAX, w, cpu.readMem(insn.segment, getIndex(cpu, Reg.ESI, a32), w));
  advance(cpu, Reg.ESI, a32, delta);
};
const cmpsElement: Element = (cpu, insn, w, a32, delta) => {
  const a = cpu.readMem(insn.segment, getIndex(cpu, Reg.ESI, a32), w);
  const b = cpu.readMem(SegmentRegister.ES, getIndex(cpu, Reg.EDI, a32), w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  alu.sub(a, b, w as 8 | 16 | 32);
  cpu.state.eflags = alu.flags;
  advance(cpu, Reg.ESI, a32, delta);
  advance(cpu, Reg.EDI, a32, delta);
};
const scasElement: Element = (cpu, insn, w, a32, delta) => {
  const b = cpu.readMem(SegmentRegister.ES, getIndex(cpu, Reg.EDI, a32), w);
  const alu = cpu.alu;
  alu.flags = cpu.state.eflags;
  alu.sub(cpu.getReg(Reg.EAX, w), b, w as 8 | 16 | 32);
  cpu.state.eflags = alu.flags;
  advance(cpu, Reg.EDI, a32, delta);
};
const insElement: Element = (cpu, insn, w, a32, delta) => {
  const port = cpu.gpr[Reg.EDX] & 0xffff;
  const di = getIndex(cpu, Reg.EDI, a32);
  // Probe the destination before the port read so a fault does not lose input (SDM INS: the write may fault).
  cpu.writeMem(SegmentRegister.ES, di, w, cpu.readMem(SegmentRegister.ES, di, w));
  const v = cpu.io.read(port, (w >>> 3) as 1 | 2 | 4);
  cpu.writeMem(SegmentRegister.ES, di, w, v);
  advance(cpu, Reg.EDI, a32, delta);
};
const outsElement: Element = (cpu, insn, w, a32, delta) => {
  const port = cpu.gpr[Reg.EDX] & 0xffff;
  const v = cpu.readMem(insn.segment, getIndex(cpu, Reg.ESI, a32), w);
  cpu.io.write(port, (w >>> 3) as 1 | 2 | 4, v);
  advance(cpu, Reg.ESI, a32, delta);
};

export function movs(cpu: Cpu, insn: DecodedInstruction): void { repeat(cpu, insn, movsElement, false); }
export function stos(cpu: Cpu, insn: DecodedInstruction): void { repeat(cpu, insn, stosElement, false); }
export function lods(cpu: Cpu, insn: DecodedInstruction): void { repeat(cpu, insn, lodsElement, false); }
export function cmps(cpu: Cpu, insn: DecodedInstruction): void { repeat(cpu, insn, cmpsElement, true); }
export function scas(cpu: Cpu, insn: DecodedInstruction): void { repeat(cpu, insn, scasElement, true); }
export function ins(cpu: Cpu, insn: DecodedInstruction): void {
  checkIoPermission(cpu, cpu.gpr[Reg.EDX] & 0xffff, width(insn) >>> 3);
  repeat(cpu, insn, insElement, false);
}
export function outs(cpu: Cpu, insn: DecodedInstruction): void {
  checkIoPermission(cpu, cpu.gpr[Reg.EDX] & 0xffff, width(insn) >>> 3);
  repeat(cpu, insn, outsElement, false);
}
