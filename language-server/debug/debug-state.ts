/**
 * What the debugger tells the server through the `bringup/debugState`
 * notification, and the ELF symbol tables it names (read with the project's
 * ELF reader, symbols/elf/elf-file.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { parseElf, readSymbols, STT_FILE, STT_SECTION, type ElfFile, type ElfSymbol } from '../../symbols/elf/elf-file';

export interface VcpuState {
  index: number;
  registers: Record<string, number>;
  linearEip: number;
  /** `CS:EIP` as the debugger shows it (string "0008:00007c00" or the EIP number). */
  csEip?: string | number;
}

export interface SymbolFileMapping {
  path: string;
  /** Added to every link address to get the run-time address (relocated image). */
  offset?: number;
  /** Run-time address of a section's start, by section name (a trampoline copied elsewhere). */
  sections?: Record<string, number>;
}

export interface DebugState {
  stopped: boolean;
  vcpus: VcpuState[];
  symbolFiles: SymbolFileMapping[];
}

export interface ResolvedSymbol {
  name: string;
  file: string;
  section: string;
  link: number;
  runtime: number;
  size: number;
  elf: ElfFile;
  /** Link address of the section start (for reading its bytes). */
  sectionAddr: number;
  sectionOffset: number;
  sectionSize: number;
}

interface LoadedElf {
  mtimeMs: number;
  elf: ElfFile;
  symbols: ElfSymbol[];
}

export class DebugSession {
  state: DebugState = { stopped: false, vcpus: [], symbolFiles: [] };
  private readonly cache = new Map<string, LoadedElf>();
  /** Errors reading symbol files, for the log. */
  errors: string[] = [];

  update(state: Partial<DebugState>): void {
    this.state = {
      stopped: state.stopped === true,
      vcpus: Array.isArray(state.vcpus) ? state.vcpus : [],
      symbolFiles: Array.isArray(state.symbolFiles) ? state.symbolFiles : [],
    };
  }

  private load(path: string): LoadedElf | undefined {
    try {
      const mtimeMs = statSync(path).mtimeMs;
      const cached = this.cache.get(path);
      if (cached !== undefined && cached.mtimeMs === mtimeMs) return cached;
      const elf = parseElf(new Uint8Array(readFileSync(path)));
      const loaded = { mtimeMs, elf, symbols: readSymbols(elf) };
      this.cache.set(path, loaded);
      return loaded;
    } catch (error) {
      this.errors.push(`${path}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private resolve(mapping: SymbolFileMapping, loaded: LoadedElf, sym: ElfSymbol): ResolvedSymbol {
    const section = loaded.elf.sections[sym.shndx];
    const sectionName = section?.name ?? '';
    let runtime = sym.value + (mapping.offset ?? 0);
    const mapped = mapping.sections?.[sectionName];
    if (mapped !== undefined && section !== undefined) runtime = mapped + (sym.value - section.addr);
    return { name: sym.name, file: mapping.path, section: sectionName, link: sym.value, runtime: runtime >>> 0, size: sym.size, elf: loaded.elf, sectionAddr: section?.addr ?? 0, sectionOffset: section?.offset ?? 0, sectionSize: section?.size ?? 0 };
  }

  /** Every defined, named symbol of every symbol file, with its run-time address. */
  allSymbols(): ResolvedSymbol[] {
    const out: ResolvedSymbol[] = [];
    for (const mapping of this.state.symbolFiles) {
      const loaded = this.load(mapping.path);
      if (loaded === undefined) continue;
      for (const sym of loaded.symbols) {
        if (sym.name === '' || sym.shndx === 0 || sym.type === STT_FILE || sym.type === STT_SECTION) continue;
        out.push(this.resolve(mapping, loaded, sym));
      }
    }
    return out;
  }

  symbol(name: string): ResolvedSymbol[] {
    return this.allSymbols().filter((s) => s.name === name);
  }
}
