/**
 * C types from DWARF type DIEs (DWARF 5 section 5): base types (5.1),
 * qualifiers and pointers (5.3), typedefs (5.4), arrays with one subrange
 * per dimension (5.5), structures and unions with members and bit fields
 * (5.7.6: DW_AT_data_bit_offset, or DWARF 2/3 DW_AT_bit_offset), enums
 * (5.11) and subroutine types (5.12). Types are built lazily and cached by
 * DIE offset, so self-referencing structures terminate.
 */
import { DW_AT as DW_AT_, DW_TAG as DW_TAG_ } from './dwarf-constants';
import { attribute, type Die } from './debug-info';
import { dieFlag, dieName, dieNumber, dieReference, type DieIndex } from './attribute-values';
// Plain local objects: a transpiled module's named imports are getters, slow in the hot loops.
const DW_AT = DW_AT_;
const DW_TAG = DW_TAG_;

export type DwarfType =
  | { kind: 'void' }
  | { kind: 'base'; name: string; size: number; /** DW_ATE_* */ encoding: number }
  | { kind: 'pointer'; size: number; target: DwarfType }
  | { kind: 'qualified'; qualifier: 'const' | 'volatile' | 'restrict' | 'atomic'; target: DwarfType }
  | { kind: 'typedef'; name: string; target: DwarfType }
  | { kind: 'array'; element: DwarfType; /** Element count per dimension, outermost first; undefined when unknown (`int a[]`). */ dimensions: (number | undefined)[] }
  | { kind: 'struct' | 'union'; name: string | undefined; size: number; members: MemberInfo[]; declaration: boolean }
  | { kind: 'enum'; name: string | undefined; size: number; signed: boolean; enumerators: { name: string; value: number }[] }
  | { kind: 'function'; returnType: DwarfType; parameters: DwarfType[]; variadic: boolean }
  | { kind: 'unknown'; tag: number };

export interface MemberInfo {
  name: string | undefined;
  type: DwarfType;
  /** Byte offset of the member's storage in the structure. */
  byteOffset: number;
  /** Bit fields: width, and offset in bits from the structure start, counted from the least significant bit (little-endian). */
  bitSize?: number;
  bitOffset?: number;
}

const VOID: DwarfType = { kind: 'void' };

export class TypeReader {
  private readonly cache = new Map<number, DwarfType>();

  constructor(private readonly dies: DieIndex, private readonly addressSize: number) {}

  /** The type a DIE's DW_AT_type names (void when absent). */
  typeOf(die: Die): DwarfType {
    const t = dieReference(die, DW_AT.type, this.dies);
    return t === undefined ? VOID : this.read(t);
  }

  read(die: Die): DwarfType {
    const cached = this.cache.get(die.offset);
    if (cached !== undefined) return cached;
    const name = dieName(die, this.dies);
    const size = dieNumber(die, DW_AT.byte_size) ?? 0;
    switch (die.tag) {
      case DW_TAG.base_type:
        return this.remember(die, { kind: 'base', name: name ?? '?', size, encoding: dieNumber(die, DW_AT.encoding) ?? 0 });
      case DW_TAG.pointer_type:
      case DW_TAG.reference_type: {
        const t: DwarfType = { kind: 'pointer', size: size || this.addressSize, target: VOID };
        this.remember(die, t);
        t.target = this.typeOf(die);
        return t;
      }
      case DW_TAG.const_type:
      case DW_TAG.volatile_type:
      case DW_TAG.restrict_type:
      case DW_TAG.atomic_type: {
        const qualifier = die.tag === DW_TAG.const_type ? 'const' : die.tag === DW_TAG.volatile_type ? 'volatile' : die.tag === DW_TAG.restrict_type ? 'restrict' : 'atomic';
        const t: DwarfType = { kind: 'qualified', qualifier, target: VOID };
        this.remember(die, t);
        t.target = this.typeOf(die);
        return t;
      }
      case DW_TAG.typedef: {
        const t: DwarfType = { kind: 'typedef', name: name ?? '?', target: VOID };
        this.remember(die, t);
        t.target = this.typeOf(die);
        return t;
      }
      case DW_TAG.array_type: {
        const t: DwarfType = { kind: 'array', element: VOID, dimensions: [] };
        this.remember(die, t);
        t.element = this.typeOf(die);
        for (const sub of die.children) {
          if (sub.tag !== DW_TAG.subrange_type) continue;
          const count = dieNumber(sub, DW_AT.count);
          const upper = attribute(sub, DW_AT.upper_bound);
          const lower = dieNumber(sub, DW_AT.lower_bound) ?? 0;
          // 5.5: count, or upper_bound - lower_bound + 1 (an upper bound that is an expression means a VLA: unknown).
          t.dimensions.push(count ?? (upper !== undefined && typeof upper.value === 'number' ? upper.value - lower + 1 : undefined));
        }
        if (t.dimensions.length === 0) t.dimensions.push(undefined);
        return t;
      }
      case DW_TAG.structure_type:
      case DW_TAG.class_type:
      case DW_TAG.union_type: {
        const t: DwarfType = { kind: die.tag === DW_TAG.union_type ? 'union' : 'struct', name, size, members: [], declaration: dieFlag(die, DW_AT.declaration) };
        this.remember(die, t);
        for (const m of die.children) if (m.tag === DW_TAG.member) t.members.push(this.member(m, t.kind === 'union'));
        return t;
      }
      case DW_TAG.enumeration_type: {
        const enumerators = die.children.filter((e) => e.tag === DW_TAG.enumerator).map((e) => ({ name: dieName(e, this.dies) ?? '?', value: dieNumber(e, DW_AT.const_value) ?? 0 }));
        const t: DwarfType = { kind: 'enum', name, size: size || 4, signed: enumerators.some((e) => e.value < 0), enumerators };
        this.remember(die, t);
        const base = dieReference(die, DW_AT.type, this.dies);
        const baseType = base === undefined ? undefined : this.read(base);
        if (baseType?.kind === 'base') t.signed = baseType.encoding === 0x5 || baseType.encoding === 0x6;
        return t;
      }
      case DW_TAG.subroutine_type: {
        const t: DwarfType = { kind: 'function', returnType: VOID, parameters: [], variadic: false };
        this.remember(die, t);
        t.returnType = this.typeOf(die);
        for (const p of die.children) {
          if (p.tag === DW_TAG.formal_parameter) t.parameters.push(this.typeOf(p));
          else if (p.tag === DW_TAG.unspecified_parameters) t.variadic = true;
        }
        return t;
      }
      default:
        return this.remember(die, { kind: 'unknown', tag: die.tag });
    }
  }

  private remember(die: Die, t: DwarfType): DwarfType {
    this.cache.set(die.offset, t);
    return t;
  }

  private member(m: Die, inUnion: boolean): MemberInfo {
    const type = this.typeOf(m);
    const location = attribute(m, DW_AT.data_member_location);
    // 5.7.6: a constant data_member_location is a byte offset (an expression form is rare in C; treat as 0).
    let byteOffset = location !== undefined && typeof location.value === 'number' ? location.value : 0;
    if (location !== undefined && location.value instanceof Uint8Array) byteOffset = plusUconstOffset(location.value);
    const info: MemberInfo = { name: dieName(m, this.dies), type, byteOffset };
    const bitSize = dieNumber(m, DW_AT.bit_size);
    if (bitSize !== undefined) {
      info.bitSize = bitSize;
      const dataBitOffset = dieNumber(m, DW_AT.data_bit_offset);
      if (dataBitOffset !== undefined) {
        info.bitOffset = dataBitOffset;
        info.byteOffset = Math.floor(dataBitOffset / 8);
      } else {
        // DWARF 2/3 DW_AT_bit_offset counts from the most significant bit of the storage unit of DW_AT_byte_size bytes.
        const storage = dieNumber(m, DW_AT.byte_size) ?? sizeOf(type);
        const oldBitOffset = dieNumber(m, DW_AT.bit_offset) ?? 0;
        info.bitOffset = byteOffset * 8 + storage * 8 - oldBitOffset - bitSize;
      }
    } else if (inUnion) info.byteOffset = 0;
    return info;
  }
}

/** DW_OP_plus_uconst N as a member location (DWARF 2 style). */
function plusUconstOffset(expr: Uint8Array): number {
  if (expr.length < 2 || expr[0] !== 0x23) return 0;
  let v = 0, scale = 1;
  for (let i = 1; i < expr.length; i++) {
    v += (expr[i] & 0x7f) * scale;
    scale *= 128;
    if ((expr[i] & 0x80) === 0) break;
  }
  return v;
}

/** Strip typedefs and qualifiers. */
export function resolveType(t: DwarfType): DwarfType {
  let r = t;
  for (let i = 0; i < 64 && (r.kind === 'typedef' || r.kind === 'qualified'); i++) r = r.target;
  return r;
}

export function sizeOf(t: DwarfType, depth = 0): number {
  if (depth > MAX_TYPE_DEPTH) return 0; // a corrupt file can make a type contain itself
  const r = resolveType(t);
  switch (r.kind) {
    case 'base': case 'pointer': case 'struct': case 'union': case 'enum': return r.size;
    case 'array': {
      const n = r.dimensions.reduce<number>((a, d) => a * (d ?? 0), 1);
      return n * sizeOf(r.element, depth + 1);
    }
    default: return 0;
  }
}

const MAX_TYPE_DEPTH = 32;

function typeNameAt(t: DwarfType, inner: string, depth: number): string {
  return typeName(t, inner, depth);
}

/** The C spelling of a type, with an optional declarator inside (for pointers to arrays and functions). */
export function typeName(t: DwarfType, inner = '', depth = 0): string {
  if (depth > MAX_TYPE_DEPTH) return '...';
  const typeName = (x: DwarfType, i = ''): string => typeNameAt(x, i, depth + 1);
  const withInner = (base: string): string => (inner === '' ? base : `${base} ${inner}`);
  switch (t.kind) {
    case 'void': return withInner('void');
    case 'base': return withInner(t.name);
    case 'typedef': return withInner(t.name);
    case 'struct': case 'union': case 'enum': return withInner(`${t.kind} ${t.name ?? '{...}'}`);
    case 'qualified': {
      if (t.target.kind === 'pointer') return typeName(t.target, `${t.qualifier}${inner === '' ? '' : ` ${inner}`}`);
      if (t.target.kind === 'array') {
        // C 6.7.3: qualifying an array type qualifies its elements (GCC writes both).
        const element = t.target.element;
        const qualified: DwarfType = element.kind === 'qualified' && element.qualifier === t.qualifier ? element : { kind: 'qualified', qualifier: t.qualifier, target: element };
        return typeName({ ...t.target, element: qualified }, inner);
      }
      return `${t.qualifier} ${typeName(t.target, inner)}`;
    }
    case 'pointer': {
      const next = t.target.kind === 'array' || t.target.kind === 'function' ? `(*${inner})` : `*${inner}`;
      return typeName(t.target, next);
    }
    case 'array': return typeName(t.element, `${inner}${t.dimensions.map((d) => `[${d ?? ''}]`).join('')}`);
    case 'function': {
      const params = t.parameters.map((p) => typeName(p)).concat(t.variadic ? ['...'] : []);
      return typeName(t.returnType, `${inner}(${params.length === 0 ? 'void' : params.join(', ')})`);
    }
    case 'unknown': return withInner(`<tag 0x${t.tag.toString(16)}>`);
  }
}
