/**
 * An address-sorted index over the rows of every line program: address →
 * file:line:column by binary search, and file:line → breakable addresses.
 * Each entry covers [address, end) up to the next row of its sequence
 * (DWARF 5 section 6.2.2: a row applies until the next row's address).
 * When several rows share an address the last one wins, as binutils does.
 */
import type { LineProgram, LineRow } from './line-program';
import { baseName, lineFilePath } from './file-paths';

export interface LineLocation {
  address: number;
  /** Where this row's range ends (exclusive). */
  end: number;
  /** Full path, or undefined when the row names no valid file. */
  file: string | undefined;
  line: number;
  column: number;
  discriminator: number;
  isStmt: boolean;
  prologueEnd: boolean;
}

export interface LineProgramWithUnit {
  program: LineProgram;
  compDir: string | undefined;
}

export interface LineTableOptions {
  /**
   * Resolve the initial file register of a DWARF 5 sequence to entry 0
   * instead of entry 1, as binutils 2.40 does (the specification says 1:
   * DWARF 5 section 6.2.2 table 6.4). Only addr2line compatibility wants this.
   */
  binutilsDefaultFile?: boolean;
}

export class LineTable {
  private readonly entries: LineLocation[] = [];
  /** All rows per sequence in program order (for prologue analysis and breakpoints). */
  readonly sequences: LineLocation[][] = [];
  private readonly paths: string[] = [];

  constructor(units: LineProgramWithUnit[], options: LineTableOptions = {}) {
    const pathSet = new Set<string>();
    for (const { program, compDir } of units) {
      const pathOf = new Map<number, string | undefined>();
      const resolve = (file: number): string | undefined => {
        if (!pathOf.has(file)) {
          const p = lineFilePath(program, file, compDir);
          pathOf.set(file, p);
          if (p !== undefined) pathSet.add(p);
        }
        return pathOf.get(file);
      };
      let sequence: LineRow[] = [];
      for (const row of program.rows) {
        sequence.push(row);
        if (row.endSequence) {
          this.addSequence(sequence, options.binutilsDefaultFile === true && program.version >= 5 ? (file, isDefault) => resolve(isDefault ? 0 : file) : resolve);
          sequence = [];
        }
      }
    }
    this.entries.sort((a, b) => a.address - b.address);
    this.paths = [...pathSet].sort();
  }

  private addSequence(rows: LineRow[], resolve: (file: number, isDefault: boolean) => string | undefined): void {
    const locations: LineLocation[] = [];
    for (let i = 0; i < rows.length - 1; i++) {
      const row = rows[i];
      const next = rows[i + 1];
      if (next.address < row.address) continue; // a sequence must not go backwards; ignore the broken row
      locations.push({
        address: row.address, end: next.address, file: resolve(row.file, row.fileIsDefault), line: row.line, column: row.column,
        discriminator: row.discriminator, isStmt: row.isStmt, prologueEnd: row.prologueEnd,
      });
    }
    if (locations.length === 0) return;
    this.sequences.push(locations);
    for (const loc of locations) if (loc.end > loc.address) this.entries.push(loc);
  }

  get size(): number {
    return this.entries.length;
  }

  /** All source files named by rows. */
  files(): string[] {
    return this.paths;
  }

  /** The row covering `address`, or undefined. */
  lookup(address: number): LineLocation | undefined {
    const e = this.entries;
    let lo = 0, hi = e.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid].address <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Overlapping sequences (code discarded by the linker lands at 0): look back a little for one that covers.
    for (let i = found, n = 0; i >= 0 && n < 32; i--, n++) if (address < e[i].end) return e[i];
    return undefined;
  }

  /** Entries that start inside [low, high), in address order. */
  entriesIn(low: number, high: number): LineLocation[] {
    const e = this.entries;
    let lo = 0, hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid].address < low) lo = mid + 1;
      else hi = mid;
    }
    const out: LineLocation[] = [];
    for (let i = lo; i < e.length && e[i].address < high; i++) out.push(e[i]);
    return out;
  }

  /**
   * Breakable addresses for `file`:`line` (file matched by full path, path
   * suffix or basename): the first address of each is_stmt block of that
   * line; when the line has no code, the nearest following line that has.
   */
  addressesForLine(file: string, line: number): { line: number; addresses: number[] } {
    const matches = (path: string | undefined): boolean => path !== undefined && fileMatches(path, file);
    let bestLine = Infinity;
    for (const seq of this.sequences) for (const loc of seq) if (loc.isStmt && loc.line >= line && loc.line < bestLine && matches(loc.file)) bestLine = loc.line;
    if (bestLine === Infinity) return { line, addresses: [] };
    const addresses = new Set<number>();
    for (const seq of this.sequences) {
      for (let i = 0; i < seq.length; i++) {
        const loc = seq[i];
        if (!loc.isStmt || loc.line !== bestLine || !matches(loc.file)) continue;
        const prev = seq[i - 1];
        if (prev !== undefined && prev.line === bestLine && prev.file === loc.file && prev.end === loc.address) continue;
        addresses.add(loc.address);
      }
    }
    return { line: bestLine, addresses: [...addresses].sort((a, b) => a - b) };
  }
}

export function fileMatches(path: string, query: string): boolean {
  if (path === query) return true;
  if (query.includes('/')) return path.endsWith(query.startsWith('/') ? query : `/${query}`);
  return baseName(path) === query;
}
