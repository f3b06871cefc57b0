/**
 * Local APIC and IO-APIC decoded for the debugger: the Local APIC scope and
 * the custom-request shapes of the extension's views (custom-protocol.ts).
 */
import type { LocalApic } from '../../emulator/devices/local-apic';
import type { IoApic } from '../../emulator/devices/io-apic';
import { redirectionTable } from '../../emulator/devices/io-apic';
import type { IoApicView, LapicView, LvtView } from '../custom-protocol';
import { hex, leaf, type VarNode } from './var-node';

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

export function lapicScope(lapic: LocalApic): VarNode[] {
  const v = lapicView(lapic);
  const list = (xs: number[]): string => (xs.length === 0 ? '(none)' : xs.map((x) => hex(x, 2)).join(' '));
  return [
    leaf('mode', `${v.mode}${v.mode !== 'disabled' ? (v.softwareEnabled ? ', software-enabled' : ', software-disabled') : ''}, base ${hex(v.base)}`),
    ...v.registers.map((r) => leaf(r.name.toLowerCase(), `${hex(r.value)}  ${r.decoded}`, 'u32', { evaluateName: `lapic.${r.name.toLowerCase()}` })),
    leaf('irr', list(v.irr), 'vectors'),
    leaf('isr', list(v.isr), 'vectors'),
    leaf('tmr', list(v.tmr), 'vectors'),
    {
      name: 'lvt',
      value: v.lvt.map((l) => `${l.name}:${l.masked ? 'masked' : hex(l.vector, 2)}`).join(' '),
      children: () => v.lvt.map((l) => leaf(l.name, `${hex(l.raw)}  ${l.masked ? 'masked, ' : ''}${l.deliveryMode} vector ${hex(l.vector, 2)}${l.timerMode ? `, ${l.timerMode}` : ''}${l.levelTriggered ? ', level' : ''}`)),
    },
    leaf('timer', `${v.timer.mode}, initial ${v.timer.initial}, current ${v.timer.current}, divide ${v.timer.divide}${v.timer.mode === 'tsc-deadline' ? `, deadline ${v.timer.tscDeadline}` : ''}`),
  ];
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
