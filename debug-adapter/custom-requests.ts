/**
 * The custom requests behind the extension's views (shapes in
 * custom-protocol.ts, documented in docs/dap-extensions.md).
 */
import type { MachineController } from '../run-control/machine-controller';
import type { DescriptorTableView, IpiLogResponse, PvStartupStateView, ScreenView, TranslationView, VcpusResponse } from './custom-protocol';
import { ioapicView, lapicView } from '../run-control/apic-inspection';
import { cpuMode, tableEntries } from '../run-control/cpu-inspection';
import { decodeDescriptor } from '../run-control/descriptor-decode';
import { pageWalk } from '../run-control/page-walk';
import { paravirtFields } from './system-state/paravirt-scope';
import { formatRegisterDump } from '../emulator/machine/register-snapshot';
import { screenView } from './system-state/screen-view';
import { activityName } from './vcpu-state';

function vcpuArg(c: MachineController, args: unknown): number {
  const v = (args as { vcpu?: unknown } | undefined)?.vcpu;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= c.cpus.length) throw new Error(`"vcpu" must be an integer from 0 to ${c.cpus.length - 1}`);
  return v;
}

function hex(v: number, d = 8): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(d, '0');
}

export function handleCustomRequest(c: MachineController, command: string, args: unknown): unknown {
  switch (command) {
    case 'bringup/vcpus': {
      const body: VcpusResponse = {
        time: c.pc.machine.clock.now,
        running: c.running,
        vcpus: c.cpus.map((cpu) => {
          const st = cpu.state;
          const real = (st.cr0 & 1) === 0;
          return {
            index: cpu.index,
            threadId: cpu.index + 1,
            apicId: c.pc.platform.lapics[cpu.index].apicId,
            isBsp: cpu.config.isBsp,
            activity: activityName(st.activity),
            runState: c.runState(cpu.index),
            mode: cpuMode(cpu),
            csEip: real ? `${hex(st.segments[1].selector, 4)}:${hex(st.eip, 4)}` : `${hex(st.segments[1].selector, 4)}:${hex(st.eip)}`,
            linearEip: (cpu.segBase[1] + st.eip) >>> 0,
            instructions: cpu.instructionsRetired,
            lastEvent: c.lastEvent.get(cpu.index),
            registers: Object.fromEntries([...['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'].map((n, i) => [n, st.gpr[i] >>> 0] as [string, number]), ['eip', st.eip >>> 0], ['eflags', st.eflags >>> 0]]),
          };
        }),
      };
      return body;
    }
    case 'bringup/lapic':
      return lapicView(c.pc.platform.lapics[vcpuArg(c, args)]);
    case 'bringup/ioapic':
      return ioapicView(c.pc.platform.ioapic);
    case 'bringup/ipiLog': {
      const since = (args as { since?: unknown } | undefined)?.since;
      const from = typeof since === 'number' && Number.isInteger(since) && since >= 0 ? since : 0;
      const records = c.pc.platform.ipiLog.records;
      const pvSince = (args as { paravirtSince?: unknown } | undefined)?.paravirtSince;
      const pvFrom = typeof pvSince === 'number' && Number.isInteger(pvSince) && pvSince >= 0 ? pvSince : 0;
      // The targets' states in the protocol's words (`active`, not the emulator's `running`).
      const named = records.slice(from).map((r) => ({ ...r, targets: r.targets.map((t) => ({ ...t, stateBefore: activityName(t.stateBefore), stateAfter: activityName(t.stateAfter) })) }));
      const body: IpiLogResponse = { records: named, next: records.length, paravirt: c.paravirtEvents.slice(pvFrom), paravirtNext: c.paravirtEvents.length };
      return body;
    }
    case 'bringup/descriptorTable': {
      const vcpu = vcpuArg(c, args);
      const table = (args as { table?: unknown }).table;
      if (table !== 'gdt' && table !== 'idt' && table !== 'ldt') throw new Error('"table" must be "gdt", "idt" or "ldt"');
      const cpu = c.cpus[vcpu];
      const st = cpu.state;
      const reg = table === 'gdt' ? st.gdtr : table === 'idt' ? st.idtr : { base: st.ldtr.base, limit: st.ldtr.limit };
      const body: DescriptorTableView = {
        vcpu, table, base: reg.base >>> 0, limit: reg.limit >>> 0,
        entries: tableEntries(cpu, reg.base, reg.limit, table === 'idt').map((e) => {
          const d = decodeDescriptor(e.low, e.high);
          return {
            index: e.index, selectorOrVector: table === 'idt' ? e.index : e.index * 8 + (table === 'ldt' ? 4 : 0), raw: `${hex(e.high)}${hex(e.low)}`, kind: d.kind,
            base: d.base, limit: d.limit, offset: d.offset, targetSelector: d.selector, dpl: d.dpl, present: d.present, flags: d.flags.join(' '), summary: d.summary,
          };
        }),
      };
      return body;
    }
    case 'bringup/translate': {
      const vcpu = vcpuArg(c, args);
      const address = (args as { address?: unknown }).address;
      const linear = typeof address === 'string' ? Number(address) : address;
      if (typeof linear !== 'number' || !Number.isFinite(linear) || linear < 0 || linear > 0xffffffff) throw new Error('"address" must be a linear address (number or "0x..." string)');
      const st = c.cpus[vcpu].state;
      const w = pageWalk(c.pc.machine.memory, st.cr0, st.cr3, st.cr4, linear);
      const body: TranslationView = { vcpu, ...w };
      return body;
    }
    case 'bringup/pvStartupState': {
      const vcpu = vcpuArg(c, args);
      const apicId = c.pc.platform.lapics[vcpu].apicId;
      const f = paravirtFields(c.pc, apicId);
      const body: PvStartupStateView = { vcpu, apicId, registered: f !== undefined, fields: f?.fields ?? [], problems: f?.problems ?? [] };
      return body;
    }
    case 'bringup/focusThread':
      // Handled by the session (it sends a stopped event); validated here.
      return { vcpu: vcpuArg(c, args) };
    case 'bringup/registerSnapshot': {
      const vcpu = vcpuArg(c, args);
      return { text: formatRegisterDump(vcpu, c.cpus[vcpu].state) };
    }
    case 'bringup/screen': {
      const body: ScreenView = screenView(c.pc.platform.vga.registers, c.pc.machine.memory);
      return body;
    }
    default:
      return undefined;
  }
}
