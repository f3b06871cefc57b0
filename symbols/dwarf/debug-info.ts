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
import { readAbbreviationTable, type AbbreviationTable } from './abbrev-table';
import { DW_AT, DW_FORM, DW_UT } from './dwarf-constants';
import { DwarfCursor, stringAt } from './dwarf-cursor';
import type { DwarfSections } from './dwarf-sections';

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
export function readUnits(sections: DwarfSections): DwarfUnit[] {
  const info = sections.info;
  if (info === undefined) return [];
  if (sections.abbrev === undefined) throw new FormatError('.debug_info without .debug_abbrev');
  const abbrevCache = new Map<number, AbbreviationTable>();
  const units: DwarfUnit[] = [];
  let offset = 0;
  while (offset < info.length) {
    const unit = readUnit(sections, info, offset, abbrevCache);
    units.push(unit);
    offset = unit.end;
  }
  return units;
}

function readUnit(sections: DwarfSections, info: Uint8Array, offset: number, abbrevCache: Map<number, AbbreviationTable>): DwarfUnit {
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
  unit.root = readDieTree(body, unit, abbrevs);
  return unit;
}

const MAX_DIE_DEPTH = 512;
/** Shared by every DIE without children (most of them). */
const NO_CHILDREN: Die[] = [];

function readDieTree(c: DwarfCursor, unit: DwarfUnit, abbrevs: AbbreviationTable): Die | undefined {
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
    const die: Die = { offset, tag: abbrev.tag, attributes: new Array<Attribute>(abbrev.attributes.length), children: abbrev.hasChildren ? [] : NO_CHILDREN, parent, unit };
    let n = 0;
    for (const spec of abbrev.attributes) {
      if (spec.form === DW_FORM.implicit_const) {
        die.attributes[n++] = { name: spec.name, form: spec.form, value: spec.implicitConst ?? 0 };
        continue;
      }
      let form = spec.form;
      // 7.5.5: DW_FORM_indirect names the real form inline.
      for (let n = 0; form === DW_FORM.indirect; n++) {
        if (n > 8) c.fail('DW_FORM_indirect chain');
        form = c.uleb();
      }
      die.attributes[n++] = { name: spec.name, form, value: readForm(c, form, unit) };
    }
    if (parent !== undefined) parent.children.push(die);
    else if (root === undefined) {
      root = die;
      noteUnitAttributes(unit, die);
    } else break; // a second top-level DIE: malformed, stop
    if (abbrev.hasChildren) {
      // Real programs nest a few dozen levels; a corrupt tree could nest once per byte.
      if (stack.length >= MAX_DIE_DEPTH) c.fail(`DIEs nest deeper than ${MAX_DIE_DEPTH} levels`);
      stack.push(die);
    }
    else if (stack.length === 0) break;
  }
  return root;
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
