/**
 * One --trace line per machine event: virtual time, vCPU, trace class, what
 * happened. Lines are stable text (tests and users grep them).
 */
import { describeIpi } from '../emulator/devices/ipi-log';
import { traceClassOf, type MachineEvent } from '../emulator/events/machine-events';

function hex(value: number, width = 0): string {
  return '0x' + (value >>> 0).toString(16).padStart(width, '0');
}

/** Virtual nanoseconds as seconds with nanosecond precision, fixed width so columns line up. */
export function formatVirtualTime(ns: number): string {
  const seconds = Math.floor(ns / 1e9);
  const fraction = String(Math.floor(ns % 1e9)).padStart(9, '0');
  return `${String(seconds).padStart(4)}.${fraction}`;
}

export function describeEvent(event: MachineEvent): string {
  switch (event.kind) {
    case 'unbacked-access':
      return `${event.write ? 'write to' : 'read from'} unbacked physical ${hex(event.address, 8)} (${event.size} byte${event.size === 1 ? '' : 's'})`;
    case 'debug-exit':
      return `isa-debug-exit write ${hex(event.value)} → exit status ${((event.value << 1) | 1) >>> 0}`;
    case 'invalid-opcode':
      return `invalid opcode at linear ${hex(event.linearAddress, 8)}: ${event.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    case 'note':
      return event.message;
    case 'ipi':
      return describeIpi(event.record);
    case 'pv-startup-state':
      return `paravirt startup state for APIC ${event.apicId} at ${hex(event.statePointer, 8)} ${event.action}`;
    case 'pv-vcpu-up':
      return `paravirt VCPU_UP for APIC ${event.apicId} from state at ${hex(event.statePointer, 8)}`;
    case 'pv-refused':
      return `paravirt ${event.operation} refused: ${event.errorName}: ${event.reason}`;
    case 'pv-stale-state':
      return `paravirt startup state for APIC ${event.apicId} is stale: GDT ${event.changes.map((c) => hex(c.selector, 4)).join(', ')} changed since registration`;
    default: {
      const described = event as { description?: unknown };
      return typeof described.description === 'string' ? described.description : event.kind;
    }
  }
}

export function formatTraceLine(event: MachineEvent): string {
  const who = event.cpu === undefined ? 'machine' : `vCPU ${event.cpu}`;
  return `[${formatVirtualTime(event.time)}] ${who.padEnd(7)} ${traceClassOf(event).padEnd(10)} ${describeEvent(event)}`;
}
