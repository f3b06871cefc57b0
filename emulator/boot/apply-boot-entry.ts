/**
 * Put the bootstrap processor into the state a boot protocol describes. The
 * hidden descriptor caches are filled directly, as the protocols define the
 * hidden state rather than a descriptor load (Multiboot 0.6.96 3.2: "the
 * exact values are all undefined" for selectors; the PVH ABI likewise).
 * Call before the vCPU first runs.
 */
import type { BootEntry, FlatProtectedEntry, GeneralRegisters, RealModeEntry } from './boot-plan';
import { Reg, type CpuState } from '../cpu/cpu-state';
import { SEG_ATTR_DB, SEG_ATTR_G, SEG_ATTR_P, SEG_ATTR_S, SegmentRegister, realModeSegment, type SegmentCache } from '../cpu/segment-cache';

/** What applyBootEntry needs from a vCPU. */
export interface BootableCpu {
  readonly state: CpuState;
}

/** SDM Vol. 3A 3.4.5.1 types: 0xB execute/read accessed code, 0x3 read/write accessed data, 0xB busy 32-bit TSS. */
export const FLAT_CODE_ATTRIBUTES = SEG_ATTR_G | SEG_ATTR_DB | SEG_ATTR_P | SEG_ATTR_S | 0xb;
export const FLAT_DATA_ATTRIBUTES = SEG_ATTR_G | SEG_ATTR_DB | SEG_ATTR_P | SEG_ATTR_S | 0x3;
export const BUSY_TSS32_ATTRIBUTES = SEG_ATTR_P | 0xb;
/** PVH ABI: TR base 0, limit 0x67 (a 104-byte 32-bit TSS). */
export const BOOT_TSS_LIMIT = 0x67;

const REGISTER_INDEX: Record<keyof GeneralRegisters, Reg> = {
  eax: Reg.EAX,
  ecx: Reg.ECX,
  edx: Reg.EDX,
  ebx: Reg.EBX,
  esp: Reg.ESP,
  ebp: Reg.EBP,
  esi: Reg.ESI,
  edi: Reg.EDI,
};

function setGeneralRegisters(state: CpuState, registers: GeneralRegisters): void {
  state.gpr.fill(0);
  for (const [name, value] of Object.entries(registers) as [keyof GeneralRegisters, number | undefined][]) {
    if (value !== undefined) state.gpr[REGISTER_INDEX[name]] = value >>> 0;
  }
}

function flatSegment(selector: number, attributes: number): SegmentCache {
  return { selector, base: 0, limit: 0xffffffff, attributes, usable: true };
}

function applyRealMode(state: CpuState, entry: RealModeEntry): void {
  setGeneralRegisters(state, entry.registers);
  const selectors: Record<SegmentRegister, number> = {
    [SegmentRegister.ES]: entry.es,
    [SegmentRegister.CS]: entry.cs,
    [SegmentRegister.SS]: entry.ss,
    [SegmentRegister.DS]: entry.ds,
    [SegmentRegister.FS]: entry.fs,
    [SegmentRegister.GS]: entry.gs,
  };
  for (let seg = SegmentRegister.ES; seg <= SegmentRegister.GS; seg++) state.segments[seg] = realModeSegment(selectors[seg]);
  // SDM Vol. 3A 9.1.1: CS after reset/SIPI is present, execute/read, accessed.
  state.segments[SegmentRegister.CS].attributes = SEG_ATTR_P | SEG_ATTR_S | 0xb;
  state.eip = entry.ip & 0xffff;
  state.eflags = entry.eflags >>> 0;
  // The BIOS enabled the caches (CD=NW=0) and left ET set; still real mode.
  state.cr0 = 0x00000010;
  state.idtr = { base: 0, limit: 0x3ff };
  state.cpl = 0;
  state.activity = 'running';
}

function applyFlatProtected(state: CpuState, entry: FlatProtectedEntry): void {
  setGeneralRegisters(state, entry.registers);
  for (let seg = SegmentRegister.ES; seg <= SegmentRegister.GS; seg++) {
    state.segments[seg] = seg === SegmentRegister.CS ? flatSegment(entry.codeSelector, FLAT_CODE_ATTRIBUTES) : flatSegment(entry.dataSelector, FLAT_DATA_ATTRIBUTES);
  }
  state.tr = { selector: entry.taskSelector, base: 0, limit: BOOT_TSS_LIMIT, attributes: BUSY_TSS32_ATTRIBUTES, usable: true };
  state.gdtr = { ...entry.gdtr };
  state.idtr = { ...entry.idtr };
  state.eip = entry.eip >>> 0;
  state.eflags = entry.eflags >>> 0;
  state.cr0 = entry.cr0 >>> 0;
  state.cr3 = 0;
  state.cr4 = 0;
  state.efer = 0;
  state.cpl = 0;
  state.activity = 'running';
}

export function applyBootEntry(cpu: BootableCpu, entry: BootEntry): void {
  if (entry.kind === 'real-mode') applyRealMode(cpu.state, entry);
  else applyFlatProtected(cpu.state, entry);
}
