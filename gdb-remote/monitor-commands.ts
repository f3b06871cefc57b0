/**
 * `monitor ...` (qRcmd, GDB manual E.4): the machine state gdb has no
 * command for, as text. Names follow QEMU's monitor where it has one
 * (`info lapic`, `info ioapic`) so habits carry over.
 */
import { describeIpi } from '../emulator/devices/ipi-log';
import { EVENT_FILTER_IDS, type EventFilterId } from '../run-control/event-filters';
import type { MachineController } from '../run-control/machine-controller';
import { lapicView, ioapicView } from '../run-control/apic-inspection';
import { tableEntries } from '../run-control/cpu-inspection';
import { decodeDescriptor } from '../run-control/descriptor-decode';
import { describePageWalk, pageWalk } from '../run-control/page-walk';

export interface MonitorContext {
  controller: MachineController;
  /** vCPU of gdb's current thread (the default for per-vCPU commands). */
  currentCpu: number;
  why(): string;
  seed: number;
  quantum: number | undefined;
}

export const MONITOR_HELP = `Bringup monitor commands (vCPU N is gdb thread N+1):
  info lapic [N]      local APIC of vCPU N (default: the current thread's)
  info ioapic         IO-APIC redirection table
  ipi-log             every IPI so far, in order
  gdt | idt           the current thread's descriptor table, decoded
  pagewalk ADDR       translate a linear address through the current thread's page tables
  events              armed machine-event stops
  events on|off NAME  arm or disarm one (${EVENT_FILTER_IDS.join(', ')})
  why                 what the last stop was
  seed                the scheduling seed and quantum that reproduce this run
  help                this text
`;

const hex = (v: number, d = 8): string => '0x' + (v >>> 0).toString(16).padStart(d, '0');

function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) return undefined;
  return Number(text);
}

function lapicText(c: MachineController, cpu: number): string {
  const lapic = c.pc.platform.lapics[cpu];
  if (lapic === undefined) return `no vCPU ${cpu} (vCPUs 0-${c.cpus.length - 1})\n`;
  const v = lapicView(lapic);
  const lines = [`vCPU ${v.vcpu} local APIC: APIC ID ${v.apicId}, ${v.mode}, ${v.softwareEnabled ? 'software-enabled' : 'software-disabled'}, base ${hex(v.base)}`];
  for (const r of v.registers) lines.push(`  ${r.name.padEnd(14)} ${hex(r.value)}  ${r.decoded}`);
  for (const l of v.lvt) lines.push(`  LVT ${l.name.padEnd(11)} ${hex(l.raw)}  vector ${hex(l.vector, 2)} ${l.deliveryMode}${l.masked ? ' masked' : ''}${l.levelTriggered ? ' level' : ''}${l.timerMode ? ` ${l.timerMode}` : ''}`);
  const list = (name: string, vs: number[]): string => `  ${name} ${vs.length === 0 ? '(none)' : vs.map((x) => hex(x, 2)).join(' ')}`;
  lines.push(list('IRR', v.irr), list('ISR', v.isr), list('TMR', v.tmr));
  return lines.join('\n') + '\n';
}

function ioapicText(c: MachineController): string {
  const v = ioapicView(c.pc.platform.ioapic);
  const lines = [`IO-APIC ID ${v.id}, version ${hex(v.version, 2)}, ${v.entries.length} pins`];
  for (const e of v.entries) {
    lines.push(`  pin ${String(e.pin).padStart(2)}: vector ${hex(e.vector, 2)} ${e.deliveryMode} ${e.destinationMode} dest ${hex(e.destination, 2)}${e.activeLow ? ' active-low' : ''}${e.levelTriggered ? ' level' : ' edge'}${e.masked ? ' masked' : ''}${e.remoteIrr ? ' remote-IRR' : ''}${e.asserted ? ' asserted' : ''}`);
  }
  return lines.join('\n') + '\n';
}

function tableText(c: MachineController, cpuIndex: number, idt: boolean): string {
  const cpu = c.cpus[cpuIndex];
  const reg = idt ? cpu.state.idtr : cpu.state.gdtr;
  const lines = [`vCPU ${cpuIndex} ${idt ? 'IDTR' : 'GDTR'} base ${hex(reg.base)} limit ${hex(reg.limit, 4)}`];
  for (const e of tableEntries(cpu, reg.base, reg.limit, idt)) {
    const d = decodeDescriptor(e.low, e.high);
    lines.push(`  ${idt ? `[${String(e.index).padStart(3)}]` : `[${hex(e.index * 8, 4)}]`} ${hex(e.high)}:${hex(e.low)}  ${d.summary}`);
  }
  return lines.join('\n') + '\n';
}

function eventsText(c: MachineController): string {
  const armed = c.eventFilters();
  return armed.length === 0 ? 'no machine-event stops armed\n' : `armed: ${armed.map((f) => f.id + (f.condition ? ` if ${f.condition}` : '')).join(', ')}\n`;
}

export function runMonitorCommand(command: string, context: MonitorContext): string {
  const c = context.controller;
  const words = command.trim().split(/\s+/).filter((w) => w !== '');
  const [first, second, third] = words;
  switch (first) {
    case undefined:
    case 'help':
      return MONITOR_HELP;
    case 'info':
      if (second === 'lapic') {
        const n = third === undefined ? context.currentCpu : parseNumber(third);
        return n === undefined ? `info lapic: '${third}' is not a vCPU number\n` : lapicText(c, n);
      }
      if (second === 'ioapic') return ioapicText(c);
      return `unknown: info ${second ?? ''} (try monitor help)\n`;
    case 'ipi-log': {
      const records = c.pc.platform.ipiLog.records;
      if (records.length === 0) return 'no IPIs sent yet\n';
      return records.map((r) => `[${(r.time / 1e9).toFixed(9)}] vCPU ${r.sender}${r.senderEip === undefined ? '' : ` at ${hex(r.senderEip)}`}: ${describeIpi(r)}`).join('\n') + '\n';
    }
    case 'gdt':
    case 'idt':
      return tableText(c, context.currentCpu, first === 'idt');
    case 'pagewalk': {
      const address = parseNumber(second);
      if (address === undefined || address > 0xffffffff) return `pagewalk: give a linear address (e.g. monitor pagewalk 0xc0100000)\n`;
      const st = c.cpus[context.currentCpu].state;
      return describePageWalk(pageWalk(c.pc.machine.memory, st.cr0, st.cr3, st.cr4, address)) + '\n';
    }
    case 'events': {
      if (second === undefined) return eventsText(c);
      if ((second !== 'on' && second !== 'off') || third === undefined) return 'events: monitor events on|off NAME\n';
      if (!(EVENT_FILTER_IDS as readonly string[]).includes(third)) return `events: unknown event '${third}' (one of ${EVENT_FILTER_IDS.join(', ')})\n`;
      if (c.running) return 'events: the machine is running under the debug adapter session; change event stops while it is stopped\n';
      const id = third as EventFilterId;
      const others = c.eventFilters().filter((f) => f.id !== id);
      c.setEventFilters(second === 'on' ? [...others, { id }] : others);
      return eventsText(c);
    }
    case 'why':
      return context.why() + '\n';
    case 'seed':
      return `seed ${context.seed}, quantum ${context.quantum ?? 'default'}: the same image and options with --seed ${context.seed} give the same run\n`;
    default:
      return `unknown monitor command '${first}' (try monitor help)\n`;
  }
}
