/** textDocument/hover: picks what the word under the cursor is and asks the right module. */
import type { Hover, Position } from 'vscode-languageserver';
import type { WorkspaceIndex } from '../index/workspace-index';
import type { DebugSession } from '../debug/debug-state';
import { QWORD_DATA } from '../knowledge/directives';
import { parseNumber } from '../knowledge/numbers';
import { registerInfo } from '../knowledge/registers';
import { bitNameHover, numberHover } from './hover-constants';
import { labelDebugHover, registerDebugHover } from './hover-debug';
import { instructionHover } from './hover-instruction';
import { definitionsOf, symbolAt } from './symbol-at';
import { wordAt } from './word-at';

function markdown(value: string, line: number, start: number, end: number): Hover {
  return { contents: { kind: 'markdown', value }, range: { start: { line, character: start }, end: { line, character: end } } };
}

export function hover(index: WorkspaceIndex, session: DebugSession, uri: string, pos: Position): Hover | null {
  const file = index.get(uri);
  if (file === undefined) return null;
  const lines = file.lines;
  const lineText = lines[pos.line] ?? '';
  const word = wordAt(lineText, pos);
  if (word === undefined) return null;
  const { dialect } = file.parsed;

  const insn = file.parsed.instructions.find((i) => i.line === pos.line && pos.character >= i.span.start && pos.character <= i.span.end);
  if (insn !== undefined) return markdown(instructionHover(insn.mnemonic, dialect, insn.bits), pos.line, insn.span.start, insn.span.end);

  if (word.kind === 'ident' && registerInfo(word.text) !== undefined) {
    const value = registerDebugHover(session, word.text);
    if (value !== undefined) return markdown(value, pos.line, word.start, word.end);
    const info = registerInfo(word.text);
    return info === undefined ? null : markdown(`**${info.name}** — ${info.size > 0 ? `${info.size}-bit ` : ''}${info.kind} register${info.only64 ? ' (64-bit mode only)' : ''}`, pos.line, word.start, word.end);
  }

  const nearby = lines.slice(Math.max(0, pos.line - 4), pos.line + 5).join('\n').toLowerCase();
  if (word.kind === 'number') {
    const value = parseNumber(word.text, dialect);
    if (value === undefined) return null;
    const qwordData = file.parsed.data.some((d) => d.line === pos.line && QWORD_DATA[dialect].has(d.directive));
    const def = file.parsed.defs.find((d) => d.span.line === pos.line && d.value !== undefined);
    const text = numberHover(value, { dialect, line: lineText.toLowerCase(), nearby, qwordData, name: def?.name });
    return text === undefined ? null : markdown(text, pos.line, word.start, word.end);
  }

  const hit = symbolAt(file, pos);
  const parts: string[] = [];
  const bitName = bitNameHover(word.text);
  if (bitName !== undefined) parts.push(bitName);
  if (hit !== undefined) {
    const defs = definitionsOf(index, file.uri, hit.name);
    for (const { uri: defUri, def } of defs.slice(0, 3)) {
      const where = defUri === file.uri ? `line ${def.span.line + 1}` : `${defUri.split('/').pop()}:${def.span.line + 1}`;
      parts.push(`**${def.text}** — ${def.kind}${def.value !== undefined ? ` = \`${def.value}\`` : ''} (${where})`);
      const numeric = def.value !== undefined ? parseNumber(def.value, dialect) : undefined;
      if (numeric !== undefined) {
        const meaning = numberHover(numeric, { dialect, line: '', nearby: '', qwordData: false, name: def.name });
        if (meaning !== undefined) parts.push(meaning);
      }
    }
    const debug = labelDebugHover(session, hit.name);
    if (debug !== undefined) parts.push(debug);
  }
  return parts.length > 0 ? markdown(parts.join('\n\n'), pos.line, word.start, word.end) : null;
}
