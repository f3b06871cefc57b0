/**
 * Abbreviation tables from .debug_abbrev (DWARF 5 section 7.5.3): for each
 * code, the tag, whether the entry has children, and its attribute
 * specifications (with DW_FORM_implicit_const values, 7.5.3 item 4).
 */
import { DwarfCursor } from './dwarf-cursor';
import { DW_FORM as DW_FORM_ } from './dwarf-constants';
// Plain local objects: a transpiled module's named imports are getters, slow in the hot loops.
const DW_FORM = DW_FORM_;

export interface AttributeSpec {
  name: number;
  form: number;
  implicitConst?: number;
}

export interface Abbreviation {
  code: number;
  tag: number;
  hasChildren: boolean;
  attributes: AttributeSpec[];
}

export type AbbreviationTable = Map<number, Abbreviation>;

export function readAbbreviationTable(section: Uint8Array, offset: number): AbbreviationTable {
  const c = new DwarfCursor(section, '.debug_abbrev', offset);
  if (offset >= section.length) c.fail(`abbreviation table offset 0x${offset.toString(16)} is outside the section`);
  const table: AbbreviationTable = new Map();
  for (;;) {
    const code = c.uleb();
    if (code === 0) break;
    const tag = c.uleb();
    const hasChildren = c.u8() !== 0;
    const attributes: AttributeSpec[] = [];
    for (;;) {
      const name = c.uleb();
      const form = c.uleb();
      if (name === 0 && form === 0) break;
      const spec: AttributeSpec = { name, form };
      if (form === DW_FORM.implicit_const) spec.implicitConst = c.sleb();
      attributes.push(spec);
    }
    table.set(code, { code, tag, hasChildren, attributes });
  }
  return table;
}
