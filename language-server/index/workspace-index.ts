/**
 * Every assembly file the server knows: open documents (their editor text
 * wins) and files found in the workspace or reached through %include /
 * .include / #include. A file's "unit" is what the assembler sees when it
 * assembles the root file(s) that include it, so labels defined in one
 * include file and used in another resolve.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Bits, ParsedFile, SymbolDef } from '../model';
import { defaultBits, dialectOf, parseFile } from '../parse/parse-file';
import { normalizeUri, pathToUri, uriToPath } from './uris';

export interface IndexedFile {
  uri: string;
  text: string;
  /** `text` split into lines (kept, hovers and edits look lines up). */
  lines: string[];
  open: boolean;
  languageId?: string;
  initialBits: Bits;
  /** Set when an includer decided the bitness at the start of this file. */
  bitsFromIncluder: boolean;
  parsed: ParsedFile;
  /** URI each include resolves to, in `parsed.includes` order (undefined when not found). */
  includeTargets: (string | undefined)[];
}

export const ASSEMBLY_FILE = /\.(asm|nasm|inc|s|sx)$/i;
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test']);
const MAX_FILES = 20000;

export class WorkspaceIndex {
  private readonly files = new Map<string, IndexedFile>();
  private includers = new Map<string, Set<string>>();
  roots: string[] = [];

  get size(): number {
    return this.files.size;
  }

  all(): IndexedFile[] {
    return [...this.files.values()];
  }

  get(uri: string): IndexedFile | undefined {
    return this.files.get(normalizeUri(uri));
  }

  /** Walk the workspace folders and index every assembly file in them. */
  scanFolders(folders: string[]): void {
    this.roots = folders;
    const found: string[] = [];
    const walk = (dir: string): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        if (found.length >= MAX_FILES) return;
        const path = join(dir, name);
        let st;
        try {
          st = statSync(path);
        } catch {
          continue;
        }
        if (st.isDirectory()) {
          if (!SKIP_DIRS.has(name) && !name.startsWith('.')) walk(path);
        } else if (ASSEMBLY_FILE.test(name) && st.size < 4 * 1024 * 1024) found.push(path);
      }
    };
    for (const folder of folders) walk(folder);
    for (const path of found) this.load(pathToUri(path));
  }

  /** Open or change a document: its text replaces what is on disk. */
  setDocument(uri: string, text: string, languageId?: string): IndexedFile {
    const key = normalizeUri(uri);
    const old = this.files.get(key);
    return this.update(key, text, true, languageId ?? old?.languageId, old);
  }

  /** A document was closed: go back to the file on disk (or forget it). */
  closeDocument(uri: string): void {
    const key = normalizeUri(uri);
    const path = uriToPath(key);
    const old = this.files.get(key);
    if (path !== undefined && existsSync(path)) this.update(key, readFileSync(path, 'utf8'), false, old?.languageId, old);
    else this.files.delete(key);
  }

  /** A file changed on disk (workspace/didChangeWatchedFiles): re-read it unless the editor owns its text. */
  diskChanged(uri: string): void {
    const f = this.files.get(normalizeUri(uri));
    if (f?.open === true) return;
    if (f === undefined) {
      if (ASSEMBLY_FILE.test(uri)) this.load(uri);
      return;
    }
    this.closeDocument(uri);
  }

  /** Read a file from disk if it is not indexed yet. */
  load(uri: string): IndexedFile | undefined {
    const key = normalizeUri(uri);
    const existing = this.files.get(key);
    if (existing !== undefined) return existing;
    const path = uriToPath(key);
    if (path === undefined || !existsSync(path)) return undefined;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    return this.update(key, text, false, undefined, undefined);
  }

  private update(key: string, text: string, open: boolean, languageId: string | undefined, old: IndexedFile | undefined): IndexedFile {
    const dialect = dialectOf(key, languageId);
    const bitsFromIncluder = old?.bitsFromIncluder ?? false;
    const initialBits = bitsFromIncluder && old !== undefined ? old.initialBits : defaultBits(dialect, text);
    const entry: IndexedFile = { uri: key, text, lines: text.split(/\r?\n/), open, languageId, initialBits, bitsFromIncluder, parsed: parseFile(key, text, dialect, initialBits), includeTargets: [] };
    this.files.set(key, entry);
    this.resolveIncludes(entry, new Set([key]));
    return entry;
  }

  private resolveIncludes(entry: IndexedFile, visiting: Set<string>): void {
    entry.includeTargets = entry.parsed.includes.map((inc) => this.resolveIncludePath(entry.uri, inc.path));
    entry.parsed.includes.forEach((inc, i) => {
      const target = entry.includeTargets[i];
      if (target === undefined) return;
      const set = this.includers.get(target) ?? new Set<string>();
      set.add(entry.uri);
      this.includers.set(target, set);
      if (visiting.has(target)) return;
      const child = this.load(target);
      if (child === undefined) return;
      // The included text continues in the bitness in effect at the %include line.
      const bits = bitsAt(entry.parsed, entry.initialBits, inc.span.line);
      if (child.initialBits !== bits && child.parsed.dialect === entry.parsed.dialect) {
        child.initialBits = bits;
        child.bitsFromIncluder = true;
        child.parsed = parseFile(child.uri, child.text, child.parsed.dialect, bits);
        visiting.add(target);
        this.resolveIncludes(child, visiting);
      }
    });
  }

  /**
   * NASM looks in the current directory then -I paths (NASM manual 2.1.16);
   * we try the including file's directory, its includers' directories and
   * the workspace folders. GAS .include and cpp "..." behave alike.
   */
  private resolveIncludePath(fromUri: string, includePath: string): string | undefined {
    const from = uriToPath(fromUri);
    if (from === undefined) return undefined;
    const candidates = [dirname(from), ...[...(this.includers.get(fromUri) ?? [])].map((u) => dirname(uriToPath(u) ?? from)), ...this.roots];
    for (const dir of candidates) {
      const path = resolve(dir, includePath);
      if (existsSync(path)) return pathToUri(path);
    }
    return undefined;
  }

  /** Files that include this one, directly. */
  includersOf(uri: string): string[] {
    return [...(this.includers.get(normalizeUri(uri)) ?? [])].filter((u) => this.files.get(u)?.includeTargets.includes(normalizeUri(uri)));
  }

  /** Root files (not included by anything) whose assembly reaches this file. */
  rootsOf(uri: string): string[] {
    const out = new Set<string>();
    const seen = new Set<string>();
    const up = (u: string): void => {
      if (seen.has(u)) return;
      seen.add(u);
      const parents = this.includersOf(u);
      if (parents.length === 0) out.add(u);
      for (const p of parents) up(p);
    };
    up(normalizeUri(uri));
    return [...out];
  }

  /** Every file assembled together with this one. */
  unitOf(uri: string): IndexedFile[] {
    const out = new Map<string, IndexedFile>();
    const down = (u: string): void => {
      const f = this.files.get(u);
      if (f === undefined || out.has(u)) return;
      out.set(u, f);
      for (const t of f.includeTargets) if (t !== undefined) down(t);
    };
    for (const root of this.rootsOf(uri)) down(root);
    return [...out.values()];
  }

  /** True when every include in the unit was found (only then can a symbol be called undefined). */
  unitComplete(uri: string): boolean {
    return this.unitOf(uri).every((f) => f.includeTargets.every((t) => t !== undefined));
  }

  /** Definitions of `name` visible from `uri`: in its unit first, else anywhere. */
  definitions(uri: string, name: string): { uri: string; def: SymbolDef }[] {
    const inUnit = this.unitOf(uri).flatMap((f) => f.parsed.defs.filter((d) => d.name === name).map((def) => ({ uri: f.uri, def })));
    if (inUnit.length > 0 || /#/.test(name)) return inUnit;
    return this.all().flatMap((f) => f.parsed.defs.filter((d) => d.name === name).map((def) => ({ uri: f.uri, def })));
  }
}

/** Bitness at the start of `line` (after the last bits directive before it). */
export function bitsAt(parsed: ParsedFile, initialBits: Bits, line: number): Bits {
  let bits = initialBits;
  for (const change of parsed.bitsChanges) {
    if (change.line > line) break;
    bits = change.bits;
  }
  return bits;
}
