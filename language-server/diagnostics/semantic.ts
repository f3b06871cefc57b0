/**
 * Diagnostics found without running an assembler: undefined and duplicate
 * labels, instructions not valid in the current bitness, operand sizes the
 * assembler rejects. Each one corresponds to an error nasm or as reports on
 * the same line (test/language-server/assembler-agreement.test.ts checks it).
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { IndexedFile, WorkspaceIndex } from '../index/workspace-index';
import { checkInstruction } from './operand-checks';

function diagnostic(line: number, start: number, end: number, message: string, code: string): Diagnostic {
  return { range: { start: { line, character: start }, end: { line, character: end } }, severity: DiagnosticSeverity.Error, source: 'bringup', code, message };
}

/** NASM: a symbol must be defined in the assembled unit (nasm: "symbol `x' not defined"). GAS leaves undefined symbols to the linker. */
function undefinedSymbols(index: WorkspaceIndex, file: IndexedFile, out: Diagnostic[]): void {
  const { parsed } = file;
  if (parsed.dialect === 'nasm') {
    const fragment = /\.inc$/i.test(file.uri) && index.includersOf(file.uri).length === 0;
    if (fragment || !index.unitComplete(file.uri)) return;
    const known = new Set<string>();
    const prefixes: string[] = [];
    const conditionNames: string[] = [];
    for (const f of index.unitOf(file.uri)) {
      for (const d of f.parsed.defs) known.add(d.name);
      for (const e of f.parsed.externs) known.add(e);
      prefixes.push(...f.parsed.labelPrefixes);
      conditionNames.push(...f.parsed.conditionNames);
    }
    // A %if on a name nothing defines means the build passes -D NAME=...: then any
    // CONSTANT_STYLE name may come from the command line too (NASM manual 2.1.19).
    const commandLineDefines = conditionNames.some((n) => !known.has(n));
    for (const r of parsed.refs) {
      if (r.inMacro || r.conditional || r.viaMacro || known.has(r.name)) continue;
      if (prefixes.some((p) => r.name.startsWith(p))) continue;
      if (commandLineDefines && /^[A-Z][A-Z0-9_]*$/.test(r.name)) continue;
      out.push(diagnostic(r.span.line, r.span.start, r.span.end, `symbol \`${r.name}' is not defined`, 'undefined-symbol'));
    }
    return;
  }
  // GAS numeric local labels must exist in the referenced direction (GAS manual 5.3).
  for (const r of parsed.refs) {
    if (r.unresolvedNumeric !== true || r.inMacro) continue;
    const backward = r.text.endsWith('b');
    out.push(diagnostic(r.span.line, r.span.start, r.span.end, `no local label ${r.text.slice(0, -1)}: ${backward ? 'before' : 'after'} this line (${backward ? 'backward' : 'forward'} reference ${r.text})`, 'undefined-local-label'));
  }
}

/** A label defined twice in one file (nasm: "label inconsistently redefined"; as: "symbol is already defined"). */
function duplicateLabels(file: IndexedFile, out: Diagnostic[]): void {
  const first = new Map<string, number>();
  for (const d of file.parsed.defs) {
    if (d.inMacro || d.conditional || !(d.kind === 'label' || d.kind === 'local')) continue;
    const earlier = first.get(d.name);
    if (earlier === undefined) first.set(d.name, d.span.line);
    else out.push(diagnostic(d.span.line, d.span.start, d.span.end, `label \`${d.name}' is already defined on line ${earlier + 1}`, 'duplicate-label'));
  }
}

export function semanticDiagnostics(index: WorkspaceIndex, uri: string): Diagnostic[] {
  const file = index.get(uri);
  if (file === undefined) return [];
  const out: Diagnostic[] = [];
  duplicateLabels(file, out);
  undefinedSymbols(index, file, out);
  for (const insn of file.parsed.instructions) {
    if (insn.inMacro || insn.conditional) continue;
    for (const p of checkInstruction(insn, file.parsed.dialect)) out.push(diagnostic(insn.line, p.start, p.end, p.message, 'operand'));
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line);
}
