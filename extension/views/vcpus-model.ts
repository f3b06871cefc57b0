/** The vCPUs view and the status bar item, from `bringup/vcpus` (no vscode import). */
import type { ActivityName, CpuModeName, RunStateName, VcpuSummary, VcpusResponse } from '../../debug-adapter/custom-protocol';
import { formatCount, formatTime, type TreeNode } from './format';

export function modeLabel(mode: CpuModeName): string {
  switch (mode) {
    case 'real': return 'real mode';
    case 'v86': return 'v86 mode';
    case 'protected': return 'protected mode';
    case 'protected+paging': return 'protected mode, paging';
    case 'protected+pae': return 'protected mode, PAE paging';
    default: return String(mode);
  }
}

export function activityLabel(activity: ActivityName): string {
  switch (activity) {
    case 'not-started': return 'not started';
    case 'wait-for-sipi': return 'wait-for-SIPI';
    case 'active': return 'active';
    case 'halted': return 'halted';
    case 'shutdown': return 'shutdown';
    default: return String(activity);
  }
}

/** The icon shows the activity; an active vCPU shows whether the debugger lets it run. */
const activityIcon: Record<ActivityName, { icon: string; color?: string }> = {
  'not-started': { icon: 'circle-outline', color: 'disabledForeground' },
  'wait-for-sipi': { icon: 'watch', color: 'charts.yellow' },
  active: { icon: 'vm-active', color: 'charts.green' },
  // Not a pause symbol: HLT is the guest's doing, not the debugger's.
  halted: { icon: 'clock', color: 'charts.blue' },
  shutdown: { icon: 'error', color: 'errorForeground' },
};

function iconOf(v: VcpuSummary): { icon: string; color?: string } {
  if (v.activity === 'active' && v.runState === 'running') return { icon: 'vm-running', color: 'charts.green' };
  return activityIcon[v.activity] ?? { icon: 'question' };
}

/** The debugger's run state: `stopped` or `running` (older adapters did not say: the machine's). */
export function runStateLabel(v: VcpuSummary, machineRunning = false): RunStateName {
  return v.runState ?? (machineRunning ? 'running' : 'stopped');
}

/** `vCPU 2 · real mode` */
export function statusBarText(v: VcpuSummary): string {
  return `vCPU ${v.index} · ${v.activity === 'active' || v.activity === 'halted' ? modeLabel(v.mode) : activityLabel(v.activity)}`;
}

export function statusBarTooltip(v: VcpuSummary): string {
  return `vCPU ${v.index} (APIC ${v.apicId}${v.isBsp ? ', BSP' : ''}): ${runStateLabel(v)}; ${activityLabel(v.activity)}, ${modeLabel(v.mode)}, at ${v.csEip}. Click to select another vCPU.`;
}

function vcpuTooltip(v: VcpuSummary): string {
  const lines = [
    `**vCPU ${v.index}**${v.isBsp ? ' (bootstrap processor)' : ''}`,
    '',
    `| | |`,
    `|---|---|`,
    `| APIC ID | ${v.apicId} |`,
    `| Debugger | ${runStateLabel(v)} |`,
    `| Activity | ${activityLabel(v.activity)} (architectural state) |`,
    `| Mode | ${modeLabel(v.mode)} |`,
    `| CS:EIP | \`${v.csEip}\` |`,
    `| Instructions | ${formatCount(v.instructions)} |`,
  ];
  if (v.lastEvent) lines.push(`| Last event | ${v.lastEvent.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}

export function vcpuNodes(resp: VcpusResponse | undefined, selected?: number): TreeNode[] {
  if (!resp) return [];
  return resp.vcpus.map((v) => {
    const style = iconOf(v);
    const run = runStateLabel(v, resp.running);
    const children: TreeNode[] = [
      { id: `vcpu/${v.index}/run`, label: 'Debugger', description: run, icon: run === 'running' ? 'debug-continue' : 'debug-pause' },
      { id: `vcpu/${v.index}/state`, label: 'Activity', description: activityLabel(v.activity), icon: 'pulse' },
      { id: `vcpu/${v.index}/mode`, label: 'Mode', description: modeLabel(v.mode), icon: 'symbol-enum' },
      { id: `vcpu/${v.index}/apic`, label: 'APIC ID', description: String(v.apicId), icon: 'circuit-board' },
      { id: `vcpu/${v.index}/eip`, label: 'CS:EIP', description: v.csEip, icon: 'debug-stackframe' },
      { id: `vcpu/${v.index}/instructions`, label: 'Instructions', description: formatCount(v.instructions), icon: 'symbol-numeric' },
    ];
    if (v.lastEvent) children.push({ id: `vcpu/${v.index}/event`, label: 'Last event', description: v.lastEvent, tooltip: v.lastEvent, icon: 'zap' });
    for (const c of children) c.vcpu = v.index;
    const parts = [`APIC ${v.apicId}`];
    if (v.isBsp) parts.push('BSP');
    parts.push(run, activityLabel(v.activity));
    if (v.activity !== 'not-started' && v.activity !== 'wait-for-sipi') parts.push(modeLabel(v.mode));
    parts.push(`${formatCount(v.instructions)} instr`);
    return {
      id: `vcpu/${v.index}`,
      label: `${selected === v.index ? '● ' : ''}vCPU ${v.index}`,
      description: parts.join(' · '),
      tooltip: vcpuTooltip(v),
      icon: style.icon,
      iconColor: style.color,
      contextValue: 'vcpu',
      vcpu: v.index,
      children,
      expanded: false,
    };
  });
}

/** Header line for the view's message/description: "4 vCPUs · 10.2 ms · stopped". */
export function vcpusSummary(resp: VcpusResponse | undefined): string {
  if (!resp) return '';
  return `${resp.vcpus.length} vCPU${resp.vcpus.length === 1 ? '' : 's'} · ${formatTime(resp.time)} · ${resp.running ? 'running' : 'stopped'}`;
}

/** Quick-pick entries for choosing a vCPU. */
export function vcpuPickItems(resp: VcpusResponse | undefined): { label: string; description: string; detail?: string; vcpu: number }[] {
  return (resp?.vcpus ?? []).map((v) => ({
    label: `vCPU ${v.index}`,
    description: `APIC ${v.apicId}${v.isBsp ? ' · BSP' : ''} · ${activityLabel(v.activity)} · ${modeLabel(v.mode)}`,
    detail: v.lastEvent,
    vcpu: v.index,
  }));
}

/** What identifies one machine state: virtual time and every vCPU's instruction count (two reports of one stop share it). */
export function stopKey(v: VcpusResponse): string {
  return `${v.time}:${v.vcpus.map((c) => c.instructions).join(',')}`;
}
