/**
 * The ELF symbol binutils names for an address when DWARF has no function
 * there: the nearest preceding function-like symbol in the same section
 * (any symbol but section, file, object and TLS symbols; hidden local
 * zero-size NOTYPE symbols excluded), preferring on equal addresses the
 * one that covers the address, then STT_FUNC. The STT_FILE symbol before
 * it names the source file. Mirrors BFD's _bfd_elf_find_function.
 */
import { STT_FILE, STT_FUNC, STT_NOTYPE, STT_OBJECT, STT_SECTION, type ElfSymbol } from '../elf/elf-file';

const STT_TLS = 6;
const STT_GNU_IFUNC = 10;
const STB_LOCAL = 0;
const STV_HIDDEN = 2;

export interface FunctionSymbolMatch {
  symbol: ElfSymbol;
  /** Name of the STT_FILE symbol that owns it, when one does. */
  fileName: string | undefined;
}

function isFunctionType(s: ElfSymbol): boolean {
  return s.type === STT_FUNC || s.type === STT_GNU_IFUNC;
}

/** Code size as BFD counts it: 0 means "not a candidate", a zero st_size counts as 1. */
function candidateSize(s: ElfSymbol, sectionIndex: number): number {
  if (s.type === STT_SECTION || s.type === STT_FILE || s.type === STT_OBJECT || s.type === STT_TLS) return 0;
  if (s.shndx !== sectionIndex) return 0;
  if (s.size === 0 && s.bind === STB_LOCAL && s.type === STT_NOTYPE && (s.other & 3) === STV_HIDDEN) return 0;
  return s.size === 0 ? 1 : s.size;
}

/** `symbols` in symbol-table order (the order matters for the STT_FILE association). */
export function findFunctionSymbol(symbols: ElfSymbol[], sectionIndex: number, address: number): FunctionSymbolMatch | undefined {
  let best: ElfSymbol | undefined;
  let bestOff = 0, bestSize = 0;
  let bestFile: string | undefined;
  let file: ElfSymbol | undefined;
  let state: 'nothing' | 'symbol' | 'fileAfterSymbol' = 'nothing';
  for (const s of symbols) {
    if (s.type === STT_FILE) {
      file = s;
      if (state === 'symbol') state = 'fileAfterSymbol';
      continue;
    }
    const size = candidateSize(s, sectionIndex);
    if (size !== 0 && betterFit(best, bestOff, bestSize, s, s.value, size, address)) {
      best = s;
      bestOff = s.value;
      bestSize = size;
      bestFile = file !== undefined && (s.bind === STB_LOCAL || state !== 'fileAfterSymbol') ? file.name : undefined;
    }
    if (state === 'nothing') state = 'symbol';
  }
  return best === undefined ? undefined : { symbol: best, fileName: bestFile };
}

function betterFit(current: ElfSymbol | undefined, curOff: number, curSize: number, s: ElfSymbol, off: number, size: number, address: number): boolean {
  if (off > address) return false;
  if (current === undefined) return true;
  if (off < curOff) return false;
  if (off > curOff) return true;
  // Same address: if the current one does not reach the address, take whichever covers more.
  if (curOff + curSize <= address) return size > curSize;
  // Both cover it: prefer a function over another kind of symbol.
  if (off + size > address && isFunctionType(s) && !isFunctionType(current)) return true;
  return false;
}
