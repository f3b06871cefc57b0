/**
 * The per-vCPU scopes: Registers, Segments (with the hidden descriptor
 * caches and what the descriptor in memory says now), Control & System
 * (control registers, EFER, IA32_APIC_BASE, GDTR/IDTR/LDTR/TR with their
 * tables decoded). Values are editable where the architecture allows it.
 */
import type { Cpu } from '../../emulator/cpu/cpu';
import { SegmentRegister } from '../../emulator/cpu/segment-cache';
import type { PhysicalMemory } from '../../emulator/memory/physical-memory';
import { cpuMode, tableEntries } from '../../run-control/cpu-inspection';
import { decodeDescriptor, describeCachedAttributes } from '../../run-control/descriptor-decode';
import { REGISTER_ACCESS } from '../../run-control/register-access';
import { hex, leaf, type VarNode } from './var-node';

const GPR = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SEGMENTS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const EFLAGS_BITS: [number, string][] = [
  [0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'], [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [19, 'VIF'], [20, 'VIP'], [21, 'ID'],
];
const CR0_BITS: [number, string][] = [[0, 'PE'], [1, 'MP'], [2, 'EM'], [3, 'TS'], [4, 'ET'], [5, 'NE'], [16, 'WP'], [18, 'AM'], [29, 'NW'], [30, 'CD'], [31, 'PG']];
const CR4_BITS: [number, string][] = [[0, 'VME'], [1, 'PVI'], [2, 'TSD'], [3, 'DE'], [4, 'PSE'], [5, 'PAE'], [6, 'MCE'], [7, 'PGE'], [8, 'PCE'], [9, 'OSFXSR'], [10, 'OSXMMEXCPT'], [16, 'FSGSBASE'], [18, 'OSXSAVE']];
const EFER_BITS: [number, string][] = [[0, 'SCE'], [8, 'LME'], [10, 'LMA'], [11, 'NXE']];

export function parseNumber(text: string): number {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) throw new Error(`"${text}" is not a number (use decimal or 0x hex)`);
  const v = Number(t);
  if (v > 0xffffffff) throw new Error(`${text} does not fit in 32 bits`);
  return v >>> 0;
}

export function decodeBits(value: number, bits: [number, string][]): string {
  const set = bits.filter(([b]) => (value >>> b) & 1).map(([, n]) => n);
  return set.length > 0 ? set.join(' ') : '-';
}

/** Reads a register through run control's table, which the GDB stub uses too. */
function readRegister(cpu: Cpu, name: string): number {
  return Number(REGISTER_ACCESS.get(name)!.read(cpu, undefined));
}

/** A Variables-view edit through run control's register table: the same rules as gdb's writes (derived state kept consistent). */
function registerSetter(cpu: Cpu, name: string): (text: string) => string {
  return (text) => {
    const write = REGISTER_ACCESS.get(name)!.write;
    if (write === undefined) throw new Error(`${name} is read-only`);
    const refusal = write(cpu, BigInt(parseNumber(text)));
    if (refusal !== undefined) throw new Error(refusal);
    return hex(readRegister(cpu, name));
  };
}

function bitChildren(value: () => number, bits: [number, string][], write?: (v: number) => void): () => VarNode[] {
  return () =>
    bits.map(([b, name]) => ({
      name,
      value: String((value() >>> b) & 1),
      type: `bit ${b}`,
      set: write === undefined ? undefined : (text: string): string => {
        const v = parseNumber(text);
        if (v > 1) throw new Error(`${name} is one bit: 0 or 1`);
        write(v ? (value() | (1 << b)) >>> 0 : (value() & ~(1 << b)) >>> 0);
        return String(v);
      },
    }));
}


export function registersScope(cpu: Cpu): VarNode[] {
  const st = cpu.state;
  const nodes: VarNode[] = GPR.map((name, i) => ({
    name,
    value: hex(st.gpr[i]),
    type: 'u32',
    evaluateName: `$${name}`,
    memoryReference: st.gpr[i] >>> 0,
    set: registerSetter(cpu, name),
  }));
  nodes.push({
    name: 'eip',
    value: hex(st.eip),
    type: 'u32',
    evaluateName: '$eip',
    memoryReference: (cpu.segBase[SegmentRegister.CS] + st.eip) >>> 0,
    set: registerSetter(cpu, 'eip'),
  });
  nodes.push({
    name: 'eflags',
    value: `${hex(st.eflags)} [${decodeBits(st.eflags, EFLAGS_BITS)}] IOPL=${(st.eflags >>> 12) & 3}`,
    type: 'u32',
    evaluateName: '$eflags',
    children: bitChildren(() => st.eflags, EFLAGS_BITS, (v) => registerSetter(cpu, 'eflags')(String(v))),
    set: registerSetter(cpu, 'eflags'),
  });
  return nodes;
}

function segmentNode(cpu: Cpu, memory: PhysicalMemory, index: number, name: string): VarNode {
  const c = cpu.state.segments[index];
  const protectedMode = (cpu.state.cr0 & 1) !== 0 && (cpu.state.eflags & 0x20000) === 0;
  const inMemory = protectedMode ? readDescriptorOf(cpu, memory, c.selector) : undefined;
  const cacheSummary = `base ${hex(c.base)} limit ${hex(c.limit)} ${describeCachedAttributes(c.attributes)}${c.usable ? '' : ' (unusable)'}`;
  let differs = false;
  if (inMemory !== undefined && inMemory.decoded.base !== undefined) {
    differs = inMemory.decoded.base !== c.base >>> 0 || inMemory.decoded.limit !== c.limit >>> 0;
  }
  return {
    name,
    value: `${hex(c.selector, 4)}  ${cacheSummary}${differs ? '  ≠ GDT now' : ''}`,
    type: 'segment register',
    evaluateName: `$${name}`,
    // A selector load as the CPU does it: in protected mode from the descriptor table (or the reason it cannot be).
    set: registerSetter(cpu, name),
    children: () => {
      const out: VarNode[] = [
        leaf('selector', hex(c.selector, 4), 'u16', { evaluateName: `$${name}.selector` }),
        leaf('index', String(c.selector >>> 3)),
        leaf('TI', c.selector & 4 ? '1 (LDT)' : '0 (GDT)'),
        leaf('RPL', String(c.selector & 3)),
        leaf('base (cached)', hex(c.base), 'u32', { evaluateName: `$${name}.base`, memoryReference: c.base >>> 0 }),
        leaf('limit (cached)', hex(c.limit), 'u32', { evaluateName: `$${name}.limit` }),
        leaf('attributes (cached)', `${hex(c.attributes, 4)} ${describeCachedAttributes(c.attributes)}`),
        leaf('type', String(c.attributes & 0xf)),
        leaf('DPL', String((c.attributes >> 5) & 3)),
        leaf('P', String((c.attributes >> 7) & 1)),
        leaf('D/B', String((c.attributes >> 14) & 1)),
        leaf('G', String((c.attributes >> 15) & 1)),
        leaf('usable', c.usable ? 'yes' : 'no (null selector loaded)'),
      ];
      if (inMemory !== undefined) out.push(leaf('descriptor in memory now', `${inMemory.raw}  ${inMemory.decoded.summary}${differs ? ' — differs from the cached copy' : ''}`));
      else if (protectedMode) out.push(leaf('descriptor in memory now', 'outside the table limit or not readable'));
      else out.push(leaf('descriptor in memory now', 'real mode: base = selector × 16; limit and attributes stay as cached'));
      return out;
    },
  };
}


export function readDescriptorOf(cpu: Cpu, memory: PhysicalMemory, selector: number): { raw: string; decoded: ReturnType<typeof decodeDescriptor>; address: number } | undefined {
  const st = cpu.state;
  const table = selector & 4 ? { base: st.ldtr.base, limit: st.ldtr.limit } : st.gdtr;
  const index = selector & 0xfff8;
  if (index + 7 > table.limit >>> 0) return undefined;
  const linear = (table.base + index) >>> 0;
  const bytes = cpu.readLinear(linear, 8);
  if (bytes.some((b) => b === undefined)) return undefined;
  const low = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  const high = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
  void memory;
  return { raw: `${hex(high)}${hex(low).slice(2)}`, decoded: decodeDescriptor(low, high), address: linear };
}

export function segmentsScope(cpu: Cpu, memory: PhysicalMemory): VarNode[] {
  return SEGMENTS.map((name, i) => segmentNode(cpu, memory, i, name));
}


function tableNode(cpu: Cpu, name: string, base: number, limit: number, idt: boolean): VarNode {
  const realIdt = idt && (cpu.state.cr0 & 1) === 0;
  return {
    name,
    value: `base ${hex(base)} limit ${hex(limit, 4)}${realIdt ? ' (real mode: interrupt vector table)' : ` (${Math.floor(((limit >>> 0) + 1) / 8)} entries)`}`,
    type: 'table register',
    memoryReference: base >>> 0,
    evaluateName: idt ? 'idt' : 'gdt',
    children: () => {
      if (realIdt) {
        const out: VarNode[] = [];
        for (let v = 0; v < Math.min(256, Math.floor(((limit >>> 0) + 1) / 4)); v++) {
          const b = cpu.readLinear((base + v * 4) >>> 0, 4);
          if (b.some((x) => x === undefined)) break;
          out.push(leaf(`[${v}]`, `${hex(b[2]! | (b[3]! << 8), 4)}:${hex(b[0]! | (b[1]! << 8), 4)}`, 'far pointer'));
        }
        return out;
      }
      return tableEntries(cpu, base, limit, idt).map((e) => {
        const d = decodeDescriptor(e.low, e.high);
        return leaf(idt ? `[${e.index}]` : `[${hex(e.index * 8, 4)}]`, d.summary, d.kind, { memoryReference: e.address, evaluateName: `${idt ? 'idt' : 'gdt'}[${e.index}]` });
      });
    },
  };
}

export function controlSystemScope(cpu: Cpu, apicBase: bigint | undefined): VarNode[] {
  const st = cpu.state;
  const nodes: VarNode[] = [
    { name: 'cr0', value: `${hex(st.cr0)} [${decodeBits(st.cr0, CR0_BITS)}]`, type: 'u32', evaluateName: '$cr0', children: bitChildren(() => st.cr0, CR0_BITS), set: registerSetter(cpu, 'cr0') },
    { name: 'cr2', value: hex(st.cr2), type: 'u32', evaluateName: '$cr2', memoryReference: st.cr2 >>> 0, set: registerSetter(cpu, 'cr2') },
    { name: 'cr3', value: `${hex(st.cr3)} [page directory at ${hex(st.cr3 & 0xfffff000)}${st.cr3 & 8 ? ' PWT' : ''}${st.cr3 & 0x10 ? ' PCD' : ''}]`, type: 'u32', evaluateName: '$cr3', set: registerSetter(cpu, 'cr3') },
    { name: 'cr4', value: `${hex(st.cr4)} [${decodeBits(st.cr4, CR4_BITS)}]`, type: 'u32', evaluateName: '$cr4', children: bitChildren(() => st.cr4, CR4_BITS), set: registerSetter(cpu, 'cr4') },
    { name: 'efer', value: `${hex(st.efer)} [${decodeBits(st.efer, EFER_BITS)}]`, type: 'u32', evaluateName: '$efer', children: bitChildren(() => st.efer, EFER_BITS) },
  ];
  if (apicBase !== undefined) {
    const b = Number(apicBase & 0xffffffffn);
    nodes.push(leaf('ia32_apic_base', `${hex(b)} [base ${hex(b & 0xfffff000)}${b & 0x100 ? ' BSP' : ''}${b & 0x800 ? ' EN' : ' disabled'}${b & 0x400 ? ' EXTD (x2APIC)' : ''}]`, 'MSR 0x1B', { evaluateName: '$apic_base' }));
  }
  nodes.push(tableNode(cpu, 'gdtr', st.gdtr.base, st.gdtr.limit, false));
  nodes.push(tableNode(cpu, 'idtr', st.idtr.base, st.idtr.limit, true));
  nodes.push(leaf('ldtr', `${hex(st.ldtr.selector, 4)} base ${hex(st.ldtr.base)} limit ${hex(st.ldtr.limit)}${st.ldtr.usable ? '' : ' (null)'}`, 'system segment'));
  nodes.push(leaf('tr', `${hex(st.tr.selector, 4)} base ${hex(st.tr.base)} limit ${hex(st.tr.limit)} ${describeCachedAttributes(st.tr.attributes)}`, 'system segment'));
  nodes.push(leaf('cpl', String(st.cpl)));
  // The architectural state in the protocol's words (SDM "active"), not to be read as the debugger's run state.
  nodes.push(leaf('activity', st.activity === 'running' ? 'active' : st.activity));
  nodes.push(leaf('mode', cpuMode(cpu)));
  nodes.push(leaf('instructions retired', String(cpu.instructionsRetired)));
  return nodes;
}
