/**
 * Units and debugging information entries from .debug_info (DWARF 4
 * section 7.5, DWARF 5 section 7.5): unit headers of versions 2 to 5 (all
 * DWARF 5 unit types), the DIE tree, and every attribute form of DWARF 5
 * table 7.6 plus the GNU extensions GCC emits. Index forms (strx, addrx,
 * rnglistx, loclistx) are kept raw and resolved against the unit's bases
 * by attribute-values.ts, because the base attributes may come later in
 * the same DIE.
 */
import { FormatError } from '../elf/byte-reader';
import { readAbbreviationTable, type Abbreviation, type AbbreviationTable } from './abbrev-table';
import { DW_AT as DW_AT_, DW_FORM as DW_FORM_, DW_UT as DW_UT_ } from './dwarf-constants';
import { checkStringAt, DwarfCursor, stringAt } from './dwarf-cursor';
import type { DwarfSections } from './dwarf-sections';
// Plain local objects: a transpiled module's named imports are getters, slow in the hot loops.
const DW_AT = DW_AT_;
const DW_FORM = DW_FORM_;
const DW_UT = DW_UT_;

export type AttributeValue = number | string | Uint8Array | boolean;

export interface Attribute {
  name: number;
  form: number;
  value: AttributeValue;
}

export interface Die {
  /** Offset in .debug_info (what references point at). */
  offset: number;
  tag: number;
  attributes: Attribute[];
  children: Die[];
  parent: Die | undefined;
  unit: DwarfUnit;
}

export interface DwarfUnit {
  offset: number;
  end: number;
  version: number;
  unitType: number;
  addressSize: number;
  offsetSize: 4 | 8;
  root: Die | undefined;
  sections: DwarfSections;
  /** DW_AT_str_offsets_base, DW_AT_addr_base, DW_AT_rnglists_base, DW_AT_loclists_base (DWARF 5 section 3.1.1). */
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  loclistsBase: number;
  /** Base address for range and location lists: the unit's DW_AT_low_pc (section 2.17.3). */
  baseAddress: number;
  name: string | undefined;
  compDir: string | undefined;
  stmtList: number | undefined;
}

export function attribute(die: Die, name: number): Attribute | undefined {
  for (const a of die.attributes) if (a.name === name) return a;
  return undefined;
}

/** Parse every unit of .debug_info with its DIE tree. */
export function readUnits(sections: DwarfSections, index?: Map<number, Die>): DwarfUnit[] {
  const info = sections.info;
  if (info === undefined) return [];
  if (sections.abbrev === undefined) throw new FormatError('.debug_info without .debug_abbrev');
  const abbrevCache = new Map<number, AbbreviationTable>();
  const units: DwarfUnit[] = [];
  let offset = 0;
  while (offset < info.length) {
    const unit = readUnit(sections, info, offset, abbrevCache, index);
    units.push(unit);
    offset = unit.end;
  }
  return units;
}

function readUnit(sections: DwarfSections, info: Uint8Array, offset: number, abbrevCache: Map<number, AbbreviationTable>, index: Map<number, Die> | undefined): DwarfUnit {
  const c = new DwarfCursor(info, '.debug_info', offset);
  const { offsetSize, unitEnd } = c.initialLength();
  const version = c.u16();
  if (version < 2 || version > 5) c.fail(`unsupported unit version ${version}`);
  let unitType: number = DW_UT.compile;
  let addressSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    // DWARF 5 section 7.5.1.1: unit_type, address_size, debug_abbrev_offset.
    unitType = c.u8();
    addressSize = c.u8();
    abbrevOffset = offsetSize === 8 ? c.u64() : c.u32();
    if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) c.skip(8); // dwo_id
    else if (unitType === DW_UT.type || unitType === DW_UT.split_type) c.skip(8 + offsetSize); // signature, type_offset
  } else {
    abbrevOffset = offsetSize === 8 ? c.u64() : c.u32();
    addressSize = c.u8();
  }
  if (addressSize !== 2 && addressSize !== 4 && addressSize !== 8) c.fail(`address size ${addressSize}`);
  let abbrevs = abbrevCache.get(abbrevOffset);
  if (abbrevs === undefined) {
    abbrevs = readAbbreviationTable(sections.abbrev!, abbrevOffset);
    abbrevCache.set(abbrevOffset, abbrevs);
  }
  const unit: DwarfUnit = {
    offset, end: unitEnd, version, unitType, addressSize, offsetSize, root: undefined, sections,
    strOffsetsBase: 0, addrBase: 0, rnglistsBase: 0, loclistsBase: 0, baseAddress: 0,
    name: undefined, compDir: undefined, stmtList: undefined,
  };
  const body = c.sub(c.offset, unitEnd);
  unit.root = readDieTree(body, unit, abbrevs, index);
  return unit;
}

const MAX_DIE_DEPTH = 512;
/** Shared by every DIE without children (most of them). */
const NO_CHILDREN: Die[] = [];

/** The unit's DIE tree; each DIE in the tree is also added to `index` (by offset) when given. */
function readDieTree(c: DwarfCursor, unit: DwarfUnit, abbrevs: AbbreviationTable, index: Map<number, Die> | undefined): Die | undefined {
  let root: Die | undefined;
  const stack: Die[] = [];
  while (!c.atEnd()) {
    const offset = c.offset;
    const code = c.uleb();
    if (code === 0) {
      stack.pop();
      if (stack.length === 0 && root !== undefined) break;
      continue;
    }
    const abbrev = abbrevs.get(code);
    if (abbrev === undefined) c.fail(`abbreviation code ${code} is not in the unit's table`);
    const parent = stack[stack.length - 1];
    // The attributes are checked here (every error a full decode would raise) and decoded on first use.
    const die: Die = new ParsedDie(offset, abbrev.tag, abbrev.hasChildren ? [] : NO_CHILDREN, parent, unit, abbrev, c.offset);
    skipAttributes(c, abbrev, unit);
    if (parent !== undefined) parent.children.push(die);
    else if (root === undefined) {
      root = die;
      noteUnitAttributes(unit, die);
    } else break; // a second top-level DIE: malformed, stop
    if (index !== undefined) index.set(offset, die);
    if (abbrev.hasChildren) {
      // Real programs nest a few dozen levels; a corrupt tree could nest once per byte.
      if (stack.length >= MAX_DIE_DEPTH) c.fail(`DIEs nest deeper than ${MAX_DIE_DEPTH} levels`);
      stack.push(die);
    }
    else if (stack.length === 0) break;
  }
  return root;
}

/**
 * A DIE read by readDieTree: its attribute values are decoded from
 * .debug_info on first access to `attributes` (most DIEs, types and
 * variables, are never asked), after readDieTree has already checked them.
 */
class ParsedDie implements Die {
  private decoded: Attribute[] | undefined = undefined;

  constructor(
    readonly offset: number,
    readonly tag: number,
    readonly children: Die[],
    readonly parent: Die | undefined,
    readonly unit: DwarfUnit,
    private readonly abbrev: Abbreviation,
    /** Where the attribute values start in .debug_info. */
    private readonly valuesAt: number,
  ) {}

  get attributes(): Attribute[] {
    this.decoded ??= decodeAttributes(new DwarfCursor(this.unit.sections.info!, '.debug_info', this.valuesAt, this.unit.end), this.abbrev, this.unit);
    return this.decoded;
  }

  set attributes(value: Attribute[]) {
    this.decoded = value;
  }
}

/** The attribute values of one DIE with its abbreviation, from the cursor's position. */
function decodeAttributes(c: DwarfCursor, abbrev: Abbreviation, unit: DwarfUnit): Attribute[] {
  const specs = abbrev.attributes;
  const attributes = new Array<Attribute>(specs.length);
  for (let k = 0; k < specs.length; k++) {
    const spec = specs[k];
    if (spec.form === DW_FORM.implicit_const) {
      attributes[k] = { name: spec.name, form: spec.form, value: spec.implicitConst ?? 0 };
      continue;
    }
    let form = spec.form;
    // 7.5.5: DW_FORM_indirect names the real form inline.
    for (let n = 0; form === DW_FORM.indirect; n++) {
      if (n > 8) c.fail('DW_FORM_indirect chain');
      form = c.uleb();
    }
    attributes[k] = { name: spec.name, form, value: readForm(c, form, unit) };
  }
  return attributes;
}

/** Step over one DIE's attribute values with every check decodeAttributes makes, keeping none. */
function skipAttributes(c: DwarfCursor, abbrev: Abbreviation, unit: DwarfUnit): void {
  const specs = abbrev.attributes;
  for (let k = 0; k < specs.length; k++) {
    let form = specs[k].form;
    if (form === DW_FORM.implicit_const) continue;
    for (let n = 0; form === DW_FORM.indirect; n++) {
      if (n > 8) c.fail('DW_FORM_indirect chain');
      form = c.uleb();
    }
    switch (form) {
      // The forms whose values are objects: checked, not built.
      case DW_FORM.block2: c.skip(c.u16()); break;
      case DW_FORM.block4: c.skip(c.u32()); break;
      case DW_FORM.block: case DW_FORM.exprloc: c.skip(c.uleb()); break;
      case DW_FORM.block1: c.skip(c.u8()); break;
      case DW_FORM.data16: c.skip(16); break;
      case DW_FORM.string: c.skipCString(); break;
      case DW_FORM.strp: checkStringAt(unit.sections.str, c.uint(unit.offsetSize), 'DW_FORM_strp'); break;
      case DW_FORM.line_strp: checkStringAt(unit.sections.lineStr, c.uint(unit.offsetSize), 'DW_FORM_line_strp'); break;
      default: readForm(c, form, unit);
    }
  }
}

function noteUnitAttributes(unit: DwarfUnit, root: Die): void {
  for (const a of root.attributes) {
    if (typeof a.value !== 'number') continue;
    switch (a.name) {
      case DW_AT.str_offsets_base: unit.strOffsetsBase = a.value; break;
      case DW_AT.addr_base: unit.addrBase = a.value; break;
      case DW_AT.rnglists_base: unit.rnglistsBase = a.value; break;
      case DW_AT.loclists_base: unit.loclistsBase = a.value; break;
      case DW_AT.stmt_list: unit.stmtList = a.value; break;
    }
  }
  // low_pc and names may use index forms that need the bases above.
  const low = attribute(root, DW_AT.low_pc);
  if (low !== undefined) unit.baseAddress = resolveAddress(unit, low);
  const name = attribute(root, DW_AT.name);
  if (name !== undefined) unit.name = resolveString(unit, name);
  const compDir = attribute(root, DW_AT.comp_dir);
  if (compDir !== undefined) unit.compDir = resolveString(unit, compDir);
}

/** DWARF 5 table 7.6: read one attribute value of `form`. */
function readForm(c: DwarfCursor, form: number, unit: DwarfUnit): AttributeValue {
  // The forms most DIEs use, by value, before the full table.
  switch (form) {
    case 0x0b: return c.u8(); // data1
    case 0x13: return unit.offset + c.u32(); // ref4
    case 0x0e: return stringAt(unit.sections.str, c.uint(unit.offsetSize), 'DW_FORM_strp');
    case 0x17: return c.uint(unit.offsetSize); // sec_offset
    case 0x18: return c.bytesOf(c.uleb()); // exprloc
    case 0x05: return c.u16(); // data2
    case 0x19: return true; // flag_present
    case 0x01: return c.uint(unit.addressSize); // addr
  }
  switch (form) {
    case DW_FORM.addr: return c.uint(unit.addressSize);
    case DW_FORM.block2: return c.bytesOf(c.u16());
    case DW_FORM.block4: return c.bytesOf(c.u32());
    case DW_FORM.block: case DW_FORM.exprloc: return c.bytesOf(c.uleb());
    case DW_FORM.block1: return c.bytesOf(c.u8());
    case DW_FORM.data1: return c.u8();
    case DW_FORM.data2: return c.u16();
    case DW_FORM.data4: return c.u32();
    case DW_FORM.data8: return c.u64();
    case DW_FORM.data16: return c.bytesOf(16);
    case DW_FORM.sdata: return c.sleb();
    case DW_FORM.udata: return c.uleb();
    case DW_FORM.string: return c.cstring();
    case DW_FORM.strp: return stringAt(unit.sections.str, c.uint(unit.offsetSize), 'DW_FORM_strp');
    case DW_FORM.line_strp: return stringAt(unit.sections.lineStr, c.uint(unit.offsetSize), 'DW_FORM_line_strp');
    case DW_FORM.flag: return c.u8() !== 0;
    case DW_FORM.flag_present: return true;
    // 7.5.5: unit-relative references become section offsets.
    case DW_FORM.ref1: return unit.offset + c.u8();
    case DW_FORM.ref2: return unit.offset + c.u16();
    case DW_FORM.ref4: return unit.offset + c.u32();
    case DW_FORM.ref8: return unit.offset + c.u64();
    case DW_FORM.ref_udata: return unit.offset + c.uleb();
    case DW_FORM.ref_addr: return unit.version <= 2 ? c.uint(unit.addressSize) : c.uint(unit.offsetSize);
    case DW_FORM.sec_offset: return c.uint(unit.offsetSize);
    case DW_FORM.ref_sig8: return c.u64();
    case DW_FORM.ref_sup4: return c.u32();
    case DW_FORM.ref_sup8: return c.u64();
    case DW_FORM.strp_sup: case DW_FORM.GNU_strp_alt: case DW_FORM.GNU_ref_alt: return c.uint(unit.offsetSize);
    case DW_FORM.strx: case DW_FORM.addrx: case DW_FORM.loclistx: case DW_FORM.rnglistx:
    case DW_FORM.GNU_addr_index: case DW_FORM.GNU_str_index:
      return c.uleb();
    case DW_FORM.strx1: case DW_FORM.addrx1: return c.u8();
    case DW_FORM.strx2: case DW_FORM.addrx2: return c.u16();
    case DW_FORM.strx3: case DW_FORM.addrx3: return c.u24();
    case DW_FORM.strx4: case DW_FORM.addrx4: return c.u32();
    default:
      return c.fail(`unknown attribute form 0x${form.toString(16)}`);
  }
}

const STRX_FORMS = new Set<number>([DW_FORM.strx, DW_FORM.strx1, DW_FORM.strx2, DW_FORM.strx3, DW_FORM.strx4, DW_FORM.GNU_str_index]);
const ADDRX_FORMS = new Set<number>([DW_FORM.addrx, DW_FORM.addrx1, DW_FORM.addrx2, DW_FORM.addrx3, DW_FORM.addrx4, DW_FORM.GNU_addr_index]);

/** A string attribute's text: direct, or through .debug_str_offsets (DWARF 5 section 7.26). */
export function resolveString(unit: DwarfUnit, a: Attribute): string | undefined {
  if (typeof a.value === 'string') return a.value;
  if (STRX_FORMS.has(a.form) && typeof a.value === 'number') {
    const table = unit.sections.strOffsets;
    const at = unit.strOffsetsBase + a.value * unit.offsetSize;
    if (table === undefined) throw new FormatError('DW_FORM_strx without .debug_str_offsets');
    const c = new DwarfCursor(table, '.debug_str_offsets', at);
    return stringAt(unit.sections.str, c.uint(unit.offsetSize), 'DW_FORM_strx');
  }
  return undefined;
}

/** An address attribute: direct, or through .debug_addr (DWARF 5 section 7.27). */
export function resolveAddress(unit: DwarfUnit, a: Attribute): number {
  if (ADDRX_FORMS.has(a.form) && typeof a.value === 'number') return addressAtIndex(unit, a.value);
  if (typeof a.value === 'number') return a.value;
  throw new FormatError(`attribute 0x${a.name.toString(16)} at is not an address`);
}

export function addressAtIndex(unit: DwarfUnit, index: number): number {
  const table = unit.sections.addr;
  if (table === undefined) throw new FormatError('DW_FORM_addrx without .debug_addr');
  const c = new DwarfCursor(table, '.debug_addr', unit.addrBase + index * unit.addressSize);
  return c.uint(unit.addressSize);
}

export function isAddressIndexForm(form: number): boolean {
  return ADDRX_FORMS.has(form);
}
