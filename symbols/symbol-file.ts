/**
 * One symbol file, parsed and indexed once: the ELF headers and symbol
 * table, the DWARF index (when the file has DWARF), and the mapping from
 * link-time to run-time addresses. Corrupt DWARF does not lose the ELF
 * symbols: the error is kept in `dwarfError`.
 */
import { FormatError } from './elf/byte-reader';
import { parseElf, readSymbols, type ElfFile, type ElfSymbol } from './elf/elf-file';
import { DwarfIndex } from './dwarf/dwarf-index';
import { AddressMapping, type SectionPlacement } from './address-mapping';
import { SymbolTable } from './symbol-table';

export interface SymbolFileOptions {
  path: string;
  bytes: Uint8Array;
  /** Added to every link-time address (code that runs where it was not linked); may be negative. */
  offset?: number;
  /** Sections that run at their own address (e.g. a trampoline copied to 0x8000). */
  sections?: SectionPlacement[];
}

export class SymbolFile {
  readonly path: string;
  readonly elf: ElfFile;
  /** In symbol-table order (binutils' rules depend on it). */
  readonly rawSymbols: ElfSymbol[];
  readonly symbols: SymbolTable;
  readonly dwarf: DwarfIndex | undefined;
  readonly dwarfError: FormatError | undefined;
  readonly mapping: AddressMapping;

  constructor(options: SymbolFileOptions) {
    this.path = options.path;
    this.elf = parseElf(options.bytes);
    this.rawSymbols = readSymbols(this.elf);
    this.symbols = new SymbolTable(this.rawSymbols);
    let dwarf: DwarfIndex | undefined;
    let dwarfError: FormatError | undefined;
    try {
      dwarf = new DwarfIndex(this.elf);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      dwarfError = error;
    }
    this.dwarf = dwarf;
    this.dwarfError = dwarfError;
    this.mapping = new AddressMapping(options.offset ?? 0, this.elf.sections, options.sections, this.elf.elfClass);
  }

  get addressBits(): 32 | 64 {
    return this.elf.elfClass;
  }
}
