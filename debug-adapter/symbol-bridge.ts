/**
 * What the adapter asks of symbol files: address → function/file/line,
 * line → addresses, function → entry, unwinding, frame variables. Backed by
 * the ELF symbol tables of the loaded files (with load offsets for
 * relocated code); line information and DWARF variables come from the
 * symbols/ reader when the file has them. Without any symbol file every
 * query answers "unknown" and the adapter works at the instruction level.
 */
import { readFileSync } from 'node:fs';
import type { Cpu } from '../emulator/cpu/cpu';
import { isElf, parseElf, readSymbols, STT_FUNC, STT_NOTYPE, STT_OBJECT } from '../symbols/elf/elf-file';
import type { SymbolFileSpec } from './launch-config';
import type { VarNode } from './system-state/var-node';

interface SymbolEntry {
  name: string;
  address: number;
  size: number;
  isFunction: boolean;
}

export interface SourceLocation {
  name?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Optional richer provider (DWARF line tables, scopes, CFI), plugged in when available. */
export interface LineProvider {
  lookup(address: number): { file: string; line: number; column: number; isStmt: boolean } | undefined;
  addressesForLine(file: string, line: number): { line: number; addresses: number[] } | undefined;
  functionEntry?(name: string): number | undefined;
  frameVariables?(cpu: Cpu, frame: number): { locals: VarNode[]; args: VarNode[] } | undefined;
  unwind?(cpu: Cpu): number[] | undefined;
  variable?(cpu: Cpu, frame: number, name: string): { value: number; size: number; address?: number } | undefined;
}

export class SymbolBridge {
  private symbols: SymbolEntry[] = [];
  private byName = new Map<string, SymbolEntry>();
  readonly notes: string[] = [];
  providers: LineProvider[] = [];

  get loaded(): boolean {
    return this.symbols.length > 0 || this.providers.length > 0;
  }

  /** Load the configured symbol files; with none, the image itself when it is an ELF file. */
  load(specs: SymbolFileSpec[], image: string): void {
    this.symbols = [];
    this.byName.clear();
    this.notes.length = 0;
    const list = specs.length > 0 ? specs : [{ path: image }];
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
      try {
        const elf = parseElf(bytes);
        const sectionMap = new Map<number, number>();
        for (const m of spec.sections ?? []) {
          const section = elf.sections.find((s) => s.name === m.name);
          if (section === undefined) this.notes.push(`symbol file ${spec.path} has no section ${m.name}`);
          else sectionMap.set(section.index, m.address - section.addr);
        }
        let count = 0;
        for (const s of readSymbols(elf)) {
          if (s.name === '' || (s.type !== STT_FUNC && s.type !== STT_NOTYPE && s.type !== STT_OBJECT) || s.shndx === 0) continue;
          const delta = sectionMap.get(s.shndx) ?? spec.offset ?? 0;
          const entry = { name: s.name, address: (s.value + delta) >>> 0, size: s.size, isFunction: s.type === STT_FUNC || s.type === STT_NOTYPE };
          this.symbols.push(entry);
          if (!this.byName.has(s.name)) this.byName.set(s.name, entry);
          count++;
        }
        this.loadLineProvider(spec, bytes);
        if (count === 0) this.notes.push(`symbol file ${spec.path} has no symbols`);
      } catch (e) {
        this.notes.push(`symbol file ${spec.path}: ${(e as Error).message}`);
      }
    }
    this.symbols.sort((a, b) => a.address - b.address || b.size - a.size);
  }

  /** Hook for the DWARF reader: registers a provider for this file when line information is present. */
  protected loadLineProvider(spec: SymbolFileSpec, bytes: Uint8Array): void {
    void spec;
    void bytes;
  }

  private symbolAt(address: number): SymbolEntry | undefined {
    let lo = 0;
    let hi = this.symbols.length - 1;
    let best: SymbolEntry | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.symbols[mid].address <= address) {
        best = this.symbols[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best === undefined) return undefined;
    if (best.size > 0 && address >= best.address + best.size) return undefined;
    if (best.size === 0 && address - best.address > 0x10000) return undefined;
    return best;
  }

  symbolize(address: number): string | undefined {
    const s = this.symbolAt(address >>> 0);
    if (s === undefined) return undefined;
    const off = (address >>> 0) - s.address;
    return off === 0 ? s.name : `${s.name}+0x${off.toString(16)}`;
  }

  lookup(address: number): SourceLocation | undefined {
    const name = this.symbolize(address);
    for (const p of this.providers) {
      const l = p.lookup(address >>> 0);
      if (l !== undefined) return { name, file: l.file, line: l.line, column: l.column };
    }
    return name === undefined ? undefined : { name };
  }

  functionAddress(name: string): number | undefined {
    for (const p of this.providers) {
      const a = p.functionEntry?.(name);
      if (a !== undefined) return a;
    }
    return this.byName.get(name.trim())?.address;
  }

  addressesForLine(path: string, line: number): { line: number; addresses: number[] } | undefined {
    for (const p of this.providers) {
      const r = p.addressesForLine(path, line);
      if (r !== undefined && r.addresses.length > 0) return r;
    }
    return undefined;
  }

  hasLines(cpu: Cpu): boolean {
    return this.lineKey(cpu) !== undefined;
  }

  private linearEip(cpu: Cpu): number {
    return (cpu.segBase[1] + cpu.state.eip) >>> 0;
  }

  /** file:line of the vCPU's current instruction, or undefined when there is no line information. */
  lineKey(cpu: Cpu): string | undefined {
    const l = this.providers.map((p) => p.lookup(this.linearEip(cpu))).find((x) => x !== undefined);
    return l === undefined ? undefined : `${l.file}:${l.line}`;
  }

  isStatementStart(cpu: Cpu): boolean {
    const l = this.providers.map((p) => p.lookup(this.linearEip(cpu))).find((x) => x !== undefined);
    return l === undefined || l.isStmt;
  }

  /** Frames as linear code addresses: CFI when a provider has it, else the EBP chain (32-bit protected mode). */
  unwind(cpu: Cpu): { linear: number }[] {
    for (const p of this.providers) {
      const frames = p.unwind?.(cpu);
      if (frames !== undefined && frames.length > 0) return frames.map((linear) => ({ linear }));
    }
    const frames = [{ linear: this.linearEip(cpu) }];
    if (cpu.codeSize !== 32 || !this.loaded) return frames;
    let ebp = cpu.state.gpr[5] >>> 0;
    const ss = cpu.segBase[2];
    for (let i = 0; i < 64 && ebp !== 0; i++) {
      const bytes = cpu.readLinear((ss + ebp) >>> 0, 8);
      if (bytes.some((b) => b === undefined)) break;
      const next = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
      const ret = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
      if (this.symbolAt(ret) === undefined) break;
      frames.push({ linear: (cpu.segBase[1] + ret) >>> 0 });
      if (next <= ebp) break;
      ebp = next;
    }
    return frames;
  }

  returnAddress(cpu: Cpu): number | undefined {
    const frames = this.unwind(cpu);
    return frames.length > 1 ? frames[1].linear : undefined;
  }

  frameVariables(cpu: Cpu, frame: number): { locals: VarNode[]; args: VarNode[] } | undefined {
    for (const p of this.providers) {
      const v = p.frameVariables?.(cpu, frame);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Symbol names, for completions. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** A named symbol's address, for expressions. */
  symbolAddress(name: string): number | undefined {
    return this.byName.get(name)?.address;
  }

  variable(cpu: Cpu, frame: number, name: string): { value: number; size: number; address?: number } | undefined {
    for (const p of this.providers) {
      const v = p.variable?.(cpu, frame, name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}
