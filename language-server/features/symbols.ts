/** documentSymbol (outline, local labels under their global label) and workspace/symbol. */
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver';
import type { SymbolDef } from '../model';
import type { WorkspaceIndex } from '../index/workspace-index';
import { spanToRange } from './symbol-at';

function kindOf(d: SymbolDef): SymbolKind {
  switch (d.kind) {
    case 'macro': return SymbolKind.Function;
    case 'constant': case 'define': return SymbolKind.Constant;
    case 'section': return SymbolKind.Namespace;
    case 'struc': return SymbolKind.Struct;
    case 'local': case 'numeric': return SymbolKind.Key;
    default: return SymbolKind.Field;
  }
}

function detail(d: SymbolDef): string {
  if (d.value !== undefined) return d.value;
  return d.kind === 'section' ? 'section' : d.kind;
}

export function documentSymbols(index: WorkspaceIndex, uri: string): DocumentSymbol[] {
  const file = index.get(uri);
  if (file === undefined) return [];
  const out: DocumentSymbol[] = [];
  const globals = new Map<string, DocumentSymbol>();
  for (const d of file.parsed.defs) {
    if (d.kind === 'numeric' || (d.inMacro && d.kind !== 'macro')) continue;
    const range = spanToRange(d.span);
    const symbol: DocumentSymbol = { name: d.text, detail: detail(d), kind: kindOf(d), range, selectionRange: range };
    const parent = d.kind === 'local' || (d.kind === 'constant' && d.text.startsWith('.')) ? globals.get(d.parent ?? '') : undefined;
    if (parent !== undefined) {
      (parent.children ??= []).push(symbol);
      parent.range = { start: parent.range.start, end: range.end };
    } else {
      out.push(symbol);
      if (d.kind === 'label' || d.kind === 'struc') globals.set(d.name, symbol);
    }
  }
  return out;
}

/** Case-insensitive subsequence match, as editors filter symbol lists. */
function matches(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let i = 0;
  for (const c of n) if (c === q[i]) i++;
  return i === q.length;
}

export function workspaceSymbols(index: WorkspaceIndex, query: string, limit = 500): SymbolInformation[] {
  const out: SymbolInformation[] = [];
  for (const f of index.all()) {
    for (const d of f.parsed.defs) {
      if (d.kind === 'numeric' || (d.inMacro && d.kind === 'local') || !matches(query, d.name)) continue;
      out.push({ name: d.name, kind: kindOf(d), location: { uri: f.uri, range: spanToRange(d.span) }, ...(d.parent !== undefined ? { containerName: d.parent } : {}) });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
