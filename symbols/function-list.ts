/**
 * The functions of a symbol file as run-time address ranges: each DWARF
 * subprogram range (with its declaration file:line, DWARF 5 section
 * 2.14), then STT_FUNC symbols that no subprogram covers, and global
 * NOTYPE labels in code sections (assembly entry points like a trampoline).
 */
import { STT_FUNC, STT_NOTYPE } from './elf/elf-file';
import { DW_AT } from './dwarf/dwarf-constants';
import { dieAttributeOwner, dieNumber } from './dwarf/attribute-values';
import type { SymbolFile } from './symbol-file';

export interface FunctionRange {
  name: string;
  low: number;
  high: number;
  file?: string;
  line?: number;
  fromSymbolTable: boolean;
}

export function listFunctions(file: SymbolFile): FunctionRange[] {
  const out: FunctionRange[] = [];
  const dwarf = file.dwarf;
  if (dwarf !== undefined) {
    for (const s of dwarf.scopes) {
      if (s.kind !== 'subprogram') continue;
      const decl = dieAttributeOwner(s.die, DW_AT.decl_file, dwarf.dies);
      const declFile = decl === undefined ? undefined : dieNumber(decl, DW_AT.decl_file);
      const path = decl === undefined || declFile === undefined ? undefined : dwarf.filePath(decl.unit, declFile);
      const line = decl === undefined ? undefined : dieNumber(decl, DW_AT.decl_line);
      for (const r of s.ranges) {
        out.push({ name: s.name ?? '??', low: file.mapping.toRuntime(r.low), high: file.mapping.toRuntime(r.low) + (r.high - r.low), file: path, line, fromSymbolTable: false });
      }
    }
  }
  const covered = (a: number): boolean => dwarf?.functions.lookup(a) !== undefined;
  const SHF_EXECINSTR = 4;
  const STB_GLOBAL = 1;
  const isCodeLabel = (shndx: number): boolean => ((file.elf.sections[shndx]?.flags ?? 0) & SHF_EXECINSTR) !== 0;
  for (const s of file.symbols.all) {
    const label = s.type === STT_NOTYPE && s.bind === STB_GLOBAL && isCodeLabel(s.shndx);
    if ((s.type !== STT_FUNC && !label) || covered(s.value)) continue;
    const low = file.mapping.toRuntime(s.value);
    out.push({ name: s.name, low, high: low + s.size, fromSymbolTable: true });
  }
  return out.sort((a, b) => a.low - b.low || a.name.localeCompare(b.name));
}
