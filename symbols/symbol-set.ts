/**
 * The facade the debug adapter uses: several symbol files at once (a
 * kernel, its relocated trampoline, modules), each indexed once, answering
 * by run-time address with binary searches: address → symbol, function,
 * file:line and inlined callers; file:line → breakable addresses; function
 * → entry after the prologue; scope → variables with types; values
 * formatted from registers and memory; the call stack unwound by CFI with
 * a frame-pointer fallback. All addresses in and out are run-time
 * addresses.
 */
import { SymbolFile, type SymbolFileOptions } from './symbol-file';
import { DW_AT } from './dwarf/dwarf-constants';
import { dieAttributeOwner, dieLocation, dieNumber } from './dwarf/attribute-values';
import { addressAtIndex } from './dwarf/debug-info';
import { FrameTable, readFrameEntries } from './dwarf/call-frame';
import { evaluateLocation, readLocation, type EvaluationEnvironment, type LocationResult } from './dwarf/location-expression';
import { sizeOf, TypeReader } from './dwarf/type-model';
import { unitGlobals, variablesInScope, type ScopeVariables, type VariableInfo } from './dwarf/variables';
import { fileMatches } from './dwarf/line-table';
import type { Scope } from './dwarf/function-scopes';
import { formatBytes, type FormattedValue, type PageOptions } from './value-format';
import { I386, X86_64, unwindStack, type Architecture, type ReadMemory, type RegisterSet, type UnwoundFrame } from './unwinder';
import { listFunctions, type FunctionRange } from './function-list';

export type { VariableInfo, ScopeVariables, FormattedValue, UnwoundFrame, SymbolFileOptions, FunctionRange };
export type { EvaluationEnvironment };

export interface InlinedCall {
  /** The inlined function. */
  name: string | undefined;
  /** Where it was called from (in the caller's source). */
  callFile: string | undefined;
  callLine: number | undefined;
  callColumn: number | undefined;
}

export interface AddressLookup {
  symbol?: { name: string; offset: number };
  function?: { name: string; low: number; high: number; file?: string; line?: number };
  file?: string;
  line?: number;
  column?: number;
  /** Innermost inlined call first; empty when the address is not in inlined code. */
  inlinedChain?: InlinedCall[];
  /** The symbol file that answered. */
  path?: string;
}

interface LoadedFile {
  file: SymbolFile;
  types: TypeReader | undefined;
  globals: VariableInfo[] | undefined;
  frames: FrameTable | undefined;
}

export class SymbolSet {
  private readonly loaded: LoadedFile[] = [];

  /** Load and index a symbol file; throws FormatError when the ELF headers are unusable. */
  load(options: SymbolFileOptions): SymbolFile {
    const file = new SymbolFile(options);
    this.loaded.push({ file, types: undefined, globals: undefined, frames: undefined });
    return file;
  }

  unload(path: string): void {
    const i = this.loaded.findIndex((l) => l.file.path === path);
    if (i >= 0) this.loaded.splice(i, 1);
  }

  get files(): readonly SymbolFile[] {
    return this.loaded.map((l) => l.file);
  }

  /** The file whose sections (at their run-time addresses) contain `address`. */
  private owner(address: number): LoadedFile | undefined {
    for (const l of this.loaded) {
      const link = l.file.mapping.toLink(address);
      if (l.file.elf.sections.some((s) => (s.flags & 2) !== 0 && s.size > 0 && link >= s.addr && link < s.addr + s.size)) return l;
    }
    return undefined;
  }

  lookup(address: number): AddressLookup {
    const l = this.owner(address);
    if (l === undefined) return {};
    const f = l.file;
    const link = f.mapping.toLink(address);
    const out: AddressLookup = { path: f.path };
    const hit = f.symbols.lookup(link);
    if (hit !== undefined) out.symbol = { name: hit.symbol.name, offset: hit.offset };
    const dwarf = f.dwarf;
    if (dwarf === undefined) return out;
    const row = dwarf.lineTable.lookup(link);
    if (row !== undefined) {
      out.file = row.file;
      out.line = row.line;
      out.column = row.column;
    }
    const innermost = dwarf.functions.lookup(link);
    if (innermost !== undefined) {
      const chain: InlinedCall[] = [];
      let s: Scope | undefined = innermost;
      for (; s !== undefined && s.kind === 'inlined'; s = s.parent?.functionScope) {
        chain.push({ name: s.name, callFile: s.callFile === undefined ? undefined : dwarf.filePath(s.die.unit, s.callFile), callLine: s.callLine, callColumn: s.callColumn });
      }
      out.inlinedChain = chain;
      if (s !== undefined) {
        const range = s.ranges.find((r) => link >= r.low && link < r.high) ?? s.ranges[0];
        const decl = dieAttributeOwner(s.die, DW_AT.decl_file, dwarf.dies);
        const declFile = decl === undefined ? undefined : dieNumber(decl, DW_AT.decl_file);
        out.function = {
          name: s.name ?? '??', low: f.mapping.toRuntime(range.low), high: f.mapping.toRuntime(range.low) + (range.high - range.low),
          file: decl === undefined || declFile === undefined ? undefined : dwarf.filePath(decl.unit, declFile),
          line: decl === undefined ? undefined : dieNumber(decl, DW_AT.decl_line),
        };
      }
    }
    return out;
  }

  /** "name+0x12" (or "name" at offset 0) for an address, undefined when no symbol covers it. */
  symbolize(address: number): string | undefined {
    const l = this.owner(address);
    if (l === undefined) return undefined;
    const hit = l.file.symbols.lookup(l.file.mapping.toLink(address));
    if (hit === undefined) return undefined;
    return hit.offset === 0 ? hit.symbol.name : `${hit.symbol.name}+0x${hit.offset.toString(16)}`;
  }

  /** Breakable run-time addresses of file:line (full path, path suffix or basename), or of the next line with code. */
  addressesForLine(file: string, line: number): number[] {
    return this.resolveLine(file, line).addresses;
  }

  /** As addressesForLine, also saying which line the addresses belong to (the breakpoint's verified line). */
  resolveLine(file: string, line: number): { line: number; addresses: number[] } {
    let best: { line: number; addresses: number[] } | undefined;
    for (const l of this.loaded) {
      const r = l.file.dwarf?.lineTable.addressesForLine(file, line);
      if (r === undefined || r.addresses.length === 0) continue;
      const runtime = r.addresses.map((a) => l.file.mapping.toRuntime(a));
      if (best === undefined || r.line < best.line) best = { line: r.line, addresses: runtime };
      else if (r.line === best.line) best.addresses.push(...runtime);
    }
    if (best === undefined) return { line, addresses: [] };
    best.addresses = [...new Set(best.addresses)].sort((a, b) => a - b);
    return best;
  }

  /**
   * A function's entry and the address after its prologue: the row marked
   * prologue_end (DWARF 5 section 6.2.5.2), else the first row of another
   * line than the entry's (as GDB's skip_prologue_using_sal: GCC gives the
   * prologue's later instructions non-statement rows of the opening line),
   * else the entry. Symbol-table functions: both the same.
   */
  functionEntry(name: string): { address: number; afterPrologue: number } | undefined {
    for (const l of this.loaded) {
      const f = l.file;
      const scope = f.dwarf?.scopes.find((s) => s.kind === 'subprogram' && s.name === name);
      if (scope !== undefined && f.dwarf !== undefined) {
        const low = Math.min(...scope.ranges.map((r) => r.low));
        const range = scope.ranges.find((r) => r.low === low)!;
        const rows = f.dwarf.lineTable.entriesIn(low, range.high);
        const marked = rows.find((r) => r.prologueEnd);
        const first = rows.find((r) => r.address === low);
        const second = rows.find((r) => r.address > low && r.line !== first?.line);
        const after = marked?.address ?? second?.address ?? low;
        return { address: f.mapping.toRuntime(low), afterPrologue: f.mapping.toRuntime(after) };
      }
      const sym = f.symbols.byName(name);
      if (sym !== undefined) {
        const a = f.mapping.toRuntime(sym.value);
        return { address: a, afterPrologue: a };
      }
    }
    return undefined;
  }

  /** Parameters and locals of the innermost scope at `address`, and the globals of its unit. */
  scopeAt(address: number): ScopeVariables {
    const l = this.owner(address);
    const dwarf = l?.file.dwarf;
    if (l === undefined || dwarf === undefined) return { parameters: [], locals: [], globals: [] };
    const link = l.file.mapping.toLink(address);
    const types = this.typesOf(l);
    const innermost = dwarf.innermost.lookup(link);
    const unit = innermost?.die.unit;
    const globals = this.globalsOf(l).filter((g) => unit === undefined || g.die.unit === unit || isExternal(g));
    return variablesInScope(innermost, globals, dwarf.dies, types, (u, n) => dwarf.filePath(u, n));
  }

  /** Every global variable of every loaded file. */
  globals(): VariableInfo[] {
    return this.loaded.flatMap((l) => this.globalsOf(l));
  }

  private typesOf(l: LoadedFile): TypeReader {
    l.types ??= new TypeReader(l.file.dwarf?.dies ?? new Map(), l.file.elf.elfClass / 8);
    return l.types;
  }

  private globalsOf(l: LoadedFile): VariableInfo[] {
    const dwarf = l.file.dwarf;
    if (dwarf === undefined) return [];
    l.globals ??= dwarf.units.flatMap((u) => unitGlobals(u, dwarf.dies, this.typesOf(l), (unit, n) => dwarf.filePath(unit, n)));
    return l.globals;
  }

  private fileOfVariable(variable: VariableInfo): LoadedFile | undefined {
    return this.loaded.find((l) => l.file.dwarf?.dies.get(variable.die.offset) === variable.die);
  }

  /**
   * Where a variable lives (run-time addresses), evaluated against registers
   * and memory. For the innermost frame the CFA is found by unwinding when
   * `env.cfa` is absent; for an outer frame pass that frame's registers and
   * `cfa` from unwind(), with its pc minus one (a return address follows the call).
   */
  locate(variable: VariableInfo, env: EvaluationEnvironment): LocationResult {
    const l = this.fileOfVariable(variable);
    if (l === undefined) return { kind: 'unavailable', reason: 'the variable is not from a loaded symbol file' };
    const f = l.file;
    const arch = this.architectureOf(f);
    const pcRuntime = env.readRegister(arch.pc);
    const pc = pcRuntime === undefined ? undefined : f.mapping.toLink(pcRuntime);
    const desc = variable.location;
    if (desc === undefined) return { kind: 'unavailable', reason: 'optimized out' };
    let expression: Uint8Array | undefined;
    if (desc.kind === 'expression') expression = desc.expression;
    else if (pc !== undefined) expression = desc.entries.find((e) => pc >= e.low && pc < e.high)?.expression;
    if (expression === undefined) return { kind: 'unavailable', reason: 'optimized out at this address' };
    const unit = variable.die.unit;
    const cfaEnv: EvaluationEnvironment = { ...env, readRegister: (n) => env.readRegister(n), readMemory: (a, s) => env.readMemory(a, s) };
    if (cfaEnv.cfa === undefined && pcRuntime !== undefined) cfaEnv.cfa = this.cfaAt(env);
    const frameBase = (): number | undefined => {
      if (variable.frameBaseDie === undefined) return undefined;
      const fb = dieLocation(variable.frameBaseDie, DW_AT.frame_base);
      let fbExpr: Uint8Array | undefined;
      if (fb?.kind === 'expression') fbExpr = fb.expression;
      else if (fb?.kind === 'list' && pc !== undefined) fbExpr = fb.entries.find((e) => pc >= e.low && pc < e.high)?.expression;
      if (fbExpr === undefined) return undefined;
      const r = evaluateLocation(fbExpr, cfaEnv, { addressSize: arch.addressSize });
      // DWARF 5 section 3.3.5: a register location as frame base means the register's contents.
      if (r.kind === 'register') return env.readRegister(r.register);
      return r.kind === 'memory' ? r.address : r.kind === 'value' ? Number(r.value) : undefined;
    };
    const result = evaluateLocation(expression, cfaEnv, { addressSize: arch.addressSize, frameBase, addressAtIndex: (i) => addressAtIndex(unit, i) });
    // DW_OP_addr gives link-time addresses: map static storage to where it runs.
    if (result.kind === 'memory' && isStaticAddress(expression)) return { kind: 'memory', address: f.mapping.toRuntime(result.address) };
    return result;
  }

  /** The variable's value as text, with members/elements as children (arrays paged, 100 by default). */
  formatValue(variable: VariableInfo, env: EvaluationEnvironment, page: PageOptions = {}): FormattedValue {
    let bytes: Uint8Array | undefined;
    let address: number | undefined;
    const size = sizeOf(variable.type);
    if (variable.constValue !== undefined) {
      bytes = typeof variable.constValue === 'number' ? numberBytes(variable.constValue, Math.max(size, 1)) : variable.constValue;
    } else {
      const where = this.locate(variable, env);
      if (where.kind === 'unavailable') return { name: variable.name, value: `<${where.reason}>`, type: variable.typeName };
      if (where.kind === 'memory') address = where.address;
      bytes = readLocation(where, size, env);
    }
    const formatted = formatBytes(bytes, variable.type, { readMemory: (a, s) => env.readMemory(a, s), symbolize: (a) => this.symbolize(a) }, page, address);
    return { ...formatted, name: variable.name };
  }

  /** The call stack from the innermost frame's registers: CFI where it exists, frame pointers elsewhere. */
  unwind(registers: RegisterSet, readMemory: ReadMemory, maxFrames?: number): UnwoundFrame[] {
    const arch = this.loaded.length > 0 ? this.architectureOf(this.loaded[0].file) : I386;
    return unwindStack(arch, registers, readMemory, (pc) => {
      const l = this.owner(pc);
      if (l === undefined) return undefined;
      return { table: this.framesOf(l), toLink: (a) => l.file.mapping.toLink(a) };
    }, maxFrames);
  }

  /**
   * Bytes of the loaded files' allocated sections at run-time addresses
   * (code, read-only data, initial values of data): what memory holds
   * before the program changes it. Undefined when no file covers the range.
   */
  readFileImage(address: number, size: number): Uint8Array | undefined {
    for (const l of this.loaded) {
      const link = l.file.mapping.toLink(address);
      for (const s of l.file.elf.sections) {
        if ((s.flags & 2) === 0 || s.type === 8 /* SHT_NOBITS */ || link < s.addr || link + size > s.addr + s.size) continue;
        const start = s.offset + (link - s.addr);
        if (start + size > l.file.elf.bytes.length) return undefined;
        return l.file.elf.bytes.subarray(start, start + size);
      }
    }
    return undefined;
  }

  /** Every source file named by the line tables. */
  sourceFiles(): string[] {
    return [...new Set(this.loaded.flatMap((l) => l.file.dwarf?.lineTable.files() ?? []))].sort();
  }

  /** Functions of every file, at run-time addresses. */
  functions(): FunctionRange[] {
    return this.loaded.flatMap((l) => listFunctions(l.file));
  }

  /** Source files matching a name (full path, suffix or basename). */
  findSourceFiles(name: string): string[] {
    return this.sourceFiles().filter((f) => fileMatches(f, name));
  }

  private framesOf(l: LoadedFile): FrameTable {
    if (l.frames === undefined) {
      const s = l.file.dwarf?.sections;
      let entries: ReturnType<typeof readFrameEntries> = [];
      try {
        entries = s === undefined ? [] : readFrameEntries({ debugFrame: s.frame, ehFrame: s.ehFrame, ehFrameAddress: s.ehFrameAddress, addressSize: s.addressSize });
      } catch {
        entries = []; // corrupt CFI: frame pointers only
      }
      l.frames = new FrameTable(entries);
    }
    return l.frames;
  }

  private architectureOf(f: SymbolFile): Architecture {
    return f.elf.elfClass === 64 ? X86_64 : I386;
  }

  /** The CFA of the innermost frame, by CFI (or frame pointer) from the environment's registers. */
  private cfaAt(env: EvaluationEnvironment): number | undefined {
    const regs: RegisterSet = new Map();
    for (let r = 0; r <= 16; r++) {
      const v = env.readRegister(r);
      if (v !== undefined) regs.set(r, v);
    }
    const frames = this.unwind(regs, (a, s) => env.readMemory(a, s), 2);
    return frames[0]?.cfa;
  }
}

function isExternal(v: VariableInfo): boolean {
  return v.die.attributes.some((a) => a.name === DW_AT.external && a.value === true);
}

/** An expression that is a single DW_OP_addr / addrx (static storage). */
function isStaticAddress(expression: Uint8Array): boolean {
  return expression.length > 0 && (expression[0] === 0x03 || expression[0] === 0xa1);
}

function numberBytes(v: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(64, BigInt(Math.trunc(v)));
  for (let i = 0; i < size; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
