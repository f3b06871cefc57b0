/** Completion: mnemonics (from the opcode table, for the line's bitness), registers, labels and directives. */
import { CompletionItemKind, type CompletionItem, type Position } from 'vscode-languageserver';
import type { WorkspaceIndex } from '../index/workspace-index';
import { bitsAt } from '../index/workspace-index';
import { directivesFor } from '../knowledge/directives';
import { instructionForms, tableMnemonics } from '../knowledge/opcodes';
import { modeProblem } from '../knowledge/modes';
import { registersFor } from '../knowledge/registers';
import { commentStart } from '../parse/lexer';

export function completion(index: WorkspaceIndex, uri: string, pos: Position): CompletionItem[] {
  const file = index.get(uri);
  if (file === undefined) return [];
  const { dialect } = file.parsed;
  const lineText = (file.lines[pos.line] ?? '').slice(0, pos.character);
  if (commentStart(lineText, dialect) < lineText.length) return [];
  const bits = bitsAt(file.parsed, file.initialBits, pos.line);
  const before = lineText.replace(/[\w.%$@?]*$/, '');
  // First word of a statement (after an optional label): instructions and directives.
  const atStatementStart = /^\s*(?:[\w.$@?]+:\s*)?$/.test(before);
  const items: CompletionItem[] = [];
  if (atStatementStart) {
    for (const m of tableMnemonics()) {
      if (modeProblem(m, [], bits) !== undefined) continue;
      const forms = instructionForms(m, dialect, bits);
      items.push({ label: m, kind: CompletionItemKind.Keyword, detail: forms[0]?.description, sortText: `1${m}` });
    }
    for (const d of directivesFor(dialect)) items.push({ label: d, kind: CompletionItemKind.Snippet, detail: 'directive', sortText: `2${d}` });
    for (const f of index.unitOf(file.uri)) {
      for (const d of f.parsed.defs) if (d.kind === 'macro') items.push({ label: d.name, kind: CompletionItemKind.Function, detail: 'macro', sortText: `0${d.name}` });
    }
    return items;
  }
  const gasRegister = dialect === 'gas' && /%$/.test(lineText.replace(/\w*$/, ''));
  for (const r of registersFor(bits)) items.push({ label: r.name, kind: CompletionItemKind.Variable, detail: `${r.size > 0 ? `${r.size}-bit ` : ''}${r.kind} register`, sortText: `1${r.name}` });
  if (gasRegister) return items;
  const seen = new Set<string>();
  const parentLabel = [...file.parsed.defs].reverse().find((d) => d.kind === 'label' && !d.inMacro && d.span.line <= pos.line)?.name;
  for (const f of index.unitOf(file.uri)) {
    for (const d of f.parsed.defs) {
      if (d.kind === 'section' || d.kind === 'numeric' || d.kind === 'macro') continue;
      // Local labels are offered short under their own global label (NASM manual 3.9).
      const label = d.kind === 'local' && d.parent !== undefined && d.parent === parentLabel && f.uri === file.uri ? d.text : d.name;
      if (seen.has(label)) continue;
      seen.add(label);
      items.push({ label, kind: d.kind === 'constant' || d.kind === 'define' ? CompletionItemKind.Constant : CompletionItemKind.Reference, detail: d.value ?? d.kind, sortText: `0${label}` });
    }
  }
  return items;
}
