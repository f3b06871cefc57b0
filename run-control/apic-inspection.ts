/**
 * Local APIC and IO-APIC state decoded as plain data, for every front end:
 * the adapter's custom requests and Local APIC scope, the GDB stub's
 * `monitor info lapic` / `info ioapic`, and the expression language.
 */
import type { IoApic } from '../emulator/devices/io-apic';
import { redirectionTable } from '../emulator/devices/io-apic';
import type { LocalApic } from '../emulator/devices/local-apic';
import { hex } from './hex';

/** `bringup/lapic` { vcpu } → LapicView */
export interface LvtView {
  name: 'CMCI' | 'timer' | 'thermal' | 'performance' | 'LINT0' | 'LINT1' | 'error';
  raw: number;
  vector: number;
  deliveryMode: string;
  masked: boolean;
  levelTriggered: boolean;
  /** Timer only. */
  timerMode?: 'one-shot' | 'periodic' | 'tsc-deadline';
}
export interface LapicView {
  vcpu: number;
  apicId: number;
  mode: 'xapic' | 'x2apic' | 'disabled';
  softwareEnabled: boolean;
  base: number;
  /** Registers by name with their raw value: ID, VERSION, TPR, APR, PPR, LDR, DFR, SVR, ESR, ICR_LOW, ICR_HIGH, TIMER_INITIAL, TIMER_CURRENT, TIMER_DIVIDE. */
  registers: { name: string; value: number; decoded: string }[];
  irr: number[];
  isr: number[];
  tmr: number[];
  lvt: LvtView[];
  timer: { mode: 'one-shot' | 'periodic' | 'tsc-deadline'; initial: number; current: number; divide: number; tscDeadline: string };
}

/** `bringup/ioapic` → IoApicView */
export interface IoApicEntryView {
  pin: number;
  vector: number;
  deliveryMode: string;
  destinationMode: 'physical' | 'logical';
  destination: number;
  activeLow: boolean;
  levelTriggered: boolean;
  masked: boolean;
  remoteIrr: boolean;
  /** Input line currently asserted. */
  asserted: boolean;
}
export interface IoApicView {
  id: number;
  version: number;
  entries: IoApicEntryView[];
}

const DELIVERY = ['fixed', 'lowest priority', 'SMI', 'reserved', 'NMI', 'INIT', 'STARTUP', 'ExtINT'];
const LVT_NAMES = ['CMCI', 'timer', 'thermal', 'performance', 'LINT0', 'LINT1', 'error'] as const;
const TIMER_MODES = ['one-shot', 'periodic', 'tsc-deadline', 'one-shot'] as const;

function vectors(bits: Uint32Array): number[] {
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if (bits[v >>> 5] & (1 << (v & 31))) out.push(v);
  return out;
}

function describeIcr(low: number, high: number, x2: boolean): string {
  const shorthand = ['', 'self', 'all including self', 'all excluding self'][(low >>> 18) & 3];
  const dest = shorthand || `${low & 0x800 ? 'logical' : 'APIC'} ${hex(x2 ? high : high >>> 24, 2)}`;
  return `${DELIVERY[(low >>> 8) & 7]} vector ${hex(low & 0xff, 2)} → ${dest}, ${low & 0x8000 ? 'level' : 'edge'}${low & 0x4000 ? '' : ' de-assert'}`;
}

export function lapicView(lapic: LocalApic): LapicView {
  const s = lapic.state;
  const mode = !lapic.hardwareEnabled ? 'disabled' : lapic.x2apic ? 'x2apic' : 'xapic';
  const lvt: LvtView[] = s.lvt.map((raw, i) => ({
    name: LVT_NAMES[i],
    raw,
    vector: raw & 0xff,
    deliveryMode: i === 1 || i === 6 ? 'fixed' : DELIVERY[(raw >>> 8) & 7],
    masked: (raw & 0x10000) !== 0,
    levelTriggered: (raw & 0x8000) !== 0,
    timerMode: i === 1 ? TIMER_MODES[(raw >>> 17) & 3] : undefined,
  }));
  const divideValue = ((s.timerDivide & 8) >> 1) | (s.timerDivide & 3);
  const reg = (name: string, value: number, decoded: string) => ({ name, value: value >>> 0, decoded });
  return {
    vcpu: lapic.index,
    apicId: lapic.apicId,
    mode,
    softwareEnabled: lapic.softwareEnabled,
    base: lapic.mmioBase,
    registers: [
      reg('ID', lapic.readRegister(0x20) ?? 0, `APIC ID ${lapic.apicId}`),
      reg('VERSION', lapic.readRegister(0x30) ?? 0, 'version 0x14, 7 LVT entries'),
      reg('TPR', s.tpr, `priority class ${s.tpr >> 4}`),
      reg('APR', lapic.apr, `class ${lapic.apr >> 4}`),
      reg('PPR', lapic.ppr, `class ${lapic.ppr >> 4}`),
      reg('LDR', lapic.readRegister(0xd0) ?? 0, `logical ID ${hex(lapic.logicalId, 2)}`),
      reg('DFR', s.dfr, s.dfr >>> 28 === 0xf ? 'flat model' : s.dfr >>> 28 === 0 ? 'cluster model' : 'invalid model'),
      reg('SVR', s.svr, `spurious vector ${hex(s.svr & 0xff, 2)}, APIC ${s.svr & 0x100 ? 'software-enabled' : 'software-disabled'}${s.svr & 0x200 ? ', focus check off' : ''}`),
      reg('ESR', s.esr, s.esr === 0 ? 'no errors latched' : [s.esr & 0x20 ? 'send illegal vector' : '', s.esr & 0x40 ? 'receive illegal vector' : '', s.esr & 0x80 ? 'illegal register' : ''].filter((x) => x).join(', ')),
      reg('ICR_LOW', s.icrLow, describeIcr(s.icrLow, s.icrHigh, lapic.x2apic)),
      reg('ICR_HIGH', s.icrHigh, lapic.x2apic ? `destination ${s.icrHigh >>> 0}` : `destination ${s.icrHigh >>> 24}`),
      reg('TIMER_INITIAL', s.timerInitial, String(s.timerInitial)),
      reg('TIMER_CURRENT', lapic.currentCount(), String(lapic.currentCount())),
      reg('TIMER_DIVIDE', s.timerDivide, `divide by ${divideValue === 7 ? 1 : 2 << divideValue}`),
    ],
    irr: vectors(s.irr),
    isr: vectors(s.isr),
    tmr: vectors(s.tmr),
    lvt,
    timer: { mode: TIMER_MODES[(s.lvt[1] >>> 17) & 3], initial: s.timerInitial, current: lapic.currentCount(), divide: divideValue === 7 ? 1 : 2 << divideValue, tscDeadline: '0x' + s.tscDeadline.toString(16) },
  };
}

export function ioapicView(io: IoApic): IoApicView {
  return {
    id: io.state.id,
    version: 0x20,
    entries: redirectionTable(io.state).map((e) => ({
      pin: e.pin,
      vector: e.vector,
      deliveryMode: DELIVERY[e.deliveryMode],
      destinationMode: e.logical ? 'logical' : 'physical',
      destination: e.destination,
      activeLow: e.activeLow,
      levelTriggered: e.levelTriggered,
      masked: e.masked,
      remoteIrr: e.remoteIrr,
      asserted: e.asserted,
    })),
  };
}

/** lapic.<register> for the expression language. */
export function lapicFields(lapic: LocalApic): Record<string, number> {
  const v = lapicView(lapic);
  const out: Record<string, number> = {};
  for (const r of v.registers) out[r.name.toLowerCase()] = r.value;
  out.icr = (v.registers.find((r) => r.name === 'ICR_LOW')?.value ?? 0) >>> 0;
  return out;
}
