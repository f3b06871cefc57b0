/** The symbol (definition or reference) under a position, and where else it occurs. */
import type { Location, Position } from 'vscode-languageserver';
import type { Span, SymbolDef } from '../model';
import type { IndexedFile, WorkspaceIndex } from '../index/workspace-index';

export interface SymbolHit {
  name: string;
  span: Span;
  isDef: boolean;
}

function contains(span: Span, pos: Position): boolean {
  return span.line === pos.line && pos.character >= span.start && pos.character <= span.end;
}

export function symbolAt(file: IndexedFile, pos: Position): SymbolHit | undefined {
  for (const d of file.parsed.defs) if (d.kind !== 'section' && contains(d.span, pos)) return { name: d.name, span: d.span, isDef: true };
  for (const r of file.parsed.refs) if (contains(r.span, pos)) return { name: r.name, span: r.span, isDef: false };
  return undefined;
}

export function spanToRange(span: Span): Location['range'] {
  return { start: { line: span.line, character: span.start }, end: { line: span.line, character: span.end } };
}

/** Numeric GAS labels (`1#2`) are private to their file. */
function filesFor(index: WorkspaceIndex, uri: string, name: string): IndexedFile[] {
  const own = index.get(uri);
  if (name.includes('#')) return own === undefined ? [] : [own];
  const unit = new Map(index.unitOf(uri).map((f) => [f.uri, f]));
  // Files that define the name, and every unit those files belong to.
  for (const { uri: defUri } of index.definitions(uri, name)) for (const f of index.unitOf(defUri)) unit.set(f.uri, f);
  return [...unit.values()];
}

export function definitionsOf(index: WorkspaceIndex, uri: string, name: string): { uri: string; def: SymbolDef }[] {
  const defs = index.definitions(uri, name);
  return name.includes('#') ? defs.filter((d) => d.uri === uri) : defs;
}

/** Every occurrence (definitions and references) of `name` as seen from `uri`. */
export function occurrences(index: WorkspaceIndex, uri: string, name: string, includeDefs: boolean): { uri: string; span: Span; isDef: boolean }[] {
  const out: { uri: string; span: Span; isDef: boolean }[] = [];
  for (const f of filesFor(index, uri, name)) {
    if (includeDefs) for (const d of f.parsed.defs) if (d.name === name) out.push({ uri: f.uri, span: d.span, isDef: true });
    for (const r of f.parsed.refs) if (r.name === name) out.push({ uri: f.uri, span: r.span, isDef: false });
  }
  return out;
}
