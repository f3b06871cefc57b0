/**
 * A vCPU's registers as a named, JSON-friendly object (the --json summary,
 * the triple-fault dump, the debugger's "copy register snapshot"), and as
 * the multi-line dump a kernel developer expects on a crash.
 */
import type { CpuState } from '../cpu/cpu-state';
import { GPR_NAMES } from '../cpu/cpu-state';
import type { SegmentCache } from '../cpu/segment-cache';

export const SEGMENT_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

export interface SegmentSnapshot {
  selector: number;
  base: number;
  limit: number;
  attributes: number;
}

export interface RegisterSnapshot {
  eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number;
  eip: number;
  eflags: number;
  es: SegmentSnapshot; cs: SegmentSnapshot; ss: SegmentSnapshot; ds: SegmentSnapshot; fs: SegmentSnapshot; gs: SegmentSnapshot;
  ldtr: SegmentSnapshot;
  tr: SegmentSnapshot;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  cr0: number; cr2: number; cr3: number; cr4: number;
  efer: number;
  dr6: number; dr7: number;
  cpl: number;
  activity: string;
}

function segment(s: SegmentCache): SegmentSnapshot {
  return { selector: s.selector, base: s.base >>> 0, limit: s.limit >>> 0, attributes: s.attributes };
}

export function registerSnapshot(state: CpuState): RegisterSnapshot {
  const gpr = Object.fromEntries(GPR_NAMES.map((name, i) => [name, state.gpr[i] >>> 0])) as Record<(typeof GPR_NAMES)[number], number>;
  const segs = Object.fromEntries(SEGMENT_NAMES.map((name, i) => [name, segment(state.segments[i])])) as Record<(typeof SEGMENT_NAMES)[number], SegmentSnapshot>;
  return {
    ...gpr,
    eip: state.eip >>> 0,
    eflags: state.eflags >>> 0,
    ...segs,
    ldtr: segment(state.ldtr),
    tr: segment(state.tr),
    gdtr: { ...state.gdtr },
    idtr: { ...state.idtr },
    cr0: state.cr0 >>> 0,
    cr2: state.cr2 >>> 0,
    cr3: state.cr3 >>> 0,
    cr4: state.cr4 >>> 0,
    efer: state.efer >>> 0,
    dr6: state.dr[6] >>> 0,
    dr7: state.dr[7] >>> 0,
    cpl: state.cpl,
    activity: state.activity,
  };
}

const h8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
const h4 = (v: number): string => (v >>> 0).toString(16).padStart(4, '0');

const EFLAGS_BITS: [number, string][] = [
  [0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'], [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [21, 'ID'],
];

export function formatEflags(eflags: number): string {
  const set = EFLAGS_BITS.filter(([bit]) => (eflags >>> bit) & 1).map(([, name]) => name);
  return `${h8(eflags)} [${set.join(' ')}${set.length ? ' ' : ''}IOPL=${(eflags >>> 12) & 3}]`;
}

/** The register dump printed on stderr when a vCPU triple-faults (layout after QEMU's `info registers`). */
export function formatRegisterDump(cpuIndex: number, state: CpuState): string {
  const r = registerSnapshot(state);
  const seg = (name: string, s: SegmentSnapshot): string => `${name.toUpperCase().padEnd(3)}=${h4(s.selector)} ${h8(s.base)} ${h8(s.limit)} ${h4(s.attributes)}`;
  return [
    `vCPU ${cpuIndex} (${r.activity}, CPL ${r.cpl})`,
    `EAX=${h8(r.eax)} EBX=${h8(r.ebx)} ECX=${h8(r.ecx)} EDX=${h8(r.edx)}`,
    `ESI=${h8(r.esi)} EDI=${h8(r.edi)} EBP=${h8(r.ebp)} ESP=${h8(r.esp)}`,
    `EIP=${h8(r.eip)} EFL=${formatEflags(r.eflags)}`,
    ...SEGMENT_NAMES.map((n) => seg(n, r[n])),
    seg('LDT', r.ldtr),
    seg('TR', r.tr),
    `GDT=     ${h8(r.gdtr.base)} ${h8(r.gdtr.limit)}`,
    `IDT=     ${h8(r.idtr.base)} ${h8(r.idtr.limit)}`,
    `CR0=${h8(r.cr0)} CR2=${h8(r.cr2)} CR3=${h8(r.cr3)} CR4=${h8(r.cr4)}`,
    `EFER=${h8(r.efer)} DR6=${h8(r.dr6)} DR7=${h8(r.dr7)}`,
  ].join('\n');
}
