/**
 * One local APIC (SDM Vol. 3A chapter 10): xAPIC registers through MMIO at
 * the IA32_APIC_BASE address, x2APIC registers through MSRs 0x800-0x8FF,
 * interrupt acceptance by priority class, EOI, the LVT, the timer in
 * one-shot, periodic and TSC-deadline modes (virtual time), and the ICR,
 * whose writes go to the APIC bus (apic-bus.ts) as IPIs.
 *
 * The timer counts a 1 GHz bus clock (one tick per virtual nanosecond)
 * divided by the divide configuration, like QEMU's model.
 */
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';
import type { InterruptController, MsrDevice } from '../cpu/platform-interface';
import type { TimerHandle, VirtualClock } from '../time/virtual-clock';
import {
  ApicReg, APIC_BASE_ADDRESS_MASK, APIC_BASE_BSP, APIC_BASE_ENABLE, APIC_BASE_EXTD, APIC_VERSION_VALUE, DeliveryMode,
  ESR_ILLEGAL_REGISTER, ESR_RECEIVE_ILLEGAL_VECTOR, ESR_SEND_ILLEGAL_VECTOR, LVT_COUNT, LVT_MASKED, LVT_NAMES, LVT_WRITABLE, Lvt,
  lvtIndexOfOffset, MSR_IA32_APIC_BASE, MSR_IA32_TSC_DEADLINE, MSR_X2APIC_FIRST, MSR_X2APIC_LAST, SVR_APIC_ENABLED,
  TIMER_PERIODIC, TIMER_TSC_DEADLINE, TIMER_ONE_SHOT,
} from './apic-registers';

/** Everything a local APIC holds, as plain data (snapshots, debugger views). */
export interface LapicState {
  /** Low 32 bits of IA32_APIC_BASE (base address | EN | EXTD | BSP). */
  apicBase: number;
  /** APIC ID: 8 bits in xAPIC mode, the 32-bit x2APIC ID in x2APIC mode. */
  id: number;
  tpr: number;
  ldr: number;
  dfr: number;
  svr: number;
  /** ESR as last latched by a write; errors since then accumulate in esrPending. */
  esr: number;
  esrPending: number;
  icrLow: number;
  icrHigh: number;
  irr: Uint32Array;
  isr: Uint32Array;
  tmr: Uint32Array;
  /** LVT entries in Lvt order: CMCI, timer, thermal, perf, LINT0, LINT1, error. */
  lvt: number[];
  timerInitial: number;
  timerDivide: number;
  /** Virtual time the current count was (re)loaded. */
  timerStart: number;
  tscDeadline: bigint;
}

/** What the APIC needs from the machine around it. */
export interface LapicEnvironment {
  clock: VirtualClock;
  /** vCPU index. */
  index: number;
  /** Hardware-assigned initial APIC ID (CPUID.1:EBX[31:24], the x2APIC ID). */
  initialApicId: number;
  isBsp: boolean;
  /** Wake / notify the core: a maskable interrupt may now be deliverable. */
  signalInterrupt(): void;
  /** An ICR write: the APIC bus resolves and delivers it. */
  sendIpi(from: LocalApic, icrLow: number, icrHigh: number, via: 'xapic-icr' | 'x2apic-icr' | 'x2apic-self-ipi'): void;
  /** EOI of a level-triggered vector: broadcast to the IO-APIC (SDM 10.8.5). */
  eoiBroadcast(vector: number): void;
  /** The 8259's INT output as seen on LINT0 (virtual wire mode). */
  extIntPending(): boolean;
  extIntAcknowledge(): number;
  /** True when the 8259 INTR goes straight to this core (IMCR PIC mode, MP spec 3.6.2.1). */
  picDirect(): boolean;
  /** NMI through LINT1 or an LVT with NMI delivery. */
  signalNmi(): void;
  /** Report a guest error the APIC handled as the SDM says (illegal register, vector). */
  report(message: string): void;
  /** IA32_APIC_BASE changed (relocation, enable, x2APIC): the MMIO mapping follows. */
  baseChanged(): void;
}

export function createLapicState(initialApicId: number, isBsp: boolean): LapicState {
  const s: LapicState = {
    apicBase: (0xfee00000 | APIC_BASE_ENABLE | (isBsp ? APIC_BASE_BSP : 0)) >>> 0,
    id: initialApicId & 0xff,
    tpr: 0, ldr: 0, dfr: 0xffffffff, svr: 0xff, esr: 0, esrPending: 0, icrLow: 0, icrHigh: 0,
    irr: new Uint32Array(8), isr: new Uint32Array(8), tmr: new Uint32Array(8),
    lvt: new Array<number>(LVT_COUNT).fill(LVT_MASKED),
    timerInitial: 0, timerDivide: 0, timerStart: 0, tscDeadline: 0n,
  };
  applyVirtualWire(s, isBsp);
  return s;
}

/**
 * The BSP's LINT0 is left in ExtINT and LINT1 in NMI delivery (virtual wire
 * mode, MP spec 3.6.2.2), as PC firmware leaves it and as QEMU's reset does,
 * so the 8259 reaches the BSP before the OS programs its APIC.
 */
function applyVirtualWire(s: LapicState, isBsp: boolean): void {
  if (!isBsp) return;
  s.lvt[Lvt.Lint0] = DeliveryMode.ExtInt << 8;
  s.lvt[Lvt.Lint1] = DeliveryMode.Nmi << 8;
}

function timerDivisor(divideRegister: number): number {
  const v = ((divideRegister & 8) >> 1) | (divideRegister & 3);
  return v === 7 ? 1 : 2 << v;
}

function highestBit(bits: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const w = bits[i];
    if (w !== 0) return i * 32 + 31 - Math.clz32(w);
  }
  return -1;
}

function setBit(bits: Uint32Array, v: number): void {
  bits[v >>> 5] |= 1 << (v & 31);
}
function clearBit(bits: Uint32Array, v: number): void {
  bits[v >>> 5] &= ~(1 << (v & 31));
}
function testBit(bits: Uint32Array, v: number): boolean {
  return (bits[v >>> 5] & (1 << (v & 31))) !== 0;
}

export type AcceptResult = { accepted: true } | { accepted: false; reason: string };

export class LocalApic implements InterruptController, MsrDevice {
  state: LapicState;
  private timer: TimerHandle | undefined;

  constructor(readonly env: LapicEnvironment) {
    this.state = createLapicState(env.initialApicId, env.isBsp);
    env.clock.registerTimerOwner(this.timerOwner, (at) => () => this.timerExpired(at));
  }

  /** The key of this APIC's timer in the virtual clock. */
  private get timerOwner(): string {
    return `lapic.${this.env.index}.timer`;
  }

  /**
   * All of the APIC's state as plain data (docs/snapshots.md); the pending
   * timer comes back with the clock's. After restoring every APIC, call
   * env.baseChanged() so that the xAPIC pages are mapped where the bases say.
   */
  save(): PlainObject {
    return saveOwnFields(this, ['env']);
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }

  get index(): number {
    return this.env.index;
  }
  get hardwareEnabled(): boolean {
    return (this.state.apicBase & APIC_BASE_ENABLE) !== 0;
  }
  get x2apic(): boolean {
    return (this.state.apicBase & APIC_BASE_EXTD) !== 0;
  }
  get softwareEnabled(): boolean {
    return (this.state.svr & SVR_APIC_ENABLED) !== 0;
  }
  /** Physical base of the xAPIC MMIO page. */
  get mmioBase(): number {
    return (this.state.apicBase & APIC_BASE_ADDRESS_MASK) >>> 0;
  }
  /** The APIC ID the routing logic compares against (8-bit in xAPIC mode). */
  get apicId(): number {
    return this.state.id >>> 0;
  }
  /** Logical destination register as the routing logic sees it. */
  get logicalId(): number {
    return this.x2apic ? x2apicLogicalId(this.state.id) : this.state.ldr >>> 24;
  }

  // ------------------------------------------------------------------
  // Priorities (SDM 10.8.3.1)
  // ------------------------------------------------------------------

  get isrv(): number {
    return Math.max(0, highestBit(this.state.isr));
  }
  get ppr(): number {
    const tpr = this.state.tpr & 0xff;
    const isrv = this.isrv;
    return (tpr >> 4) >= (isrv >> 4) ? tpr : isrv & 0xf0;
  }
  /** Arbitration priority (SDM 10.6.2.4 for lowest-priority delivery). */
  get apr(): number {
    const tpr = this.state.tpr & 0xff;
    const irrv = Math.max(0, highestBit(this.state.irr));
    const isrv = this.isrv;
    return (tpr >> 4) >= (irrv >> 4) && (tpr >> 4) >= (isrv >> 4) ? tpr : Math.max(irrv, isrv) & 0xf0;
  }

  // ------------------------------------------------------------------
  // Interrupt acceptance and the core's INTR/INTA interface
  // ------------------------------------------------------------------

  /** A fixed or lowest-priority interrupt message arrives (IPI, IO-APIC, local LVT). */
  acceptInterrupt(vector: number, levelTriggered: boolean): AcceptResult {
    vector &= 0xff;
    if (!this.hardwareEnabled) return { accepted: false, reason: 'target APIC is globally disabled (IA32_APIC_BASE.EN = 0)' };
    if (vector < 16) {
      this.raiseError(ESR_RECEIVE_ILLEGAL_VECTOR);
      return { accepted: false, reason: `vector ${vector} is illegal (0-15): receive-illegal-vector error in the target's ESR` };
    }
    if (!this.softwareEnabled) return { accepted: false, reason: 'target APIC is software-disabled (SVR bit 8 = 0)' };
    const s = this.state;
    setBit(s.irr, vector);
    if (levelTriggered) setBit(s.tmr, vector);
    else clearBit(s.tmr, vector);
    this.env.signalInterrupt();
    return { accepted: true };
  }

  private extIntRouted(): boolean {
    if (this.env.picDirect()) return true;
    if (!this.hardwareEnabled) return this.env.isBsp; // no APIC: INTR pin goes straight to the core
    const lint0 = this.state.lvt[Lvt.Lint0];
    return (lint0 & LVT_MASKED) === 0 && ((lint0 >> 8) & 7) === DeliveryMode.ExtInt;
  }

  hasPendingInterrupt(): boolean {
    if (this.extIntRouted() && this.env.extIntPending()) return true;
    const v = highestBit(this.state.irr);
    return v >= 0 && (v & 0xf0) > (this.ppr & 0xf0);
  }

  acknowledgeInterrupt(): number {
    if (this.extIntRouted() && this.env.extIntPending()) return this.env.extIntAcknowledge();
    const s = this.state;
    const v = highestBit(s.irr);
    if (v < 0 || (v & 0xf0) <= (this.ppr & 0xf0)) return s.svr & 0xff; // spurious (SDM 10.9)
    clearBit(s.irr, v);
    setBit(s.isr, v);
    return v;
  }

  private eoi(): void {
    const s = this.state;
    const v = highestBit(s.isr);
    if (v < 0) return;
    clearBit(s.isr, v);
    if (testBit(s.tmr, v)) this.env.eoiBroadcast(v);
    this.env.signalInterrupt();
  }

  private raiseError(bits: number): void {
    const s = this.state;
    const what = [bits & ESR_SEND_ILLEGAL_VECTOR ? 'send illegal vector' : '', bits & ESR_RECEIVE_ILLEGAL_VECTOR ? 'receive illegal vector' : '', bits & ESR_ILLEGAL_REGISTER ? 'illegal register address' : ''].filter((x) => x).join(', ');
    this.env.report(`local APIC ${this.apicId}: error (${what}) latched in the ESR`);
    s.esrPending |= bits;
    const lvt = s.lvt[Lvt.Error];
    if ((lvt & LVT_MASKED) === 0 && (lvt & 0xff) >= 16) this.acceptInterrupt(lvt & 0xff, false);
  }

  /** Deliver a local interrupt source through its LVT entry (SDM 10.5.1). */
  private fireLvt(index: Lvt): void {
    const lvt = this.state.lvt[index];
    if (lvt & LVT_MASKED) return;
    const mode = index === Lvt.Timer || index === Lvt.Error ? DeliveryMode.Fixed : (lvt >> 8) & 7;
    if (mode === DeliveryMode.Nmi) this.env.signalNmi();
    else if (mode === DeliveryMode.Fixed) {
      const result = this.acceptInterrupt(lvt & 0xff, index >= Lvt.Lint0 && index <= Lvt.Lint1 && (lvt & 0x8000) !== 0);
      if (!result.accepted && (lvt & 0xff) < 16) this.env.report(`${LVT_NAMES[index]} LVT fired with illegal vector ${lvt & 0xff}`);
    }
  }

  /** LINT1 asserted (NMI button / IOCHK through the chipset). */
  assertLint1(): void {
    this.fireLvt(Lvt.Lint1);
  }

  // ------------------------------------------------------------------
  // Reset
  // ------------------------------------------------------------------

  /** INIT (SDM 10.4.7.3): power-up state except the APIC ID and IA32_APIC_BASE. */
  initReset(): void {
    const keepBase = this.state.apicBase;
    const keepId = this.state.id;
    this.stopTimer();
    this.state = createLapicState(this.env.initialApicId, this.env.isBsp);
    this.state.apicBase = keepBase;
    this.state.id = keepId;
    if (this.x2apic) this.state.ldr = x2apicLogicalId(keepId);
  }

  /** Power-on reset: everything, including IA32_APIC_BASE. */
  powerOnReset(): void {
    this.stopTimer();
    this.state = createLapicState(this.env.initialApicId, this.env.isBsp);
  }

  // ------------------------------------------------------------------
  // Timer (SDM 10.5.4)
  // ------------------------------------------------------------------

  private get timerMode(): number {
    return (this.state.lvt[Lvt.Timer] >> 17) & 3;
  }

  private stopTimer(): void {
    this.env.clock.cancel(this.timer);
    this.timer = undefined;
  }

  private startCountdown(): void {
    this.stopTimer();
    const s = this.state;
    s.timerStart = this.env.clock.now;
    if (s.timerInitial === 0) return;
    this.scheduleExpiry(s.timerStart + s.timerInitial * timerDivisor(s.timerDivide));
  }

  private scheduleExpiry(at: number): void {
    this.timer = this.env.clock.schedule(at, () => this.timerExpired(at), this.timerOwner);
  }

  private timerExpired(at: number): void {
    this.timer = undefined;
    const s = this.state;
    if (this.timerMode === TIMER_TSC_DEADLINE) {
      s.tscDeadline = 0n;
      this.fireLvt(Lvt.Timer);
      return;
    }
    if (this.timerMode === TIMER_PERIODIC && s.timerInitial !== 0) {
      s.timerStart = at;
      this.scheduleExpiry(at + s.timerInitial * timerDivisor(s.timerDivide));
    }
    this.fireLvt(Lvt.Timer);
  }

  currentCount(): number {
    const s = this.state;
    if (s.timerInitial === 0 || this.timerMode === TIMER_TSC_DEADLINE) return 0;
    const elapsed = Math.floor((this.env.clock.now - s.timerStart) / timerDivisor(s.timerDivide));
    if (this.timerMode === TIMER_PERIODIC) return s.timerInitial - (elapsed % s.timerInitial);
    return Math.max(0, s.timerInitial - elapsed);
  }

  private writeTscDeadline(value: bigint): void {
    if (this.timerMode !== TIMER_TSC_DEADLINE) return; // ignored outside TSC-deadline mode (SDM 10.5.4.1)
    this.stopTimer();
    this.state.tscDeadline = value;
    if (value === 0n) return;
    const at = Number(value);
    this.scheduleExpiry(Math.max(at, this.env.clock.now));
  }

  // ------------------------------------------------------------------
  // Register access shared by MMIO and MSR paths
  // ------------------------------------------------------------------

  /** Read a 32-bit register by xAPIC offset; undefined = no such register. */
  readRegister(offset: number): number | undefined {
    const s = this.state;
    switch (offset) {
      case ApicReg.Id: return this.x2apic ? s.id >>> 0 : (s.id & 0xff) << 24 >>> 0;
      case ApicReg.Version: return APIC_VERSION_VALUE;
      case ApicReg.Tpr: return s.tpr;
      case ApicReg.Apr: return this.apr;
      case ApicReg.Ppr: return this.ppr;
      case ApicReg.Eoi: return 0;
      case ApicReg.Rrd: return 0;
      case ApicReg.Ldr: return this.x2apic ? x2apicLogicalId(s.id) : s.ldr >>> 0;
      case ApicReg.Dfr: return s.dfr >>> 0;
      case ApicReg.Svr: return s.svr;
      case ApicReg.Esr: return s.esr;
      case ApicReg.IcrLow: return s.icrLow & ~0x1000; // delivery status: idle (IPIs are delivered at once)
      case ApicReg.IcrHigh: return s.icrHigh >>> 0;
      case ApicReg.TimerInitial: return s.timerInitial >>> 0;
      case ApicReg.TimerCurrent: return this.currentCount() >>> 0;
      case ApicReg.TimerDivide: return s.timerDivide;
      default: break;
    }
    if (offset >= ApicReg.IsrBase && offset < ApicReg.IsrBase + 0x80) return s.isr[(offset - ApicReg.IsrBase) >> 4] >>> 0;
    if (offset >= ApicReg.TmrBase && offset < ApicReg.TmrBase + 0x80) return s.tmr[(offset - ApicReg.TmrBase) >> 4] >>> 0;
    if (offset >= ApicReg.IrrBase && offset < ApicReg.IrrBase + 0x80) return s.irr[(offset - ApicReg.IrrBase) >> 4] >>> 0;
    const lvt = lvtIndexOfOffset(offset);
    if (lvt >= 0) return s.lvt[lvt] >>> 0;
    return undefined;
  }

  /** Write a 32-bit register by xAPIC offset; false = no such (writable) register. */
  writeRegister(offset: number, value: number): boolean {
    const s = this.state;
    value >>>= 0;
    switch (offset) {
      case ApicReg.Id:
        if (this.x2apic) return false;
        s.id = value >>> 24;
        return true;
      case ApicReg.Tpr:
        s.tpr = value & 0xff;
        this.env.signalInterrupt();
        return true;
      case ApicReg.Eoi:
        this.eoi();
        return true;
      case ApicReg.Ldr:
        if (this.x2apic) return false;
        s.ldr = value & 0xff000000;
        return true;
      case ApicReg.Dfr:
        if (this.x2apic) return false;
        s.dfr = (value | 0x0fffffff) >>> 0;
        return true;
      case ApicReg.Svr: {
        s.svr = value & 0x3ff; // vector, APIC software enable, focus processor checking
        if (!this.softwareEnabled) for (let i = 0; i < LVT_COUNT; i++) s.lvt[i] |= LVT_MASKED; // SDM 10.4.7.2
        this.env.signalInterrupt();
        return true;
      }
      case ApicReg.Esr:
        // SDM 10.5.3: a write latches the errors since the last write into the readable register.
        s.esr = s.esrPending;
        s.esrPending = 0;
        return true;
      case ApicReg.IcrLow:
        s.icrLow = value & 0x000cdfff;
        this.sendFromIcr('xapic-icr');
        return true;
      case ApicReg.IcrHigh:
        if (this.x2apic) return false;
        s.icrHigh = value & 0xff000000;
        return true;
      case ApicReg.TimerInitial:
        if (this.timerMode === TIMER_TSC_DEADLINE) return true; // ignored in TSC-deadline mode
        s.timerInitial = value;
        this.startCountdown();
        return true;
      case ApicReg.TimerDivide:
        s.timerDivide = value & 0xb;
        return true;
      default:
        break;
    }
    const lvt = lvtIndexOfOffset(offset);
    if (lvt >= 0) {
      // Reserved bits are ignored, as the hardware does; say so rather than lose the guest's intent silently.
      if ((value & ~LVT_WRITABLE[lvt] & ~0x5000) !== 0) this.env.report(`local APIC ${this.apicId}: reserved bits ${((value & ~LVT_WRITABLE[lvt] & ~0x5000) >>> 0).toString(16)} written to the ${LVT_NAMES[lvt]} LVT entry were ignored`);
      const before = this.timerMode;
      let v = (value & LVT_WRITABLE[lvt]) | (s.lvt[lvt] & ~LVT_WRITABLE[lvt] & 0x4000);
      if (!this.softwareEnabled) v |= LVT_MASKED;
      s.lvt[lvt] = v >>> 0;
      if (lvt === Lvt.Timer) {
        const after = this.timerMode;
        if (before !== after) {
          // Switching between TSC-deadline and count modes disarms the timer (SDM 10.5.4.1).
          this.stopTimer();
          if (after === TIMER_TSC_DEADLINE || before === TIMER_TSC_DEADLINE) {
            s.timerInitial = 0;
            s.tscDeadline = 0n;
          }
        }
      }
      return true;
    }
    return false;
  }

  private sendFromIcr(via: 'xapic-icr' | 'x2apic-icr' | 'x2apic-self-ipi'): void {
    const s = this.state;
    const mode = (s.icrLow >> 8) & 7;
    const vector = s.icrLow & 0xff;
    if ((mode === DeliveryMode.Fixed || mode === DeliveryMode.LowestPriority) && vector < 16) this.raiseError(ESR_SEND_ILLEGAL_VECTOR);
    this.env.sendIpi(this, s.icrLow, s.icrHigh, via);
  }

  // ------------------------------------------------------------------
  // xAPIC MMIO (SDM 10.4.1): 32-bit aligned accesses to 16-byte-aligned registers
  // ------------------------------------------------------------------

  mmioRead(offset: number, size: number): number {
    const reg = offset & 0xff0;
    const value = this.readRegister(reg);
    if (value === undefined || reg === ApicReg.SelfIpi) {
      this.raiseError(ESR_ILLEGAL_REGISTER);
      return 0;
    }
    const shift = (offset & 3) * 8;
    const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    return ((value >>> shift) & mask) >>> 0;
  }

  mmioWrite(offset: number, size: number, value: number): void {
    const reg = offset & 0xff0;
    if (size !== 4 || (offset & 0xf) !== 0) {
      this.env.report(`local APIC ${this.apicId}: ${size}-byte write at offset 0x${offset.toString(16)} ignored (registers take aligned 32-bit writes)`);
      return;
    }
    const readOnly = reg === ApicReg.Version || reg === ApicReg.Apr || reg === ApicReg.Ppr || reg === ApicReg.Rrd || reg === ApicReg.TimerCurrent
      || (reg >= ApicReg.IsrBase && reg < ApicReg.IrrBase + 0x80) || reg === ApicReg.SelfIpi;
    if (readOnly || !this.writeRegister(reg, value)) this.raiseError(ESR_ILLEGAL_REGISTER);
  }

  // ------------------------------------------------------------------
  // MSRs: IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC 0x800-0x8FF (SDM 10.12)
  // ------------------------------------------------------------------

  handlesMsr(index: number): boolean {
    return index === MSR_IA32_APIC_BASE || index === MSR_IA32_TSC_DEADLINE || (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST);
  }

  readMsr(index: number): bigint | undefined {
    const s = this.state;
    if (index === MSR_IA32_APIC_BASE) return BigInt(s.apicBase >>> 0);
    if (index === MSR_IA32_TSC_DEADLINE) return this.timerMode === TIMER_TSC_DEADLINE ? s.tscDeadline : 0n;
    if (!this.x2apic) return undefined; // #GP: x2APIC MSRs outside x2APIC mode
    const reg = (index - MSR_X2APIC_FIRST) << 4;
    // Registers that do not exist or are write-only in x2APIC mode (SDM Table 10-6).
    if (reg === ApicReg.Eoi || reg === ApicReg.SelfIpi || reg === ApicReg.Apr || reg === ApicReg.Rrd || reg === ApicReg.Dfr || reg === ApicReg.IcrHigh) return undefined;
    if (reg === ApicReg.IcrLow) return (BigInt(s.icrHigh >>> 0) << 32n) | BigInt((s.icrLow & ~0x1000) >>> 0);
    const v = this.readRegister(reg);
    return v === undefined ? undefined : BigInt(v >>> 0);
  }

  writeMsr(index: number, value: bigint): boolean | undefined {
    if (index === MSR_IA32_APIC_BASE) return this.writeApicBase(value);
    if (index === MSR_IA32_TSC_DEADLINE) {
      this.writeTscDeadline(BigInt.asUintN(64, value));
      return true;
    }
    if (!this.x2apic) return false;
    const reg = (index - MSR_X2APIC_FIRST) << 4;
    const low = Number(value & 0xffffffffn) >>> 0;
    const high = Number((value >> 32n) & 0xffffffffn) >>> 0;
    const s = this.state;
    switch (reg) {
      case ApicReg.IcrLow:
        // x2APIC ICR: one 64-bit write; bits 12-13, 16-17 and 20-31 are reserved (#GP).
        if ((low & 0xfff33000) !== 0) return false;
        s.icrLow = low & 0x000cdfff;
        s.icrHigh = high;
        this.sendFromIcr('x2apic-icr');
        return true;
      case ApicReg.SelfIpi:
        if ((value & ~0xffn) !== 0n) return false;
        s.icrLow = (low & 0xff) | (1 << 18); // fixed, edge, self
        s.icrHigh = 0;
        this.sendFromIcr('x2apic-self-ipi');
        return true;
      case ApicReg.Eoi:
        if (value !== 0n) return false; // SDM 10.12.1.2: a non-zero EOI write raises #GP in x2APIC mode
        this.eoi();
        return true;
      case ApicReg.Esr:
        if (value !== 0n) return false;
        return this.writeRegister(reg, 0);
      case ApicReg.Tpr:
      case ApicReg.Svr:
      case ApicReg.TimerInitial:
      case ApicReg.TimerDivide:
      case ApicReg.LvtCmci:
      case ApicReg.LvtTimer:
      case ApicReg.LvtThermal:
      case ApicReg.LvtPerf:
      case ApicReg.LvtLint0:
      case ApicReg.LvtLint1:
      case ApicReg.LvtError:
        if (high !== 0) return false;
        return this.writeRegister(reg, low);
      default:
        return false; // read-only or absent: #GP
    }
  }

  /**
   * IA32_APIC_BASE writes with the mode-transition rules of SDM 10.12.5
   * (Figure 10-27): EN=0,EXTD=1 is invalid; x2APIC → xAPIC and
   * disabled → x2APIC are illegal; disabling resets the APIC.
   */
  private writeApicBase(value: bigint): boolean {
    const ok = this.applyApicBase(value);
    if (ok) this.env.baseChanged();
    return ok;
  }

  private applyApicBase(value: bigint): boolean {
    if (value >> 32n !== 0n) return false; // physical addresses above 4 GiB are not supported: treat as reserved
    const v = Number(value) >>> 0;
    if ((v & 0x2ff) !== 0) return false; // reserved bits 0-7 and 9
    const en = (v & APIC_BASE_ENABLE) !== 0;
    const extd = (v & APIC_BASE_EXTD) !== 0;
    if (!en && extd) return false;
    const wasEnabled = this.hardwareEnabled;
    const wasX2 = this.x2apic;
    if (wasX2 && en && !extd) return false;
    if (!wasEnabled && en && extd) return false;
    const s = this.state;
    const bsp = s.apicBase & APIC_BASE_BSP;
    if (!en) {
      this.powerOnReset();
      this.state.apicBase = ((v & ~APIC_BASE_BSP) | bsp) >>> 0;
      this.env.signalInterrupt();
      return true;
    }
    s.apicBase = ((v & ~APIC_BASE_BSP) | bsp) >>> 0;
    if (extd && !wasX2) {
      s.id = this.env.initialApicId >>> 0;
      s.ldr = x2apicLogicalId(s.id);
    } else if (!wasEnabled) {
      s.id = this.env.initialApicId & 0xff;
    }
    return true;
  }
}

/** x2APIC logical ID (SDM 10.12.10.2): cluster = ID[19:4] in bits 31:16, one bit 1 << ID[3:0]. */
export function x2apicLogicalId(id: number): number {
  return ((((id >>> 4) & 0xffff) << 16) | (1 << (id & 0xf))) >>> 0;
}

export { TIMER_ONE_SHOT };
