/**
 * Decoding of segment descriptors and gates as they sit in the GDT, LDT and
 * IDT (SDM Vol. 3A 3.4.5, 3.5, 6.11, 7.2.2).
 */
import { hex } from './hex';

export interface DecodedDescriptor {
  kind: 'null' | 'code' | 'data' | 'tss' | 'ldt' | 'call-gate' | 'interrupt-gate' | 'trap-gate' | 'task-gate' | 'reserved';
  present: boolean;
  dpl: number;
  base?: number;
  /** Limit in bytes - 1 (granularity applied). */
  limit?: number;
  offset?: number;
  selector?: number;
  /** Type field (bits 8-11 of the high dword) and S bit. */
  type: number;
  system: boolean;
  flags: string[];
  summary: string;
}

const SYSTEM_TYPES: Record<number, { kind: DecodedDescriptor['kind']; name: string }> = {
  0x1: { kind: 'tss', name: '16-bit TSS (available)' },
  0x2: { kind: 'ldt', name: 'LDT' },
  0x3: { kind: 'tss', name: '16-bit TSS (busy)' },
  0x4: { kind: 'call-gate', name: '16-bit call gate' },
  0x5: { kind: 'task-gate', name: 'task gate' },
  0x6: { kind: 'interrupt-gate', name: '16-bit interrupt gate' },
  0x7: { kind: 'trap-gate', name: '16-bit trap gate' },
  0x9: { kind: 'tss', name: '32-bit TSS (available)' },
  0xb: { kind: 'tss', name: '32-bit TSS (busy)' },
  0xc: { kind: 'call-gate', name: '32-bit call gate' },
  0xe: { kind: 'interrupt-gate', name: '32-bit interrupt gate' },
  0xf: { kind: 'trap-gate', name: '32-bit trap gate' },
};


export function decodeDescriptor(low: number, high: number): DecodedDescriptor {
  low >>>= 0;
  high >>>= 0;
  if (low === 0 && high === 0) return { kind: 'null', present: false, dpl: 0, type: 0, system: false, flags: [], summary: 'null descriptor' };
  const type = (high >>> 8) & 0xf;
  const s = (high & 0x1000) !== 0;
  const dpl = (high >>> 13) & 3;
  const present = (high & 0x8000) !== 0;
  if (s || SYSTEM_TYPES[type]?.kind === 'tss' || SYSTEM_TYPES[type]?.kind === 'ldt') {
    const base = ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0;
    const rawLimit = (low & 0xffff) | (high & 0xf0000);
    const g = (high & 0x800000) !== 0;
    const limit = g ? ((rawLimit << 12) | 0xfff) >>> 0 : rawLimit;
    const db = (high & 0x400000) !== 0;
    const l = (high & 0x200000) !== 0;
    const avl = (high & 0x100000) !== 0;
    const flags: string[] = [];
    let kind: DecodedDescriptor['kind'];
    let what: string;
    if (s) {
      const code = (type & 8) !== 0;
      kind = code ? 'code' : 'data';
      if (code) {
        what = `${db ? '32' : '16'}-bit code, ${type & 2 ? 'execute/read' : 'execute-only'}${type & 4 ? ', conforming' : ''}`;
        if (l) flags.push('L');
      } else {
        what = `${db ? '32-bit' : '16-bit'} data, ${type & 2 ? 'read/write' : 'read-only'}${type & 4 ? ', expand-down' : ''}`;
      }
      if (type & 1) flags.push('accessed');
    } else {
      kind = SYSTEM_TYPES[type].kind;
      what = SYSTEM_TYPES[type].name;
    }
    if (g) flags.push('G');
    if (db) flags.push(s && (type & 8) ? 'D' : 'B');
    if (avl) flags.push('AVL');
    if (!present) flags.push('not present');
    return { kind, present, dpl, base, limit, type, system: !s, flags, summary: `${what}, base ${hex(base)}, limit ${hex(limit)}, DPL ${dpl}${present ? '' : ', NOT PRESENT'}` };
  }
  const info = SYSTEM_TYPES[type];
  if (info === undefined) return { kind: 'reserved', present, dpl, type, system: true, flags: [], summary: `reserved system type ${type}` };
  const selector = (low >>> 16) & 0xffff;
  const offset = info.kind === 'task-gate' ? 0 : (((high & 0xffff0000) | (low & 0xffff)) >>> 0);
  const summary = info.kind === 'task-gate'
    ? `task gate → TSS selector ${hex(selector, 4)}, DPL ${dpl}${present ? '' : ', NOT PRESENT'}`
    : `${info.name} → ${hex(selector, 4)}:${hex(offset)}, DPL ${dpl}${info.kind === 'call-gate' ? `, ${(high & 0x1f)} parameters` : ''}${present ? '' : ', NOT PRESENT'}`;
  return { kind: info.kind, present, dpl, selector, offset, type, system: true, flags: present ? [] : ['not present'], summary };
}

/** Attributes as the segment cache keeps them (bits 0-7 type/S/DPL/P, 12-15 AVL/L/DB/G) decoded. */
export function describeCachedAttributes(attributes: number): string {
  const type = attributes & 0xf;
  const s = (attributes & 0x10) !== 0;
  const dpl = (attributes >> 5) & 3;
  const p = (attributes & 0x80) !== 0;
  const db = (attributes & 0x4000) !== 0;
  const g = (attributes & 0x8000) !== 0;
  const kind = !s ? (SYSTEM_TYPES[type]?.name ?? `system type ${type}`) : type & 8 ? `code ${type & 2 ? 'R' : ''}X${type & 4 ? ' conforming' : ''}` : `data R${type & 2 ? 'W' : ''}${type & 4 ? ' expand-down' : ''}`;
  return `${kind}, DPL ${dpl}, ${p ? 'P' : 'not present'}, ${db ? (s && type & 8 ? 'D=1 (32-bit)' : 'B=1 (32-bit)') : 'D/B=0 (16-bit)'}, G=${g ? 1 : 0}`;
}
