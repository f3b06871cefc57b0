/**
 * Far JMP / CALL / RET and IRET in real, protected and virtual-8086 mode (SDM
 * Vol. 2 JMP, CALL, RET, IRET pseudo-code; Vol. 3A 5.8 call gates, 7.3 task
 * switches; Vol. 3B 20.2 V86 mode, where far transfers are the 8086's).
 * Every check is done and every stack slot written before registers are
 * committed, so a fault restarts the instruction cleanly.
 */
import type { Cpu } from './cpu';
import { Reg } from './cpu-state';
import { FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_VM, FLAG_VIF, FLAG_VIP, FLAG_RF } from './eflags';
import { Vector } from './faults';
import { SegmentRegister } from './segment-cache';
import {
  descriptorDpl, descriptorIsCodeData, descriptorLimit, descriptorPresent, descriptorType, fillCache, invalidateDataSegmentsForCpl,
  readDescriptor, setAccessed, type DescriptorScratch,
} from './segmentation';
import { stackFromTss } from './interrupts';
import { checkVirtual8086Iopl, enteredVirtual8086Mode, load8086Segment } from './virtual-8086';
import { taskSwitch, TaskSwitchReason } from './task-switch';

const target: DescriptorScratch = { low: 0, high: 0, address: 0 };
const gateCode: DescriptorScratch = { low: 0, high: 0, address: 0 };
const stackDesc: DescriptorScratch = { low: 0, high: 0, address: 0 };

/** Real-mode far transfer: CS selector/base change, cached limit and attributes stay. */
function loadCsReal(cpu: Cpu, selector: number, offset: number): void {
  const cs = cpu.state.segments[SegmentRegister.CS];
  if (offset > cs.limit >>> 0) cpu.gp(0);
  cpu.loadSegment(SegmentRegister.CS, selector);
  cpu.state.eip = offset;
}

function commitCs(cpu: Cpu, selector: number, d: DescriptorScratch, cpl: number, offset: number): void {
  const st = cpu.state;
  setAccessed(cpu, d);
  fillCache(st.segments[SegmentRegister.CS], (selector & 0xfffc) | cpl, d.low, d.high);
  if (st.cpl !== cpl) {
    st.cpl = cpl;
    cpu.pagingChanged();
  }
  cpu.refreshSegment(SegmentRegister.CS);
  st.eip = offset;
}

/** Checks for a direct transfer to a code segment (SDM 5.8.1); returns nothing, faults on failure. */
function checkDirectCode(cpu: Cpu, selector: number, d: DescriptorScratch): void {
  const cpl = cpu.state.cpl;
  const type = descriptorType(d.high);
  const dpl = descriptorDpl(d.high);
  if ((type & 8) === 0) cpu.gp(selector & 0xfffc);
  if (type & 4) {
    if (dpl > cpl) cpu.gp(selector & 0xfffc);
  } else if ((selector & 3) > cpl || dpl !== cpl) cpu.gp(selector & 0xfffc);
  if (!descriptorPresent(d.high)) cpu.fault(Vector.NP, selector & 0xfffc);
}

/** Read and check the code segment a call gate names (SDM 5.8.6). */
function readGateTarget(cpu: Cpu, gateSelector: number, gateHigh: number, gateLow: number): { codeSelector: number; offset: number } {
  const gate32 = (descriptorType(gateHigh) & 8) !== 0;
  const codeSelector = gateLow >>> 16;
  const offset = gate32 ? ((gateLow & 0xffff) | (gateHigh & 0xffff0000)) >>> 0 : gateLow & 0xffff;
  if ((codeSelector & 0xfffc) === 0) cpu.gp(0);
  if (!readDescriptor(cpu, codeSelector, gateCode)) cpu.gp(codeSelector & 0xfffc);
  const type = descriptorType(gateCode.high);
  if (!descriptorIsCodeData(gateCode.high) || (type & 8) === 0 || descriptorDpl(gateCode.high) > cpu.state.cpl) cpu.gp(codeSelector & 0xfffc);
  if (!descriptorPresent(gateCode.high)) cpu.fault(Vector.NP, codeSelector & 0xfffc);
  void gateSelector;
  return { codeSelector, offset };
}

export function farJump(cpu: Cpu, selector: number, offset: number, opSize: number): void {
  const st = cpu.state;
  if (opSize === 16) offset &= 0xffff;
  if (!cpu.protectedMode) {
    loadCsReal(cpu, selector, offset);
    return;
  }
  if ((selector & 0xfffc) === 0) cpu.gp(0);
  if (!readDescriptor(cpu, selector, target)) cpu.gp(selector & 0xfffc);
  if (descriptorIsCodeData(target.high)) {
    checkDirectCode(cpu, selector, target);
    if (offset > descriptorLimit(target.low, target.high)) cpu.gp(0);
    commitCs(cpu, selector, target, st.cpl, offset);
    return;
  }
  const type = descriptorType(target.high);
  const dpl = descriptorDpl(target.high);
  if (dpl < st.cpl || dpl < (selector & 3)) cpu.gp(selector & 0xfffc);
  if (!descriptorPresent(target.high)) cpu.fault(Vector.NP, selector & 0xfffc);
  switch (type) {
    case 4:
    case 0xc: {
      const { codeSelector, offset: gateOffset } = readGateTarget(cpu, selector, target.high, target.low);
      const codeType = descriptorType(gateCode.high);
      // JMP through a call gate never changes privilege: non-conforming targets need DPL = CPL.
      if ((codeType & 4) === 0 && descriptorDpl(gateCode.high) !== st.cpl) cpu.gp(codeSelector & 0xfffc);
      if (gateOffset > descriptorLimit(gateCode.low, gateCode.high)) cpu.gp(0);
      commitCs(cpu, codeSelector, gateCode, st.cpl, gateOffset);
      return;
    }
    case 5:
      taskSwitch(cpu, target.low >>> 16, TaskSwitchReason.Jmp, 0);
      return;
    case 1:
    case 9:
      taskSwitch(cpu, selector, TaskSwitchReason.Jmp, 0);
      return;
    default:
      cpu.gp(selector & 0xfffc);
  }
}

export function farCall(cpu: Cpu, selector: number, offset: number, opSize: number): void {
  const st = cpu.state;
  const w = opSize;
  const bytes = w >>> 3;
  if (w === 16) offset &= 0xffff;
  const returnCs = st.segments[SegmentRegister.CS].selector;
  const returnEip = st.eip;
  if (!cpu.protectedMode) {
    const cs = st.segments[SegmentRegister.CS];
    if (offset > cs.limit >>> 0) cpu.gp(0);
    const sp1 = cpu.spMinus(bytes);
    const sp2 = cpu.spMinus(2 * bytes);
    cpu.writeMem(SegmentRegister.SS, sp1, w, returnCs);
    cpu.writeMem(SegmentRegister.SS, sp2, w, returnEip);
    cpu.setSp(sp2);
    loadCsReal(cpu, selector, offset);
    return;
  }
  if ((selector & 0xfffc) === 0) cpu.gp(0);
  if (!readDescriptor(cpu, selector, target)) cpu.gp(selector & 0xfffc);
  if (descriptorIsCodeData(target.high)) {
    checkDirectCode(cpu, selector, target);
    if (offset > descriptorLimit(target.low, target.high)) cpu.gp(0);
    const sp1 = cpu.spMinus(bytes);
    const sp2 = cpu.spMinus(2 * bytes);
    cpu.writeMem(SegmentRegister.SS, sp1, w, returnCs);
    cpu.writeMem(SegmentRegister.SS, sp2, w, returnEip);
    cpu.setSp(sp2);
    commitCs(cpu, selector, target, st.cpl, offset);
    return;
  }
  const type = descriptorType(target.high);
  const dpl = descriptorDpl(target.high);
  if (dpl < st.cpl || dpl < (selector & 3)) cpu.gp(selector & 0xfffc);
  if (!descriptorPresent(target.high)) cpu.fault(Vector.NP, selector & 0xfffc);
  if (type === 5) {
    taskSwitch(cpu, target.low >>> 16, TaskSwitchReason.Call, 0);
    return;
  }
  if (type === 1 || type === 9) {
    taskSwitch(cpu, selector, TaskSwitchReason.Call, 0);
    return;
  }
  if (type !== 4 && type !== 0xc) cpu.gp(selector & 0xfffc);

  // Call gate (SDM 5.8.5).
  const gate32 = (type & 8) !== 0;
  const gw = gate32 ? 32 : 16;
  const gbytes = gw >>> 3;
  const paramCount = target.high & 0x1f;
  const { codeSelector, offset: gateOffset } = readGateTarget(cpu, selector, target.high, target.low);
  const codeDpl = descriptorDpl(gateCode.high);
  const conforming = (descriptorType(gateCode.high) & 4) !== 0;
  if (gateOffset > descriptorLimit(gateCode.low, gateCode.high)) cpu.gp(0);
  if (conforming || codeDpl === st.cpl) {
    const sp1 = cpu.spMinus(gbytes);
    const sp2 = cpu.spMinus(2 * gbytes);
    cpu.writeMem(SegmentRegister.SS, sp1, gw, returnCs);
    cpu.writeMem(SegmentRegister.SS, sp2, gw, returnEip);
    cpu.setSp(sp2);
    commitCs(cpu, codeSelector, gateCode, st.cpl, gateOffset);
    return;
  }
  // More privileged non-conforming target: switch to the inner stack from the TSS, copy parameters.
  const newCpl = codeDpl;
  const { ss: newSs, esp: newEsp } = stackFromTss(cpu, newCpl, 0);
  if ((newSs & 0xfffc) === 0) cpu.fault(Vector.TS, 0);
  if (!readDescriptor(cpu, newSs, stackDesc)) cpu.fault(Vector.TS, newSs & 0xfffc);
  const ssType = descriptorType(stackDesc.high);
  if ((newSs & 3) !== newCpl || descriptorDpl(stackDesc.high) !== newCpl || !descriptorIsCodeData(stackDesc.high) || ssType & 8 || (ssType & 2) === 0) {
    cpu.fault(Vector.TS, newSs & 0xfffc);
  }
  if (!descriptorPresent(stackDesc.high)) cpu.fault(Vector.SS, newSs & 0xfffc);
  const params: number[] = [];
  for (let i = paramCount - 1; i >= 0; i--) params.push(cpu.peek(gw, i * gbytes));
  const frame = [st.segments[SegmentRegister.SS].selector, cpu.gpr[Reg.ESP], ...params, returnCs, returnEip];
  const ssBase = ((stackDesc.low >>> 16) | ((stackDesc.high & 0xff) << 16) | (stackDesc.high & 0xff000000)) >>> 0;
  const ss32 = (stackDesc.high & 0x400000) !== 0;
  let sp = ss32 ? newEsp >>> 0 : newEsp & 0xffff;
  const savedCpl = st.cpl;
  st.cpl = newCpl;
  try {
    for (const v of frame) {
      sp = ss32 ? (sp - gbytes) >>> 0 : (sp - gbytes) & 0xffff;
      if (gw === 32) cpu.writeLinear32((ssBase + sp) >>> 0, v);
      else cpu.writeLinear16((ssBase + sp) >>> 0, v);
    }
  } finally {
    st.cpl = savedCpl;
  }
  setAccessed(cpu, stackDesc);
  fillCache(st.segments[SegmentRegister.SS], newSs, stackDesc.low, stackDesc.high);
  cpu.refreshSegment(SegmentRegister.SS);
  if (ss32) cpu.gpr[Reg.ESP] = sp;
  else cpu.gpr[Reg.ESP] = (cpu.gpr[Reg.ESP] & 0xffff0000) | sp;
  commitCs(cpu, codeSelector, gateCode, newCpl, gateOffset);
}

/** Checks of the code segment a RET/IRET returns to (SDM RET "return to ..."); returns the new CPL. */
function checkReturnCode(cpu: Cpu, selector: number): number {
  const st = cpu.state;
  if ((selector & 0xfffc) === 0) cpu.gp(0);
  if (!readDescriptor(cpu, selector, target)) cpu.gp(selector & 0xfffc);
  const rpl = selector & 3;
  if (rpl < st.cpl) cpu.gp(selector & 0xfffc);
  const type = descriptorType(target.high);
  if (!descriptorIsCodeData(target.high) || (type & 8) === 0) cpu.gp(selector & 0xfffc);
  const dpl = descriptorDpl(target.high);
  if (type & 4 ? dpl > rpl : dpl !== rpl) cpu.gp(selector & 0xfffc);
  if (!descriptorPresent(target.high)) cpu.fault(Vector.NP, selector & 0xfffc);
  return rpl;
}

/** Checks of the SS a return to an outer level loads. */
function checkReturnStack(cpu: Cpu, ssSelector: number, rpl: number): void {
  if ((ssSelector & 0xfffc) === 0) cpu.gp(0);
  if (!readDescriptor(cpu, ssSelector, stackDesc)) cpu.gp(ssSelector & 0xfffc);
  const type = descriptorType(stackDesc.high);
  if ((ssSelector & 3) !== rpl || !descriptorIsCodeData(stackDesc.high) || type & 8 || (type & 2) === 0 || descriptorDpl(stackDesc.high) !== rpl) {
    cpu.gp(ssSelector & 0xfffc);
  }
  if (!descriptorPresent(stackDesc.high)) cpu.fault(Vector.SS, ssSelector & 0xfffc);
}

export function farReturn(cpu: Cpu, opSize: number, release: number): void {
  const st = cpu.state;
  const w = opSize;
  const bytes = w >>> 3;
  const offset = cpu.peek(w, 0);
  const selector = cpu.peek(w, bytes) & 0xffff;
  if (!cpu.protectedMode) {
    loadCsReal(cpu, selector, offset);
    cpu.setSp(cpu.sp + 2 * bytes + release);
    return;
  }
  const rpl = checkReturnCode(cpu, selector);
  if (offset > descriptorLimit(target.low, target.high)) cpu.gp(0);
  if (rpl === st.cpl) {
    cpu.setSp(cpu.sp + 2 * bytes + release);
    commitCs(cpu, selector, target, rpl, offset);
    return;
  }
  const newEsp = cpu.peek(w, 2 * bytes + release);
  const newSs = cpu.peek(w, 3 * bytes + release) & 0xffff;
  checkReturnStack(cpu, newSs, rpl);
  commitCs(cpu, selector, target, rpl, offset);
  fillCache(st.segments[SegmentRegister.SS], newSs, stackDesc.low, stackDesc.high);
  cpu.refreshSegment(SegmentRegister.SS);
  setAccessed(cpu, stackDesc);
  cpu.setSp(w === 32 ? newEsp + release : (newEsp + release) & 0xffff);
  invalidateDataSegmentsForCpl(cpu);
}

/** IRET / IRETD (SDM Vol. 2 IRET); unblocks NMIs. */
export function interruptReturn(cpu: Cpu, opSize: number): void {
  const st = cpu.state;
  const w = opSize;
  const bytes = w >>> 3;
  if (!cpu.protectedMode) {
    // Real mode, or V86 mode with IOPL 3 (SDM IRET RETURN-FROM-VIRTUAL-8086-MODE:
    // an 8086 IRET that leaves VM, IOPL, VIP and VIF alone; IOPL < 3 traps to the monitor).
    checkVirtual8086Iopl(cpu);
    const offset = cpu.peek(w, 0);
    const selector = cpu.peek(w, bytes) & 0xffff;
    const flags = cpu.peek(w, 2 * bytes);
    loadCsReal(cpu, selector, offset);
    cpu.setSp(cpu.sp + 3 * bytes);
    let mask = w === 32 ? 0x257fd5 : 0x7fd5;
    if (cpu.virtual8086) mask &= ~FLAG_IOPL;
    setFlags(cpu, ((st.eflags & ~mask) | (flags & mask)) >>> 0);
    cpu.nmiBlocked = false;
    return;
  }
  if (st.eflags & FLAG_NT) {
    // Return from a nested task through the TSS back link (SDM 7.3).
    const link = cpu.readSystem16(st.tr.base);
    taskSwitch(cpu, link, TaskSwitchReason.Iret, 0);
    cpu.nmiBlocked = false;
    return;
  }
  const offset = cpu.peek(w, 0);
  const selector = cpu.peek(w, bytes) & 0xffff;
  let flags = cpu.peek(w, 2 * bytes);
  if (w === 16) flags = (st.eflags & 0xffff0000) | flags;
  // Only a 32-bit IRET at CPL 0 can set VM (SDM IRET: "IF tempEFLAGS(VM) = 1 and CPL = 0").
  if (w === 32 && flags & FLAG_VM && st.cpl === 0) {
    returnToVirtual8086(cpu, offset, selector, flags);
    return;
  }
  const rpl = checkReturnCode(cpu, selector);
  if (offset > descriptorLimit(target.low, target.high)) cpu.gp(0);
  const oldCpl = st.cpl;
  // EFLAGS rules: IOPL only at CPL 0, IF only when CPL <= IOPL (checked with the CPL before the return).
  let mask = 0x257fd5 & (w === 32 ? 0xffffffff : 0xffff);
  if (oldCpl > 0) mask &= ~FLAG_IOPL;
  if (oldCpl > (st.eflags & FLAG_IOPL) >>> 12) mask &= ~FLAG_IF;
  if (oldCpl === 0) mask |= FLAG_VIF | FLAG_VIP;
  const newFlags = (((st.eflags & ~mask) | (flags & mask)) & ~FLAG_RF) >>> 0;
  if (rpl === oldCpl) {
    cpu.setSp(cpu.sp + 3 * bytes);
    commitCs(cpu, selector, target, rpl, offset);
    setFlags(cpu, newFlags);
    cpu.nmiBlocked = false;
    return;
  }
  const newEsp = cpu.peek(w, 3 * bytes);
  const newSs = cpu.peek(w, 4 * bytes) & 0xffff;
  checkReturnStack(cpu, newSs, rpl);
  commitCs(cpu, selector, target, rpl, offset);
  fillCache(st.segments[SegmentRegister.SS], newSs, stackDesc.low, stackDesc.high);
  setAccessed(cpu, stackDesc);
  cpu.refreshSegment(SegmentRegister.SS);
  if (cpu.stack32) cpu.gpr[Reg.ESP] = newEsp;
  else cpu.gpr[Reg.ESP] = (cpu.gpr[Reg.ESP] & 0xffff0000) | (newEsp & 0xffff);
  setFlags(cpu, newFlags);
  invalidateDataSegmentsForCpl(cpu);
  cpu.nmiBlocked = false;
}

/** EFLAGS bits that exist (SDM Vol. 1 Figure 3-8); the rest read as 0 (bit 1 as 1). */
const EFLAGS_DEFINED = 0x3f7fd5;

/**
 * SDM IRET RETURN-TO-VIRTUAL-8086-MODE: after EIP, CS and EFLAGS, the frame
 * holds ESP, SS, ES, DS, FS and GS (each a dword, high word ignored); every
 * segment register gets an 8086 selector and CPL becomes 3. All stack reads
 * come first, so a #SS leaves the ring-0 state intact.
 */
function returnToVirtual8086(cpu: Cpu, offset: number, selector: number, flags: number): void {
  const st = cpu.state;
  // "IF instruction pointer not within code segment limits THEN #GP(0)": the 8086 CS limit is FFFFH.
  if (offset > 0xffff) cpu.gp(0);
  const newEsp = cpu.peek(32, 12);
  const newSs = cpu.peek(32, 16) & 0xffff;
  const newEs = cpu.peek(32, 20) & 0xffff;
  const newDs = cpu.peek(32, 24) & 0xffff;
  const newFs = cpu.peek(32, 28) & 0xffff;
  const newGs = cpu.peek(32, 32) & 0xffff;
  const oldFlags = st.eflags;
  const seg = st.segments;
  load8086Segment(seg[SegmentRegister.CS], selector);
  load8086Segment(seg[SegmentRegister.SS], newSs);
  load8086Segment(seg[SegmentRegister.ES], newEs);
  load8086Segment(seg[SegmentRegister.DS], newDs);
  load8086Segment(seg[SegmentRegister.FS], newFs);
  load8086Segment(seg[SegmentRegister.GS], newGs);
  st.eip = offset;
  cpu.gpr[Reg.ESP] = newEsp;
  const wasIf = st.eflags & FLAG_IF;
  st.eflags = ((flags & EFLAGS_DEFINED) | 2) >>> 0;
  if (!wasIf && st.eflags & FLAG_IF) cpu.attention = true;
  cpu.nmiBlocked = false;
  enteredVirtual8086Mode(cpu, 'IRET', oldFlags);
}

function setFlags(cpu: Cpu, value: number): void {
  const st = cpu.state;
  const wasIf = st.eflags & FLAG_IF;
  st.eflags = (value | 2) >>> 0;
  cpu.updateSlowChecks();
  if (!wasIf && st.eflags & FLAG_IF) cpu.attention = true;
}
