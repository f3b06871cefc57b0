/**
 * The Paravirtual Startup State scope: the state registered for this APIC
 * ID with SET_AP_STARTUP_STATE (docs/paravirt.md), decoded, and checked
 * against the GDT as the emulator sees it now.
 */
import type { PcMachine } from '../../emulator/machine/pc-machine';
import { decodeDescriptor } from '../../run-control/descriptor-decode';
import { hex, leaf, type VarNode } from './var-node';

export function paravirtFields(pc: PcMachine, apicId: number): { fields: { name: string; value: string }[]; problems: string[] } | undefined {
  const registration = pc.hypervisor.registrations.get(apicId);
  if (registration === undefined) return undefined;
  const s = registration.state;
  const fields: { name: string; value: string }[] = [
    { name: 'registered by', value: `vCPU ${registration.registeredBy}` },
    { name: 'state at', value: hex(registration.statePointer) },
  ];
  for (const [k, v] of Object.entries(s)) fields.push({ name: k, value: k.endsWith('Limit') || ['cs', 'ss', 'ds', 'es', 'fs', 'gs', 'ldtr', 'tr'].includes(k) ? hex(v as number, 4) : hex(v as number) });
  const problems: string[] = [];
  const memory = pc.machine.memory;
  for (const seg of ['cs', 'ss', 'ds', 'es', 'fs', 'gs', 'tr'] as const) {
    const selector = s[seg] & 0xffff;
    if ((selector & 0xfffc) === 0) continue;
    const offset = selector & 0xfff8;
    if (offset + 7 > s.gdtrLimit) {
      problems.push(`${seg.toUpperCase()} ${hex(selector, 4)} is beyond the GDT limit ${hex(s.gdtrLimit, 4)}`);
      continue;
    }
    const address = (s.gdtrBase + offset) >>> 0;
    const d = decodeDescriptor(memory.read32(address), memory.read32(address + 4));
    fields.push({ name: `${seg} descriptor now`, value: d.summary });
    if (!d.present) problems.push(`${seg.toUpperCase()} ${hex(selector, 4)}: descriptor not present`);
  }
  return { fields, problems };
}

export function paravirtScope(pc: PcMachine, apicId: number): VarNode[] | undefined {
  const f = paravirtFields(pc, apicId);
  if (f === undefined) return undefined;
  const nodes = f.fields.map((x) => leaf(x.name, x.value));
  nodes.push(leaf('problems', f.problems.length === 0 ? 'none: the state would start as registered' : f.problems.join('; ')));
  return nodes;
}
