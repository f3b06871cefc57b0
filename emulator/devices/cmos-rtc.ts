/**
 * The MC146818A real-time clock and its 128 bytes of CMOS RAM at ports
 * 0x70 (index; bit 7 is the NMI mask on a PC) and 0x71 (data), with IRQ8.
 * Register behaviour follows the Motorola MC146818A data sheet (section
 * names cited below); the CMOS layout below 0x40 follows the IBM PC/AT
 * Technical Reference, and 0x5B-0x5D the QEMU/SeaBIOS convention.
 *
 * Time is deterministic: a fixed start date plus virtual time, never the
 * host clock. With a 32.768 kHz time base the update cycle takes 1984 us
 * and UIP rises 244 us before it ("Update Cycle"); we place the end of each
 * update cycle exactly on whole virtual seconds from the time base, so at
 * virtual time 0 the registers show the start date and UIP is high during
 * the last 2228 us of every second.
 */
import type { AccessSize } from '../memory/physical-memory';
import type { PortDevice, Port } from '../bus/io-bus';
import type { TimerHandle, VirtualClock } from '../time/virtual-clock';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const CMOS_INDEX_PORT = 0x70;
export const CMOS_DATA_PORT = 0x71;

const NS_PER_S = 1_000_000_000;
const UPDATE_CYCLE_NS = 1_984_000;
const UIP_LEAD_NS = 244_000;
const TIME_BASE_HZ = 32_768;

// Register indices ("Address Map").
export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
export const CMOS_SHUTDOWN_STATUS = 0x0f;
export const CMOS_FLOPPY_TYPES = 0x10;
export const CMOS_EQUIPMENT = 0x14;
export const CMOS_BASE_MEMORY = 0x15;
export const CMOS_EXTENDED_MEMORY = 0x17;
export const CMOS_CHECKSUM = 0x2e;
export const CMOS_EXTENDED_MEMORY_POST = 0x30;
export const CMOS_CENTURY = 0x32;
export const CMOS_MEMORY_ABOVE_16M = 0x34;
export const CMOS_MEMORY_ABOVE_4G = 0x5b;

// Register A.
const A_UIP = 0x80;
const A_DV_MASK = 0x70;
const A_DV_NORMAL = 0x20; // 32.768 kHz time base
const A_RS_MASK = 0x0f;
// Register B.
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_DM_BINARY = 0x04;
const B_24H = 0x02;
// Register C.
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;
// Register D.
const D_VRT = 0x80;

/** Alarm bytes with the two high bits set match any value ("don't care", "Alarm" section). */
const ALARM_DONT_CARE = 0xc0;

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

export interface CmosRtcOptions {
  clock: VirtualClock;
  memorySize: number;
  setIrq8: (level: boolean) => void;
  startDate?: Date;
}

function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/** 32.768 kHz time-base ticks at virtual time ns, computed exactly. */
function baseTicksAt(ns: number): number {
  const seconds = Math.floor(ns / NS_PER_S);
  return seconds * TIME_BASE_HZ + floorDiv((ns - seconds * NS_PER_S) * TIME_BASE_HZ, NS_PER_S);
}

function nsAtBaseTick(tick: number): number {
  const seconds = Math.floor(tick / TIME_BASE_HZ);
  const rest = tick - seconds * TIME_BASE_HZ;
  return seconds * NS_PER_S + floorDiv(rest * NS_PER_S + TIME_BASE_HZ - 1, TIME_BASE_HZ);
}

const toBcd = (v: number): number => ((Math.floor(v / 10) % 10) << 4) | v % 10;
const fromBcd = (v: number): number => (v >> 4) * 10 + (v & 0x0f);

/** The key of the RTC's interrupt timer in the virtual clock. */
export const CMOS_TIMER_OWNER = 'cmos.rtc';

export class CmosRtc implements PortDevice {
  readonly name = 'MC146818 RTC/CMOS';
  private readonly clock: VirtualClock;
  private readonly setIrq8: (level: boolean) => void;
  private readonly ram = new Uint8Array(128);
  private index = 0;
  private nmiMask = false;

  /** Epoch seconds shown at virtual time timeBaseNs (the end of an update cycle). */
  private timeBaseSeconds: number;
  private timeBaseNs = 0;
  /** Virtual time the divider chain last left reset (periodic interrupts count from it). */
  private dividerEpochNs = 0;
  /** Flags have been brought up to date for events up to this time. */
  private flagsAt = 0;
  private irqLevel = false;
  private timer: TimerHandle | undefined;

  constructor(options: CmosRtcOptions) {
    this.clock = options.clock;
    this.clock.registerTimerOwner(CMOS_TIMER_OWNER, () => () => this.timerFired());
    this.setIrq8 = options.setIrq8;
    const start = options.startDate ?? new Date(Date.UTC(2026, 0, 1, 0, 0, 0));
    this.timeBaseSeconds = Math.floor(start.getTime() / 1000);
    this.timeBaseNs = this.clock.now;
    this.dividerEpochNs = this.clock.now;
    this.flagsAt = this.clock.now;
    // Power-on register values: 32.768 kHz time base, 1024 Hz periodic rate, 24-hour BCD, valid RAM and time.
    this.ram[RTC_REG_A] = A_DV_NORMAL | 0x06;
    this.ram[RTC_REG_B] = B_24H;
    this.ram[RTC_REG_D] = D_VRT;
    this.initialiseCmos(options.memorySize);
    this.freezeInto(this.timeBaseSeconds); // the RAM copy of the time (and century 0x32) for direct readers
  }

  /** Bit 7 of the last write to port 0x70: NMIs are blocked while set. */
  get nmiMasked(): boolean {
    return this.nmiMask;
  }

  readPort(port: Port, size: AccessSize): number {
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readByte(port + i) << (8 * i);
    return value >>> 0;
  }

  writePort(port: Port, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) this.writeByte(port + i, (value >>> (8 * i)) & 0xff);
  }

  /** Direct CMOS RAM access for the firmware and the debugger (no side effects on register C). */
  peek(index: number): number {
    return this.registerValue(index & 0x7f);
  }

  private initialiseCmos(memorySize: number): void {
    const ram = this.ram;
    ram[CMOS_SHUTDOWN_STATUS] = 0x00; // normal POST
    ram[CMOS_FLOPPY_TYPES] = 0x00; // no floppy drives
    ram[CMOS_EQUIPMENT] = 0x02; // no floppies, math coprocessor present, EGA/VGA display
    ram[CMOS_BASE_MEMORY] = 640 & 0xff;
    ram[CMOS_BASE_MEMORY + 1] = 640 >> 8;
    const extendedKib = Math.min(0xffff, Math.max(0, Math.floor((memorySize - MIB) / KIB)));
    for (const at of [CMOS_EXTENDED_MEMORY, CMOS_EXTENDED_MEMORY_POST]) {
      ram[at] = extendedKib & 0xff;
      ram[at + 1] = extendedKib >> 8;
    }
    const below4g = Math.min(memorySize, 4 * GIB);
    const above16m = Math.min(0xffff, Math.max(0, Math.floor((below4g - 16 * MIB) / (64 * KIB))));
    ram[CMOS_MEMORY_ABOVE_16M] = above16m & 0xff;
    ram[CMOS_MEMORY_ABOVE_16M + 1] = above16m >> 8;
    const above4g = Math.max(0, Math.floor((memorySize - 4 * GIB) / (64 * KIB)));
    ram[CMOS_MEMORY_ABOVE_4G] = above4g & 0xff;
    ram[CMOS_MEMORY_ABOVE_4G + 1] = (above4g >> 8) & 0xff;
    ram[CMOS_MEMORY_ABOVE_4G + 2] = (above4g >> 16) & 0xff;
    // PC/AT checksum: 16-bit sum of 0x10-0x2D, high byte first at 0x2E.
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += ram[i];
    ram[CMOS_CHECKSUM] = (sum >> 8) & 0xff;
    ram[CMOS_CHECKSUM + 1] = sum & 0xff;
  }

  private readByte(port: Port): number {
    if (port === CMOS_INDEX_PORT) return 0xff; // the index register is write-only
    if (port !== CMOS_DATA_PORT) return 0xff;
    const index = this.index;
    if (index === RTC_REG_C) {
      // "Register C": reading clears all flags and releases IRQ.
      this.refresh();
      const value = this.ram[RTC_REG_C];
      this.ram[RTC_REG_C] = 0;
      this.updateIrq();
      this.reschedule();
      return value;
    }
    return this.registerValue(index);
  }

  private registerValue(index: number): number {
    if (index === RTC_REG_A) return (this.ram[RTC_REG_A] & ~A_UIP) | (this.updateInProgress() ? A_UIP : 0);
    if (index === RTC_REG_C) {
      this.refresh();
      return this.ram[RTC_REG_C];
    }
    if (index === RTC_REG_D) return D_VRT;
    if (this.isClockRegister(index) && this.running()) return this.encodeField(index, this.currentSeconds());
    return this.ram[index];
  }

  private writeByte(port: Port, value: number): void {
    if (port === CMOS_INDEX_PORT) {
      this.index = value & 0x7f;
      this.nmiMask = (value & 0x80) !== 0;
      return;
    }
    if (port !== CMOS_DATA_PORT) return;
    const index = this.index;
    this.refresh();
    switch (index) {
      case RTC_REG_A:
        this.writeRegisterA(value);
        break;
      case RTC_REG_B:
        this.writeRegisterB(value);
        break;
      case RTC_REG_C:
      case RTC_REG_D:
        break; // read-only
      default:
        if (this.isClockRegister(index) && this.running()) {
          // Writing a time field while the clock runs: it takes the new value and keeps counting.
          const seconds = this.currentSeconds();
          this.freezeInto(seconds);
          this.ram[index] = value;
          const elapsed = this.elapsedWholeSeconds();
          this.timeBaseSeconds = this.decodeRam() - elapsed;
        } else {
          this.ram[index] = value;
        }
    }
    this.updateIrq();
    this.reschedule();
  }

  private writeRegisterA(value: number): void {
    const wasRunning = this.dividerRunning();
    const seconds = this.running() ? this.currentSeconds() : undefined;
    this.ram[RTC_REG_A] = value & ~A_UIP;
    const nowRunning = this.dividerRunning();
    if (wasRunning && !nowRunning) {
      if (seconds !== undefined) this.freezeInto(seconds);
    } else if (!wasRunning && nowRunning) {
      // "Divider Control": the first update occurs 500 ms after the divider chain leaves reset.
      this.dividerEpochNs = this.clock.now;
      if (!(this.ram[RTC_REG_B] & B_SET)) this.resumeFromRam(this.clock.now + NS_PER_S / 2 - NS_PER_S);
    }
  }

  private writeRegisterB(value: number): void {
    const wasSet = (this.ram[RTC_REG_B] & B_SET) !== 0;
    const seconds = this.running() ? this.currentSeconds() : undefined;
    // "Register B": setting SET also clears UIE.
    if (value & B_SET) value &= ~B_UIE;
    this.ram[RTC_REG_B] = value;
    const isSet = (value & B_SET) !== 0;
    if (!wasSet && isSet) {
      if (seconds !== undefined) this.freezeInto(seconds);
    } else if (wasSet && !isSet && this.dividerRunning()) {
      this.resumeFromRam(this.clock.now);
    }
  }

  private dividerRunning(): boolean {
    return (this.ram[RTC_REG_A] & A_DV_MASK) === A_DV_NORMAL;
  }

  /** The time registers count only with SET clear and the divider at 32.768 kHz. */
  private running(): boolean {
    return this.dividerRunning() && !(this.ram[RTC_REG_B] & B_SET);
  }

  private isClockRegister(index: number): boolean {
    if (index === CMOS_CENTURY) return true;
    return index <= RTC_YEAR && index !== RTC_SECONDS_ALARM && index !== RTC_MINUTES_ALARM && index !== RTC_HOURS_ALARM;
  }

  private elapsedWholeSeconds(): number {
    return Math.floor((this.clock.now - this.timeBaseNs) / NS_PER_S);
  }

  private currentSeconds(): number {
    return this.timeBaseSeconds + this.elapsedWholeSeconds();
  }

  private updateInProgress(): boolean {
    if (!this.running()) return false;
    const into = (this.clock.now - this.timeBaseNs) % NS_PER_S;
    const phase = into < 0 ? into + NS_PER_S : into;
    return phase >= NS_PER_S - UPDATE_CYCLE_NS - UIP_LEAD_NS;
  }

  /** Hold the time registers at `seconds` (SET or divider reset). */
  private freezeInto(seconds: number): void {
    for (const index of [RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, CMOS_CENTURY]) {
      this.ram[index] = this.encodeField(index, seconds);
    }
  }

  /** Restart counting from the time registers; timeBaseNs is when the shown second began. */
  private resumeFromRam(timeBaseNs: number): void {
    this.timeBaseSeconds = this.decodeRam();
    this.timeBaseNs = timeBaseNs;
    this.flagsAt = this.clock.now;
  }

  private encode(value: number): number {
    return this.ram[RTC_REG_B] & B_DM_BINARY ? value : toBcd(value);
  }

  private decode(value: number): number {
    return this.ram[RTC_REG_B] & B_DM_BINARY ? value : fromBcd(value);
  }

  /** A time register's value for epoch `seconds`, in the data mode and hour format of register B. */
  private encodeField(index: number, seconds: number): number {
    const date = new Date(seconds * 1000);
    switch (index) {
      case RTC_SECONDS:
        return this.encode(date.getUTCSeconds());
      case RTC_MINUTES:
        return this.encode(date.getUTCMinutes());
      case RTC_HOURS: {
        const hours = date.getUTCHours();
        if (this.ram[RTC_REG_B] & B_24H) return this.encode(hours);
        // 12-hour mode: 1-12, bit 7 = PM ("Time, Calendar and Alarm Data Modes").
        const twelve = hours % 12 === 0 ? 12 : hours % 12;
        return this.encode(twelve) | (hours >= 12 ? 0x80 : 0);
      }
      case RTC_DAY_OF_WEEK:
        return this.encode(date.getUTCDay() + 1); // Sunday = 1
      case RTC_DAY_OF_MONTH:
        return this.encode(date.getUTCDate());
      case RTC_MONTH:
        return this.encode(date.getUTCMonth() + 1);
      case RTC_YEAR:
        return this.encode(date.getUTCFullYear() % 100);
      case CMOS_CENTURY:
        return this.encode(Math.floor(date.getUTCFullYear() / 100));
      default:
        return this.ram[index];
    }
  }

  private decodeRam(): number {
    const ram = this.ram;
    let hours: number;
    if (ram[RTC_REG_B] & B_24H) {
      hours = this.decode(ram[RTC_HOURS]);
    } else {
      const pm = (ram[RTC_HOURS] & 0x80) !== 0;
      hours = this.decode(ram[RTC_HOURS] & 0x7f) % 12 + (pm ? 12 : 0);
    }
    const year = this.decode(ram[CMOS_CENTURY]) * 100 + this.decode(ram[RTC_YEAR]);
    const ms = Date.UTC(year, this.decode(ram[RTC_MONTH]) - 1, this.decode(ram[RTC_DAY_OF_MONTH]), hours, this.decode(ram[RTC_MINUTES]), this.decode(ram[RTC_SECONDS]));
    return Math.floor(ms / 1000);
  }

  /** Periodic interrupt period in 32.768 kHz ticks ("Periodic Interrupt Rate" table), or 0 when RS = 0. */
  private periodicTicks(): number {
    const rs = this.ram[RTC_REG_A] & A_RS_MASK;
    if (rs === 0) return 0;
    return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
  }

  private alarmMatches(seconds: number): boolean {
    const pairs: [number, number][] = [
      [RTC_SECONDS_ALARM, RTC_SECONDS],
      [RTC_MINUTES_ALARM, RTC_MINUTES],
      [RTC_HOURS_ALARM, RTC_HOURS],
    ];
    return pairs.every(([alarm, time]) => (this.ram[alarm] & ALARM_DONT_CARE) === ALARM_DONT_CARE || this.ram[alarm] === this.encodeField(time, seconds));
  }

  /** Set PF, UF and AF for every event in (flagsAt, now]; flags are set whether or not their interrupt is enabled. */
  private refresh(): void {
    const now = this.clock.now;
    const from = this.flagsAt;
    if (now <= from) return;
    this.flagsAt = now;
    let flags = this.ram[RTC_REG_C];
    const period = this.periodicTicks();
    if (period > 0 && this.dividerRunning()) {
      const a = Math.floor(baseTicksAt(Math.max(0, from - this.dividerEpochNs)) / period);
      const b = Math.floor(baseTicksAt(now - this.dividerEpochNs) / period);
      if (b > a) flags |= C_PF;
    }
    if (this.running()) {
      const first = Math.floor((from - this.timeBaseNs) / NS_PER_S) + 1;
      const last = Math.floor((now - this.timeBaseNs) / NS_PER_S);
      if (last >= first) {
        flags |= C_UF;
        // The alarm is compared at each update; the alarm pattern repeats at most daily.
        for (let k = Math.max(first, last - 86_400); k <= last; k++) {
          if (this.alarmMatches(this.timeBaseSeconds + k)) {
            flags |= C_AF;
            break;
          }
        }
      }
    }
    this.ram[RTC_REG_C] = flags;
  }

  private updateIrq(): void {
    const b = this.ram[RTC_REG_B];
    let c = this.ram[RTC_REG_C] & ~C_IRQF;
    // IRQF = PF·PIE + AF·AIE + UF·UIE.
    if ((c & C_PF && b & B_PIE) || (c & C_AF && b & B_AIE) || (c & C_UF && b & B_UIE)) c |= C_IRQF;
    this.ram[RTC_REG_C] = c;
    const level = (c & C_IRQF) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.setIrq8(level);
    }
  }

  /** Arm a timer for the next event that would raise IRQ8. */
  private reschedule(): void {
    this.clock.cancel(this.timer);
    this.timer = undefined;
    if (this.irqLevel) return; // the line is already asserted until register C is read
    const now = this.clock.now;
    const b = this.ram[RTC_REG_B];
    let next = Infinity;
    const period = this.periodicTicks();
    if (b & B_PIE && period > 0 && this.dividerRunning()) {
      const k = Math.floor(baseTicksAt(now - this.dividerEpochNs) / period) + 1;
      next = Math.min(next, this.dividerEpochNs + nsAtBaseTick(k * period));
    }
    if (b & (B_UIE | B_AIE) && this.running()) {
      const k = Math.floor((now - this.timeBaseNs) / NS_PER_S) + 1;
      next = Math.min(next, this.timeBaseNs + k * NS_PER_S);
    }
    if (next === Infinity) return;
    this.timer = this.clock.schedule(next, () => this.timerFired(), CMOS_TIMER_OWNER);
  }

  private timerFired(): void {
    this.timer = undefined;
    this.refresh();
    this.updateIrq();
    this.reschedule();
  }

  /** All of the RTC/CMOS state as plain data (docs/snapshots.md); its pending timer comes back with the clock's. */
  save(): PlainObject {
    return saveOwnFields(this, ['name', 'clock']);
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }
}
