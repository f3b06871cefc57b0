/**
 * Attribute values with their meaning: names (following abstract_origin
 * and specification, DWARF 5 sections 3.3.8.1 and 2.13.2), address ranges
 * (low_pc/high_pc 2.17.2; .debug_ranges DWARF 4 2.17.3; .debug_rnglists
 * DWARF 5 2.17.3 and 7.25), and location lists (.debug_loc DWARF 4 2.6.2,
 * .debug_loclists DWARF 5 2.6.2 and 7.7.3).
 */
import { FormatError } from '../elf/byte-reader';
import { DW_AT as DW_AT_, DW_FORM as DW_FORM_, DW_LLE as DW_LLE_, DW_RLE as DW_RLE_ } from './dwarf-constants';
import { DwarfCursor } from './dwarf-cursor';
import { addressAtIndex, attribute, resolveAddress, resolveString, type Die, type DwarfUnit } from './debug-info';
// Plain local objects: a transpiled module's named imports are getters, slow in the hot loops.
const DW_AT = DW_AT_;
const DW_FORM = DW_FORM_;
const DW_LLE = DW_LLE_;
const DW_RLE = DW_RLE_;

export interface AddressRange {
  low: number;
  /** Exclusive. */
  high: number;
}

export interface LocationListEntry extends AddressRange {
  expression: Uint8Array;
}

const CONSTANT_FORMS = new Set<number>([DW_FORM.data1, DW_FORM.data2, DW_FORM.data4, DW_FORM.data8, DW_FORM.sdata, DW_FORM.udata, DW_FORM.implicit_const]);

export function isConstantForm(form: number): boolean {
  return CONSTANT_FORMS.has(form);
}

export function dieString(die: Die, name: number): string | undefined {
  const a = attribute(die, name);
  return a === undefined ? undefined : resolveString(die.unit, a);
}

export function dieNumber(die: Die, name: number): number | undefined {
  const a = attribute(die, name);
  return a !== undefined && typeof a.value === 'number' ? a.value : undefined;
}

export function dieFlag(die: Die, name: number): boolean {
  const a = attribute(die, name);
  return a !== undefined && a.value !== false && a.value !== 0;
}

/** The DIE a reference attribute points at, through the index of all DIEs by offset. */
export function dieReference(die: Die, name: number, index: DieIndex): Die | undefined {
  const a = attribute(die, name);
  if (a === undefined || typeof a.value !== 'number' || a.form === DW_FORM.ref_sig8 || a.form === DW_FORM.GNU_ref_alt || a.form === DW_FORM.ref_sup4 || a.form === DW_FORM.ref_sup8) return undefined;
  return index.get(a.value);
}

export type DieIndex = Map<number, Die>;

/** DW_AT_name, else the name of the abstract origin or specification (bounded against reference cycles). */
export function dieName(die: Die, index: DieIndex): string | undefined {
  let d: Die | undefined = die;
  for (let hops = 0; d !== undefined && hops < 8; hops++) {
    const name = dieString(d, DW_AT.name);
    if (name !== undefined) return name;
    d = dieReference(d, DW_AT.abstract_origin, index) ?? dieReference(d, DW_AT.specification, index);
  }
  return undefined;
}

/** An attribute of the DIE or, failing that, of its abstract origin / specification. */
export function dieAttributeOwner(die: Die, name: number, index: DieIndex): Die | undefined {
  let d: Die | undefined = die;
  for (let hops = 0; d !== undefined && hops < 8; hops++) {
    if (attribute(d, name) !== undefined) return d;
    d = dieReference(d, DW_AT.abstract_origin, index) ?? dieReference(d, DW_AT.specification, index);
  }
  return undefined;
}

/** The address ranges of a DIE (empty when it has none). */
export function dieRanges(die: Die): AddressRange[] {
  const unit = die.unit;
  const lowAttr = attribute(die, DW_AT.low_pc);
  const highAttr = attribute(die, DW_AT.high_pc);
  if (lowAttr !== undefined && highAttr !== undefined) {
    const low = resolveAddress(unit, lowAttr);
    // DWARF 4 section 2.17.2: a constant-class high_pc is an offset from low_pc.
    const high = isConstantForm(highAttr.form) ? low + (highAttr.value as number) : resolveAddress(unit, highAttr);
    return high > low ? [{ low, high }] : [];
  }
  const rangesAttr = attribute(die, DW_AT.ranges);
  if (rangesAttr !== undefined && typeof rangesAttr.value === 'number') {
    if (unit.version >= 5) {
      const offset = rangesAttr.form === DW_FORM.rnglistx ? listOffsetFromIndex(unit, unit.sections.rnglists, '.debug_rnglists', unit.rnglistsBase, rangesAttr.value) : rangesAttr.value;
      return readRnglist(unit, offset);
    }
    return readDebugRanges(unit, rangesAttr.value);
  }
  // A bare low_pc (labels, entry points) covers no range.
  return [];
}

/** DWARF 5 section 7.28/7.29: rnglistx/loclistx index through the offsets array at the unit's base. */
function listOffsetFromIndex(unit: DwarfUnit, section: Uint8Array | undefined, name: string, base: number, index: number): number {
  if (section === undefined) throw new FormatError(`${name} is missing`);
  const c = new DwarfCursor(section, name, base + index * unit.offsetSize);
  return base + c.uint(unit.offsetSize);
}

const MAX_LIST_ENTRIES = 1 << 20;

/**
 * The DWARF 4 list shape shared by .debug_ranges (section 2.17.3) and
 * .debug_loc (section 2.6.2): (start, end) address pairs, a pair whose start
 * is the largest address selects a new base, (0, 0) ends the list. `entry`
 * reads whatever follows a pair (nothing for ranges, an expression for
 * locations) and is called for every address pair.
 */
function walkDwarf4List(unit: DwarfUnit, c: DwarfCursor, entry: (low: number, high: number) => void): void {
  const max = unit.addressSize === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (unit.addressSize * 8) - 1;
  let base = unit.baseAddress;
  for (let n = 0; n < MAX_LIST_ENTRIES; n++) {
    const start = c.uint(unit.addressSize);
    const end = c.uint(unit.addressSize);
    if (start === 0 && end === 0) break;
    if (start >= max) {
      base = end;
      continue;
    }
    entry(base + start, base + end);
  }
}

/** DWARF 4 section 2.17.3: .debug_ranges pairs with base-address selection entries. */
function readDebugRanges(unit: DwarfUnit, offset: number): AddressRange[] {
  const section = unit.sections.ranges;
  if (section === undefined) throw new FormatError('DW_AT_ranges without .debug_ranges');
  const out: AddressRange[] = [];
  walkDwarf4List(unit, new DwarfCursor(section, '.debug_ranges', offset), (low, high) => {
    if (high > low) out.push({ low, high });
  });
  return out;
}

/** DWARF 5 section 2.17.3: .debug_rnglists entries. */
function readRnglist(unit: DwarfUnit, offset: number): AddressRange[] {
  const section = unit.sections.rnglists;
  if (section === undefined) throw new FormatError('DW_AT_ranges without .debug_rnglists');
  const c = new DwarfCursor(section, '.debug_rnglists', offset);
  let base = unit.baseAddress;
  const out: AddressRange[] = [];
  const push = (low: number, high: number): void => {
    if (high > low) out.push({ low, high });
  };
  for (let n = 0; n < MAX_LIST_ENTRIES; n++) {
    const kind = c.u8();
    if (kind === DW_RLE.end_of_list) break;
    switch (kind) {
      case DW_RLE.base_addressx: base = addressAtIndex(unit, c.uleb()); break;
      case DW_RLE.startx_endx: { const s = addressAtIndex(unit, c.uleb()); push(s, addressAtIndex(unit, c.uleb())); break; }
      case DW_RLE.startx_length: { const s = addressAtIndex(unit, c.uleb()); push(s, s + c.uleb()); break; }
      case DW_RLE.offset_pair: { const s = c.uleb(); push(base + s, base + c.uleb()); break; }
      case DW_RLE.base_address: base = c.uint(unit.addressSize); break;
      case DW_RLE.start_end: { const s = c.uint(unit.addressSize); push(s, c.uint(unit.addressSize)); break; }
      case DW_RLE.start_length: { const s = c.uint(unit.addressSize); push(s, s + c.uleb()); break; }
      default: c.fail(`unknown range list entry kind ${kind}`);
    }
  }
  return out;
}

/** A location attribute: a single expression (exprloc/block) or a location list. */
export type LocationDescription = { kind: 'expression'; expression: Uint8Array } | { kind: 'list'; entries: LocationListEntry[] };

export function dieLocation(die: Die, name: number = DW_AT.location): LocationDescription | undefined {
  const a = attribute(die, name);
  if (a === undefined) return undefined;
  if (a.value instanceof Uint8Array) return { kind: 'expression', expression: a.value };
  if (typeof a.value !== 'number') return undefined;
  const unit = die.unit;
  if (unit.version >= 5) {
    const offset = a.form === DW_FORM.loclistx ? listOffsetFromIndex(unit, unit.sections.loclists, '.debug_loclists', unit.loclistsBase, a.value) : a.value;
    return { kind: 'list', entries: readLoclist(unit, offset) };
  }
  return { kind: 'list', entries: readDebugLoc(unit, a.value) };
}

/** DWARF 4 section 2.6.2: .debug_loc entries. */
function readDebugLoc(unit: DwarfUnit, offset: number): LocationListEntry[] {
  const section = unit.sections.loc;
  if (section === undefined) throw new FormatError('location list without .debug_loc');
  const c = new DwarfCursor(section, '.debug_loc', offset);
  const out: LocationListEntry[] = [];
  walkDwarf4List(unit, c, (low, high) => out.push({ low, high, expression: c.bytesOf(c.u16()) }));
  return out;
}

/** DWARF 5 section 2.6.2 and 7.7.3: .debug_loclists entries (DW_LLE_GNU_view_pair skipped). */
function readLoclist(unit: DwarfUnit, offset: number): LocationListEntry[] {
  const section = unit.sections.loclists;
  if (section === undefined) throw new FormatError('location list without .debug_loclists');
  const c = new DwarfCursor(section, '.debug_loclists', offset);
  let base = unit.baseAddress;
  const out: LocationListEntry[] = [];
  const push = (low: number, high: number): void => {
    out.push({ low, high, expression: c.bytesOf(c.uleb()) });
  };
  for (let n = 0; n < MAX_LIST_ENTRIES; n++) {
    const kind = c.u8();
    if (kind === DW_LLE.end_of_list) break;
    switch (kind) {
      case DW_LLE.base_addressx: base = addressAtIndex(unit, c.uleb()); break;
      case DW_LLE.startx_endx: { const s = addressAtIndex(unit, c.uleb()); push(s, addressAtIndex(unit, c.uleb())); break; }
      case DW_LLE.startx_length: { const s = addressAtIndex(unit, c.uleb()); push(s, s + c.uleb()); break; }
      case DW_LLE.offset_pair: { const s = c.uleb(); push(base + s, base + c.uleb()); break; }
      case DW_LLE.default_location: push(0, Number.MAX_SAFE_INTEGER); break;
      case DW_LLE.base_address: base = c.uint(unit.addressSize); break;
      case DW_LLE.start_end: { const s = c.uint(unit.addressSize); push(s, c.uint(unit.addressSize)); break; }
      case DW_LLE.start_length: { const s = c.uint(unit.addressSize); push(s, s + c.uleb()); break; }
      case DW_LLE.GNU_view_pair: c.uleb(); c.uleb(); break;
      default: c.fail(`unknown location list entry kind ${kind}`);
    }
  }
  return out;
}
