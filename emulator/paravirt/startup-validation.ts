/**
 * Deciding whether a startup state can run, by the rules a processor applies
 * when the same state is reached by MOV CR0, LGDT, segment loads and LTR
 * (SDM Vol. 3A 2.5 control registers, 5.5-5.7 privilege checks on segment
 * loads, 7.2.4 LTR). Pure: reads memory, changes nothing. A valid state
 * comes back with the descriptor caches it will load and a snapshot of the
 * GDT entries it depends on, for the staleness check at STARTUP time.
 */
import { PvError } from './paravirt-abi';
import {
  DESCRIPTOR_ACCESSED_BIT,
  TSS_BUSY_BIT,
  descriptorCache,
  descriptorDpl,
  descriptorIsCode,
  descriptorIsSystem,
  descriptorPresent,
  descriptorType,
  isNullSelector,
  readDescriptor,
  selectorIndex,
  selectorRpl,
  selectorUsesLdt,
  type DescriptorTable,
  type RawDescriptor,
} from './descriptors';
import { translateLinear } from './linear-translation';
import { STARTUP_STATE_VERSION, rangeIsRam, type StartupState } from './startup-state';
import type { PhysicalMemory } from '../memory/physical-memory';
import { FLAG_RESERVED_1, FLAG_VM } from '../cpu/eflags';
import { SEG_ATTR_P, SEG_ATTR_S, SegmentRegister, realModeSegment, type SegmentCache } from '../cpu/segment-cache';

const CR0_PE = 1 << 0;
const CR0_NW = 1 << 29;
const CR0_CD = 1 << 30;
const CR0_PG = 1 << 31;
const EFER_SCE = 1 << 0;
const EFER_LME = 1 << 8;
const EFER_NXE = 1 << 11;
/** SDM Vol. 1 3.4.3: EFLAGS bits 3, 5, 15 and 22-31 are reserved (0); bit 1 is reserved (1). */
const EFLAGS_RESERVED_ZERO = (1 << 3) | (1 << 5) | (1 << 15) | 0xffc00000;
/** SDM Vol. 3A 7.2.1: a 32-bit TSS is at least 0x68 bytes. */
const MIN_TSS32_LIMIT = 0x67;
const TSS32_AVAILABLE = 0x9;
const TSS32_BUSY = 0xb;
const LDT_TYPE = 0x2;

export type SegmentUse = 'cs' | 'ss' | 'ds' | 'es' | 'fs' | 'gs' | 'ldtr' | 'tr';

export interface GdtEntrySnapshot {
  index: number;
  usedBy: SegmentUse[];
  low: number;
  high: number;
}

export interface ValidatedStartup {
  state: StartupState;
  /** ES, CS, SS, DS, FS, GS caches, in SegmentRegister order. */
  segments: SegmentCache[];
  /** undefined: null LDTR. */
  ldtr: SegmentCache | undefined;
  /** undefined: TR selector 0, the AP keeps its INIT-state TR. */
  tr: SegmentCache | undefined;
  cpl: number;
  gdtEntries: GdtEntrySnapshot[];
}

export type Validation = { ok: true; startup: ValidatedStartup } | { ok: false; code: PvError; reason: string };

class Refusal {
  constructor(
    readonly code: PvError,
    readonly reason: string,
  ) {}
}

function refuse(code: PvError, reason: string): never {
  throw new Refusal(code, reason);
}

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

export function validateStartupState(memory: PhysicalMemory, state: StartupState): Validation {
  try {
    return { ok: true, startup: validate(memory, state) };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, code: e.code, reason: e.reason };
    throw e;
  }
}

function validate(memory: PhysicalMemory, s: StartupState): ValidatedStartup {
  if (s.version !== STARTUP_STATE_VERSION) refuse(PvError.BadVersion, `layout version ${s.version} is unknown (this ABI knows version ${STARTUP_STATE_VERSION})`);
  if (s.flags !== 0) refuse(PvError.BadVersion, `flags ${hex(s.flags)} are reserved in version 1 and must be 0`);
  checkControlRegisters(s);
  checkEflags(s.eflags);
  const startup = (s.cr0 & CR0_PE) === 0 ? realModeStartup(s) : protectedModeStartup(memory, s);
  checkEip(memory, s, startup.segments[SegmentRegister.CS]);
  return startup;
}

function checkControlRegisters(s: StartupState): void {
  // SDM Vol. 3A 2.5: MOV CR0 faults for PG=1 with PE=0 and for NW=1 with CD=0.
  if ((s.cr0 & CR0_PG) !== 0 && (s.cr0 & CR0_PE) === 0) refuse(PvError.ControlRegisters, 'CR0.PG=1 with CR0.PE=0: paging without protection');
  if ((s.cr0 & CR0_NW) !== 0 && (s.cr0 & CR0_CD) === 0) refuse(PvError.ControlRegisters, 'CR0.NW=1 with CR0.CD=0');
  if ((s.efer & EFER_LME) !== 0) refuse(PvError.ControlRegisters, 'EFER.LME=1: long mode is not available on this 32-bit machine');
  if ((s.efer & ~(EFER_SCE | EFER_NXE)) !== 0) refuse(PvError.ControlRegisters, `EFER ${hex(s.efer)} sets reserved bits`);
}

function checkEflags(eflags: number): void {
  if ((eflags & FLAG_VM) !== 0) refuse(PvError.Eflags, 'EFLAGS.VM=1: starting in virtual-8086 mode is not supported');
  if ((eflags & EFLAGS_RESERVED_ZERO) !== 0) refuse(PvError.Eflags, `EFLAGS ${hex(eflags)} sets reserved bits`);
}

function realModeStartup(s: StartupState): ValidatedStartup {
  if (s.ldtr !== 0 || s.tr !== 0) refuse(PvError.SystemSegment, 'LDTR and TR selectors must be 0 in a real-mode (CR0.PE=0) startup state');
  const selectors = [s.es, s.cs, s.ss, s.ds, s.fs, s.gs];
  const segments = selectors.map((sel) => realModeSegment(sel));
  // SDM Vol. 3A 9.1.1: a real-mode CS cache is present, execute/read, accessed.
  segments[SegmentRegister.CS].attributes = SEG_ATTR_P | SEG_ATTR_S | 0xb;
  return { state: s, segments, ldtr: undefined, tr: undefined, cpl: 0, gdtEntries: [] };
}

function protectedModeStartup(memory: PhysicalMemory, s: StartupState): ValidatedStartup {
  const gdt: DescriptorTable = { base: s.gdtrBase, limit: s.gdtrLimit };
  if (!rangeIsRam(memory, gdt.base, gdt.limit + 1)) refuse(PvError.DescriptorTable, `GDT at ${hex(gdt.base)} limit ${hex(gdt.limit)} is not entirely in RAM`);
  const entries = new Map<number, GdtEntrySnapshot>();
  const lookup = (use: SegmentUse, selector: number, code: PvError): RawDescriptor => {
    if (selectorUsesLdt(selector)) refuse(PvError.DescriptorTable, `${use.toUpperCase()} selector ${hex(selector)} refers to the LDT; version 1 takes GDT selectors only`);
    const d = readDescriptor(memory, gdt, selector);
    if (d === undefined) refuse(code, `${use.toUpperCase()} selector ${hex(selector)} is beyond the GDT limit ${hex(gdt.limit)}`);
    const index = selectorIndex(selector);
    const entry = entries.get(index) ?? { index, usedBy: [], low: d.low, high: d.high };
    entry.usedBy.push(use);
    entries.set(index, entry);
    return d;
  };

  // CS: SDM Vol. 3A 5.8.1 (far transfers): a present code segment; non-conforming needs DPL = RPL, conforming DPL <= RPL.
  if (isNullSelector(s.cs)) refuse(PvError.CodeSegment, 'CS selector is null');
  const csDescriptor = lookup('cs', s.cs, PvError.CodeSegment);
  if (!descriptorIsCode(csDescriptor)) refuse(PvError.CodeSegment, `CS selector ${hex(s.cs)} is not a code segment descriptor`);
  if (!descriptorPresent(csDescriptor)) refuse(PvError.CodeSegment, `CS descriptor ${hex(s.cs)} is not present`);
  const cpl = selectorRpl(s.cs);
  const conforming = (descriptorType(csDescriptor) & 0x4) !== 0;
  if (conforming ? descriptorDpl(csDescriptor) > cpl : descriptorDpl(csDescriptor) !== cpl) {
    refuse(PvError.CodeSegment, `CS descriptor DPL ${descriptorDpl(csDescriptor)} does not allow CPL ${cpl}`);
  }

  // SS: SDM Vol. 3A 5.7: a present writable data segment with RPL = DPL = CPL.
  if (isNullSelector(s.ss)) refuse(PvError.DataSegment, 'SS selector is null (a null SS faults in 32-bit protected mode)');
  const ssDescriptor = lookup('ss', s.ss, PvError.DataSegment);
  if (descriptorIsSystem(ssDescriptor) || descriptorIsCode(ssDescriptor) || (descriptorType(ssDescriptor) & 0x2) === 0) {
    refuse(PvError.DataSegment, `SS selector ${hex(s.ss)} is not a writable data segment`);
  }
  if (selectorRpl(s.ss) !== cpl || descriptorDpl(ssDescriptor) !== cpl) refuse(PvError.DataSegment, `SS RPL/DPL must equal CPL ${cpl}`);
  if (!descriptorPresent(ssDescriptor)) refuse(PvError.DataSegment, `SS descriptor ${hex(s.ss)} is not present`);

  const dataSegment = (use: SegmentUse, selector: number): SegmentCache => {
    // SDM Vol. 3A 3.4.3: a null selector may be loaded into DS/ES/FS/GS; using it faults.
    if (isNullSelector(selector)) return { selector, base: 0, limit: 0, attributes: 0, usable: false };
    const d = lookup(use, selector, PvError.DataSegment);
    const type = descriptorType(d);
    if (descriptorIsSystem(d) || (descriptorIsCode(d) && (type & 0x2) === 0)) {
      refuse(PvError.DataSegment, `${use.toUpperCase()} selector ${hex(selector)} is neither data nor readable code`);
    }
    const conformingCode = descriptorIsCode(d) && (type & 0x4) !== 0;
    if (!conformingCode && descriptorDpl(d) < Math.max(cpl, selectorRpl(selector))) {
      refuse(PvError.DataSegment, `${use.toUpperCase()} descriptor DPL ${descriptorDpl(d)} is below max(CPL, RPL)`);
    }
    if (!descriptorPresent(d)) refuse(PvError.DataSegment, `${use.toUpperCase()} descriptor ${hex(selector)} is not present`);
    return descriptorCache(selector, d);
  };

  const segments: SegmentCache[] = [];
  segments[SegmentRegister.CS] = descriptorCache(s.cs, csDescriptor);
  segments[SegmentRegister.SS] = descriptorCache(s.ss, ssDescriptor);
  segments[SegmentRegister.DS] = dataSegment('ds', s.ds);
  segments[SegmentRegister.ES] = dataSegment('es', s.es);
  segments[SegmentRegister.FS] = dataSegment('fs', s.fs);
  segments[SegmentRegister.GS] = dataSegment('gs', s.gs);

  let ldtr: SegmentCache | undefined;
  if (!isNullSelector(s.ldtr)) {
    const d = lookup('ldtr', s.ldtr, PvError.SystemSegment);
    if (!descriptorIsSystem(d) || descriptorType(d) !== LDT_TYPE || !descriptorPresent(d)) {
      refuse(PvError.SystemSegment, `LDTR selector ${hex(s.ldtr)} is not a present LDT descriptor`);
    }
    ldtr = descriptorCache(s.ldtr, d);
  }

  let tr: SegmentCache | undefined;
  if (!isNullSelector(s.tr)) {
    // SDM Vol. 3A 7.2.4 (LTR): the descriptor must be a present TSS descriptor.
    const d = lookup('tr', s.tr, PvError.SystemSegment);
    const type = descriptorType(d);
    if (!descriptorIsSystem(d) || (type !== TSS32_AVAILABLE && type !== TSS32_BUSY)) refuse(PvError.SystemSegment, `TR selector ${hex(s.tr)} is not a 32-bit TSS descriptor`);
    if (!descriptorPresent(d)) refuse(PvError.SystemSegment, `TSS descriptor ${hex(s.tr)} is not present`);
    tr = descriptorCache(s.tr, d);
    if (tr.limit < MIN_TSS32_LIMIT) refuse(PvError.SystemSegment, `TSS limit ${hex(tr.limit)} is below the 32-bit TSS minimum 0x67`);
    tr.attributes |= TSS_BUSY_BIT >>> 8;
  }

  return { state: s, segments, ldtr, tr, cpl, gdtEntries: [...entries.values()] };
}

function checkEip(memory: PhysicalMemory, s: StartupState, cs: SegmentCache): void {
  if (s.eip > cs.limit) refuse(PvError.BadEip, `EIP ${hex(s.eip)} is beyond the CS limit ${hex(cs.limit)}`);
  const linear = (cs.base + s.eip) >>> 0;
  const t = translateLinear(memory, s.cr0, s.cr3, s.cr4, linear);
  if (!t.ok) refuse(PvError.BadEip, `CS:EIP (linear ${hex(linear)}) is not mapped: ${t.reason}`);
  if (!memory.isRam(t.physical)) refuse(PvError.BadEip, `CS:EIP (linear ${hex(linear)}, physical ${hex(t.physical)}) is outside RAM`);
}

export interface StaleEntry {
  index: number;
  selector: number;
  usedBy: SegmentUse[];
  before: { low: number; high: number };
  after: { low: number; high: number };
}

/** Bits a processor itself sets in descriptors the state uses; changes to them do not make a state stale. */
function ignoredBits(entry: GdtEntrySnapshot): number {
  return entry.usedBy.includes('tr') ? TSS_BUSY_BIT : DESCRIPTOR_ACCESSED_BIT;
}

/** GDT entries (at the state's GDTR) whose contents changed since the state was validated. */
export function findStaleEntries(memory: PhysicalMemory, startup: ValidatedStartup): StaleEntry[] {
  const stale: StaleEntry[] = [];
  for (const entry of startup.gdtEntries) {
    const address = (startup.state.gdtrBase + entry.index * 8) >>> 0;
    const low = memory.read32(address);
    const high = memory.read32(address + 4);
    const mask = ~ignoredBits(entry);
    if (low !== entry.low || (high & mask) !== (entry.high & mask)) {
      stale.push({ index: entry.index, selector: entry.index * 8, usedBy: entry.usedBy, before: { low: entry.low, high: entry.high }, after: { low, high } });
    }
  }
  return stale;
}
