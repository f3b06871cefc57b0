/**
 * The Local APICs view from `bringup/lapic` responses (no vscode import).
 * Values that changed since the last stop are flagged: at a stop, against
 * the previous stop; while running, against the last stop.
 */
import type { LapicView, LvtView } from '../../debug-adapter/custom-protocol';
import { hex, vectorList, type TreeNode } from './format';

/** Flat key → comparable value for one APIC. */
export function lapicValues(view: LapicView): Map<string, string> {
  const m = new Map<string, string>();
  m.set('mode', view.mode);
  m.set('enabled', String(view.softwareEnabled));
  m.set('base', String(view.base));
  for (const r of view.registers) m.set(`reg:${r.name}`, String(r.value >>> 0));
  for (const l of view.lvt) m.set(`lvt:${l.name}`, String(l.raw >>> 0));
  m.set('irr', view.irr.join(','));
  m.set('isr', view.isr.join(','));
  m.set('tmr', view.tmr.join(','));
  m.set('timer:mode', view.timer.mode);
  m.set('timer:initial', String(view.timer.initial));
  m.set('timer:current', String(view.timer.current));
  m.set('timer:divide', String(view.timer.divide));
  m.set('timer:deadline', view.timer.tscDeadline);
  return m;
}

export class LapicChangeTracker {
  /** Values at the last stop, per vCPU. */
  private lastStop = new Map<number, Map<string, string>>();
  /** Baseline the current values are compared with, per vCPU. */
  private baseline = new Map<number, Map<string, string>>();
  private current = new Map<number, Map<string, string>>();

  /** New values fetched at a stop: compare with the previous stop, then make them the new "last stop". */
  atStop(views: readonly LapicView[]): void {
    this.baseline = this.lastStop;
    const next = new Map<number, Map<string, string>>();
    for (const v of views) next.set(v.vcpu, lapicValues(v));
    this.current = next;
    this.lastStop = next;
  }

  /** Values fetched again at the same stop (a refresh): keep the comparison with the previous stop. */
  sameStop(views: readonly LapicView[]): void {
    const next = new Map<number, Map<string, string>>();
    for (const v of views) next.set(v.vcpu, lapicValues(v));
    this.current = next;
    this.lastStop = next;
  }

  /** New values fetched while running: compare with the last stop. */
  whileRunning(views: readonly LapicView[]): void {
    this.baseline = this.lastStop;
    const next = new Map<number, Map<string, string>>();
    for (const v of views) next.set(v.vcpu, lapicValues(v));
    this.current = next;
  }

  reset(): void {
    this.lastStop.clear();
    this.baseline = new Map();
    this.current = new Map();
  }

  changed(vcpu: number, key: string): boolean {
    const base = this.baseline.get(vcpu);
    const cur = this.current.get(vcpu);
    if (!base || !cur) return false;
    return base.get(key) !== cur.get(key);
  }

  changedKeys(vcpu: number): string[] {
    const base = this.baseline.get(vcpu);
    const cur = this.current.get(vcpu);
    if (!base || !cur) return [];
    return [...cur.keys()].filter((k) => base.get(k) !== cur.get(k));
  }
}

export function lvtDescription(l: LvtView): string {
  const parts = [`vector ${hex(l.vector, 2)}`, l.deliveryMode];
  if (l.timerMode) parts.push(l.timerMode);
  parts.push(l.levelTriggered ? 'level' : 'edge');
  if (l.masked) parts.push('masked');
  return parts.join(' · ');
}

const REGISTER_HELP: Record<string, string> = {
  ID: 'Local APIC ID',
  VERSION: 'Version and max LVT entry',
  TPR: 'Task priority',
  APR: 'Arbitration priority',
  PPR: 'Processor priority',
  LDR: 'Logical destination',
  DFR: 'Destination format',
  SVR: 'Spurious-interrupt vector, APIC software enable',
  ESR: 'Error status',
  ICR_LOW: 'Interrupt command (low)',
  ICR_HIGH: 'Interrupt command (high, destination)',
  TIMER_INITIAL: 'Timer initial count',
  TIMER_CURRENT: 'Timer current count',
  TIMER_DIVIDE: 'Timer divide configuration',
};

/** Registers grouped the way the SDM presents them. */
const GROUPS: { label: string; icon: string; names: string[] }[] = [
  { label: 'Identification', icon: 'symbol-key', names: ['ID', 'VERSION', 'LDR', 'DFR'] },
  { label: 'Priority', icon: 'list-ordered', names: ['TPR', 'APR', 'PPR'] },
  { label: 'Control', icon: 'settings-gear', names: ['SVR', 'ESR'] },
  { label: 'Interrupt Command (ICR)', icon: 'send', names: ['ICR_LOW', 'ICR_HIGH'] },
];

export function lapicNodes(views: readonly LapicView[], tracker?: LapicChangeTracker, selected?: number): TreeNode[] {
  return views.map((view) => {
    const v = view.vcpu;
    const id = (s: string): string => `lapic/${v}/${s}`;
    const ch = (key: string): boolean => tracker?.changed(v, key) ?? false;
    const regNode = (name: string): TreeNode | undefined => {
      const r = view.registers.find((x) => x.name === name);
      if (!r) return undefined;
      return {
        id: id(`reg/${name}`),
        label: name,
        description: `${hex(r.value, 8)}${r.decoded ? '  ' + r.decoded : ''}`,
        tooltip: `**${name}** — ${REGISTER_HELP[name] ?? name}\n\n\`${hex(r.value, 8)}\`${r.decoded ? `\n\n${r.decoded}` : ''}`,
        changed: ch(`reg:${name}`),
        vcpu: v,
      };
    };
    const groups: TreeNode[] = [];
    const used = new Set<string>();
    for (const g of GROUPS) {
      const children = g.names.map(regNode).filter((n): n is TreeNode => n !== undefined);
      g.names.forEach((n) => used.add(n));
      if (children.length === 0) continue;
      groups.push({ id: id(`group/${g.label}`), label: g.label, icon: g.icon, children, expanded: g.label !== 'Identification', changed: children.some((c) => c.changed), vcpu: v });
    }
    const vectorNode = (key: 'irr' | 'isr' | 'tmr', label: string, help: string): TreeNode => ({
      id: id(key),
      label,
      description: vectorList(view[key]),
      tooltip: `**${label}** — ${help}\n\n${view[key].length} vector(s): ${vectorList(view[key])}`,
      changed: ch(key),
      vcpu: v,
    });
    groups.push({
      id: id('vectors'), label: 'Pending and In-Service', icon: 'bell', expanded: true, vcpu: v,
      children: [
        vectorNode('irr', 'IRR', 'interrupt request register: accepted, not yet delivered'),
        vectorNode('isr', 'ISR', 'in-service register: delivered, not yet EOIed'),
        vectorNode('tmr', 'TMR', 'trigger mode register: level-triggered vectors'),
      ],
    });
    groups[groups.length - 1].changed = groups[groups.length - 1].children!.some((c) => c.changed);
    const lvtChildren = view.lvt.map<TreeNode>((l) => ({
      id: id(`lvt/${l.name}`),
      label: `LVT ${l.name}`,
      description: `${hex(l.raw, 8)}  ${lvtDescription(l)}`,
      tooltip: `**LVT ${l.name}** \`${hex(l.raw, 8)}\`\n\n${lvtDescription(l)}`,
      icon: l.masked ? 'circle-slash' : 'pass',
      changed: ch(`lvt:${l.name}`),
      vcpu: v,
    }));
    groups.push({ id: id('lvt'), label: 'Local Vector Table', icon: 'list-tree', children: lvtChildren, expanded: false, changed: lvtChildren.some((c) => c.changed), vcpu: v });
    const t = view.timer;
    const timerChildren: TreeNode[] = [
      { id: id('timer/mode'), label: 'Mode', description: t.mode, changed: ch('timer:mode'), vcpu: v },
      { id: id('timer/initial'), label: 'Initial count', description: `${hex(t.initial, 8)} (${t.initial})`, changed: ch('timer:initial'), vcpu: v },
      { id: id('timer/current'), label: 'Current count', description: `${hex(t.current, 8)} (${t.current})`, changed: ch('timer:current'), vcpu: v },
      { id: id('timer/divide'), label: 'Divide by', description: String(t.divide), changed: ch('timer:divide'), vcpu: v },
    ];
    if (t.mode === 'tsc-deadline') timerChildren.push({ id: id('timer/deadline'), label: 'TSC deadline', description: t.tscDeadline, changed: ch('timer:deadline'), vcpu: v });
    groups.push({ id: id('timer'), label: 'Timer', icon: 'watch', children: timerChildren, expanded: false, changed: timerChildren.some((c) => c.changed), vcpu: v });
    const others = view.registers.filter((r) => !used.has(r.name) && !r.name.startsWith('TIMER_'));
    if (others.length > 0) {
      const children = others.map((r) => regNode(r.name)!).filter(Boolean);
      groups.push({ id: id('other'), label: 'Other registers', icon: 'symbol-variable', children, changed: children.some((c) => c.changed), vcpu: v });
    }
    const anyChanged = groups.some((g) => g.changed) || ch('mode') || ch('enabled');
    const state = view.mode === 'disabled' ? 'disabled (IA32_APIC_BASE.EN = 0)' : `${view.mode === 'x2apic' ? 'x2APIC' : 'xAPIC'} · ${view.softwareEnabled ? 'software-enabled' : 'software-disabled (SVR bit 8 clear)'}`;
    return {
      id: `lapic/${v}`,
      label: `${selected === v ? '● ' : ''}vCPU ${v} · APIC ${view.apicId}`,
      description: `${state} · base ${hex(view.base, 8)}`,
      tooltip: `**Local APIC of vCPU ${v}** (APIC ID ${view.apicId})\n\n${state}, MMIO base \`${hex(view.base, 8)}\`` + (anyChanged ? '\n\nValues marked changed differ from the last stop.' : ''),
      icon: view.mode === 'disabled' || !view.softwareEnabled ? 'circle-slash' : 'circuit-board',
      children: groups,
      expanded: selected === v,
      changed: anyChanged,
      vcpu: v,
      contextValue: 'lapic',
    };
  });
}
