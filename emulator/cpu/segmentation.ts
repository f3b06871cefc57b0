/**
 * Protected-mode segment loads and descriptor-table access (SDM Vol. 3A
 * 3.4, 5.5-5.8; Vol. 2 "MOV—Move to/from Segment Registers", "POP", "LDS").
 * Descriptors are read as two dwords into the CPU's scratch fields so that
 * nothing is allocated per load.
 */
import type { Cpu } from './cpu';
import { Vector } from './faults';
import { SegmentRegister, type SegmentCache } from './segment-cache';

/** Raw descriptor dwords and where they came from, filled by readDescriptor. */
export interface DescriptorScratch {
  low: number;
  high: number;
  /** Linear address of the descriptor (for setting accessed / busy bits). */
  address: number;
}

export function descriptorBase(low: number, high: number): number {
  return ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0;
}
/** Limit in bytes with granularity applied (SDM 3.4.5). */
export function descriptorLimit(low: number, high: number): number {
  const raw = (low & 0xffff) | (high & 0xf0000);
  return high & 0x800000 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}
/** Cache attribute packing (segment-cache.ts): descriptor high dword bits 8..23. */
export function descriptorAttributes(high: number): number {
  return (high >>> 8) & 0xf0ff;
}
export function descriptorDpl(high: number): number {
  return (high >>> 13) & 3;
}
export function descriptorPresent(high: number): boolean {
  return (high & 0x8000) !== 0;
}
/** S flag: 1 = code/data, 0 = system. */
export function descriptorIsCodeData(high: number): boolean {
  return (high & 0x1000) !== 0;
}
export function descriptorType(high: number): number {
  return (high >>> 8) & 0xf;
}

export function fillCache(cache: SegmentCache, selector: number, low: number, high: number): void {
  cache.selector = selector & 0xffff;
  cache.base = descriptorBase(low, high);
  cache.limit = descriptorLimit(low, high);
  cache.attributes = descriptorAttributes(high);
  cache.usable = true;
}

export function nullCache(cache: SegmentCache, selector: number): void {
  cache.selector = selector & 0xffff;
  cache.base = 0;
  cache.limit = 0;
  cache.attributes = 0;
  cache.usable = false;
}

/**
 * Read the descriptor a selector names (GDT or LDT by TI) into `out`.
 * Returns false when the index is beyond the table limit (the caller picks the fault).
 */
export function readDescriptor(cpu: Cpu, selector: number, out: DescriptorScratch): boolean {
  const st = cpu.state;
  const index = selector & 0xfff8;
  let base: number;
  let limit: number;
  if (selector & 4) {
    if (!st.ldtr.usable || (st.ldtr.selector & 0xfffc) === 0) return false;
    base = st.ldtr.base;
    limit = st.ldtr.limit;
  } else {
    base = st.gdtr.base;
    limit = st.gdtr.limit;
  }
  if (index + 7 > limit >>> 0) return false;
  const address = (base + index) >>> 0;
  out.address = address;
  out.low = cpu.readSystem32(address);
  out.high = cpu.readSystem32(address + 4);
  return true;
}

/** Set the accessed bit in a code/data descriptor in memory (SDM 3.4.5.1). */
export function setAccessed(cpu: Cpu, d: DescriptorScratch): void {
  if ((d.high & 0x100) === 0) {
    d.high |= 0x100;
    cpu.writeSystem8(d.address + 5, (d.high >>> 8) & 0xff);
  }
}

const scratch: DescriptorScratch = { low: 0, high: 0, address: 0 };

/**
 * MOV/POP/LxS to a segment register in protected mode, with the checks of
 * SDM Vol. 2 MOV (segment register) pseudo-code. `asCode` loads CS the way a
 * loader wants (any code segment at its DPL).
 */
export function loadSegmentProtected(cpu: Cpu, seg: number, selector: number, asCode = false): void {
  const st = cpu.state;
  const cpl = st.cpl;
  const rpl = selector & 3;
  const cache = st.segments[seg];
  const errorCode = selector & 0xfffc;
  if (seg === SegmentRegister.CS && !asCode) cpu.ud(); // MOV CS is #UD (SDM MOV)
  if ((selector & 0xfffc) === 0) {
    if (seg === SegmentRegister.SS || seg === SegmentRegister.CS) cpu.gp(0);
    nullCache(cache, selector);
    cpu.refreshSegment(seg);
    return;
  }
  if (!readDescriptor(cpu, selector, scratch)) cpu.gp(errorCode);
  const { low, high } = scratch;
  const type = descriptorType(high);
  const dpl = descriptorDpl(high);
  if (!descriptorIsCodeData(high)) cpu.gp(errorCode);
  const isCode = (type & 8) !== 0;
  if (seg === SegmentRegister.CS) {
    if (!isCode) cpu.gp(errorCode);
    if (!descriptorPresent(high)) cpu.fault(Vector.NP, errorCode);
    setAccessed(cpu, scratch);
    fillCache(cache, (selector & 0xfffc) | dpl, low, high);
    st.cpl = dpl;
    cpu.refreshSegment(seg);
    cpu.pagingChanged();
    return;
  }
  if (seg === SegmentRegister.SS) {
    // SDM: RPL = CPL, writable data segment, DPL = CPL; not present is #SS.
    if (rpl !== cpl || isCode || (type & 2) === 0 || dpl !== cpl) cpu.gp(errorCode);
    if (!descriptorPresent(high)) cpu.fault(Vector.SS, errorCode);
  } else {
    // Data or readable code; for data and non-conforming code, RPL and CPL must be <= DPL.
    if (isCode && (type & 2) === 0) cpu.gp(errorCode);
    if (!isCode || (type & 4) === 0) {
      if (rpl > dpl || cpl > dpl) cpu.gp(errorCode);
    }
    if (!descriptorPresent(high)) cpu.fault(Vector.NP, errorCode);
  }
  setAccessed(cpu, scratch);
  fillCache(cache, selector, low, scratch.high);
  cpu.refreshSegment(seg);
}

/**
 * After a privilege drop (RET/IRET to an outer level), data segment
 * registers the new CPL may not use are loaded with null (SDM Vol. 2 RET,
 * "validate ES, FS, GS, DS").
 */
export function invalidateDataSegmentsForCpl(cpu: Cpu): void {
  const st = cpu.state;
  for (const seg of [SegmentRegister.ES, SegmentRegister.DS, SegmentRegister.FS, SegmentRegister.GS]) {
    const c = st.segments[seg];
    if (!c.usable) continue;
    const type = c.attributes & 0xf;
    const dpl = (c.attributes >>> 5) & 3;
    const conformingCode = (type & 0xc) === 0xc;
    if (!conformingCode && dpl < st.cpl) {
      nullCache(c, 0);
      cpu.refreshSegment(seg);
    }
  }
}
