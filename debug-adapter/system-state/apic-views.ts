/**
 * The Local APIC scope of the Variables view (decoding in run-control/apic-inspection.ts).
 */
import type { LocalApic } from '../../emulator/devices/local-apic';
import { lapicView } from '../../run-control/apic-inspection';
import { hex, leaf, type VarNode } from './var-node';

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
