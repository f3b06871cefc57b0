/**
 * x87 presence and control state only (SDM Vol. 1 8.1, Vol. 3A 2.5 CR0.EM/
 * MP/TS/NE, 13.4 FXSAVE): FNINIT, FNCLEX, FNSTSW, FNSTCW, FLDCW, FWAIT,
 * FXSAVE/FXRSTOR. Other x87 arithmetic is not emulated: it raises #NM by the
 * CR0 rules, else #UD with an 'invalid-opcode' report, never silently.
 */
import type { Cpu } from '../cpu';
import type { DecodedInstruction } from '../decoded-instruction';
import { Vector } from '../faults';

const CR0_MP = 0x2;
const CR0_EM = 0x4;
const CR0_TS = 0x8;

/** #NM rule for x87 instructions (SDM Vol. 3A Table 2-2): EM or TS set. */
function checkDeviceAvailable(cpu: Cpu): void {
  if (cpu.state.cr0 & (CR0_EM | CR0_TS)) cpu.fault(Vector.NM);
}

export function fninit(cpu: Cpu): void {
  checkDeviceAvailable(cpu);
  const x = cpu.state.x87;
  x.controlWord = 0x37f;
  x.statusWord = 0;
  x.tagWord = 0xffff;
}
export function fnclex(cpu: Cpu): void {
  checkDeviceAvailable(cpu);
  cpu.state.x87.statusWord &= 0x7f00;
}
export function fnstswAx(cpu: Cpu): void {
  checkDeviceAvailable(cpu);
  cpu.setReg(0, 16, cpu.state.x87.statusWord);
}
export function fnstswMw(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  cpu.write16(insn.segment, cpu.ea(insn), cpu.state.x87.statusWord);
}
export function fnstcw(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  cpu.write16(insn.segment, cpu.ea(insn), cpu.state.x87.controlWord);
}
export function fldcw(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  cpu.state.x87.controlWord = cpu.read16(insn.segment, cpu.ea(insn)) | 0x40;
}
/** 9B: FWAIT — #NM only when both MP and TS are set (SDM Table 2-2). */
export function fwait(cpu: Cpu): void {
  const cr0 = cpu.state.cr0;
  if ((cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) cpu.fault(Vector.NM);
}
/** Any other x87 escape (D8-DF): #NM by CR0, otherwise reported and #UD. */
export function x87NotEmulated(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  const bytes: number[] = [];
  for (let i = 0; i < insn.length; i++) bytes.push(insn.bytes[i]);
  cpu.platform.events.emit({ kind: 'invalid-opcode', cpu: cpu.index, linearAddress: (cpu.segBase[1] + cpu.insnEip) >>> 0, bytes });
  cpu.fault(Vector.UD);
}

/** 0F AE /0: FXSAVE m512 (16-byte aligned; SDM Vol. 2 FXSAVE Table 3-53 layout, control state only). */
export function fxsave(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  const off = cpu.ea(insn);
  const lin = (cpu.segBase[insn.segment] + off) >>> 0;
  if (lin & 0xf) cpu.gp(0);
  const x = cpu.state.x87;
  const seg = insn.segment;
  const step = (k: number): number => (insn.addrSize === 32 ? (off + k) >>> 0 : (off + k) & 0xffff);
  // Probe the whole area first so a fault leaves memory unchanged.
  cpu.write8(seg, step(511), cpu.read8(seg, step(511)));
  cpu.write16(seg, step(0), x.controlWord);
  cpu.write16(seg, step(2), x.statusWord);
  // Abridged tag: one bit per register, 1 = valid (tag != 11b).
  let abridged = 0;
  for (let i = 0; i < 8; i++) if (((x.tagWord >> (2 * i)) & 3) !== 3) abridged |= 1 << i;
  cpu.write8(seg, step(4), abridged);
  cpu.write8(seg, step(5), 0);
  for (let k = 6; k < 24; k += 2) cpu.write16(seg, step(k), 0);
  cpu.write32(seg, step(24), 0x1f80); // MXCSR reset value
  cpu.write32(seg, step(28), 0xffff); // MXCSR_MASK
  for (let k = 32; k < 288; k += 4) cpu.write32(seg, step(k), 0);
}
/** 0F AE /1: FXRSTOR m512. */
export function fxrstor(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  const off = cpu.ea(insn);
  const lin = (cpu.segBase[insn.segment] + off) >>> 0;
  if (lin & 0xf) cpu.gp(0);
  const seg = insn.segment;
  const step = (k: number): number => (insn.addrSize === 32 ? (off + k) >>> 0 : (off + k) & 0xffff);
  const mxcsr = cpu.read32(seg, step(24));
  if (mxcsr & ~0xffff) cpu.gp(0);
  const x = cpu.state.x87;
  x.controlWord = cpu.read16(seg, step(0));
  x.statusWord = cpu.read16(seg, step(2));
  const abridged = cpu.read8(seg, step(4));
  let tag = 0;
  for (let i = 0; i < 8; i++) tag |= (abridged & (1 << i) ? 0 : 3) << (2 * i);
  x.tagWord = tag;
}
