/**
 * Event delivery: exceptions, external interrupts, NMI and INT n through the
 * real-mode IVT (SDM Vol. 3A 20.1.4) or the protected-mode IDT (SDM 6.10-6.12),
 * with privilege checks, the TSS stack switch and task gates; from
 * virtual-8086 mode with the V86 frame (SDM Vol. 3B 20.3.1.1).
 *
 * State is committed only after every memory access that can fault has been
 * done, so a fault during delivery leaves the interrupted context intact for
 * the double-fault rules in Cpu.deliverFault.
 */
import type { Cpu } from './cpu';
import { Reg } from './cpu-state';
import { FLAG_IF, FLAG_NT, FLAG_RF, FLAG_TF, FLAG_VM, FLAG_AC } from './eflags';
import { describeVector, Vector, vectorHasErrorCode } from './faults';
import { SegmentRegister } from './segment-cache';
import {
  descriptorDpl, descriptorIsCodeData, descriptorPresent, descriptorType, fillCache, nullCache, readDescriptor, setAccessed, type DescriptorScratch,
} from './segmentation';
import { leftVirtual8086Mode } from './virtual-8086';
import { taskSwitch, TaskSwitchReason } from './task-switch';

export const enum EventKind {
  /** A processor-detected exception (fault or trap). */
  Exception = 0,
  /** A maskable interrupt from the interrupt controller. */
  External = 1,
  Nmi = 2,
  /** INT n: gate DPL is checked against CPL. */
  SoftwareInt = 3,
  /** INT3 / INTO: software exceptions, DPL-checked like INT n. */
  SoftwareException = 4,
  /** INT1 (ICEBP): no DPL check. */
  Icebp = 5,
}

const gate: DescriptorScratch = { low: 0, high: 0, address: 0 };
const code: DescriptorScratch = { low: 0, high: 0, address: 0 };
const stack: DescriptorScratch = { low: 0, high: 0, address: 0 };

/** Deliver one event. errorCode -1 = none. May throw GUEST_FAULT (nested fault). */
export function deliverEvent(cpu: Cpu, vector: number, errorCode: number, kind: EventKind): void {
  const st = cpu.state;
  if (kind === EventKind.Exception || kind === EventKind.SoftwareException || kind === EventKind.Icebp) {
    const events = cpu.platform.events;
    if (events.hasListeners) {
      events.emit({
        kind: 'exception', cpu: cpu.index, vector, errorCode: errorCode >= 0 ? errorCode : undefined, eip: st.eip,
        description: `${describeVector(vector)} at ${hex(st.segments[1].selector, 4)}:${hex(st.eip, 8)}${errorCode >= 0 ? ` error code 0x${errorCode.toString(16)}` : ''}${vector === Vector.PF ? ` CR2=${hex(st.cr2, 8)}` : ''}`,
      });
    }
  }
  // SDM Vol. 3A 6.13: the EXT bit of an error code is set when the exception
  // occurred during delivery of an event external to the program, "such as
  // an interrupt or an earlier exception"; it is clear only for faults met
  // while delivering INT n, INT3 or INTO. So every kind but those sets it.
  cpu.extBit = kind === EventKind.SoftwareInt || kind === EventKind.SoftwareException ? 0 : 1;
  // V86 mode delivers through the protected-mode IDT (SDM 20.3.1); only real mode uses the IVT.
  if ((st.cr0 & 1) === 0) deliverReal(cpu, vector);
  else deliverProtected(cpu, vector, errorCode, kind);
  cpu.extBit = 0;
}

/** Real mode: push FLAGS, CS, IP and load CS:IP from the IVT (SDM 20.1.4). */
function deliverReal(cpu: Cpu, vector: number): void {
  const st = cpu.state;
  const entry = vector * 4;
  if (entry + 3 > st.idtr.limit) cpu.gp(vector * 8 + 2); // beyond the IVT limit; escalates by the #DF rules
  const ip = cpu.readSystem16(st.idtr.base + entry);
  const cs = cpu.readSystem16(st.idtr.base + entry + 2);
  const sp = cpu.sp;
  const flagsOffset = (sp - 2) & (cpu.stack32 ? 0xffffffff : 0xffff);
  cpu.write16(SegmentRegister.SS, flagsOffset >>> 0, st.eflags);
  cpu.write16(SegmentRegister.SS, cpu.spMinus(4), st.segments[SegmentRegister.CS].selector);
  cpu.write16(SegmentRegister.SS, cpu.spMinus(6), st.eip);
  cpu.setSp(cpu.spMinus(6));
  st.eflags &= ~(FLAG_IF | FLAG_TF | FLAG_AC | FLAG_RF);
  cpu.loadSegment(SegmentRegister.CS, cs);
  st.eip = ip;
  cpu.updateSlowChecks();
}

function deliverProtected(cpu: Cpu, vector: number, errorCode: number, kind: EventKind): void {
  const st = cpu.state;
  const ext = cpu.extBit;
  const idtCode = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > st.idtr.limit >>> 0) cpu.gp(idtCode);
  gate.address = (st.idtr.base + vector * 8) >>> 0;
  gate.low = cpu.readSystem32(gate.address);
  gate.high = cpu.readSystem32(gate.address + 4);
  const gateType = descriptorType(gate.high);
  if (descriptorIsCodeData(gate.high) || (gateType !== 5 && gateType !== 6 && gateType !== 7 && gateType !== 0xe && gateType !== 0xf)) cpu.gp(idtCode);
  const software = kind === EventKind.SoftwareInt || kind === EventKind.SoftwareException;
  if (software && descriptorDpl(gate.high) < st.cpl) cpu.gp(vector * 8 + 2);
  if (!descriptorPresent(gate.high)) cpu.fault(Vector.NP, idtCode);
  const pushError = kind === EventKind.Exception && vectorHasErrorCode(vector) && errorCode >= 0;

  if (gateType === 5) {
    // Task gate (SDM 6.12.2): switch tasks; the error code goes on the new task's stack.
    const tssSelector = gate.low >>> 16;
    taskSwitch(cpu, tssSelector, TaskSwitchReason.Interrupt, ext);
    if (pushError) cpu.push(st.tr.attributes & 0x8 ? 32 : 16, errorCode);
    return;
  }

  const gate32 = (gateType & 8) !== 0;
  const isInterruptGate = (gateType & 1) === 0;
  const selector = gate.low >>> 16;
  const offset = gate32 ? ((gate.low & 0xffff) | (gate.high & 0xffff0000)) >>> 0 : gate.low & 0xffff;
  if ((selector & 0xfffc) === 0) cpu.gp(ext);
  if (!readDescriptor(cpu, selector, code)) cpu.gp((selector & 0xfffc) + ext);
  const codeType = descriptorType(code.high);
  const codeDpl = descriptorDpl(code.high);
  if (!descriptorIsCodeData(code.high) || (codeType & 8) === 0 || codeDpl > st.cpl) cpu.gp((selector & 0xfffc) + ext);
  if (!descriptorPresent(code.high)) cpu.fault(Vector.NP, (selector & 0xfffc) + ext);
  const conforming = (codeType & 4) !== 0;
  // SDM 20.3.1.1 and the INT n pseudo-code: from V86 mode the handler must be
  // a ring-0 non-conforming code segment, reached with the inner stack switch.
  const fromV86 = cpu.virtual8086;
  if (fromV86 && (conforming || codeDpl !== 0)) cpu.gp((selector & 0xfffc) + ext);
  const w = gate32 ? 32 : 16;
  const bytes = w >>> 3;
  const oldFlags = st.eflags;
  const oldCs = st.segments[SegmentRegister.CS].selector;
  const oldEip = st.eip;

  if (!conforming && codeDpl < st.cpl) {
    // Inter-privilege: new stack from the TSS (SDM 6.12.1, 7.2.1).
    const newCpl = codeDpl;
    const { ss: newSs, esp: newEsp } = stackFromTss(cpu, newCpl, ext);
    if ((newSs & 0xfffc) === 0) cpu.fault(Vector.TS, ext);
    if (!readDescriptor(cpu, newSs, stack)) cpu.fault(Vector.TS, (newSs & 0xfffc) + ext);
    const ssType = descriptorType(stack.high);
    if ((newSs & 3) !== newCpl || descriptorDpl(stack.high) !== newCpl || !descriptorIsCodeData(stack.high) || ssType & 8 || (ssType & 2) === 0) {
      cpu.fault(Vector.TS, (newSs & 0xfffc) + ext);
    }
    if (!descriptorPresent(stack.high)) cpu.fault(Vector.SS, (newSs & 0xfffc) + ext);
    const ssBase = ((stack.low >>> 16) | ((stack.high & 0xff) << 16) | (stack.high & 0xff000000)) >>> 0;
    const ss32 = (stack.high & 0x400000) !== 0;
    let sp = ss32 ? newEsp >>> 0 : newEsp & 0xffff;
    const seg = st.segments;
    // SDM 20.3.1.1 Figure 20-4: from V86 mode GS, FS, DS and ES go first
    // (zero-extended in a 32-bit frame), then the usual inter-privilege frame.
    const frame = fromV86
      ? [seg[SegmentRegister.GS].selector, seg[SegmentRegister.FS].selector, seg[SegmentRegister.DS].selector, seg[SegmentRegister.ES].selector,
        seg[SegmentRegister.SS].selector, cpu.gpr[Reg.ESP], oldFlags, oldCs, oldEip]
      : [seg[SegmentRegister.SS].selector, cpu.gpr[Reg.ESP], oldFlags, oldCs, oldEip];
    if (pushError) frame.push(errorCode);
    const count = frame.length;
    // Write the frame on the new stack as a supervisor access at the new CPL.
    const savedCpl = st.cpl;
    st.cpl = newCpl;
    try {
      for (let i = 0; i < count; i++) {
        sp = ss32 ? (sp - bytes) >>> 0 : (sp - bytes) & 0xffff;
        const lin = (ssBase + sp) >>> 0;
        if (w === 32) cpu.writeLinear32(lin, frame[i]);
        else cpu.writeLinear16(lin, frame[i]);
      }
    } finally {
      st.cpl = savedCpl;
    }
    setAccessed(cpu, code);
    setAccessed(cpu, stack);
    // Commit.
    st.cpl = newCpl;
    fillCache(st.segments[SegmentRegister.SS], newSs, stack.low, stack.high);
    cpu.refreshSegment(SegmentRegister.SS);
    if (ss32) cpu.gpr[Reg.ESP] = sp;
    else cpu.gpr[Reg.ESP] = (cpu.gpr[Reg.ESP] & 0xffff0000) | sp;
    fillCache(st.segments[SegmentRegister.CS], (selector & 0xfffc) | newCpl, code.low, code.high);
    cpu.refreshSegment(SegmentRegister.CS);
    // Leaving V86 mode loads the data segment registers with null (SDM 20.3.1.1).
    if (fromV86) for (const s of [SegmentRegister.ES, SegmentRegister.DS, SegmentRegister.FS, SegmentRegister.GS]) nullCache(st.segments[s], 0);
    cpu.pagingChanged();
  } else {
    if (!conforming && codeDpl !== st.cpl) cpu.gp((selector & 0xfffc) + ext);
    const count = pushError ? 4 : 3;
    const frame0 = oldFlags, frame1 = oldCs, frame2 = oldEip;
    let sp = cpu.sp;
    const mask = cpu.stack32 ? 0xffffffff : 0xffff;
    const offsets = [0, 0, 0, 0];
    for (let i = 0; i < count; i++) {
      sp = ((sp - bytes) & mask) >>> 0;
      offsets[i] = sp;
    }
    cpu.writeMem(SegmentRegister.SS, offsets[0], w, frame0);
    cpu.writeMem(SegmentRegister.SS, offsets[1], w, frame1);
    cpu.writeMem(SegmentRegister.SS, offsets[2], w, frame2);
    if (pushError) cpu.writeMem(SegmentRegister.SS, offsets[3], w, errorCode);
    setAccessed(cpu, code);
    cpu.setSp(sp);
    fillCache(st.segments[SegmentRegister.CS], (selector & 0xfffc) | st.cpl, code.low, code.high);
    cpu.refreshSegment(SegmentRegister.CS);
  }
  st.eip = offset;
  // SDM 6.12.1.2: clear TF, VM, RF, NT; interrupt gates also clear IF.
  st.eflags &= ~(FLAG_TF | FLAG_VM | FLAG_RF | FLAG_NT | (isInterruptGate ? FLAG_IF : 0));
  if (fromV86) leftVirtual8086Mode(cpu, `${kind === EventKind.SoftwareInt ? `INT ${hex(vector, 2)}h` : describeVector(vector)} through the IDT`, oldFlags);
  else cpu.updateSlowChecks();
}

/** SS:ESP for privilege level `cpl` from the current 32-bit (or 16-bit) TSS (SDM 7.2.1, 7.6). */
export function stackFromTss(cpu: Cpu, cpl: number, ext: number): { ss: number; esp: number } {
  const tr = cpu.state.tr;
  const is32 = (tr.attributes & 0x8) !== 0;
  if (is32) {
    const offset = 4 + cpl * 8;
    if (offset + 5 > tr.limit >>> 0) cpu.fault(Vector.TS, (tr.selector & 0xfffc) + ext);
    return { esp: cpu.readSystem32(tr.base + offset), ss: cpu.readSystem16(tr.base + offset + 4) };
  }
  const offset = 2 + cpl * 4;
  if (offset + 3 > tr.limit >>> 0) cpu.fault(Vector.TS, (tr.selector & 0xfffc) + ext);
  return { esp: cpu.readSystem16(tr.base + offset), ss: cpu.readSystem16(tr.base + offset + 2) };
}

function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, '0');
}
