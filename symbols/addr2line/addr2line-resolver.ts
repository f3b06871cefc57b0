/**
 * Address → what binutils' addr2line prints: the innermost function (an
 * inlined subroutine when the address is in one), file and line from the
 * line table, and with -i the chain of callers through the call sites
 * (DWARF 5 section 3.3.8.2). Where binutils has its own rules they are
 * followed so the output is identical:
 *  - when several rows share an address the last one wins;
 *  - the discriminator of the address's row is repeated on every caller line;
 *  - binutils 2.40 starts each DWARF 5 line sequence with file entry 0
 *    rather than 1 (GCC -O0 code from a header at the start of a unit shows it);
 *  - binutils 2.40 finds no code for a function whose DW_AT_ranges uses
 *    DW_FORM_rnglistx (DWARF 5 section 7.5.5; Clang emits it), so such
 *    functions are left out of the search here too (the symbol set and
 *    the debugger use the real ranges);
 *  - with no DWARF function, the ELF symbol table names the function and
 *    the STT_FILE symbol before it the file (line unknown).
 */
import type { ElfFile, ElfSymbol } from '../elf/elf-file';
import type { DwarfIndex } from '../dwarf/dwarf-index';
import type { Scope } from '../dwarf/function-scopes';
import { findFunctionSymbol } from './elf-function-symbol';
import { InnermostScopeMap } from '../dwarf/function-scopes';
import { LineTable } from '../dwarf/line-table';
import { attribute } from '../dwarf/debug-info';
import { DW_AT, DW_FORM } from '../dwarf/dwarf-constants';

const SHF_ALLOC = 2;

export interface Addr2lineFrame {
  functionName: string | undefined;
  file: string | undefined;
  /** 0 when unknown (printed as "?"). */
  line: number;
  discriminator: number;
}

export interface Addr2lineResult {
  found: boolean;
  frames: Addr2lineFrame[];
}

export function resolveLikeAddr2line(elf: ElfFile, symbols: ElfSymbol[], dwarf: DwarfIndex | undefined, pc: number): Addr2lineResult {
  const section = elf.sections.find((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0 && pc >= s.addr && pc < s.addr + s.size);
  if (section === undefined) return { found: false, frames: [] };
  const row = dwarf === undefined ? undefined : binutilsLineTable(dwarf).lookup(pc);
  const fn = dwarf === undefined ? undefined : binutilsFunctionMap(dwarf).lookup(pc);
  let file = row?.file;
  let line = row?.line ?? 0;
  const discriminator = row?.discriminator ?? 0;
  let functionName = fn?.name;
  let found = row !== undefined || fn !== undefined;
  if (fn === undefined || functionName === undefined) {
    const match = findFunctionSymbol(symbols, section.index, pc);
    if (match !== undefined) {
      functionName = match.symbol.name;
      if (!found) file = match.fileName;
      found = true;
    }
  }
  if (!found) return { found: false, frames: [] };
  if (row === undefined) line = 0;
  const frames: Addr2lineFrame[] = [{ functionName, file, line, discriminator }];
  for (let scope = fn, hops = 0; scope !== undefined && scope.kind === 'inlined' && hops < 256; hops++) {
    const caller = callerOf(scope);
    if (caller === undefined) break;
    frames.push({
      functionName: caller.name,
      file: scope.callFile === undefined ? undefined : dwarf!.filePath(scope.die.unit, scope.callFile),
      line: scope.callLine ?? 0,
      discriminator,
    });
    scope = caller;
  }
  return { found, frames };
}

const lineTables = new WeakMap<DwarfIndex, LineTable>();

function binutilsLineTable(dwarf: DwarfIndex): LineTable {
  let table = lineTables.get(dwarf);
  if (table === undefined) {
    table = dwarf.linePrograms.some((u) => u.program.version >= 5) ? new LineTable(dwarf.linePrograms, { binutilsDefaultFile: true }) : dwarf.lineTable;
    lineTables.set(dwarf, table);
  }
  return table;
}

const functionMaps = new WeakMap<DwarfIndex, InnermostScopeMap>();

function binutilsFunctionMap(dwarf: DwarfIndex): InnermostScopeMap {
  let map = functionMaps.get(dwarf);
  if (map === undefined) {
    map = new InnermostScopeMap(dwarf.scopes, (s) => s.kind !== 'block' && attribute(s.die, DW_AT.ranges)?.form !== DW_FORM.rnglistx);
    functionMaps.set(dwarf, map);
  }
  return map;
}

/** The function whose code the inlined subroutine was inlined into: the nearest enclosing function, past lexical blocks. */
function callerOf(scope: Scope): Scope | undefined {
  return scope.parent?.functionScope;
}

/** The text addr2line prints for one address. */
export function formatAddr2line(result: Addr2lineResult, options: { functions: boolean; inlines: boolean }): string {
  if (!result.found) return (options.functions ? '??\n' : '') + '??:0\n';
  let out = '';
  const frames = options.inlines ? result.frames : result.frames.slice(0, 1);
  for (const f of frames) {
    if (options.functions) out += `${f.functionName === undefined || f.functionName === '' ? '??' : f.functionName}\n`;
    const line = f.line === 0 ? '?' : f.discriminator !== 0 ? `${f.line} (discriminator ${f.discriminator})` : `${f.line}`;
    out += `${f.file ?? '??'}:${line}\n`;
  }
  return out;
}
