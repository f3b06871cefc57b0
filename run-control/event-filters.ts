/**
 * Machine-event breakpoints: the DAP exception filters, their ids (a
 * launch-configuration contract: users write them in `stopOnEvents`), which
 * machine events they match, which vCPU the stop is reported on, the
 * variables a condition can test, and the words exceptionInfo uses.
 */
import type { MachineEvent } from '../emulator/events/machine-events';
import type { PortAccess } from '../emulator/bus/io-bus';

export const EVENT_FILTER_IDS = [
  'init-ipi', 'startup-ipi', 'ipi-sent', 'ipi-received',
  'pv-startup-state', 'pv-vcpu-up', 'pv-refused', 'pv-stale-state',
  'cr0-pe', 'cr0-pg', 'exception', 'triple-fault', 'port-io', 'invalid-opcode', 'v86',
] as const;
export type EventFilterId = (typeof EVENT_FILTER_IDS)[number];

export interface EventFilterInfo {
  id: EventFilterId;
  label: string;
  description: string;
  /** Default on in the Breakpoints view. */
  default: boolean;
  conditionDescription: string;
}

export const EVENT_FILTERS: readonly EventFilterInfo[] = [
  { id: 'init-ipi', label: 'INIT IPI', description: 'Stop when a vCPU sends an INIT IPI', default: false, conditionDescription: 'e.g. $target == 2 (APIC ID)' },
  { id: 'startup-ipi', label: 'STARTUP IPI', description: 'Stop when a vCPU sends a STARTUP IPI', default: false, conditionDescription: 'e.g. $vector == 0x08 && $target == 1' },
  { id: 'ipi-sent', label: 'Any IPI sent', description: 'Stop on the sending vCPU after any IPI', default: false, conditionDescription: 'e.g. $mode == "fixed" && $vector == 0x40' },
  { id: 'ipi-received', label: 'Any IPI received', description: 'Stop on the receiving vCPU when an IPI is accepted', default: false, conditionDescription: 'e.g. $target == 3' },
  { id: 'pv-startup-state', label: 'Paravirtual startup state', description: 'Stop when SET_AP_STARTUP_STATE registers a state or a STARTUP IPI uses one', default: false, conditionDescription: 'e.g. $target == 2' },
  { id: 'pv-vcpu-up', label: 'Paravirtual VCPU_UP', description: 'Stop when VCPU_UP starts an AP', default: false, conditionDescription: 'e.g. $target == 2' },
  { id: 'pv-refused', label: 'Paravirtual call refused', description: 'Stop when the paravirtual interface refuses a call', default: true, conditionDescription: 'e.g. $error == -4' },
  { id: 'pv-stale-state', label: 'Stale paravirtual state', description: 'Stop when a registered startup state refers to GDT entries that changed', default: true, conditionDescription: '' },
  { id: 'cr0-pe', label: 'CR0.PE changes', description: 'Stop after CR0.PE (protected mode) is set or cleared', default: false, conditionDescription: 'e.g. $cpu == 1' },
  { id: 'cr0-pg', label: 'CR0.PG changes', description: 'Stop after CR0.PG (paging) is set or cleared', default: false, conditionDescription: 'e.g. $cpu == 1' },
  { id: 'exception', label: 'CPU exception', description: 'Stop when a vCPU takes an exception (the handler has not run yet)', default: false, conditionDescription: 'e.g. $vector == 14 (#PF) or $vector == 13' },
  { id: 'triple-fault', label: 'Triple fault', description: 'Stop when a vCPU triple-faults (shutdown), with its state at the fault', default: true, conditionDescription: '' },
  { id: 'port-io', label: 'Port I/O', description: 'Stop after an IN/OUT to a port (give the port in the condition)', default: false, conditionDescription: 'e.g. $port == 0x3f8 && $write' },
  { id: 'invalid-opcode', label: 'Undecodable instruction', description: 'Stop when a vCPU meets bytes that are not an instruction', default: true, conditionDescription: '' },
  { id: 'v86', label: 'Virtual-8086 mode entry/exit', description: 'Stop after EFLAGS.VM changes: entering V86 mode (IRET, task switch) or leaving it (interrupt, exception, task switch)', default: false, conditionDescription: 'e.g. $entering (true on entry)' },
];

/** A matched machine event: where to stop and what to say. */
export interface EventHit {
  filter: EventFilterId;
  /** vCPU index the stopped event names. */
  cpu: number;
  /** One line for the stopped event and exceptionInfo. */
  description: string;
  /** Condition variables ($vector, $target, $port, ...). */
  variables: Record<string, number | string | boolean>;
  event?: MachineEvent;
}

function hex(v: number, width = 0): string {
  return '0x' + (v >>> 0).toString(16).padStart(width, '0');
}

/** All filters this machine event matches. */
export function matchEvent(event: MachineEvent): EventHit[] {
  const hits: EventHit[] = [];
  const cpu = event.cpu ?? 0;
  switch (event.kind) {
    case 'ipi': {
      const r = event.record;
      const targets = r.targets.map((t) => t.apicId);
      const base = { $cpu: r.sender, $sender: r.senderApicId, $vector: r.vector, $mode: r.deliveryMode, $target: targets[0] ?? -1, $targets: targets.length, $destination: r.destination };
      const outcome = r.targets.map((t) => `APIC ${t.apicId} ${t.outcome}${t.reason ? ` (${t.reason})` : ''}`).join('; ') || `dropped: ${r.dropped ?? 'no target'}`;
      if (r.deliveryMode === 'init') hits.push({ filter: 'init-ipi', cpu: r.sender, description: `vCPU ${r.sender} sent INIT to ${dest(r)}: ${outcome}`, variables: base, event });
      if (r.deliveryMode === 'startup') {
        hits.push({ filter: 'startup-ipi', cpu: r.sender, description: `vCPU ${r.sender} sent STARTUP vector ${hex(r.vector, 2)} to ${dest(r)}: ${outcome}`, variables: base, event });
      }
      hits.push({ filter: 'ipi-sent', cpu: r.sender, description: `vCPU ${r.sender} sent ${r.deliveryMode} IPI${r.deliveryMode === 'fixed' || r.deliveryMode === 'startup' ? ` vector ${hex(r.vector, 2)}` : ''} to ${dest(r)}: ${outcome}`, variables: base, event });
      for (const t of r.targets) {
        if (t.outcome !== 'accepted') continue;
        hits.push({ filter: 'ipi-received', cpu: t.cpu, description: `vCPU ${t.cpu} (APIC ${t.apicId}) received ${r.deliveryMode} IPI from vCPU ${r.sender}: ${t.reason}`, variables: { ...base, $cpu: t.cpu, $target: t.apicId }, event });
      }
      return hits;
    }
    case 'pv-startup-state':
      hits.push({ filter: 'pv-startup-state', cpu, description: event.action === 'registered'
        ? `vCPU ${cpu} registered a paravirtual startup state for APIC ${event.apicId} (state at ${hex(event.statePointer, 8)}: CS ${hex(event.state.cs, 4)} EIP ${hex(event.state.eip, 8)} CR0 ${hex(event.state.cr0, 8)})`
        : `APIC ${event.apicId} started in its paravirtual startup state at ${hex(event.state.cs, 4)}:${hex(event.state.eip, 8)}`, variables: { $cpu: cpu, $target: event.apicId, $action: event.action }, event });
      return hits;
    case 'pv-vcpu-up':
      hits.push({ filter: 'pv-vcpu-up', cpu, description: `vCPU ${cpu} started APIC ${event.apicId} with VCPU_UP at ${hex(event.state.cs, 4)}:${hex(event.state.eip, 8)}`, variables: { $cpu: cpu, $target: event.apicId }, event });
      return hits;
    case 'pv-refused':
      hits.push({ filter: 'pv-refused', cpu, description: `paravirtual ${event.operation} refused with ${event.errorName} (${event.errorCode}): ${event.reason}`, variables: { $cpu: cpu, $target: event.apicId ?? -1, $error: event.errorCode }, event });
      return hits;
    case 'pv-stale-state':
      hits.push({ filter: 'pv-stale-state', cpu, description: `the startup state for APIC ${event.apicId} is stale: GDT entries ${event.changes.map((c) => `${hex(c.selector, 4)} (used by ${c.usedBy.join(', ')})`).join(', ')} changed since it was registered`, variables: { $cpu: cpu, $target: event.apicId }, event });
      return hits;
    case 'mode-switch': {
      if (event.register === 'eflags') {
        // EFLAGS.VM changes (emulator/cpu/virtual-8086.ts): entering or leaving virtual-8086 mode.
        if (((event.oldValue ^ event.newValue) & 0x20000) === 0) return hits;
        const entering = (event.newValue & 0x20000) !== 0;
        hits.push({ filter: 'v86', cpu, description: `vCPU ${cpu} ${entering ? 'entered' : 'left'} virtual-8086 mode: ${event.description}`, variables: { $cpu: cpu, $entering: entering, $old: event.oldValue, $new: event.newValue }, event });
        return hits;
      }
      if (event.register.toLowerCase() !== 'cr0') return hits;
      const changed = (event.oldValue ^ event.newValue) >>> 0;
      const vars = { $cpu: cpu, $old: event.oldValue, $new: event.newValue };
      if (changed & 1) hits.push({ filter: 'cr0-pe', cpu, description: `vCPU ${cpu} ${event.newValue & 1 ? 'set' : 'cleared'} CR0.PE (${hex(event.oldValue, 8)} → ${hex(event.newValue, 8)}): ${event.description}`, variables: vars, event });
      if (changed & 0x80000000) hits.push({ filter: 'cr0-pg', cpu, description: `vCPU ${cpu} ${event.newValue & 0x80000000 ? 'set' : 'cleared'} CR0.PG (${hex(event.oldValue, 8)} → ${hex(event.newValue, 8)}): ${event.description}`, variables: vars, event });
      return hits;
    }
    case 'exception':
      hits.push({ filter: 'exception', cpu, description: `vCPU ${cpu}: ${event.description}`, variables: { $cpu: cpu, $vector: event.vector, $error: event.errorCode ?? -1 }, event });
      return hits;
    case 'triple-fault':
      hits.push({ filter: 'triple-fault', cpu, description: `vCPU ${cpu}: ${event.description}`, variables: { $cpu: cpu }, event });
      return hits;
    case 'invalid-opcode':
      hits.push({ filter: 'invalid-opcode', cpu, description: `vCPU ${cpu}: undecodable bytes at linear ${hex(event.linearAddress, 8)}: ${event.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`, variables: { $cpu: cpu }, event });
      return hits;
    default:
      return hits;
  }
}

function dest(r: { shorthand: string; destinationMode: string; destination: number }): string {
  if (r.shorthand !== 'none') return r.shorthand;
  return r.destinationMode === 'physical' ? `APIC ${r.destination}` : `logical ${hex(r.destination)}`;
}

export function matchPortAccess(access: PortAccess, cpu: number): EventHit {
  const what = access.write ? `wrote ${hex(access.value, access.size * 2)} to` : `read ${hex(access.value, access.size * 2)} from`;
  return {
    filter: 'port-io',
    cpu,
    description: `vCPU ${cpu} ${what} port ${hex(access.port, 4)}${access.device ? ` (${access.device})` : ''}`,
    variables: { $cpu: cpu, $port: access.port, $write: access.write, $value: access.value, $size: access.size },
  };
}
