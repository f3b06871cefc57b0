/**
 * IO-APIC, 82093AA-compatible with the version-0x20 EOI register (ICH
 * datasheets): IOREGSEL at +0x00, IOWIN at +0x10, EOI at +0x40; ID,
 * version, arbitration and 24 redirection entries. Edge inputs deliver on
 * the rising edge; level inputs deliver while asserted and set remote IRR
 * until the local APIC's EOI broadcast (or an EOI register write) for that
 * vector (82093AA datasheet 3.2.4).
 */
import type { MmioDevice, AccessSize } from '../memory/physical-memory';
import { DeliveryMode } from './apic-registers';
import type { InterruptMessage } from './apic-bus';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const IOAPIC_PINS = 24;
export const IOAPIC_VERSION = 0x20;

const RTE_MASKED = 1 << 16;
const RTE_LEVEL = 1 << 15;
const RTE_REMOTE_IRR = 1 << 14;
const RTE_POLARITY_LOW = 1 << 13;
const RTE_DELIVERY_STATUS = 1 << 12;
const RTE_LOGICAL = 1 << 11;
/** Writable bits of the low dword: vector, delivery mode, destination mode, polarity, trigger, mask. */
const RTE_LOW_WRITABLE = 0x1afff;

export interface IoApicState {
  id: number;
  ioregsel: number;
  /** Redirection entries: low and high dwords. */
  low: Uint32Array;
  high: Uint32Array;
  /** Current logical input level of each pin (asserted = true). */
  pinLevel: boolean[];
}

export class IoApic implements MmioDevice {
  readonly name = 'io-apic';
  readonly state: IoApicState;

  constructor(id: number, private readonly deliver: (message: InterruptMessage) => boolean, private readonly report: (message: string) => void) {
    this.state = {
      id: id & 0xf,
      ioregsel: 0,
      low: new Uint32Array(IOAPIC_PINS).fill(RTE_MASKED),
      high: new Uint32Array(IOAPIC_PINS),
      pinLevel: new Array<boolean>(IOAPIC_PINS).fill(false),
    };
  }

  /** All of the device's state as plain data (docs/snapshots.md). */
  save(): PlainObject {
    return saveOwnFields(this, ['name']);
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }

  /** Drive input pin `pin` (GSI) to `level` (logical assertion). */
  setPin(pin: number, level: boolean): void {
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    const s = this.state;
    const was = s.pinLevel[pin];
    s.pinLevel[pin] = level;
    const low = s.low[pin];
    if (low & RTE_LEVEL) {
      if (level) this.service(pin);
    } else if (level && !was) this.service(pin);
  }

  /** Send the pin's interrupt if it is unmasked and (level) not awaiting EOI. */
  private service(pin: number): void {
    const s = this.state;
    const low = s.low[pin];
    if (low & RTE_MASKED) return;
    const level = (low & RTE_LEVEL) !== 0;
    if (level && (low & RTE_REMOTE_IRR)) return;
    const mode = (low >> 8) & 7;
    const message: InterruptMessage = {
      vector: low & 0xff,
      deliveryMode: mode as DeliveryMode,
      logical: (low & RTE_LOGICAL) !== 0,
      destination: s.high[pin] >>> 24,
      levelTriggered: level,
    };
    const accepted = this.deliver(message);
    if (accepted && level && (mode === DeliveryMode.Fixed || mode === DeliveryMode.LowestPriority)) s.low[pin] |= RTE_REMOTE_IRR;
    if (!accepted) this.report(`IO-APIC pin ${pin}: interrupt vector ${low & 0xff} to ${(low & RTE_LOGICAL) ? 'logical' : 'APIC ID'} ${s.high[pin] >>> 24} reached no local APIC`);
  }

  /** EOI for `vector` (LAPIC broadcast or the EOI register): clear remote IRR, re-deliver still-asserted level inputs. */
  eoi(vector: number): void {
    const s = this.state;
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      if ((s.low[pin] & 0xff) !== vector || (s.low[pin] & RTE_REMOTE_IRR) === 0) continue;
      s.low[pin] &= ~RTE_REMOTE_IRR;
      if (s.pinLevel[pin] && (s.low[pin] & RTE_LEVEL)) this.service(pin);
    }
  }

  private readRegister(index: number): number {
    const s = this.state;
    if (index === 0) return (s.id & 0xf) << 24;
    if (index === 1) return ((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION;
    if (index === 2) return (s.id & 0xf) << 24; // arbitration ID
    if (index >= 0x10 && index < 0x10 + IOAPIC_PINS * 2) {
      const pin = (index - 0x10) >> 1;
      if (index & 1) return s.high[pin];
      const pending = s.pinLevel[pin] && (s.low[pin] & RTE_MASKED) !== 0 ? RTE_DELIVERY_STATUS : 0;
      return (s.low[pin] | pending) >>> 0;
    }
    return 0;
  }

  private writeRegister(index: number, value: number): void {
    const s = this.state;
    if (index === 0) {
      s.id = (value >>> 24) & 0xf;
      return;
    }
    if (index >= 0x10 && index < 0x10 + IOAPIC_PINS * 2) {
      const pin = (index - 0x10) >> 1;
      if (index & 1) {
        s.high[pin] = value & 0xff000000;
        return;
      }
      const keep = s.low[pin] & RTE_REMOTE_IRR;
      const mode = (value >> 8) & 7;
      if (mode === DeliveryMode.Reserved3 || mode === DeliveryMode.Startup) this.report(`IO-APIC pin ${pin}: reserved delivery mode ${mode} written`);
      s.low[pin] = ((value & RTE_LOW_WRITABLE) | keep) >>> 0;
      // Unmasking a level-triggered input that is asserted delivers it now.
      if (s.pinLevel[pin] && (s.low[pin] & RTE_LEVEL)) this.service(pin);
      return;
    }
    this.report(`IO-APIC: write to read-only or absent register ${index.toString(16)}`);
  }

  read(offset: number, size: AccessSize): number {
    void size;
    if (offset === 0x00) return this.state.ioregsel;
    if (offset === 0x10) return this.readRegister(this.state.ioregsel);
    return 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    void size;
    if (offset === 0x00) this.state.ioregsel = value & 0xff;
    else if (offset === 0x10) this.writeRegister(this.state.ioregsel, value >>> 0);
    else if (offset === 0x40) this.eoi(value & 0xff);
  }
}

/** Decoded redirection entry for views and tests. */
export interface RedirectionEntry {
  pin: number;
  vector: number;
  deliveryMode: number;
  logical: boolean;
  activeLow: boolean;
  levelTriggered: boolean;
  remoteIrr: boolean;
  masked: boolean;
  destination: number;
  asserted: boolean;
}

export function redirectionTable(s: IoApicState): RedirectionEntry[] {
  const out: RedirectionEntry[] = [];
  for (let pin = 0; pin < IOAPIC_PINS; pin++) {
    const low = s.low[pin];
    out.push({
      pin, vector: low & 0xff, deliveryMode: (low >> 8) & 7, logical: (low & RTE_LOGICAL) !== 0, activeLow: (low & RTE_POLARITY_LOW) !== 0,
      levelTriggered: (low & RTE_LEVEL) !== 0, remoteIrr: (low & RTE_REMOTE_IRR) !== 0, masked: (low & RTE_MASKED) !== 0,
      destination: s.high[pin] >>> 24, asserted: s.pinLevel[pin],
    });
  }
  return out;
}
