/**
 * The 8254 programmable interval timer (Intel 8254 data sheet, order
 * 231164) at 0x40-0x43, clocked at 1.193182 MHz, plus the AT "system
 * control port B" at 0x61 (channel 2 gate and speaker enable, channel 2
 * OUT and the refresh toggle readable).
 *
 * Counters are not stepped: each one remembers the CLK tick at which its
 * counting element was loaded and computes count and OUT from the current
 * tick, which is derived exactly from virtual nanoseconds (integer
 * arithmetic, no accumulated rounding). Channel 0's OUT drives IRQ0; its
 * edges are delivered through VirtualClock timers at the exact tick.
 *
 * Loading convention (data sheet "Mode Definitions"): a count written at
 * CLK tick t is transferred to the counting element on the next CLK pulse,
 * tick t+1, and counting proceeds from there; so mode 0 OUT goes high N+1
 * CLK pulses after the count is written.
 */
import type { AccessSize } from '../memory/physical-memory';
import type { PortDevice, Port } from '../bus/io-bus';
import type { TimerHandle, VirtualClock } from '../time/virtual-clock';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const PIT_BASE = 0x40;
export const PORT_B = 0x61;
export const PIT_HZ = 1_193_182;
const NS_PER_S = 1_000_000_000;
/** Refresh request period of the AT: channel 1 in mode 2 with count 18 (15.085 us); port 0x61 bit 4 toggles each one. */
const REFRESH_TICKS = 18;

// Port B bits (IBM PC/AT Technical Reference, "System Control Port B").
const PORTB_GATE2 = 0x01;
const PORTB_WRITABLE = 0x0f;
const PORTB_REFRESH = 0x10;
const PORTB_OUT2 = 0x20;

// Access modes (control word RW1 RW0).
const RW_LATCH = 0;
const RW_LSB = 1;
const RW_MSB = 2;
const RW_LSB_MSB = 3;

/** floor(a / b) for non-negative integers a < 2^53, immune to double rounding. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/** Number of CLK rising edges at or before virtual time ns. */
export function ticksAt(ns: number): number {
  const seconds = Math.floor(ns / NS_PER_S);
  const rest = ns - seconds * NS_PER_S;
  return seconds * PIT_HZ + floorDiv(rest * PIT_HZ, NS_PER_S);
}

/** The earliest virtual time at which ticksAt() reaches tick. */
export function nsAtTick(tick: number): number {
  const seconds = Math.floor(tick / PIT_HZ);
  const rest = tick - seconds * PIT_HZ;
  return seconds * NS_PER_S + floorDiv(rest * NS_PER_S + PIT_HZ - 1, PIT_HZ);
}

function toBcd(value: number): number {
  return (value % 10) | (Math.floor(value / 10) % 10) << 4 | (Math.floor(value / 100) % 10) << 8 | (Math.floor(value / 1000) % 10) << 12;
}

function fromBcd(value: number): number {
  return (value & 0xf) + ((value >> 4) & 0xf) * 10 + ((value >> 8) & 0xf) * 100 + ((value >> 12) & 0xf) * 1000;
}

export interface PitChannelSnapshot {
  mode: number;
  bcd: boolean;
  /** 1 = LSB, 2 = MSB, 3 = LSB then MSB. */
  access: number;
  /** The count register as written (0 = maximum count). */
  reload: number;
  /** The counting element now (as the guest would read it, BCD if bcd). */
  count: number;
  out: boolean;
  gate: boolean;
  nullCount: boolean;
  programmed: boolean;
}

/** The key of the PIT's IRQ0 timer in the virtual clock. */
export const PIT_TIMER_OWNER = 'pit.irq0';

export interface PitState {
  counters: PlainObject[];
  portB: number;
  irq0Level: boolean;
  /** Id of the pending IRQ0 timer in the virtual clock, or null. */
  irq0Timer: number | null;
}

export interface PitSnapshot {
  tick: number;
  channels: PitChannelSnapshot[];
  portB: number;
}

class Counter {
  mode = 0;
  bcd = false;
  access = RW_LSB_MSB;
  programmed = false;
  gate: boolean;
  /** The count register (CR) as written. */
  cr = 0;
  crWritten = false;

  // The counting element: counting from startCount at tick start when running.
  running = false;
  start = 0;
  startCount = 0;
  /** CE while not running (or before start). */
  frozenValue = 0;
  /** OUT while not running (or before start). */
  idleOut = false;
  /** Modes 0 and 4: terminal count was already reached before a gate suspension (no second edge/strobe). */
  terminalReached = false;
  /** Modes 2/3: a count written while counting takes effect at the next period / half-cycle boundary. */
  pending: { at: number; start: number; count: number } | undefined;
  /** The null count flag holds until this tick (Infinity: waiting for a gate trigger). */
  nullUntil = Infinity;

  // Read/write state.
  writeMsbNext = false;
  lowByte = 0;
  readMsbNext = false;
  latchedCount: number[] = [];
  latchedStatus: number | undefined;

  constructor(gate: boolean) {
    this.gate = gate;
  }

  get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  /** The initial count N that the CR encodes; 0 means the maximum (data sheet "Counter Loading"). */
  get initialCount(): number {
    const value = this.bcd ? fromBcd(this.cr) : this.cr;
    return value === 0 ? this.modulus : value;
  }

  sync(t: number): void {
    if (this.pending !== undefined && t >= this.pending.at) {
      this.start = this.pending.start;
      this.startCount = this.pending.count;
      this.pending = undefined;
    }
  }

  /**
   * The count is loaded into the counting element on the CLK after the write (data sheet "Counter
   * Loading"); a read in between shows the new count here, not the old contents. On a PC no read can
   * come that soon (an ISA access takes longer than the 838 ns CLK), and QEMU loads at the write;
   * Linux's quick_pit_calibrate reads the MSB right after writing 0xFFFF and gives up unless it is 0xFF.
   */
  private showCountUntilLoaded(n: number): void {
    if (!this.running) this.frozenValue = n % this.modulus;
  }

  private startSegment(at: number, count: number, outBefore: boolean): void {
    this.running = true;
    this.terminalReached = false;
    this.start = at;
    this.startCount = count;
    this.pending = undefined;
    this.idleOut = outBefore;
    this.nullUntil = at;
  }

  private stop(t: number): void {
    this.frozenValue = this.valueAt(t);
    this.idleOut = this.outAt(t);
    if (this.running && t >= this.start) this.terminalReached ||= t - this.start >= this.startCount;
    this.running = false;
    this.pending = undefined;
  }

  /** High half of a mode 3 period: (N+1)/2 clocks for odd N, N/2 for even. */
  private static highLength(n: number): number {
    return Math.ceil(n / 2);
  }

  /** The counting element at tick t, 0..modulus-1. */
  valueAt(t: number): number {
    if (!this.running || t < this.start) return this.frozenValue;
    const e = t - this.start;
    const n = this.startCount;
    const m = this.modulus;
    switch (this.mode) {
      case 2:
        return (n - (e % n)) % m;
      case 3: {
        // Mode 3 (data sheet): even N counts down by two each half; odd N loads N, then -1 then -2 (high half), N, -3, -2 (low half).
        const phase = e % n;
        const high = Counter.highLength(n);
        const k = phase < high ? phase : phase - high;
        let value: number;
        if (n % 2 === 0) value = n - 2 * k;
        else if (phase < high) value = k === 0 ? n : n - 1 - 2 * (k - 1);
        else value = k === 0 ? n : n - 1 - 2 * k;
        return value % m;
      }
      default:
        return (((n - e) % m) + m) % m;
    }
  }

  outAt(t: number): boolean {
    if (!this.running || t < this.start) return this.idleOut;
    const e = t - this.start;
    const n = this.startCount;
    switch (this.mode) {
      case 0: // interrupt on terminal count: high from count 0 on
        return this.terminalReached || e >= n;
      case 1: // one-shot: low from the trigger until count 0
        return e >= n;
      case 2: // rate generator: low for the one clock while the count is 1
        return e % n !== n - 1;
      case 3: // square wave
        return e % n < Counter.highLength(n);
      default: // 4, 5: strobe low for one clock at count 0
        return this.terminalReached || e !== n;
    }
  }

  /** The next tick after t at which OUT may change (or the count register is reloaded), or undefined. */
  nextEvent(t: number): number | undefined {
    if (!this.running) return undefined;
    if (t < this.start) return this.start;
    const e = t - this.start;
    const n = this.startCount;
    let next: number | undefined;
    switch (this.mode) {
      case 0:
        next = !this.terminalReached && e < n ? this.start + n : undefined;
        break;
      case 1:
        next = e < n ? this.start + n : undefined;
        break;
      case 2: {
        if (n < 2) break;
        const phase = e % n;
        next = phase === n - 1 ? t + 1 : t + (n - 1 - phase);
        break;
      }
      case 3: {
        if (n < 2) break;
        const phase = e % n;
        const high = Counter.highLength(n);
        next = phase < high ? t + (high - phase) : t + (n - phase);
        break;
      }
      default:
        if (this.terminalReached) break;
        next = e < n ? this.start + n : e === n ? t + 1 : undefined;
    }
    if (this.pending !== undefined && (next === undefined || this.pending.at < next)) next = this.pending.at;
    return next;
  }

  /** Control word with RW != 0 (data sheet "Write Operations"): new mode, counting stops until a count is written. */
  program(controlWord: number, t: number): void {
    this.frozenValue = this.valueAt(t);
    let mode = (controlWord >> 1) & 7;
    if (mode > 5) mode -= 4; // 110 and 111 are modes 2 and 3
    this.mode = mode;
    this.bcd = (controlWord & 1) !== 0;
    this.access = (controlWord >> 4) & 3;
    this.programmed = true;
    this.running = false;
    this.pending = undefined;
    this.crWritten = false;
    this.nullUntil = Infinity;
    this.terminalReached = false;
    // "OUT ... initial state": low after a mode 0 control word, high for every other mode.
    this.idleOut = mode !== 0;
    this.writeMsbNext = false;
    this.readMsbNext = false;
  }

  writeCount(byte: number, t: number): void {
    switch (this.access) {
      case RW_LSB:
        this.cr = byte;
        break;
      case RW_MSB:
        this.cr = byte << 8;
        break;
      default:
        if (!this.writeMsbNext) {
          this.lowByte = byte;
          this.writeMsbNext = true;
          // Mode 0: "writing the first byte disables counting" (and OUT goes low).
          if (this.mode === 0) {
            this.stop(t);
            this.idleOut = false;
            this.terminalReached = false;
          }
          return;
        }
        this.writeMsbNext = false;
        this.cr = this.lowByte | (byte << 8);
    }
    this.countWritten(t);
  }

  private countWritten(t: number): void {
    this.crWritten = true;
    const n = this.initialCount;
    switch (this.mode) {
      case 0:
        this.terminalReached = false;
        if (this.gate) {
          this.showCountUntilLoaded(n);
          this.startSegment(t + 1, n, false);
        } else {
          // Loaded on the next CLK but not counted while GATE is low.
          this.running = false;
          this.frozenValue = n % this.modulus;
          this.idleOut = false;
          this.nullUntil = t + 1;
        }
        break;
      case 1:
      case 5:
        // Loaded only by a GATE trigger.
        this.nullUntil = Infinity;
        break;
      case 2:
      case 3:
        if (this.running) this.scheduleReload(t, n);
        else if (this.gate) {
          this.showCountUntilLoaded(n);
          this.startSegment(t + 1, n, true);
        } else this.nullUntil = Infinity;
        break;
      default: // mode 4: software trigger on every count write
        if (this.gate) {
          const out = this.outAt(t);
          this.showCountUntilLoaded(n);
          this.startSegment(t + 1, n, out);
        } else {
          this.running = false;
          this.frozenValue = n % this.modulus;
          this.nullUntil = t + 1;
        }
    }
  }

  /** Modes 2 and 3: "a new count ... will be loaded at the end of the current counting cycle" (mode 3: half-cycle). */
  private scheduleReload(t: number, count: number): void {
    const e = t - this.start;
    const n = this.startCount;
    const periodStart = this.start + e - (e % n);
    let at: number;
    let start: number;
    if (this.mode === 3 && e % n < Counter.highLength(n)) {
      at = periodStart + Counter.highLength(n);
      start = at - Counter.highLength(count); // enter the new count's low half
    } else {
      at = periodStart + n;
      start = at;
    }
    this.pending = { at, start, count };
    this.nullUntil = at;
  }

  setGate(level: boolean, t: number): void {
    if (level === this.gate) return;
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        // GATE low suspends counting; high resumes from where it stopped.
        if (!level) {
          if (this.running) this.stop(t);
        } else if (this.crWritten && !this.running) {
          const remaining = this.frozenValue === 0 ? this.modulus : this.frozenValue;
          const out = this.idleOut;
          const high = this.terminalReached;
          this.startSegment(t + 1, remaining, out);
          this.terminalReached = high;
        }
        break;
      case 1:
      case 5:
        // A rising edge (re)triggers: the CR is loaded on the next CLK.
        if (level && this.crWritten) this.startSegment(t + 1, this.initialCount, this.outAt(t));
        break;
      default:
        // Modes 2 and 3: GATE low stops counting and forces OUT high; a rising edge reloads.
        if (!level) {
          if (this.running) this.stop(t);
          this.idleOut = true;
        } else if (this.crWritten) {
          this.startSegment(t + 1, this.initialCount, true);
        }
    }
  }

  latchCount(t: number): void {
    if (this.latchedCount.length > 0) return; // further latches are ignored until read
    const raw = this.valueAt(t);
    const value = this.bcd ? toBcd(raw) : raw;
    const lo = value & 0xff;
    const hi = (value >> 8) & 0xff;
    this.latchedCount = this.access === RW_LSB ? [lo] : this.access === RW_MSB ? [hi] : [lo, hi];
  }

  /** Read-back status byte (data sheet Figure 9): OUT, NULL COUNT, RW1 RW0 M2 M1 M0 BCD. */
  latchStatus(t: number): void {
    if (this.latchedStatus !== undefined) return;
    this.latchedStatus =
      (this.outAt(t) ? 0x80 : 0) | (t < this.nullUntil ? 0x40 : 0) | (this.access << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }

  readByte(t: number): number {
    if (this.latchedStatus !== undefined) {
      const status = this.latchedStatus;
      this.latchedStatus = undefined;
      return status;
    }
    if (this.latchedCount.length > 0) return this.latchedCount.shift()!;
    const raw = this.valueAt(t);
    const value = this.bcd ? toBcd(raw) : raw;
    switch (this.access) {
      case RW_LSB:
        return value & 0xff;
      case RW_MSB:
        return (value >> 8) & 0xff;
      default:
        this.readMsbNext = !this.readMsbNext;
        return this.readMsbNext ? value & 0xff : (value >> 8) & 0xff;
    }
  }

  snapshot(t: number): PitChannelSnapshot {
    const raw = this.valueAt(t);
    return {
      mode: this.mode,
      bcd: this.bcd,
      access: this.access,
      reload: this.cr,
      count: this.bcd ? toBcd(raw) : raw,
      out: this.outAt(t),
      gate: this.gate,
      nullCount: t < this.nullUntil,
      programmed: this.programmed,
    };
  }
}

export class Pit8254 implements PortDevice {
  readonly name = '8254 PIT';
  /** Channels 0 and 1 have GATE tied high on a PC; channel 2's comes from port 0x61 bit 0. */
  private readonly counters = [new Counter(true), new Counter(true), new Counter(false)];
  private portB = 0;
  private irq0Level = false;
  private irq0Timer: TimerHandle | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly setIrq0: (level: boolean) => void,
  ) {
    clock.registerTimerOwner(PIT_TIMER_OWNER, () => () => this.updateIrq0());
  }

  /** All of the PIT's state as plain data (docs/snapshots.md); unlike snapshot(), changes nothing. */
  save(): PitState {
    return { counters: this.counters.map((c) => saveOwnFields(c)), portB: this.portB, irq0Level: this.irq0Level, irq0Timer: this.irq0Timer?.id ?? null };
  }

  /** Take over a saved state; the pending IRQ0 timer comes back with the clock's (restore the clock too). */
  restore(state: PitState): void {
    state.counters.forEach((c, i) => restoreOwnFields(this.counters[i], c));
    this.portB = state.portB;
    this.irq0Level = state.irq0Level;
    this.irq0Timer = state.irq0Timer === null ? undefined : { id: state.irq0Timer };
  }

  /** The current CLK tick (CLK rising edges since virtual time 0). */
  get tick(): number {
    return ticksAt(this.clock.now);
  }

  readPort(port: Port, size: AccessSize): number {
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readByte(port + i) << (8 * i);
    return value >>> 0;
  }

  writePort(port: Port, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) this.writeByte(port + i, (value >>> (8 * i)) & 0xff);
  }

  snapshot(): PitSnapshot {
    const t = this.syncAll();
    return { tick: t, channels: this.counters.map((c) => c.snapshot(t)), portB: this.portBValue(t) };
  }

  private syncAll(): number {
    const t = this.tick;
    for (const counter of this.counters) counter.sync(t);
    return t;
  }

  private readByte(port: Port): number {
    const t = this.syncAll();
    if (port === PORT_B) return this.portBValue(t);
    if (port >= PIT_BASE && port < PIT_BASE + 3) {
      const value = this.counters[port - PIT_BASE].readByte(t);
      return value;
    }
    return 0xff; // the control register is write-only
  }

  private portBValue(t: number): number {
    return (
      (this.portB & PORTB_WRITABLE) |
      (Math.floor(t / REFRESH_TICKS) & 1 ? PORTB_REFRESH : 0) |
      (this.counters[2].outAt(t) ? PORTB_OUT2 : 0)
    );
  }

  private writeByte(port: Port, value: number): void {
    const t = this.syncAll();
    if (port === PORT_B) {
      this.portB = value & PORTB_WRITABLE;
      this.counters[2].setGate((value & PORTB_GATE2) !== 0, t);
    } else if (port === PIT_BASE + 3) {
      this.writeControl(value, t);
    } else if (port >= PIT_BASE && port < PIT_BASE + 3) {
      this.counters[port - PIT_BASE].writeCount(value, t);
    }
    this.updateIrq0();
  }

  /** Control word register (data sheet Figure 7) incl. counter latch (RW = 00) and read-back (SC = 11, Figure 8). */
  private writeControl(value: number, t: number): void {
    const select = value >> 6;
    if (select === 3) {
      for (let i = 0; i < 3; i++) {
        if (!(value & (2 << i))) continue;
        if (!(value & 0x20)) this.counters[i].latchCount(t);
        if (!(value & 0x10)) this.counters[i].latchStatus(t);
      }
      return;
    }
    const counter = this.counters[select];
    if (((value >> 4) & 3) === RW_LATCH) counter.latchCount(t);
    else counter.program(value, t);
  }

  /** Recompute channel 0's OUT, drive IRQ0 and schedule the timer for its next edge. */
  private updateIrq0(): void {
    const t = this.syncAll();
    const counter = this.counters[0];
    const level = counter.outAt(t);
    if (level !== this.irq0Level) {
      this.irq0Level = level;
      this.setIrq0(level);
    }
    this.clock.cancel(this.irq0Timer);
    this.irq0Timer = undefined;
    const next = counter.nextEvent(t);
    if (next !== undefined) this.irq0Timer = this.clock.schedule(nsAtTick(next), () => this.updateIrq0(), PIT_TIMER_OWNER);
  }
}
