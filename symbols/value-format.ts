/**
 * Values as the debugger shows them, from the bytes of a variable and its
 * DWARF type: integers by encoding and size (DWARF 5 section 5.1, table
 * 7.11), chars with their character, pointers in hex with the symbol they
 * point to (and the string for char pointers), enums by enumerator name,
 * structures and unions member by member (bit fields extracted, section
 * 5.7.6), arrays element by element, paged (first 100 by default).
 */
import { DW_ATE } from './dwarf/dwarf-constants';
import { resolveType, sizeOf, typeName, type DwarfType, type MemberInfo } from './dwarf/type-model';

export interface FormattedValue {
  name?: string;
  value: string;
  type: string;
  /** Members or elements (one page of them for arrays). */
  children?: FormattedValue[];
  /** Total number of elements when an array was paged. */
  totalChildren?: number;
  /** Where the value lives in memory, when it does. */
  address?: number;
}

export interface FormatContext {
  /** Bytes of target memory (for strings behind char pointers and nested reads). */
  readMemory(address: number, size: number): Uint8Array | undefined;
  /** "name" or "name+0x12" for an address, when a symbol covers it. */
  symbolize(address: number): string | undefined;
}

export interface PageOptions {
  start?: number;
  count?: number;
}

export const DEFAULT_PAGE = 100;
const MAX_STRING = 200;

export function formatBytes(bytes: Uint8Array | undefined, type: DwarfType, ctx: FormatContext, page: PageOptions = {}, address?: number, depth = 0): FormattedValue {
  const name = typeName(type);
  if (depth > 16) return { value: '{...}', type: name };
  if (bytes === undefined) return { value: '<unavailable>', type: name };
  const t = resolveType(type);
  const withAddress = (v: FormattedValue): FormattedValue => (address === undefined ? v : { ...v, address });
  switch (t.kind) {
    case 'base':
      return withAddress({ value: formatBase(bytes, t.size, t.encoding, t.name), type: name });
    case 'enum': {
      const v = readInteger(bytes, 0, t.size, t.signed);
      const e = t.enumerators.find((x) => BigInt(x.value) === v);
      return withAddress({ value: e !== undefined ? e.name : `${v}`, type: name });
    }
    case 'pointer': {
      const p = Number(readInteger(bytes, 0, t.size, false));
      let value = `0x${p.toString(16).padStart(t.size * 2, '0')}`;
      const sym = p === 0 ? undefined : ctx.symbolize(p);
      if (sym !== undefined) value += ` <${sym}>`;
      const target = resolveType(t.target);
      if (p !== 0 && target.kind === 'base' && target.size === 1 && isCharEncoding(target.encoding)) {
        const s = readCString(ctx, p);
        if (s !== undefined) value += ` ${s}`;
      }
      return withAddress({ value, type: name });
    }
    case 'struct':
    case 'union': {
      const children = depth > 8 ? [] : t.members.map((m) => formatMember(bytes, m, ctx, address, depth));
      return withAddress({ value: `{${children.map((c) => `${c.name ?? '?'}=${c.children === undefined ? c.value : '{...}'}`).slice(0, 8).join(', ')}${children.length > 8 ? ', ...' : ''}}`, type: name, children });
    }
    case 'array': {
      const [first, ...rest] = t.dimensions;
      const elementType: DwarfType = rest.length === 0 ? t.element : { kind: 'array', element: t.element, dimensions: rest };
      const elementSize = sizeOf(elementType);
      const total = first ?? 0;
      const start = Math.max(0, page.start ?? 0);
      const count = Math.min(page.count ?? DEFAULT_PAGE, Math.max(0, total - start));
      const children: FormattedValue[] = [];
      for (let i = start; i < start + count && elementSize > 0; i++) {
        const at = i * elementSize;
        const slice = at + elementSize <= bytes.length ? bytes.subarray(at, at + elementSize) : undefined;
        children.push({ ...formatBytes(slice, elementType, ctx, {}, address === undefined ? undefined : address + at, depth + 1), name: `[${i}]` });
      }
      const element = resolveType(t.element);
      let value = `${typeName(t.element)}[${total}]`;
      if (rest.length === 0 && element.kind === 'base' && element.size === 1 && isCharEncoding(element.encoding)) value = quoteBytes(bytes.subarray(0, Math.min(bytes.length, total)));
      return withAddress({ value, type: name, children, totalChildren: total });
    }
    case 'function':
      return withAddress({ value: address === undefined ? '<function>' : `<${ctx.symbolize(address) ?? `0x${address.toString(16)}`}>`, type: name });
    case 'void':
      return { value: '<void>', type: name };
    case 'unknown':
      return { value: '<unsupported type>', type: name };
    default:
      return { value: '?', type: name };
  }
}

function formatMember(bytes: Uint8Array, m: MemberInfo, ctx: FormatContext, base: number | undefined, depth: number): FormattedValue {
  const name = m.name ?? '<anonymous>';
  if (m.bitSize !== undefined && m.bitOffset !== undefined) {
    const t = resolveType(m.type);
    const signed = t.kind === 'base' ? t.encoding === DW_ATE.signed || t.encoding === DW_ATE.signed_char : t.kind === 'enum' ? t.signed : false;
    const v = extractBits(bytes, m.bitOffset, m.bitSize, signed);
    const value = t.kind === 'enum' ? (t.enumerators.find((e) => BigInt(e.value) === v)?.name ?? `${v}`) : t.kind === 'base' && t.encoding === DW_ATE.boolean ? (v !== 0n ? 'true' : 'false') : `${v}`;
    return { name, value, type: `${typeName(m.type)} : ${m.bitSize}` };
  }
  const size = sizeOf(m.type);
  const slice = m.byteOffset + size <= bytes.length ? bytes.subarray(m.byteOffset, m.byteOffset + size) : undefined;
  return { ...formatBytes(slice, m.type, ctx, {}, base === undefined ? undefined : base + m.byteOffset, depth + 1), name };
}

function isCharEncoding(encoding: number): boolean {
  return encoding === DW_ATE.signed_char || encoding === DW_ATE.unsigned_char || encoding === DW_ATE.UTF;
}

function formatBase(bytes: Uint8Array, size: number, encoding: number, name: string): string {
  switch (encoding) {
    case DW_ATE.boolean: return readInteger(bytes, 0, size, false) !== 0n ? 'true' : 'false';
    case DW_ATE.float: {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (size === 4 && bytes.length >= 4) return `${view.getFloat32(0, true)}`;
      if (size === 8 && bytes.length >= 8) return `${view.getFloat64(0, true)}`;
      return `<float${size * 8}>`;
    }
    case DW_ATE.signed_char:
    case DW_ATE.unsigned_char: {
      const v = readInteger(bytes, 0, size, encoding === DW_ATE.signed_char);
      return `${v} ${quoteChar(Number(v) & 0xff)}`;
    }
    case DW_ATE.signed:
      return `${readInteger(bytes, 0, size, true)}`;
    case DW_ATE.unsigned:
    case DW_ATE.address:
    case DW_ATE.UTF:
      return `${readInteger(bytes, 0, size, false)}`;
    default:
      return `${readInteger(bytes, 0, size, /char|int|short|long/.test(name) && !/unsigned/.test(name))}`;
  }
}

export function readInteger(bytes: Uint8Array, offset: number, size: number, signed: boolean): bigint {
  let v = 0n;
  const n = Math.min(size, Math.max(0, bytes.length - offset));
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]);
  if (signed && n > 0 && v & (1n << BigInt(n * 8 - 1))) v -= 1n << BigInt(n * 8);
  return v;
}

function extractBits(bytes: Uint8Array, bitOffset: number, bitSize: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = bitSize - 1; i >= 0; i--) {
    const bit = bitOffset + i;
    const byte = bytes[bit >> 3] ?? 0;
    v = (v << 1n) | BigInt((byte >> (bit & 7)) & 1);
  }
  if (signed && bitSize > 0 && v & (1n << BigInt(bitSize - 1))) v -= 1n << BigInt(bitSize);
  return v;
}

function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x5c) return "'\\\\'";
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  const named: Record<number, string> = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
  return `'${named[c] ?? `\\${c.toString(8).padStart(3, '0')}`}'`;
}

function quoteBytes(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0) break;
    const q = quoteChar(b);
    s += b === 0x22 ? '\\"' : b === 0x27 ? "'" : q.slice(1, -1);
  }
  return s + '"';
}

/** A NUL-terminated string read in small chunks (the string may end just before unreadable memory). */
function readCString(ctx: FormatContext, address: number): string | undefined {
  const CHUNK = 16;
  const collected: number[] = [];
  while (collected.length < MAX_STRING) {
    let chunk = ctx.readMemory(address + collected.length, CHUNK);
    if (chunk === undefined) {
      const one = ctx.readMemory(address + collected.length, 1);
      if (one === undefined) break;
      chunk = one;
    }
    const end = chunk.indexOf(0);
    if (end >= 0) return quoteBytes(Uint8Array.from([...collected, ...chunk.subarray(0, end)]));
    collected.push(...chunk);
  }
  if (collected.length === 0) return undefined;
  return quoteBytes(Uint8Array.from(collected)) + '...';
}
