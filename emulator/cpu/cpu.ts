/**
 * One x86 processor core: fetch through a decoded-instruction cache, execute
 * table-driven handlers, deliver exceptions and interrupts, and implement the
 * pins (INIT, STARTUP, NMI, SMI, INTR) the interrupt controllers drive.
 *
 * Memory accesses go segment → linear → physical: segment checks use
 * per-register fast-path bounds recomputed on every segment load (SDM Vol. 3A
 * 5.3), paging goes through the MMU's TLB.
 */
import { fromPlain, restoreOwnFields, saveFields, saveOwnFields, toPlain, type Plain, type PlainObject } from '../machine/plain-state';
import type { IoBus } from '../bus/io-bus';
import type { MachineEventBus } from '../events/machine-events';
import type { PhysicalMemory } from '../memory/physical-memory';
import type { VirtualClock } from '../time/virtual-clock';
import type { ActivityState } from './activity-state';
import { createResetState, Reg, type CpuState } from './cpu-state';
import { DEFAULT_CPUID, processorSignature, CPUID_ECX_HYPERVISOR, type CpuidConfig } from './cpuid';
import { DecodedInstruction } from './decoded-instruction';
import { decodeInstruction } from './decoder';
import { FLAG_IF, FLAG_RF, FLAG_TF, FLAG_VM } from './eflags';
import { GUEST_FAULT, Vector, EmulatorInternalError } from './faults';
import { Alu } from './alu';
import { AccessType, Mmu } from './mmu/mmu';
import type { CpuSignalPins, InterruptController, MsrDevice, SchedulableCpu } from './platform-interface';
import { SegmentRegister, type SegmentCache } from './segment-cache';
import { writeControlRegister } from './control-registers';
import { deliverEvent, EventKind } from './interrupts';
import { loadSegmentProtected } from './segmentation';
import { load8086Segment } from './virtual-8086';
import { checkDebugBreakpoints } from './debug-registers';
import { specialize } from './exec/fast';
import type { DebugHookTable, WatchHit } from './debug-hooks';

export interface CpuConfig {
  isBsp: boolean;
  apicId: number;
  cpuid?: Partial<CpuidConfig>;
}

export interface CpuPlatform {
  memory: PhysicalMemory;
  io: IoBus;
  clock: VirtualClock;
  events: MachineEventBus;
  /** The vCPU's LAPIC, set after construction is fine. */
  interruptController?: InterruptController;
  /** Consulted before the CPU's own MSRs. */
  msrDevices: MsrDevice[];
  /** VMCALL. */
  hypercall?: (cpu: Cpu) => void;
  /** Hypervisor CPUID leaves 0x40000000-0x400000FF. */
  cpuidHook?: (leaf: number, subleaf: number) => [number, number, number, number] | undefined;
  /** The CPU sets .index to itself before executing a slice (per-CPU MMIO routing). */
  currentCpu?: { index: number };
  /**
   * The FERR# output (SDM Vol. 1 8.7, Vol. 3A 2.5 CR0.NE): asserted when a
   * waiting x87 instruction finds an unmasked exception pending while
   * CR0.NE = 0, deasserted when FNINIT, FNCLEX, FNSAVE, FLDENV, FRSTOR or
   * FXRSTOR clear the pending state. A PC drives ISA IRQ 13 from it (and
   * clears it on a write to port F0h). Absent: FERR# is not wired, the
   * exception is ignored as with IGNNE# asserted, and a note says so once.
   */
  ferr?: (asserted: boolean) => void;
}

const CR0_PE = 0x1;
const CODE_PAGE_SIZE = 4096;
const EMPTY_VIEW = new Uint32Array(0);

/** Decoded instructions of one physical 4 KiB page, valid while the page's write generation is unchanged. */
interface CodePage {
  generation: number;
  insns: (DecodedInstruction | undefined)[];
}

/** Cpu fields beside CpuState that Cpu.save() keeps (the rest of the object is configuration or caches). */
const CPU_SAVED_FIELDS = [
  'instructionsRetired', 'sliceStart', 'insnEip', 'faultVector', 'faultErrorCode', 'extBit',
  'attention', 'nmiPending', 'nmiBlocked', 'initPending', 'stopRequested', 'yieldRequested', 'shadowAt', 'resumeFrom', 'stopReason',
  'tscOffset', 'sysenterCs', 'sysenterEsp', 'sysenterEip', 'miscEnable', 'pat',
  'singleStepPending', 'farOffset', 'farSelector', 'externalEventsTaken', 'ferrAsserted', 'ferrUnwiredReported',
] as const;

/** A vCPU's saved state (Cpu.save). */
export interface CpuSaved {
  state: Plain;
  fields: PlainObject;
  alu: PlainObject;
  mmuFaultErrorCode: number;
}

/** Why the last slice ended early (for the debugger). */
export type StopReason = 'none' | 'breakpoint' | 'requested';

export class Cpu implements SchedulableCpu, CpuSignalPins {
  readonly platform: CpuPlatform;
  readonly config: CpuConfig;
  readonly cpuid: CpuidConfig;
  readonly alu = new Alu();
  readonly mmu: Mmu;
  readonly memory: PhysicalMemory;
  readonly io: IoBus;
  private _state!: CpuState;
  /** The live general registers (same array as state.gpr). */
  gpr!: Uint32Array;

  /** Total instructions retired (faulting instructions count once, as delivery work). */
  instructionsRetired = 0;
  /** instructionsRetired when the current slice started. */
  private sliceStart = 0;
  /** Instructions retired in the current slice (RDTSC adds them to virtual time). */
  get sliceRetired(): number {
    return this.instructionsRetired - this.sliceStart;
  }

  // --- segment fast paths (recomputed by refreshSegment) ---
  /** Linear base per segment register. */
  readonly segBase = new Float64Array(6);
  /** Highest offset readable without the slow checks; -1 forces the slow path. */
  readonly segReadMax = new Float64Array(6);
  /** Highest offset writable without the slow checks; -1 forces the slow path. */
  readonly segWriteMax = new Float64Array(6);
  /** CS.D: default operand/address size of the code segment. */
  codeSize: 16 | 32 = 16;
  /** SS.B: 32-bit stack pointer. */
  stack32 = false;
  /** CR0.PE and not EFLAGS.VM. */
  protectedMode = false;
  /** CR0.PE and EFLAGS.VM: virtual-8086 mode (virtual-8086.ts), CPL 3 with 8086 segments. */
  virtual8086 = false;
  paging = false;

  // --- instruction in progress ---
  /** EIP of the instruction being executed (faults restart here). */
  insnEip = 0;
  /** Pending fault recorded by fault() before unwinding. */
  faultVector = 0;
  faultErrorCode = -1;
  /** Set while delivering an external event or a nested exception: error codes get EXT (SDM 6.13). */
  extBit = 0;

  // --- events at instruction boundaries ---
  /** Something needs looking at before the next instruction. */
  attention = true;
  private nmiPending = false;
  /** NMIs blocked from NMI delivery until the next IRET (SDM 6.7.1). */
  nmiBlocked = false;
  private initPending = false;
  private stopRequested = false;
  /** instructionsRetired value at which the STI / MOV SS interrupt shadow applies. */
  shadowAt = -1;
  /** Per-instruction checks needed (TF, DR7 breakpoints, debugger breakpoints). */
  private slowChecks = false;
  /** Skip the breakpoint at this linear address once (resuming from it). */
  private resumeFrom = -1;
  stopReason: StopReason = 'none';
  /** Breakpoints and watchpoints a debugger attached (shared by all vCPUs). */
  debugHooks: DebugHookTable | undefined;
  /** Number of watchpoints in debugHooks (0 keeps memory accesses on the fast path). */
  get watchCount(): number {
    return this._watchCount;
  }
  set watchCount(n: number) {
    this._watchCount = n;
    this.dropFastData();
  }
  private _watchCount = 0;

  // --- model-specific state ---
  tscOffset = 0;
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  miscEnable = 0x1; // fast-strings enabled
  pat = 0x0007040600070406n;

  // --- decoded-instruction cache ---
  private readonly codeCache = new Map<number, CodePage>();
  /** The code page the last instruction came from (loops stay on one page). */
  private lastCodePageIndex = -1;
  private lastCodePage: CodePage | undefined;
  /** CS limit as an unsigned number (refreshed with the segment). */
  csLimit = 0xffff;
  private readonly scratch = new DecodedInstruction();
  private fetchLinearPage = -1;
  /**
   * The linear code page the last instruction came from and its decoded
   * page: while neither the mapping (fetchLinearPage invalidation) nor the
   * page's write generation changed, the next instruction on that page is
   * found without translation or a cache lookup. -1 = no fast page.
   */
  private fastLinearPage = -1;
  private fastPage: CodePage = { generation: -1, insns: [] };
  private fastPageIndex = 0;
  /**
   * Last data page translated for a read and for a write (paging on): the
   * linear page number (-1 = none) and its physical base. Reset with the
   * fetch translation (pagingChanged: CR0/CR3/CR4, INVLPG, CPL changes) and
   * at every slice start; filled only by successful translations, so
   * accessed/dirty bits were set by the walk that filled them.
   */
  private readLinearPage = -1;
  private readPhysBase = 0;
  private writeLinearPage = -1;
  private writePhysBase = 0;
  private fetchPhysPage = 0;
  /**
   * Direct RAM views for the last data page read and written with an
   * aligned dword by the fast handlers (exec/fast.ts): the linear page number
   * (-1 = none), the RAM chunk's Uint32Array and the page's first dword index
   * in it (and for writes the physical page, for the code-page generation
   * bump). Filled only after a successful access through the full path with
   * no watchpoints (so segment/paging checks, A/D bits were done), for pages
   * that are wholly plain RAM; dropped with the read/write translation
   * caches, when watchpoints change and when the MMIO map changes.
   */
  fastReadPage = -1;
  fastReadView: Uint32Array = EMPTY_VIEW;
  fastReadBase = 0;
  fastWritePage = -1;
  fastWriteView: Uint32Array = EMPTY_VIEW;
  fastWriteBase = 0;
  fastWritePhys = 0;
  private decodeBase = 0;
  private readonly fetchForDecode = (i: number): number => this.fetchCodeByte(i);

  constructor(
    readonly index: number,
    platform: CpuPlatform,
    config: CpuConfig,
  ) {
    this.platform = platform;
    this.config = config;
    this.cpuid = { ...DEFAULT_CPUID, ...config.cpuid };
    if (platform.cpuidHook === undefined && config.cpuid?.featuresEcx === undefined) this.cpuid.featuresEcx &= ~CPUID_ECX_HYPERVISOR;
    this.memory = platform.memory;
    this.io = platform.io;
    this.mmu = new Mmu(platform.memory);
    platform.memory.layoutListeners.push(() => this.dropFastData());
    this.reset();
  }

  get state(): CpuState {
    return this._state;
  }
  /** Replacing the state (snapshot restore) re-derives every cached view of it. */
  set state(s: CpuState) {
    this._state = s;
    this.gpr = s.gpr;
    this.syncDerivedState();
  }

  /**
   * Everything of this vCPU that is state (docs/snapshots.md): CpuState incl.
   * x87, and what is kept beside it (pending NMI/INIT, the interrupt shadow,
   * the TSC offset and MSRs, instruction counts, the fault and event
   * bookkeeping between instructions), as plain data. Caches are not saved.
   */
  save(): CpuSaved {
    return { state: toPlain(this._state), fields: saveFields(this, CPU_SAVED_FIELDS), alu: saveOwnFields(this.alu), mmuFaultErrorCode: this.mmu.faultErrorCode };
  }

  /** Take over a saved state; every cache (TLB, decoded code pages, segment fast paths, data-page views) starts afresh. */
  restore(saved: CpuSaved): void {
    this.state = fromPlain(saved.state) as CpuState;
    this.mmu.flushAll();
    this.codeCache.clear();
    this.lastCodePageIndex = -1;
    this.lastCodePage = undefined;
    this.fastPage = { generation: -1, insns: [] };
    restoreOwnFields(this, saved.fields);
    restoreOwnFields(this.alu, saved.alu);
    this.mmu.faultErrorCode = saved.mmuFaultErrorCode;
  }

  get activity(): ActivityState {
    return this._state.activity;
  }

  get cpl(): number {
    return this._state.cpl;
  }

  // ===================================================================
  // Reset, INIT, STARTUP (SDM Vol. 3A 9.1, 10.6.1)
  // ===================================================================

  /** Power-on reset: Table 9-1 state; APs wait for a STARTUP IPI. */
  reset(): void {
    this.state = createResetState(processorSignature(this.cpuid));
    this._state.activity = this.config.isBsp ? 'running' : 'wait-for-sipi';
    this.tscOffset = 0;
    this.sysenterCs = this.sysenterEsp = this.sysenterEip = 0;
    this.nmiPending = this.nmiBlocked = this.initPending = false;
    this.shadowAt = -1;
    this.mmu.writeEfer(0);
    this.syncDerivedState();
    this.attention = true;
  }

  /**
   * INIT is taken at an instruction boundary. A vCPU other than the one
   * executing is at a boundary already (vCPUs run one at a time), so it
   * takes INIT at once; the executing vCPU (INIT to itself) takes it after
   * the current instruction.
   */
  signalInit(): void {
    if (!this.executing) {
      this.takeInit();
      return;
    }
    this.initPending = true;
    this.attention = true;
  }
  /** True while runSlice is executing this vCPU's instructions. */
  private executing = false;

  /** Take INIT at a boundary: Table 9-1 INIT column keeps x87/MSR/APIC state; BSP restarts, APs wait for SIPI. */
  private takeInit(): void {
    this.initPending = false;
    const keep = this._state;
    const fresh = createResetState(processorSignature(this.cpuid));
    fresh.x87 = keep.x87; // SDM Table 9-1: x87 state unchanged by INIT
    fresh.efer = keep.efer;
    fresh.activity = this.config.isBsp ? 'running' : 'wait-for-sipi';
    this.state = fresh;
    this.nmiPending = false;
    this.nmiBlocked = false;
    this.shadowAt = -1;
    this.platform.events.emit({ kind: 'note', cpu: this.index, traceClass: 'ipi', message: `INIT: ${this.config.isBsp ? 'BSP restarts at the reset vector' : 'waiting for STARTUP'}` });
  }

  signalStartup(vector: number): boolean {
    if (this._state.activity !== 'wait-for-sipi' || this.initPending) return false;
    const st = this._state;
    vector &= 0xff;
    // SDM 10.6.1 / 8.4.4.1: CS = VV00h with base VV000h, IP = 0, real mode.
    const cs = st.segments[SegmentRegister.CS];
    cs.selector = (vector << 8) & 0xffff;
    cs.base = vector << 12;
    cs.limit = 0xffff;
    cs.attributes = 0x9b;
    cs.usable = true;
    st.eip = 0;
    st.activity = 'running';
    this.syncDerivedState();
    this.attention = true;
    return true;
  }

  signalNmi(): void {
    this.nmiPending = true;
    this.attention = true;
  }

  signalSmi(): void {
    // System-management mode is not emulated; report the signal instead of ignoring it silently.
    this.platform.events.emit({ kind: 'note', cpu: this.index, traceClass: 'ipi', message: 'SMI ignored: system-management mode is not emulated' });
  }

  signalInterrupt(): void {
    this.attention = true;
  }

  requestStop(): void {
    this.stopRequested = true;
    this.attention = true;
  }

  /** PAUSE: end the current slice after this instruction (see exec/data.ts nopOrPause). */
  yieldSlice(): void {
    this.yieldRequested = true;
    this.attention = true;
  }
  private yieldRequested = false;

  /**
   * Before the debugger resumes: forget stale stop requests and, for a vCPU
   * that stopped on (or was reported at) a breakpoint, step over the
   * breakpoint at the current instruction once, as debuggers do. vCPUs that
   * merely sit on a breakpoint address they have not hit yet will hit it.
   */
  prepareResume(stepOverBreakpointHere = true): void {
    this.stopRequested = false;
    this.stopReason = 'none';
    this.resumeFrom = stepOverBreakpointHere ? (this.segBase[SegmentRegister.CS] + this._state.eip) >>> 0 : -1;
    this.attention = true;
  }

  /** Check an access against the watchpoints (called only when watchCount > 0). */
  private checkWatch(lin: number, size: number, write: boolean, newValue: number): void {
    const hooks = this.debugHooks;
    if (hooks === undefined) return;
    for (const w of hooks.watchpoints) {
      if (w.cpu !== undefined && w.cpu !== this.index) continue;
      if (write ? w.kind === 'read' : w.kind === 'write') continue;
      const addr = w.physical ? this.mmu.probe(lin, AccessType.Read, false) : lin;
      if (addr < 0 || addr + size <= w.address || addr >= w.address + w.size) continue;
      let old = 0;
      const bytes = this.readLinear(lin, size);
      for (let i = size - 1; i >= 0; i--) old = old * 256 + (bytes[i] ?? 0);
      const hit: WatchHit = { watchpoint: w, cpu: this.index, access: write ? 'write' : 'read', address: lin, size, oldValue: old >>> 0, newValue: (write ? newValue : old) >>> 0, eip: this.insnEip };
      hooks.lastWatchHit = hit;
      this.stopReason = 'breakpoint';
      this.requestStop();
      hooks.onStop?.(this.index);
      return;
    }
  }

  interruptsEnabled(): boolean {
    return (this._state.eflags & FLAG_IF) !== 0;
  }

  isRunnable(): boolean {
    const st = this._state;
    if (this.initPending) return true;
    switch (st.activity) {
      case 'running':
        return true;
      case 'halted':
        return this.nmiPending || this.maskableInterruptDeliverable();
      default:
        return false;
    }
  }

  private maskableInterruptDeliverable(): boolean {
    const ic = this.platform.interruptController;
    return (this._state.eflags & FLAG_IF) !== 0 && ic !== undefined && this.shadowAt !== this.instructionsRetired && ic.hasPendingInterrupt();
  }

  // ===================================================================
  // Derived state
  // ===================================================================

  /** Recompute everything cached from CpuState (after a loader or the debugger changed it). */
  syncDerivedState(): void {
    const st = this._state;
    this.gpr = st.gpr;
    this.mmu.writeCr0(st.cr0);
    this.mmu.writeCr3(st.cr3);
    this.mmu.writeCr4(st.cr4);
    this.mmu.writeEfer(st.efer);
    this.paging = this.mmu.pagingEnabled;
    this.protectedMode = (st.cr0 & CR0_PE) !== 0 && (st.eflags & FLAG_VM) === 0;
    this.virtual8086 = (st.cr0 & CR0_PE) !== 0 && (st.eflags & FLAG_VM) !== 0;
    for (let s = 0; s < 6; s++) this.refreshSegment(s);
    this.fetchLinearPage = -1;
    this.fastLinearPage = -1;
    this.readLinearPage = this.writeLinearPage = -1;
    this.fastReadPage = this.fastWritePage = -1;
    this.updateSlowChecks();
  }

  /** Recompute the fast-path bounds of one segment register from its descriptor cache. */
  refreshSegment(seg: number): void {
    const c = this._state.segments[seg];
    this.segBase[seg] = c.base >>> 0;
    let readMax = c.limit >>> 0;
    let writeMax = readMax;
    if (this.protectedMode) {
      const type = c.attributes & 0xf;
      const isCode = (type & 8) !== 0;
      if (!c.usable || (c.attributes & 0x10) === 0) readMax = writeMax = -1;
      else if (isCode) {
        writeMax = -1; // SDM 5.4.1: code segments are never writable
        if ((type & 2) === 0) readMax = -1; // execute-only
      } else {
        if (type & 4) readMax = writeMax = -1; // expand-down: slow path does the inverted check
        if ((type & 2) === 0) writeMax = -1;
      }
    }
    this.segReadMax[seg] = readMax;
    this.segWriteMax[seg] = writeMax;
    if (seg === SegmentRegister.CS) {
      this.csLimit = c.limit >>> 0;
      this.codeSize = c.attributes & 0x4000 ? 32 : 16;
      this.fetchLinearPage = -1;
      this.fastLinearPage = -1;
    } else if (seg === SegmentRegister.SS) {
      this.stack32 = (c.attributes & 0x4000) !== 0;
    }
  }

  updateSlowChecks(): void {
    const st = this._state;
    this.slowChecks = (st.eflags & FLAG_TF) !== 0 || (st.dr[7] & 0xff) !== 0;
    if (this.slowChecks) this.attention = true;
  }

  /** Called after anything that changes how linear addresses map (CR0/3/4, INVLPG, CPL). */
  pagingChanged(): void {
    this.paging = this.mmu.pagingEnabled;
    this.fetchLinearPage = -1;
    this.fastLinearPage = -1;
    this.readLinearPage = this.writeLinearPage = -1;
    this.fastReadPage = this.fastWritePage = -1;
  }

  // ===================================================================
  // Faults
  // ===================================================================

  /** Record a fault and unwind the current instruction. errorCode -1 = none. */
  fault(vector: number, errorCode = -1): never {
    this.faultVector = vector;
    this.faultErrorCode = errorCode;
    throw GUEST_FAULT;
  }

  /** FERR# state driven into platform.ferr (exec/x87.ts). */
  private ferrAsserted = false;
  private ferrUnwiredReported = false;
  assertFerr(): void {
    const ferr = this.platform.ferr;
    if (ferr === undefined) {
      if (!this.ferrUnwiredReported) {
        this.ferrUnwiredReported = true;
        this.platform.events.emit({ kind: 'note', cpu: this.index, traceClass: 'exceptions', message: 'x87 exception pending with CR0.NE=0: FERR# is not wired to IRQ 13 on this machine, the exception is ignored (as with IGNNE#)' });
      }
      return;
    }
    this.ferrAsserted = true;
    ferr(true);
  }
  deassertFerr(): void {
    if (!this.ferrAsserted) return;
    this.ferrAsserted = false;
    this.platform.ferr?.(false);
  }

  gp(errorCode = 0): never {
    return this.fault(Vector.GP, errorCode);
  }

  ud(): never {
    return this.fault(Vector.UD);
  }

  // ===================================================================
  // Registers
  // ===================================================================

  getReg8(r: number): number {
    return r < 4 ? this.gpr[r] & 0xff : (this.gpr[r - 4] >>> 8) & 0xff;
  }
  setReg8(r: number, v: number): void {
    const g = this.gpr;
    if (r < 4) g[r] = (g[r] & 0xffffff00) | (v & 0xff);
    else g[r - 4] = (g[r - 4] & 0xffff00ff) | ((v & 0xff) << 8);
  }
  getReg(r: number, w: number): number {
    return w === 32 ? this.gpr[r] : w === 16 ? this.gpr[r] & 0xffff : this.getReg8(r);
  }
  setReg(r: number, w: number, v: number): void {
    if (w === 32) this.gpr[r] = v;
    else if (w === 16) this.gpr[r] = (this.gpr[r] & 0xffff0000) | (v & 0xffff);
    else this.setReg8(r, v);
  }

  // ===================================================================
  // Operands
  // ===================================================================

  /** Effective address (offset within the segment) of the ModRM memory operand. */
  ea(insn: DecodedInstruction): number {
    let a = insn.disp;
    if (insn.base >= 0) a += this.gpr[insn.base];
    if (insn.index >= 0) a += this.gpr[insn.index] * (1 << insn.scale);
    return insn.addrSize === 32 ? a >>> 0 : a & 0xffff;
  }

  readE(insn: DecodedInstruction, w: number): number {
    if (!insn.isMemory) return this.getReg(insn.rm, w);
    return this.readMem(insn.segment, this.ea(insn), w);
  }
  writeE(insn: DecodedInstruction, w: number, v: number): void {
    if (!insn.isMemory) this.setReg(insn.rm, w, v);
    else this.writeMem(insn.segment, this.ea(insn), w, v);
  }

  // ===================================================================
  // Segmented memory
  // ===================================================================

  readMem(seg: number, off: number, w: number): number {
    return w === 32 ? this.read32(seg, off) : w === 16 ? this.read16(seg, off) : this.read8(seg, off);
  }
  writeMem(seg: number, off: number, w: number, v: number): void {
    if (w === 32) this.write32(seg, off, v);
    else if (w === 16) this.write16(seg, off, v);
    else this.write8(seg, off, v);
  }

  read8(seg: number, off: number): number {
    if (off > this.segReadMax[seg]) this.segmentCheckSlow(seg, off, 1, false);
    return this.readLinear8((this.segBase[seg] + off) >>> 0);
  }
  read16(seg: number, off: number): number {
    if (off + 1 > this.segReadMax[seg]) this.segmentCheckSlow(seg, off, 2, false);
    return this.readLinear16((this.segBase[seg] + off) >>> 0);
  }
  read32(seg: number, off: number): number {
    if (off + 3 > this.segReadMax[seg]) this.segmentCheckSlow(seg, off, 4, false);
    return this.readLinear32((this.segBase[seg] + off) >>> 0);
  }
  write8(seg: number, off: number, v: number): void {
    if (off > this.segWriteMax[seg]) this.segmentCheckSlow(seg, off, 1, true);
    this.writeLinear8((this.segBase[seg] + off) >>> 0, v);
  }
  write16(seg: number, off: number, v: number): void {
    if (off + 1 > this.segWriteMax[seg]) this.segmentCheckSlow(seg, off, 2, true);
    this.writeLinear16((this.segBase[seg] + off) >>> 0, v);
  }
  write32(seg: number, off: number, v: number): void {
    if (off + 3 > this.segWriteMax[seg]) this.segmentCheckSlow(seg, off, 4, true);
    this.writeLinear32((this.segBase[seg] + off) >>> 0, v);
  }

  /** Forget the fast data-page views (see fastReadPage). */
  dropFastData(): void {
    this.fastReadPage = this.fastWritePage = -1;
  }

  /** read32 for the fast handlers' miss path: the full access, then (no watchpoints) cache the page's RAM view. */
  read32Fill(seg: number, off: number): number {
    const v = this.read32(seg, off);
    if (this._watchCount === 0) {
      const lin = (this.segBase[seg] + off) >>> 0;
      const page = lin >>> 12;
      if ((lin & 0xfff) <= 0xffc && (!this.paging || this.readLinearPage === page)) {
        const physBase = this.paging ? this.readPhysBase >>> 0 : lin - (lin & 0xfff);
        const view = this.memory.ramPageView32(physBase, false);
        if (view !== undefined) {
          this.fastReadPage = page;
          this.fastReadView = view;
          this.fastReadBase = (physBase & 0xffff) >>> 2;
        }
      }
    }
    return v;
  }
  /** write32 for the fast handlers' miss path: the full access, then (no watchpoints) cache the page's RAM view. */
  write32Fill(seg: number, off: number, v: number): void {
    this.write32(seg, off, v);
    if (this._watchCount === 0) {
      const lin = (this.segBase[seg] + off) >>> 0;
      const page = lin >>> 12;
      if ((lin & 0xfff) <= 0xffc && (!this.paging || this.writeLinearPage === page)) {
        const physBase = this.paging ? this.writePhysBase >>> 0 : lin - (lin & 0xfff);
        const view = this.memory.ramPageView32(physBase, true);
        if (view !== undefined) {
          this.fastWritePage = page;
          this.fastWriteView = view;
          this.fastWriteBase = (physBase & 0xffff) >>> 2;
          this.fastWritePhys = physBase >>> 12;
        }
      }
    }
  }

  /** Full segment checks (SDM Vol. 3A 5.3, 5.4.1, 5.6): unusable, type, expand-down and limits. */
  segmentCheckSlow(seg: number, off: number, size: number, write: boolean): void {
    const c = this._state.segments[seg];
    const faultVector = seg === SegmentRegister.SS ? Vector.SS : Vector.GP;
    const last = off + size - 1;
    if (!this.protectedMode) {
      if (last > c.limit >>> 0) this.fault(faultVector, 0);
      return;
    }
    if (!c.usable) this.fault(faultVector, 0);
    const type = c.attributes & 0xf;
    if (type & 8) {
      if (write || (type & 2) === 0) this.fault(faultVector, 0);
    } else if (write && (type & 2) === 0) this.fault(faultVector, 0);
    if ((type & 0xc) === 4) {
      // Expand-down: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF (by the B flag).
      const upper = c.attributes & 0x4000 ? 0xffffffff : 0xffff;
      if (off <= c.limit >>> 0 || last > upper) this.fault(faultVector, 0);
      return;
    }
    if (last > c.limit >>> 0) this.fault(faultVector, 0);
  }

  // ===================================================================
  // Linear memory
  // ===================================================================

  /** Translate for the current privilege (CPL 3 is a user access); #PF with CR2 on failure. */
  translate(linear: number, access: AccessType): number {
    const p = this.mmu.translate(linear, access, this._state.cpl === 3);
    if (p < 0) {
      this._state.cr2 = linear >>> 0;
      this.fault(Vector.PF, this.mmu.faultErrorCode);
    }
    return p;
  }
  /** Translate an implicit supervisor access (descriptor tables, TSS, SDM 4.6). */
  translateSystem(linear: number, access: AccessType): number {
    if (!this.paging) return linear >>> 0;
    const p = this.mmu.translate(linear, access, false);
    if (p < 0) {
      this._state.cr2 = linear >>> 0;
      this.fault(Vector.PF, this.mmu.faultErrorCode & ~4);
    }
    return p;
  }

  /** Translate a data read (paging on), through the one-entry read cache. */
  private translateRead(lin: number): number {
    if (lin >>> 12 === this.readLinearPage) return this.readPhysBase + (lin & 0xfff);
    const p = this.translate(lin, AccessType.Read);
    this.readLinearPage = lin >>> 12;
    this.readPhysBase = p - (lin & 0xfff);
    return p;
  }
  /** Translate a data write (paging on), through the one-entry write cache. */
  private translateWrite(lin: number): number {
    if (lin >>> 12 === this.writeLinearPage) return this.writePhysBase + (lin & 0xfff);
    const p = this.translate(lin, AccessType.Write);
    this.writeLinearPage = lin >>> 12;
    this.writePhysBase = p - (lin & 0xfff);
    return p;
  }

  readLinear8(lin: number): number {
    if (this._watchCount !== 0) this.checkWatch(lin, 1, false, 0);
    if (!this.paging) return this.memory.read8(lin);
    return this.memory.read8(this.translateRead(lin));
  }
  readLinear16(lin: number): number {
    if (this._watchCount !== 0) this.checkWatch(lin, 2, false, 0);
    if (!this.paging) return this.memory.read16(lin);
    if ((lin & 0xfff) !== 0xfff) return this.memory.read16(this.translateRead(lin));
    return this.readLinear8(lin) | (this.readLinear8((lin + 1) >>> 0) << 8);
  }
  readLinear32(lin: number): number {
    if (this._watchCount !== 0) this.checkWatch(lin, 4, false, 0);
    if (!this.paging) return this.memory.read32(lin);
    if ((lin & 0xfff) <= 0xffc) return this.memory.read32(this.translateRead(lin));
    let v = 0;
    for (let i = 3; i >= 0; i--) v = v * 256 + this.readLinear8((lin + i) >>> 0);
    return v >>> 0;
  }
  writeLinear8(lin: number, v: number): void {
    if (this._watchCount !== 0) this.checkWatch(lin, 1, true, v);
    if (!this.paging) this.memory.write8(lin, v);
    else this.memory.write8(this.translateWrite(lin), v);
  }
  writeLinear16(lin: number, v: number): void {
    if (this._watchCount !== 0) this.checkWatch(lin, 2, true, v);
    if (!this.paging) this.memory.write16(lin, v);
    else if ((lin & 0xfff) !== 0xfff) this.memory.write16(this.translateWrite(lin), v);
    else this.writeLinearSplit(lin, 2, v);
  }
  writeLinear32(lin: number, v: number): void {
    if (this._watchCount !== 0) this.checkWatch(lin, 4, true, v);
    if (!this.paging) this.memory.write32(lin, v);
    else if ((lin & 0xfff) <= 0xffc) this.memory.write32(this.translateWrite(lin), v);
    else this.writeLinearSplit(lin, 4, v);
  }
  /** A write crossing a page boundary: translate both pages first so a #PF leaves memory untouched. */
  private writeLinearSplit(lin: number, size: number, v: number): void {
    const first = this.translate(lin, AccessType.Write);
    const secondLin = ((lin | 0xfff) + 1) >>> 0;
    const second = this.translate(secondLin, AccessType.Write);
    for (let i = 0; i < size; i++) {
      const a = (lin + i) >>> 0;
      const phys = a < secondLin || secondLin === 0 ? first + i : second + (a - secondLin);
      this.memory.write8(phys >>> 0, (v >>> (8 * i)) & 0xff);
    }
  }

  /** Implicit supervisor reads/writes of system structures (GDT, IDT, TSS). */
  readSystem32(lin: number): number {
    lin >>>= 0;
    if (!this.paging) return this.memory.read32(lin);
    if ((lin & 0xfff) <= 0xffc) return this.memory.read32(this.translateSystem(lin, AccessType.Read));
    return (this.readSystem16(lin) | (this.readSystem16((lin + 2) >>> 0) << 16)) >>> 0;
  }
  readSystem16(lin: number): number {
    lin >>>= 0;
    if (!this.paging) return this.memory.read16(lin);
    return this.memory.read8(this.translateSystem(lin, AccessType.Read)) | (this.memory.read8(this.translateSystem((lin + 1) >>> 0, AccessType.Read)) << 8);
  }
  readSystem8(lin: number): number {
    return this.memory.read8(this.translateSystem(lin >>> 0, AccessType.Read));
  }
  writeSystem32(lin: number, v: number): void {
    lin >>>= 0;
    if (!this.paging) {
      this.memory.write32(lin, v);
      return;
    }
    for (let i = 0; i < 4; i++) this.memory.write8(this.translateSystem((lin + i) >>> 0, AccessType.Write), (v >>> (8 * i)) & 0xff);
  }
  writeSystem16(lin: number, v: number): void {
    this.writeSystem8(lin, v & 0xff);
    this.writeSystem8(lin + 1, (v >>> 8) & 0xff);
  }
  writeSystem8(lin: number, v: number): void {
    this.memory.write8(this.translateSystem(lin >>> 0, AccessType.Write), v);
  }

  /**
   * Debugger view of linear memory as this CPU sees it: translated without
   * side effects (no accessed/dirty bits, no TLB fill, no faults). Unmapped
   * bytes read as undefined entries.
   */
  readLinear(addr: number, size: number): (number | undefined)[] {
    const out: (number | undefined)[] = [];
    for (let i = 0; i < size; i++) {
      const lin = (addr + i) >>> 0;
      const phys = this.mmu.probe(lin, AccessType.Read, false);
      out.push(phys < 0 ? undefined : this.memory.read8(phys));
    }
    return out;
  }

  /** Debugger write to linear memory (bypasses protection); returns the bytes written. */
  writeLinear(addr: number, bytes: Uint8Array): number {
    for (let i = 0; i < bytes.length; i++) {
      const phys = this.mmu.probe((addr + i) >>> 0, AccessType.Read, false);
      if (phys < 0) return i;
      this.memory.write8(phys, bytes[i]);
    }
    return bytes.length;
  }

  /** Linear → physical for the debugger, no side effects; -1 when not mapped. */
  probeLinear(addr: number): number {
    return this.mmu.probe(addr >>> 0, AccessType.Read, false);
  }

  // ===================================================================
  // Stack
  // ===================================================================

  get sp(): number {
    return this.stack32 ? this.gpr[Reg.ESP] : this.gpr[Reg.ESP] & 0xffff;
  }
  setSp(v: number): void {
    if (this.stack32) this.gpr[Reg.ESP] = v;
    else this.gpr[Reg.ESP] = (this.gpr[Reg.ESP] & 0xffff0000) | (v & 0xffff);
  }
  /** Offset after pushing `bytes` (wraps at the stack size). */
  spMinus(bytes: number): number {
    return this.stack32 ? (this.gpr[Reg.ESP] - bytes) >>> 0 : (this.gpr[Reg.ESP] - bytes) & 0xffff;
  }
  push(w: number, v: number): void {
    const bytes = w >>> 3;
    const sp = this.spMinus(bytes);
    if (w === 32) this.write32(SegmentRegister.SS, sp, v);
    else this.write16(SegmentRegister.SS, sp, v);
    this.setSp(sp);
  }
  pop(w: number): number {
    const sp = this.sp;
    const v = w === 32 ? this.read32(SegmentRegister.SS, sp) : this.read16(SegmentRegister.SS, sp);
    this.setSp(sp + (w >>> 3));
    return v;
  }
  /** Read the stack at depth `bytes` above the top without popping. */
  peek(w: number, bytes: number): number {
    const off = this.stack32 ? (this.gpr[Reg.ESP] + bytes) >>> 0 : (this.gpr[Reg.ESP] + bytes) & 0xffff;
    return w === 32 ? this.read32(SegmentRegister.SS, off) : this.read16(SegmentRegister.SS, off);
  }

  // ===================================================================
  // Control flow helpers
  // ===================================================================

  /** Near branch: target must lie within CS limit (SDM JMP: #GP(0)). */
  jumpNear(target: number): void {
    if (target > this._state.segments[SegmentRegister.CS].limit >>> 0) this.gp(0);
    this._state.eip = target;
  }

  /** Load a segment register as MOV/POP would in the current mode (may fault). */
  loadSegment(seg: number, selector: number): void {
    selector &= 0xffff;
    if (this.virtual8086) {
      load8086Segment(this._state.segments[seg], selector);
      this.refreshSegment(seg);
      return;
    }
    if (!this.protectedMode) {
      const c = this._state.segments[seg];
      // Real mode: only selector and base change; limit and attributes stay cached (what makes unreal mode work).
      c.selector = selector;
      c.base = selector << 4;
      c.usable = true;
      this.refreshSegment(seg);
      return;
    }
    loadSegmentProtected(this, seg, selector);
  }

  loadSegmentFromDescriptorTable(seg: SegmentRegister, selector: number): string | undefined {
    const saved = { vector: this.faultVector, code: this.faultErrorCode };
    try {
      if (seg === SegmentRegister.CS && this.protectedMode) {
        // CS is loaded by far transfers; for loaders load the descriptor directly with the current CPL.
        loadSegmentProtected(this, seg, selector, true);
      } else this.loadSegment(seg, selector);
      return undefined;
    } catch (e) {
      if (e !== GUEST_FAULT) throw e;
      const message = `loading ${['es', 'cs', 'ss', 'ds', 'fs', 'gs'][seg]} with 0x${selector.toString(16)} faults: vector ${this.faultVector} error code 0x${this.faultErrorCode.toString(16)}`;
      this.faultVector = saved.vector;
      this.faultErrorCode = saved.code;
      return message;
    }
  }

  writeControlRegister(n: 0 | 2 | 3 | 4, value: number): void {
    writeControlRegister(this, n, value >>> 0);
  }

  /** Start an interrupt shadow: interrupts are blocked until one more instruction retires (SDM 6.8.3). */
  startInterruptShadow(): void {
    this.shadowAt = this.instructionsRetired + 1;
    this.attention = true;
  }

  /** HLT: stop until an interrupt (SDM Vol. 2A HLT). */
  halt(): void {
    this._state.activity = 'halted';
    this.attention = true;
  }

  // ===================================================================
  // Execution
  // ===================================================================

  runSlice(budget: number): number {
    const st = this._state;
    if (this.platform.currentCpu !== undefined) this.platform.currentCpu.index = this.index;
    this.sliceStart = this.instructionsRetired;
    this.stopReason = 'none';
    this.syncSegmentsIfChanged();
    this.readLinearPage = this.writeLinearPage = -1;
    this.fastReadPage = this.fastWritePage = -1;
    this.attention = true;
    let retired = 0;
    this.executing = true;
    try {
      retired = this.runInstructions(budget);
    } finally {
      this.executing = false;
    }
    return retired;
  }

  private runInstructions(budget: number): number {
    let retired = 0;
    // The try block encloses the loop (entered once per fault, not once per instruction).
    while (retired < budget) {
      try {
        while (retired < budget) {
          if (this.attention && this.serviceEvents()) return retired;
          if (this.slowChecks && this.preInstructionChecks()) return retired;
          const st = this._state;
          const eip = st.eip;
          const lin = (this.segBase[SegmentRegister.CS] + eip) >>> 0;
          const hooks = this.debugHooks;
          if (hooks !== undefined) {
            if (lin !== this.resumeFrom && (hooks.hasBreakpoint(lin) || (hooks.physicalBreakpointCount !== 0 && hooks.hasPhysicalBreakpoint(this.paging ? this.mmu.probe(lin, AccessType.Read, false) : lin)))) {
              this.resumeFrom = lin;
              this.stopReason = 'breakpoint';
              hooks.onStop?.(this.index);
              return retired;
            }
            this.resumeFrom = -1;
          }
          this.insnEip = eip;
          // Fast path: same linear code page as the last fetch, page unchanged since.
          let insn: DecodedInstruction;
          const page = this.fastPage;
          const generations = this.memory.pageWriteGeneration;
          const pageIndex = this.fastPageIndex;
          const linPage = lin >>> 12;
          let cached = false;
          if (linPage === this.fastLinearPage && page.generation === generations[pageIndex]) {
            const hit = page.insns[lin & 0xfff];
            if (hit === undefined || hit.codeSize !== this.codeSize) insn = this.fetchInstruction(lin, eip);
            else {
              insn = hit;
              cached = true;
            }
          } else insn = this.fetchInstruction(lin, eip);
          let next = eip + insn.length;
          if (next - 1 > this.csLimit) this.gp(0);
          st.eip = this.codeSize === 32 ? next >>> 0 : next & 0xffff;
          insn.exec(this, insn);
          retired++;
          this.instructionsRetired++;
          if (!cached) continue;
          // Run on within this code page: while the next instruction lies
          // on the same linear page (mapping, CS and the page's bytes
          // unchanged, no event or debugger hook pending), take it from the
          // decoded page directly (fall-through successors are linked)
          // without re-translating or looking the page up.
          let off = lin & 0xfff;
          const csBase = this.segBase[SegmentRegister.CS];
          while (
            retired < budget &&
            !this.attention &&
            this.fastLinearPage === linPage &&
            page.generation === generations[pageIndex] &&
            this.debugHooks === undefined
          ) {
            const at = st.eip;
            let succ: DecodedInstruction | undefined;
            if (at === next) {
              off += insn.length;
              succ = insn.next;
              if (succ === undefined) {
                if (off >= CODE_PAGE_SIZE) break;
                succ = page.insns[off];
                if (succ === undefined) break;
                insn.next = succ;
              }
            } else {
              const l = (csBase + at) >>> 0;
              if (l >>> 12 !== linPage) break;
              off = l & 0xfff;
              succ = page.insns[off];
              if (succ === undefined) break;
            }
            if (succ.codeSize !== this.codeSize) break;
            insn = succ;
            this.insnEip = at;
            next = at + insn.length;
            if (next - 1 > this.csLimit) this.gp(0);
            st.eip = this.codeSize === 32 ? next >>> 0 : next & 0xffff;
            insn.exec(this, insn);
            retired++;
            this.instructionsRetired++;
          }
        }
      } catch (e) {
        if (e !== GUEST_FAULT) throw e;
        this._state.eip = this.insnEip;
        this.deliverFault();
        retired++;
        this.instructionsRetired++;
      }
    }
    return retired;
  }

  /** Loaders and the debugger edit CpuState between slices; pick their edits up. */
  private syncSegmentsIfChanged(): void {
    const st = this._state;
    if (this.gpr !== st.gpr) this.gpr = st.gpr;
    const pe = (st.cr0 & CR0_PE) !== 0 && (st.eflags & FLAG_VM) === 0;
    const v86 = (st.cr0 & CR0_PE) !== 0 && (st.eflags & FLAG_VM) !== 0;
    if (pe !== this.protectedMode || v86 !== this.virtual8086 || this.mmu.pagingEnabled !== ((st.cr0 & 0x80000000) !== 0)) {
      this.syncDerivedState();
      return;
    }
    for (let s = 0; s < 6; s++) this.refreshSegment(s);
    this.updateSlowChecks();
  }

  /** Fetch and decode (or reuse from the code cache) the instruction at CS:eip, linear address lin. */
  private fetchInstruction(lin: number, eip: number): DecodedInstruction {
    let phys: number;
    if (!this.paging) phys = lin;
    else if (lin >>> 12 === this.fetchLinearPage) phys = this.fetchPhysPage + (lin & 0xfff);
    else {
      phys = this.translate(lin, AccessType.Execute);
      this.fetchLinearPage = lin >>> 12;
      this.fetchPhysPage = phys - (lin & 0xfff);
    }
    const pageIndex = phys >>> 12;
    let page: CodePage | undefined;
    if (pageIndex === this.lastCodePageIndex) page = this.lastCodePage;
    else {
      page = this.codeCache.get(pageIndex);
      if (page === undefined) page = this.newCodePage(pageIndex);
      this.lastCodePageIndex = pageIndex;
      this.lastCodePage = page;
    }
    const generation = this.memory.pageWriteGeneration[pageIndex];
    if (page!.generation !== generation) {
      page!.insns.fill(undefined);
      page!.generation = generation;
    }
    this.fastLinearPage = lin >>> 12;
    this.fastPage = page!;
    this.fastPageIndex = pageIndex;
    const offset = phys & 0xfff;
    let insn = page!.insns[offset];
    if (insn === undefined || insn.codeSize !== this.codeSize) {
      insn = this.decodeAt(lin, eip);
      // Cache only instructions that do not cross into the next page and came from RAM.
      if (offset + insn.length <= CODE_PAGE_SIZE && this.memory.isRam(phys)) {
        const stored = new DecodedInstruction();
        copyInstruction(insn, stored);
        page!.insns[offset] = stored;
        insn = stored;
      }
    }
    return insn;
  }

  private newCodePage(pageIndex: number): CodePage {
    const page: CodePage = { generation: this.memory.pageWriteGeneration[pageIndex], insns: new Array<DecodedInstruction | undefined>(CODE_PAGE_SIZE).fill(undefined) };
    this.codeCache.set(pageIndex, page);
    this.memory.codePages[pageIndex] = 1;
    return page;
  }

  /** Decode at CS:eip into the scratch instruction; undecodable bytes raise #UD and are reported. */
  private decodeAt(lin: number, eip: number): DecodedInstruction {
    this.decodeBase = eip;
    const insn = this.scratch;
    const ok = decodeInstruction(insn, this.fetchForDecode, this.codeSize);
    if (!ok) {
      const bytes: number[] = [];
      for (let i = 0; i < Math.max(1, insn.length); i++) bytes.push(insn.bytes[i]);
      this.platform.events.emit({ kind: 'invalid-opcode', cpu: this.index, linearAddress: lin, bytes });
      this.fault(Vector.UD);
    }
    insn.exec = specialize(insn);
    return insn;
  }

  /** Byte i of the instruction being decoded, fetched as code (limit and page checks). */
  private fetchCodeByte(i: number): number {
    if (i >= 15) this.gp(0); // SDM 2.3.11: instructions longer than 15 bytes raise #GP(0)
    const off = this.codeSize === 32 ? (this.decodeBase + i) >>> 0 : (this.decodeBase + i) & 0xffff;
    const cs = this._state.segments[SegmentRegister.CS];
    if (off > cs.limit >>> 0) this.gp(0);
    const lin = (this.segBase[SegmentRegister.CS] + off) >>> 0;
    if (!this.paging) return this.memory.read8(lin);
    return this.memory.read8(this.translate(lin, AccessType.Execute));
  }

  /** Debug and breakpoint checks before an instruction; true ends the slice. */
  private preInstructionChecks(): boolean {
    const st = this._state;
    const lin = (this.segBase[SegmentRegister.CS] + st.eip) >>> 0;
    if ((st.dr[7] & 0xff) !== 0 && (st.eflags & FLAG_RF) === 0 && checkDebugBreakpoints(this, lin)) {
      this.deliverTrapNow(Vector.DB);
    }
    st.eflags &= ~FLAG_RF;
    if (st.eflags & FLAG_TF) {
      // SDM 17.3.1.4: single-step trap after this instruction; run it, then deliver #DB.
      this.singleStepPending = true;
      this.attention = true;
    }
    return false;
  }
  singleStepPending = false;
  /** Far pointer read by JMP/CALL m16:16/32 before the transfer. */
  farOffset = 0;
  farSelector = 0;
  /** POPA reads all eight words before writing any register (a fault leaves registers intact). */
  readonly popaScratch = new Uint32Array(8);

  /** Interrupts, NMI, INIT, stops, halts; true ends the slice. */
  private serviceEvents(): boolean {
    const st = this._state;
    this.attention = this.slowChecks;
    if (this.yieldRequested) {
      this.yieldRequested = false;
      return true;
    }
    if (this.stopRequested) {
      this.stopRequested = false;
      this.stopReason = 'requested';
      return true;
    }
    if (this.initPending) this.takeInit();
    if (st.activity === 'shutdown' || st.activity === 'wait-for-sipi' || st.activity === 'not-started') return true;
    if (this.singleStepPending) {
      this.singleStepPending = false;
      st.dr[6] |= 0x4000; // BS
      this.deliverTrapNow(Vector.DB);
    }
    const inShadow = this.shadowAt === this.instructionsRetired;
    if (inShadow) this.attention = true;
    if (this.nmiPending && !this.nmiBlocked && !inShadow) {
      this.nmiPending = false;
      this.nmiBlocked = true;
      if (st.activity === 'halted') st.activity = 'running';
      this.deliverExternal(Vector.NMI, EventKind.Nmi);
    } else if (this.nmiPending) this.attention = true;
    if ((st.eflags & FLAG_IF) !== 0 && !inShadow) {
      const ic = this.platform.interruptController;
      if (ic !== undefined && ic.hasPendingInterrupt()) {
        const vector = ic.acknowledgeInterrupt();
        if (st.activity === 'halted') st.activity = 'running';
        this.deliverExternal(vector & 0xff, EventKind.External);
        this.attention = true; // another may be pending
      }
    }
    if (st.activity === 'halted') return true;
    return st.activity !== 'running';
  }

  /**
   * Deliver an external interrupt or NMI. A fault while delivering it is
   * reported with EIP at the interrupted boundary (not the last completed
   * instruction) and with EXT set in its error code (SDM Vol. 3A 6.13).
   */
  /** External interrupts and NMIs taken so far (a debugger steps over them). */
  externalEventsTaken = 0;

  private deliverExternal(vector: number, kind: EventKind): void {
    this.externalEventsTaken++;
    const resume = this._state.eip;
    try {
      deliverEvent(this, vector, -1, kind);
    } catch (e) {
      if (e !== GUEST_FAULT) throw e;
      this._state.eip = resume;
      this.deliverFault(resume, true);
    }
  }

  /** Deliver a trap-class #DB or similar right now (EIP already points where execution resumes). */
  private deliverTrapNow(vector: number): void {
    const resume = this._state.eip;
    try {
      deliverEvent(this, vector, -1, EventKind.Exception);
    } catch (e) {
      if (e !== GUEST_FAULT) throw e;
      this._state.eip = resume;
      this.deliverFault(resume, true);
    }
  }

  /**
   * Deliver the recorded fault, applying the double-fault rules (SDM 6.15,
   * Table 6-5); a fault while delivering #DF shuts the processor down.
   * `restartEip` is where the event's return address points when delivery
   * must be retried (the faulting instruction, or the interrupted boundary).
   */
  deliverFault(restartEip = this.insnEip, external = false): void {
    let vector = this.faultVector;
    let errorCode = this.faultErrorCode;
    const st = this._state;
    for (let attempt = 0; ; attempt++) {
      try {
        this.extBit = attempt > 0 || external ? 1 : 0;
        deliverEvent(this, vector, errorCode, EventKind.Exception);
        this.extBit = 0;
        return;
      } catch (e) {
        if (e !== GUEST_FAULT) throw e;
        st.eip = restartEip;
        const second = this.faultVector;
        if (vector === Vector.DF) {
          this.tripleFault(`fault ${second} while delivering #DF`);
          return;
        }
        const firstClass = vector === Vector.PF ? 2 : vector === 0 || (vector >= 10 && vector <= 13) ? 1 : 0;
        const secondClass = second === Vector.PF ? 2 : second === 0 || (second >= 10 && second <= 13) ? 1 : 0;
        if ((firstClass === 1 && secondClass === 1) || (firstClass === 2 && secondClass !== 0)) {
          vector = Vector.DF;
          errorCode = 0;
        } else {
          vector = second;
          errorCode = this.faultErrorCode;
        }
        if (attempt > 8) {
          this.tripleFault('nested faults during exception delivery');
          return;
        }
      }
    }
  }

  tripleFault(description: string): void {
    const st = this._state;
    st.activity = 'shutdown';
    this.attention = true;
    this.extBit = 0;
    this.platform.events.emit({ kind: 'triple-fault', cpu: this.index, description: `triple fault at ${hex(st.segments[1].selector, 4)}:${hex(st.eip, 8)}: ${description}` });
  }

  /** Retire-time trap for INT n / INT3 / INTO: EIP already points past the instruction. */
  softwareInterrupt(vector: number, kind: EventKind): void {
    deliverEvent(this, vector, -1, kind);
  }

  /** RDTSC value: virtual time plus instructions retired so far in this slice (SDM 17.17). */
  readTsc(): bigint {
    return BigInt(this.platform.clock.observeCounter(this.platform.clock.now + this.sliceRetired)) + BigInt(this.tscOffset);
  }

  /** Throws when an invariant of the core is broken (never for guest behaviour). */
  internalError(message: string): never {
    throw new EmulatorInternalError(`cpu ${this.index}: ${message}`);
  }
}

function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, '0');
}

function copyInstruction(from: DecodedInstruction, to: DecodedInstruction): void {
  to.entry = from.entry;
  to.exec = from.exec;
  to.r1 = from.r1;
  to.r2 = from.r2;
  to.length = from.length;
  to.opcode = from.opcode;
  to.codeSize = from.codeSize;
  to.opSize = from.opSize;
  to.addrSize = from.addrSize;
  to.segmentOverride = from.segmentOverride;
  to.segment = from.segment;
  to.rep = from.rep;
  to.lock = from.lock;
  to.hasModrm = from.hasModrm;
  to.mod = from.mod;
  to.reg = from.reg;
  to.rm = from.rm;
  to.isMemory = from.isMemory;
  to.base = from.base;
  to.index = from.index;
  to.scale = from.scale;
  to.disp = from.disp;
  to.hasSib = from.hasSib;
  to.dispSize = from.dispSize;
  to.imm = from.imm;
  to.imm2 = from.imm2;
  to.bytes.set(from.bytes);
}

export { EventKind };
