/**
 * Hardware task switching with 32-bit TSSs (SDM Vol. 3A 7.3): JMP/CALL to a
 * TSS or task gate, interrupts through task gates (how kernels catch #DF on
 * a known-good stack), and IRET with EFLAGS.NT; a TSS whose EFLAGS image has
 * VM = 1 starts a virtual-8086 task. 16-bit TSSs are reported and refused
 * with #TS.
 */
import type { Cpu } from './cpu';
import { Reg } from './cpu-state';
import { FLAG_NT, FLAG_VM } from './eflags';
import { GUEST_FAULT, Vector } from './faults';
import { SegmentRegister } from './segment-cache';
import { enteredVirtual8086Mode, leftVirtual8086Mode, load8086Segment } from './virtual-8086';
import {
  descriptorBase, descriptorLimit, descriptorPresent, descriptorType, descriptorIsCodeData, fillCache, loadSegmentProtected, readDescriptor,
  type DescriptorScratch,
} from './segmentation';

export const enum TaskSwitchReason {
  Jmp = 0,
  Call = 1,
  Iret = 2,
  Interrupt = 3,
}

/** 32-bit TSS field offsets (SDM Vol. 3A Figure 7-2). */
export const TSS32 = {
  link: 0x00, esp0: 0x04, ss0: 0x08, esp1: 0x0c, ss1: 0x10, esp2: 0x14, ss2: 0x18, cr3: 0x1c, eip: 0x20, eflags: 0x24,
  gpr: 0x28, es: 0x48, cs: 0x4c, ss: 0x50, ds: 0x54, fs: 0x58, gs: 0x5c, ldt: 0x60, trap: 0x64, ioMapBase: 0x66,
} as const;

const desc: DescriptorScratch = { low: 0, high: 0, address: 0 };
const oldDesc: DescriptorScratch = { low: 0, high: 0, address: 0 };

export function taskSwitch(cpu: Cpu, selector: number, reason: TaskSwitchReason, ext: number): void {
  const st = cpu.state;
  const errorCode = (selector & 0xfffc) + ext;
  if (selector & 4) cpu.fault(Vector.TS, errorCode); // TSS descriptors live in the GDT
  if (!readDescriptor(cpu, selector, desc)) cpu.fault(reason === TaskSwitchReason.Iret ? Vector.TS : Vector.GP, errorCode);
  const type = descriptorType(desc.high);
  if (descriptorIsCodeData(desc.high) || (type & 0x5) !== 0x1) cpu.fault(reason === TaskSwitchReason.Iret ? Vector.TS : Vector.GP, errorCode);
  if ((type & 8) === 0) {
    cpu.platform.events.emit({ kind: 'note', cpu: cpu.index, traceClass: 'exceptions', message: `task switch to a 16-bit TSS (selector 0x${selector.toString(16)}) is not emulated` });
    cpu.fault(Vector.TS, errorCode);
  }
  const busy = (type & 2) !== 0;
  if (reason === TaskSwitchReason.Iret ? !busy : busy) cpu.fault(reason === TaskSwitchReason.Iret ? Vector.TS : Vector.GP, errorCode);
  if (!descriptorPresent(desc.high)) cpu.fault(Vector.NP, errorCode);
  const newBase = descriptorBase(desc.low, desc.high);
  const newLimit = descriptorLimit(desc.low, desc.high);
  if (newLimit < 0x67) cpu.fault(Vector.TS, errorCode);

  // Read everything from the new TSS first (faults here leave the old task intact).
  const r = (off: number): number => cpu.readSystem32(newBase + off);
  const newCr3 = r(TSS32.cr3);
  const newEip = r(TSS32.eip);
  let newFlags = r(TSS32.eflags);
  const newGpr = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) newGpr[i] = r(TSS32.gpr + 4 * i);
  const newSel = [0, 0, 0, 0, 0, 0];
  const segOffsets = [TSS32.es, TSS32.cs, TSS32.ss, TSS32.ds, TSS32.fs, TSS32.gs];
  for (let i = 0; i < 6; i++) newSel[i] = r(segOffsets[i]) & 0xffff;
  const newLdt = r(TSS32.ldt) & 0xffff;

  // Save the outgoing task into its TSS (SDM 7.3 step 6).
  const old = st.tr;
  const oldBase = old.base;
  let savedFlags = st.eflags;
  if (reason === TaskSwitchReason.Iret) savedFlags &= ~FLAG_NT;
  const w = (off: number, v: number): void => cpu.writeSystem32(oldBase + off, v);
  w(TSS32.eip, st.eip);
  w(TSS32.eflags, savedFlags);
  for (let i = 0; i < 8; i++) w(TSS32.gpr + 4 * i, cpu.gpr[i]);
  for (let i = 0; i < 6; i++) cpu.writeSystem16(oldBase + segOffsets[i], st.segments[i].selector);

  // Busy flags and the back link (SDM 7.3 steps 4, 7, 8).
  if ((reason === TaskSwitchReason.Jmp || reason === TaskSwitchReason.Iret) && readDescriptor(cpu, old.selector, oldDesc)) {
    cpu.writeSystem8(oldDesc.address + 5, ((oldDesc.high >>> 8) & 0xff) & ~0x2);
  }
  if (reason === TaskSwitchReason.Call || reason === TaskSwitchReason.Interrupt) {
    newFlags |= FLAG_NT;
    cpu.writeSystem16(newBase + TSS32.link, old.selector);
  }
  if (reason !== TaskSwitchReason.Iret) {
    desc.high |= 0x200;
    cpu.writeSystem8(desc.address + 5, (desc.high >>> 8) & 0xff);
  }

  // Commit: TR, CR0.TS, CR3, registers (SDM 7.3 steps 9-12).
  fillCache(st.tr, selector, desc.low, desc.high);
  st.tr.attributes |= 0x2; // busy in the cache as in the descriptor
  cpu.writeControlRegister(0, st.cr0 | 0x8);
  if (st.cr0 & 0x80000000) cpu.writeControlRegister(3, newCr3);
  const oldFlags = st.eflags;
  const wasV86 = cpu.virtual8086;
  st.eflags = (newFlags | 0x2) >>> 0;
  st.eip = newEip;
  for (let i = 0; i < 8; i++) cpu.gpr[i] = newGpr[i];
  if (newFlags & FLAG_VM) {
    // A V86 task (SDM 20.2.5): its segment registers are 8086 selectors, CPL is 3.
    for (let i = 0; i < 6; i++) load8086Segment(st.segments[i], newSel[i]);
    enteredVirtual8086Mode(cpu, 'task switch', oldFlags);
    loadNewTaskLdt(cpu, newLdt);
    cpu.updateSlowChecks();
    return;
  }
  for (let i = 0; i < 6; i++) st.segments[i].selector = newSel[i];
  st.cpl = newSel[SegmentRegister.CS] & 3;
  if (wasV86) leftVirtual8086Mode(cpu, 'task switch', oldFlags);
  cpu.pagingChanged();

  // Load LDTR and segment descriptors in the new task's context; failures are #TS (SDM 7.3 step 13).
  try {
    loadLdt(cpu, newLdt);
    loadSegmentProtected(cpu, SegmentRegister.CS, newSel[SegmentRegister.CS], true);
    st.cpl = newSel[SegmentRegister.CS] & 3;
    for (const seg of [SegmentRegister.SS, SegmentRegister.DS, SegmentRegister.ES, SegmentRegister.FS, SegmentRegister.GS]) {
      loadSegmentProtected(cpu, seg, newSel[seg]);
    }
  } catch (e) {
    if (e !== GUEST_FAULT) throw e;
    if (cpu.faultVector === Vector.GP) cpu.faultVector = Vector.TS;
    throw e;
  }
  cpu.updateSlowChecks();
}

/** The new task's LDTR, loaded after the commit point: a bad selector is #TS in the new task (SDM 7.3 step 13). */
function loadNewTaskLdt(cpu: Cpu, selector: number): void {
  try {
    loadLdt(cpu, selector);
  } catch (e) {
    if (e !== GUEST_FAULT) throw e;
    if (cpu.faultVector === Vector.GP) cpu.faultVector = Vector.TS;
    throw e;
  }
}

/** LLDT's descriptor load (SDM Vol. 2 LLDT): a null selector makes LDTR unusable. */
export function loadLdt(cpu: Cpu, selector: number): void {
  const st = cpu.state;
  if ((selector & 0xfffc) === 0) {
    st.ldtr.selector = selector & 0xffff;
    st.ldtr.usable = false;
    st.ldtr.base = 0;
    st.ldtr.limit = 0;
    return;
  }
  if (selector & 4) cpu.gp(selector & 0xfffc);
  if (!readDescriptor(cpu, selector, desc)) cpu.gp(selector & 0xfffc);
  if (descriptorIsCodeData(desc.high) || descriptorType(desc.high) !== 2) cpu.gp(selector & 0xfffc);
  if (!descriptorPresent(desc.high)) cpu.fault(Vector.NP, selector & 0xfffc);
  fillCache(st.ldtr, selector, desc.low, desc.high);
}

/** LTR (SDM Vol. 2 LTR): an available TSS; marks it busy. */
export function loadTaskRegister(cpu: Cpu, selector: number): void {
  const st = cpu.state;
  if ((selector & 0xfffc) === 0) cpu.gp(0);
  if (selector & 4) cpu.gp(selector & 0xfffc);
  if (!readDescriptor(cpu, selector, desc)) cpu.gp(selector & 0xfffc);
  const type = descriptorType(desc.high);
  if (descriptorIsCodeData(desc.high) || (type !== 1 && type !== 9)) cpu.gp(selector & 0xfffc);
  if (!descriptorPresent(desc.high)) cpu.fault(Vector.NP, selector & 0xfffc);
  desc.high |= 0x200;
  cpu.writeSystem8(desc.address + 5, (desc.high >>> 8) & 0xff);
  fillCache(st.tr, selector, desc.low, desc.high);
}
