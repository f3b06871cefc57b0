/**
 * ELF symbols sorted by address for symbolization ("name+0x12"): functions
 * and objects with a section, a name and a non-zero size or a NOTYPE label.
 * Lookup is a binary search for the nearest symbol at or before an address.
 */
import { STT_FILE, STT_FUNC, STT_NOTYPE, STT_OBJECT, STT_SECTION, type ElfSymbol } from './elf/elf-file';

const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;

export interface SymbolHit {
  symbol: ElfSymbol;
  offset: number;
}

export class SymbolTable {
  private readonly sorted: ElfSymbol[];

  constructor(symbols: ElfSymbol[]) {
    const kept = symbols.filter((s) => s.name !== '' && s.shndx !== SHN_UNDEF && s.shndx < SHN_LORESERVE && s.type !== STT_SECTION && s.type !== STT_FILE && (s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_NOTYPE));
    // Prefer functions, then global symbols, then larger ones, when several share an address.
    this.sorted = sortedByKey(kept) ?? kept.sort((a, b) => a.value - b.value || rank(a) - rank(b));
  }

  get all(): readonly ElfSymbol[] {
    return this.sorted;
  }

  /** The symbol containing `address`, or the nearest one before it when that one has no size. */
  lookup(address: number): SymbolHit | undefined {
    const s = this.sorted;
    let lo = 0, hi = s.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].value <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    // Among symbols at the same address take the best ranked (first of its run).
    const value = s[found].value;
    let i = found;
    while (i > 0 && s[i - 1].value === value) i--;
    for (let j = i; j < s.length && s[j].value === value; j++) {
      if (s[j].size === 0 || address < s[j].value + s[j].size) return { symbol: s[j], offset: address - s[j].value };
    }
    // A sized symbol that ends before the address: the address belongs to no symbol.
    return undefined;
  }

  byName(name: string): ElfSymbol | undefined {
    return this.sorted.find((s) => s.name === name && s.type === STT_FUNC) ?? this.sorted.find((s) => s.name === name);
  }
}

/**
 * Functions, then objects, then labels; within each, symbols with a size
 * before zero-size aliases at the same address (Linux's realmode.elf has
 * `pa_trampoline_start`, a linker-script alias, at `trampoline_start`),
 * then globals before locals. Always < 16.
 */
function rank(s: ElfSymbol): number {
  return (s.type === STT_FUNC ? 0 : s.type === STT_OBJECT ? 4 : 8) + (s.size === 0 ? 2 : 0) + (s.bind === 0 ? 1 : 0);
}

/**
 * The stable sort by (value, rank) done as one native numeric sort: each
 * symbol's key packs value, rank and position exactly into a double.
 * Undefined when the values are too large to pack (then sort by comparator).
 */
function sortedByKey(symbols: ElfSymbol[]): ElfSymbol[] | undefined {
  const n = symbols.length;
  let indexBits = 0;
  while (2 ** indexBits < n) indexBits++;
  const low = 2 ** (indexBits + 4); // rank < 16, then the position
  const limit = 2 ** 53 / low;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = symbols[i];
    if (!(s.value >= 0 && s.value < limit && Number.isInteger(s.value))) return undefined;
    keys[i] = s.value * low + rank(s) * 2 ** indexBits + i;
  }
  keys.sort();
  const out = new Array<ElfSymbol>(n);
  const mask = 2 ** indexBits;
  for (let i = 0; i < n; i++) out[i] = symbols[keys[i] % mask];
  return out;
}
