/**
 * Everything DWARF says about one ELF file, indexed once: units and their
 * DIEs by offset, line programs matched to units through DW_AT_stmt_list
 * (DWARF 5 section 3.1.1), the address-sorted line table, and the scopes
 * (functions, inlined calls, blocks) with innermost-scope maps.
 */
import type { ElfFile } from '../elf/elf-file';
import { dwarfSectionsOf, type DwarfSections } from './dwarf-sections';
import { readUnits, type Die, type DwarfUnit } from './debug-info';
import { decodeLineProgram, type LineProgram } from './line-program';
import { LineTable, type LineProgramWithUnit } from './line-table';
import { lineFilePath } from './file-paths';
import { collectScopes, InnermostScopeMap, type Scope } from './function-scopes';
import type { DieIndex } from './attribute-values';

export class DwarfIndex {
  readonly sections: DwarfSections;
  readonly units: DwarfUnit[];
  readonly dies: DieIndex = new Map();
  readonly lineTable: LineTable;
  readonly scopes: Scope[];
  /** Innermost subprogram or inlined subroutine at an address. */
  readonly functions: InnermostScopeMap;
  /** Innermost scope of any kind (including lexical blocks). */
  readonly innermost: InnermostScopeMap;
  /** Every line program with its unit's compilation directory (to build other views of the table). */
  readonly linePrograms: LineProgramWithUnit[];
  private readonly programs = new Map<number, LineProgram>();

  constructor(elf: ElfFile) {
    this.sections = dwarfSectionsOf(elf);
    // Every DIE of the tree is indexed by offset as it is read.
    this.units = readUnits(this.sections, this.dies);
    const withUnits: LineProgramWithUnit[] = [];
    const seen = new Set<number>();
    if (this.sections.line !== undefined) {
      const lineSections = { debugLine: this.sections.line, debugLineStr: this.sections.lineStr, debugStr: this.sections.str };
      for (const unit of this.units) {
        if (unit.stmtList === undefined || seen.has(unit.stmtList)) continue;
        seen.add(unit.stmtList);
        const { program } = decodeLineProgram(lineSections, unit.stmtList, unit.addressSize);
        this.programs.set(unit.stmtList, program);
        withUnits.push({ program, compDir: unit.compDir });
      }
      // Line programs no unit refers to (assembler output without .debug_info) still map addresses.
      let offset = 0;
      while (offset < this.sections.line.length) {
        if (seen.has(offset)) {
          offset = nextUnitOffset(this.sections.line, offset);
          continue;
        }
        const { program, next } = decodeLineProgram(lineSections, offset, this.sections.addressSize);
        withUnits.push({ program, compDir: undefined });
        offset = next;
      }
    }
    this.linePrograms = withUnits;
    this.lineTable = new LineTable(withUnits);
    this.scopes = collectScopes(this.units.map((u) => u.root).filter((r): r is Die => r !== undefined), this.dies);
    this.functions = new InnermostScopeMap(this.scopes, (s) => s.kind !== 'block');
    this.innermost = new InnermostScopeMap(this.scopes, () => true);
  }

  lineProgramOf(unit: DwarfUnit): LineProgram | undefined {
    return unit.stmtList === undefined ? undefined : this.programs.get(unit.stmtList);
  }

  /** Full path of a file number used in the unit (decl_file, call_file). */
  filePath(unit: DwarfUnit, file: number): string | undefined {
    const program = this.lineProgramOf(unit);
    return program === undefined ? undefined : lineFilePath(program, file, unit.compDir);
  }
}

/** Offset just past the line program unit at `offset` (its initial length, DWARF 5 section 7.4). */
function nextUnitOffset(section: Uint8Array, offset: number): number {
  const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
  const length = view.getUint32(offset, true);
  if (length === 0xffffffff) return offset + 12 + Number(view.getBigUint64(offset + 4, true));
  return offset + 4 + length;
}
