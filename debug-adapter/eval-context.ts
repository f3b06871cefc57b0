/**
 * The expression language's view of a stopped machine: registers and
 * segment caches of the selected vCPU, its linear memory, machine variables
 * ($cpu, $apic_id, $time), event variables, symbols, gdt[n] / idt[n],
 * lapic.<register>, and pagewalk(address).
 */
import type { Cpu } from '../emulator/cpu/cpu';
import { int, type EvalContext, type Value } from './expression/evaluator';
import type { MachineController } from '../run-control/machine-controller';
import type { SymbolBridge } from './symbol-bridge';
import type { FormattedValue } from '../symbols/symbol-set';
import { decodeDescriptor } from '../run-control/descriptor-decode';
import { lapicFields } from '../run-control/apic-inspection';
import { describePageWalk, pageWalk } from '../run-control/page-walk';
import { tableEntries } from '../run-control/cpu-inspection';

const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const GPR16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const GPR8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const SEGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const CR0_FIELDS: Record<string, number> = { pe: 0, mp: 1, em: 2, ts: 3, et: 4, ne: 5, wp: 16, am: 18, nw: 29, cd: 30, pg: 31 };
const CR4_FIELDS: Record<string, number> = { vme: 0, pvi: 1, tsd: 2, de: 3, pse: 4, pae: 5, mce: 6, pge: 7, pce: 8, osfxsr: 9, osxmmexcpt: 10 };
const EFLAGS_FIELDS: Record<string, number> = { cf: 0, pf: 2, af: 4, zf: 6, sf: 7, tf: 8, if: 9, df: 10, of: 11, nt: 14, rf: 16, vm: 17, ac: 18, id: 21 };

function bitsRecord(value: number, fields: Record<string, number>): Value {
  const out: Record<string, Value> = { value: int(value >>> 0) };
  for (const [name, bit] of Object.entries(fields)) out[name] = int((value >>> bit) & 1, 1);
  return { kind: 'record', text: `0x${(value >>> 0).toString(16).padStart(8, '0')}`, fields: out };
}

function descriptorRecord(low: number, high: number, address: number): Value {
  const d = decodeDescriptor(low, high);
  const fields: Record<string, Value> = { low: int(low), high: int(high), dpl: int(d.dpl, 1), present: int(d.present ? 1 : 0, 1), type: int(d.type, 1), kind: { kind: 'str', value: d.kind } };
  if (d.base !== undefined) fields.base = int(d.base);
  if (d.limit !== undefined) fields.limit = int(d.limit);
  if (d.offset !== undefined) fields.offset = int(d.offset);
  if (d.selector !== undefined) fields.selector = int(d.selector, 2);
  return { kind: 'record', text: d.summary, fields, memoryReference: address };
}

/** A DWARF value (formatted by the symbol reader) as an expression value: numbers, records with members, indexable arrays. */
function fromFormatted(f: FormattedValue): Value {
  if (f.children !== undefined && f.children.length > 0) {
    const fields: Record<string, Value> = {};
    const elements: Value[] = [];
    for (const c of f.children) {
      const v = fromFormatted(c);
      const name = c.name ?? '';
      const m = /^\[(\d+)\]$/.exec(name);
      if (m !== null) elements[Number(m[1])] = v;
      else fields[name] = v;
    }
    return { kind: 'record', text: f.value, fields, index: elements.length > 0 ? (n) => elements[n] : undefined, memoryReference: f.address };
  }
  const m = /^(-?0x[0-9a-f]+|-?\d+)\b/i.exec(f.value);
  if (m !== null) {
    const n = Number(m[1]);
    const pointer = /\*\s*$/.test(f.type);
    return { kind: 'int', value: n < 0 ? n : n >>> 0, size: 4, signed: n < 0, pointer };
  }
  const ch = /^(\d+) '/.exec(f.value);
  if (ch !== null) return int(Number(ch[1]), 1);
  return { kind: 'str', value: f.value };
}

export function buildEvalContext(c: MachineController, cpuIndex: number, variables: Record<string, number | string | boolean>, symbols: SymbolBridge, frame = 0): EvalContext {
  const cpu: Cpu = c.cpus[cpuIndex];
  const st = cpu.state;
  const lapic = c.pc.platform.lapics[cpuIndex];
  const lookup = (raw: string): Value | undefined => {
    if (raw in variables) {
      const v = variables[raw];
      return typeof v === 'string' ? { kind: 'str', value: v } : int(typeof v === 'boolean' ? (v ? 1 : 0) : v >>> 0);
    }
    const dollar = raw.startsWith('$');
    const name = (dollar ? raw.slice(1) : raw).toLowerCase();
    // Source variables shadow register names only when written without '$'.
    if (!dollar) {
      const tree = symbols.variableTree(cpu, frame, raw);
      if (tree !== undefined) return fromFormatted(tree);
    }
    let i = GPR32.indexOf(name);
    if (i >= 0) return int(st.gpr[i]);
    i = GPR16.indexOf(name);
    if (i >= 0) return int(st.gpr[i] & 0xffff, 2);
    i = GPR8.indexOf(name);
    if (i >= 0) return int(i < 4 ? st.gpr[i] & 0xff : (st.gpr[i - 4] >>> 8) & 0xff, 1);
    i = SEGS.indexOf(name);
    if (i >= 0) {
      const s = st.segments[i];
      return { kind: 'record', text: `0x${s.selector.toString(16).padStart(4, '0')} (base 0x${(s.base >>> 0).toString(16)}, limit 0x${(s.limit >>> 0).toString(16)})`, fields: { selector: int(s.selector, 2), value: int(s.selector, 2), base: int(s.base >>> 0), limit: int(s.limit >>> 0), attributes: int(s.attributes, 2), dpl: int((s.attributes >> 5) & 3, 1) } };
    }
    switch (name) {
      case 'eip': return int(st.eip);
      case 'pc': return int((cpu.segBase[1] + st.eip) >>> 0);
      case 'eflags': case 'flags': return bitsRecord(st.eflags, EFLAGS_FIELDS);
      case 'cr0': return bitsRecord(st.cr0, CR0_FIELDS);
      case 'cr2': return int(st.cr2);
      case 'cr3': return int(st.cr3);
      case 'cr4': return bitsRecord(st.cr4, CR4_FIELDS);
      case 'efer': return int(st.efer);
      case 'cpl': return int(st.cpl, 1);
      case 'cpu': return int(cpuIndex);
      case 'apic_id': return int(lapic.apicId);
      case 'apic_base': return int(Number((lapic.readMsr(0x1b) ?? 0n) & 0xffffffffn));
      case 'time': return int(c.pc.machine.clock.now, 8);
      case 'instructions': return int(cpu.instructionsRetired, 8);
      case 'gdtr': return { kind: 'record', text: `base 0x${st.gdtr.base.toString(16)} limit 0x${st.gdtr.limit.toString(16)}`, fields: { base: int(st.gdtr.base), limit: int(st.gdtr.limit, 2) } };
      case 'idtr': return { kind: 'record', text: `base 0x${st.idtr.base.toString(16)} limit 0x${st.idtr.limit.toString(16)}`, fields: { base: int(st.idtr.base), limit: int(st.idtr.limit, 2) } };
      case 'gdt':
      case 'idt': {
        const table = name === 'gdt' ? st.gdtr : st.idtr;
        return {
          kind: 'record',
          text: `${name.toUpperCase()} at 0x${table.base.toString(16)}, ${Math.floor((table.limit + 1) / 8)} entries`,
          fields: { base: int(table.base), limit: int(table.limit, 2) },
          index: (n) => {
            const e = tableEntries(cpu, (table.base + n * 8) >>> 0, 7, name === 'idt', 1)[0];
            if (n < 0 || n * 8 + 7 > table.limit || e === undefined) return undefined;
            return descriptorRecord(e.low, e.high, e.address);
          },
        };
      }
      case 'lapic': {
        const fields: Record<string, Value> = {};
        for (const [k, v] of Object.entries(lapicFields(lapic))) fields[k] = int(v);
        return { kind: 'record', text: `local APIC ${lapic.apicId} (${lapic.x2apic ? 'x2APIC' : lapic.hardwareEnabled ? 'xAPIC' : 'disabled'})`, fields };
      }
      default:
        break;
    }
    const address = symbols.symbolAddress(raw);
    if (address !== undefined) return { kind: 'int', value: address, size: 4, pointer: true };
    return undefined;
  };
  return {
    lookup,
    readMemory: (address, size) => {
      const bytes = cpu.readLinear(address >>> 0, size);
      if (bytes.some((b) => b === undefined)) return undefined;
      let v = 0;
      for (let i = size - 1; i >= 0; i--) v = v * 256 + (bytes[i] as number);
      return v;
    },
    call: (name, args) => {
      if (name === 'pagewalk' || name === 'translate') {
        const a = args[0];
        if (a === undefined || a.kind !== 'int') return { kind: 'str', value: 'pagewalk(linear address)' };
        const w = pageWalk(c.pc.machine.memory, st.cr0, st.cr3, st.cr4, a.value);
        const fields: Record<string, Value> = {};
        w.steps.forEach((s) => (fields[s.level] = { kind: 'str', value: `@0x${s.entryAddress.toString(16)} = ${s.entry} [${s.decoded}]` }));
        if (w.physical !== undefined) fields.physical = int(w.physical);
        return { kind: 'record', text: describePageWalk(w), fields, memoryReference: a.value };
      }
      return undefined;
    },
  };
}
