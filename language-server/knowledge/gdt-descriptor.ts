/**
 * Segment descriptor decoding (SDM Vol. 3A 3.4.5 Figure 3-8 "Segment
 * Descriptor", Table 3-1 code/data types, 3.5 Table 3-2 system types).
 */
export interface DecodedDescriptor {
  base: number;
  /** Raw 20-bit limit field. */
  limit: number;
  /** Limit in bytes after granularity scaling (limit * 4096 + 4095 when G=1). */
  effectiveLimit: number;
  type: number;
  /** S: 1 = code/data, 0 = system. */
  s: number;
  dpl: number;
  p: number;
  avl: number;
  l: number;
  db: number;
  g: number;
  typeText: string;
}

const SYSTEM_TYPES = ['reserved', '16-bit TSS (available)', 'LDT', '16-bit TSS (busy)', '16-bit call gate', 'task gate', '16-bit interrupt gate', '16-bit trap gate', 'reserved', '32-bit TSS (available)', 'reserved', '32-bit TSS (busy)', '32-bit call gate', 'reserved', '32-bit interrupt gate', '32-bit trap gate'];

function typeText(type: number, s: number): string {
  if (s === 0) return SYSTEM_TYPES[type];
  const accessed = type & 1 ? ', accessed' : '';
  if (type & 8) return `code, ${type & 2 ? 'execute/read' : 'execute-only'}${type & 4 ? ', conforming' : ''}${accessed}`;
  return `data, ${type & 2 ? 'read/write' : 'read-only'}${type & 4 ? ', expand-down' : ''}${accessed}`;
}

export function decodeDescriptor(value: bigint): DecodedDescriptor {
  const lo = Number(value & 0xffffffffn);
  const hi = Number((value >> 32n) & 0xffffffffn);
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const limit = (lo & 0xffff) | (hi & 0x000f0000);
  const type = (hi >>> 8) & 0xf;
  const s = (hi >>> 12) & 1;
  const g = (hi >>> 23) & 1;
  return {
    base,
    limit,
    effectiveLimit: g ? limit * 4096 + 4095 : limit,
    type,
    s,
    dpl: (hi >>> 13) & 3,
    p: (hi >>> 15) & 1,
    avl: (hi >>> 20) & 1,
    l: (hi >>> 21) & 1,
    db: (hi >>> 22) & 1,
    g,
    typeText: typeText(type, s),
  };
}

/** Markdown lines for a hover. */
export function describeDescriptor(value: bigint): string[] {
  const d = decodeDescriptor(value);
  if (value === 0n) return ['**Null descriptor** (GDT entry 0, SDM Vol. 3A 3.4.2)'];
  const hex = (n: number, w = 8): string => '0x' + n.toString(16).padStart(w, '0');
  const size = d.effectiveLimit + 1;
  const sizeText = size === 2 ** 32 ? '4 GiB' : size >= 2 ** 20 && size % 2 ** 20 === 0 ? `${size / 2 ** 20} MiB` : `${size} bytes`;
  return [
    `**Segment descriptor** \`0x${value.toString(16).padStart(16, '0')}\` (SDM Vol. 3A 3.4.5)`,
    '',
    `- base: \`${hex(d.base)}\``,
    `- limit: \`${hex(d.limit, 5)}\`${d.g ? ` × 4 KiB → \`${hex(d.effectiveLimit)}\`` : ''} (${sizeText})`,
    `- type: ${d.type} (${d.typeText})`,
    `- S: ${d.s} (${d.s ? 'code/data' : 'system'})`,
    `- DPL: ${d.dpl}`,
    `- P: ${d.p} (${d.p ? 'present' : 'not present'})`,
    `- AVL: ${d.avl}`,
    `- L: ${d.l}${d.l ? ' (64-bit code)' : ''}`,
    `- D/B: ${d.db} (${d.db ? '32-bit' : '16-bit'})`,
    `- G: ${d.g} (${d.g ? '4 KiB' : 'byte'} granularity)`,
  ];
}
