/**
 * What the adapter asks of symbol files, answered by the symbol reader's
 * SymbolSet (ELF symbols, DWARF lines, scopes and types, CFI): address →
 * function/file/line, line → addresses, function → entry after the
 * prologue, unwinding, frame variables, variables for expressions. Without
 * a symbol file every query answers "unknown" and the adapter works at the
 * instruction level.
 *
 * Addresses are linear addresses; in the flat 32-bit code kernels run in,
 * linear = offset. Real-mode frames are not unwound (no CFI describes them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative } from 'node:path';
import type { Cpu } from '../emulator/cpu/cpu';
import { SymbolFile } from '../symbols/symbol-file';
import { SymbolSet, type FormattedValue, type UnwoundFrame, type VariableInfo } from '../symbols/symbol-set';
import type { SymbolFileSpec } from './launch-config';
import type { VarNode } from './system-state/var-node';

export interface SourceLocation {
  name?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** i386 DWARF register numbers (System V i386 ABI): eax ecx edx ebx esp ebp esi edi eip. */
const DWARF_EIP = 8;

function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export class SymbolBridge {
  private set = new SymbolSet();
  private count = 0;
  readonly notes: string[] = [];
  /** Files placed by the first STARTUP IPI (`atStartupVector`), with the link-time address of their symbol. */
  private awaitingStartupVector: { spec: SymbolFileSpec; bytes: Uint8Array; link: number }[] = [];

  get loaded(): boolean {
    return this.count > 0;
  }

  /** Load the configured symbol files; with none, the image itself when it is an ELF file. */
  load(specs: SymbolFileSpec[], image: string): void {
    this.set = new SymbolSet();
    this.paths = [];
    this.count = 0;
    this.notes.length = 0;
    this.awaitingStartupVector = [];
    const list: SymbolFileSpec[] = specs.length > 0 ? specs : [{ path: image }];
    for (const spec of list) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(spec.path));
      } catch (e) {
        this.notes.push(`cannot read symbol file ${spec.path}: ${(e as Error).message}`);
        continue;
      }
      if (!isElf(bytes)) {
        if (specs.length > 0) this.notes.push(`symbol file ${spec.path} is not an ELF file`);
        continue;
      }
      if (spec.atStartupVector !== undefined) {
        this.awaitStartupVector(spec, bytes);
        continue;
      }
      try {
        this.set.load({ path: spec.path, bytes, offset: spec.offset, sections: spec.sections });
        this.paths.push(spec.path);
        this.count++;
      } catch (e) {
        this.notes.push(`symbol file ${spec.path}: ${(e as Error).message}`);
      }
    }
  }

  private awaitStartupVector(spec: SymbolFileSpec, bytes: Uint8Array): void {
    try {
      const symbol = new SymbolFile({ path: spec.path, bytes }).symbols.byName(spec.atStartupVector!);
      if (symbol === undefined) {
        this.notes.push(`symbol file ${spec.path}: no symbol "${spec.atStartupVector}" to place at the STARTUP vector`);
        return;
      }
      this.awaitingStartupVector.push({ spec, bytes, link: symbol.value });
      this.notes.push(`symbol file ${spec.path} is placed when the first STARTUP IPI is sent: ${spec.atStartupVector} at its vector's page`);
    } catch (e) {
      this.notes.push(`symbol file ${spec.path}: ${(e as Error).message}`);
    }
  }

  /** Whether a file still waits for the first STARTUP IPI. */
  get awaitsStartupVector(): boolean {
    return this.awaitingStartupVector.length > 0;
  }

  /**
   * The first STARTUP IPI names where APs start (vector << 12): load the
   * files waiting for it, each shifted so its symbol runs there. Returns one
   * line per file for the Debug Console.
   */
  placeAtStartupVector(startAddress: number): string[] {
    const lines: string[] = [];
    for (const w of this.awaitingStartupVector) {
      const offset = (startAddress - w.link) | 0;
      try {
        this.set.load({ path: w.spec.path, bytes: w.bytes, offset });
        this.paths.push(w.spec.path);
        this.count++;
        lines.push(`symbol file ${w.spec.path} placed at the STARTUP vector: ${w.spec.atStartupVector} = 0x${(startAddress >>> 0).toString(16).padStart(8, '0')} (offset ${offset < 0 ? '-' : ''}0x${Math.abs(offset).toString(16)})`);
      } catch (e) {
        lines.push(`symbol file ${w.spec.path}: ${(e as Error).message}`);
      }
    }
    this.awaitingStartupVector = [];
    return lines;
  }

  private linearEip(cpu: Cpu): number {
    return (cpu.segBase[1] + cpu.state.eip) >>> 0;
  }

  symbolize(address: number): string | undefined {
    return this.loaded ? this.set.symbolize(address >>> 0) : undefined;
  }

  lookup(address: number): SourceLocation | undefined {
    if (!this.loaded) return undefined;
    const l = this.set.lookup(address >>> 0);
    const name = l.function?.name ?? this.symbolize(address);
    if (name === undefined && l.file === undefined) return undefined;
    return { name, file: l.file === undefined ? undefined : this.absolute(l.file, l.path), line: l.line, column: l.column };
  }

  /**
   * Source paths in DWARF are often relative (built with -ffile-prefix-map
   * or in the source directory): resolve them against the symbol file's
   * directory so the editor can open them.
   */
  private absolute(file: string, symbolFile: string | undefined): string {
    if (isAbsolute(file) || symbolFile === undefined) return file;
    const candidate = normalize(join(dirname(symbolFile), file));
    return existsSync(candidate) ? candidate : file;
  }

  /** Function breakpoints stop after the prologue, as other debuggers do. */
  functionAddress(name: string): number | undefined {
    if (!this.loaded) return undefined;
    return this.set.functionEntry(name.trim())?.afterPrologue;
  }

  addressesForLine(path: string, line: number): { line: number; addresses: number[] } | undefined {
    if (!this.loaded) return undefined;
    // The editor's absolute path, then the path relative to each symbol file's directory (as relative DWARF paths are written).
    const candidates = [path, ...this.paths.map((f) => relative(dirname(f), path)).filter((r) => !r.startsWith('..')).map((r) => `./${r}`)];
    for (const c of candidates) {
      const r = this.set.resolveLine(c, line);
      if (r.addresses.length > 0) return r;
    }
    const r = this.set.resolveLine(basename(path), line);
    return r.addresses.length === 0 ? undefined : r;
  }
  private paths: string[] = [];

  hasLines(cpu: Cpu): boolean {
    return this.lineKey(cpu) !== undefined;
  }

  /** file:line of the vCPU's current instruction, or undefined when there is no line information. */
  lineKey(cpu: Cpu): string | undefined {
    if (!this.loaded) return undefined;
    const l = this.set.lookup(this.linearEip(cpu));
    return l.file === undefined || l.line === undefined ? undefined : `${l.file}:${l.line}`;
  }

  private registers(cpu: Cpu): Map<number, number> {
    const r = new Map<number, number>();
    for (let i = 0; i < 8; i++) r.set(i, cpu.state.gpr[i] >>> 0);
    r.set(DWARF_EIP, this.linearEip(cpu));
    return r;
  }

  private readMemory(cpu: Cpu): (address: number, size: number) => Uint8Array | undefined {
    return (address, size) => {
      if (size < 0 || size > 1 << 20) return undefined;
      const bytes = cpu.readLinear(address >>> 0, size);
      if (bytes.some((b) => b === undefined)) return undefined;
      return Uint8Array.from(bytes as number[]);
    };
  }

  private frames(cpu: Cpu): UnwoundFrame[] {
    if (!this.loaded || cpu.codeSize !== 32) return [];
    try {
      return this.set.unwind(this.registers(cpu), this.readMemory(cpu), 64);
    } catch {
      return [];
    }
  }

  /** Frames as linear code addresses: CFI where it exists, frame pointers elsewhere. */
  unwind(cpu: Cpu): { linear: number }[] {
    const frames = this.frames(cpu);
    if (frames.length === 0) return [{ linear: this.linearEip(cpu) }];
    return frames.map((f) => ({ linear: f.pc >>> 0 }));
  }

  returnAddress(cpu: Cpu): number | undefined {
    const frames = this.frames(cpu);
    return frames.length > 1 ? frames[1].pc >>> 0 : undefined;
  }

  private frameEnv(cpu: Cpu, frame: number): { env: { readRegister(n: number): number | undefined; readMemory(a: number, s: number): Uint8Array | undefined; cfa?: number }; pc: number } | undefined {
    const frames = this.frames(cpu);
    const f = frames[frame];
    if (f === undefined) return undefined;
    // An outer frame's pc is a return address: look its scope up at pc - 1 (inside the call).
    const pc = frame === 0 ? f.pc : f.pc - 1;
    const regs = new Map(f.registers);
    regs.set(DWARF_EIP, pc);
    return { env: { readRegister: (n) => regs.get(n), readMemory: this.readMemory(cpu), cfa: f.cfa }, pc };
  }

  frameVariables(cpu: Cpu, frame: number): { locals: VarNode[]; args: VarNode[] } | undefined {
    const at = this.frameEnv(cpu, frame);
    if (at === undefined) return undefined;
    const scope = this.set.scopeAt(at.pc);
    if (scope.parameters.length === 0 && scope.locals.length === 0 && this.set.lookup(at.pc).function === undefined) return undefined;
    const toNode = (v: VariableInfo): VarNode => formattedNode(this.set.formatValue(v, at.env), v.name);
    return { locals: scope.locals.map(toNode), args: scope.parameters.map(toNode) };
  }

  /** A source variable's value for expressions (integers and pointers up to 4 bytes). */
  variable(cpu: Cpu, frame: number, name: string): { value: number; size: number; address?: number } | undefined {
    if (!this.loaded) return undefined;
    const at = this.frameEnv(cpu, frame) ?? { env: { readRegister: (n: number) => this.registers(cpu).get(n), readMemory: this.readMemory(cpu) }, pc: this.linearEip(cpu) };
    const scope = this.set.scopeAt(at.pc);
    const v = [...scope.locals, ...scope.parameters, ...scope.globals].find((x) => x.name === name) ?? this.set.globals().find((x) => x.name === name);
    if (v === undefined) return undefined;
    const where = this.set.locate(v, at.env);
    const formatted = this.set.formatValue(v, at.env);
    const m = /^(-?0x[0-9a-f]+|-?\d+)/i.exec(formatted.value);
    if (m === null) return where.kind === 'memory' ? { value: where.address, size: 4, address: where.address } : undefined;
    return { value: Number(m[1]) >>> 0, size: 4, address: where.kind === 'memory' ? where.address : undefined };
  }

  /** A source variable as the formatted tree (members, elements), for expressions over structs and arrays. */
  variableTree(cpu: Cpu, frame: number, name: string): FormattedValue | undefined {
    if (!this.loaded) return undefined;
    const at = this.frameEnv(cpu, frame) ?? { env: { readRegister: (n: number) => this.registers(cpu).get(n), readMemory: this.readMemory(cpu) }, pc: this.linearEip(cpu) };
    const scope = this.set.scopeAt(at.pc);
    const v = [...scope.locals, ...scope.parameters, ...scope.globals].find((x) => x.name === name) ?? this.set.globals().find((x) => x.name === name);
    if (v === undefined) return undefined;
    return this.set.formatValue(v, at.env, { count: 4096 });
  }

  /** A named function's or global variable's address, for expressions. */
  symbolAddress(name: string): number | undefined {
    if (!this.loaded) return undefined;
    const fn = this.set.functionEntry(name);
    if (fn !== undefined) return fn.address;
    return undefined;
  }

  /** Function names, for completions. */
  names(): string[] {
    return this.loaded ? this.set.functions().map((f) => f.name) : [];
  }
}

function formattedNode(f: FormattedValue, name?: string): VarNode {
  const node: VarNode = { name: name ?? f.name ?? '?', value: f.value, type: f.type };
  if (f.address !== undefined) node.memoryReference = f.address;
  if (f.children !== undefined && f.children.length > 0) {
    const children = f.children;
    node.children = () => children.map((c) => formattedNode(c));
  }
  return node;
}
