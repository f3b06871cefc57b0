/** Go to definition, find references and rename for labels, constants and macros. */
import { ResponseError, type Location, type Position, type WorkspaceEdit, type TextEdit } from 'vscode-languageserver';
import type { WorkspaceIndex } from '../index/workspace-index';
import { definitionsOf, occurrences, spanToRange, symbolAt } from './symbol-at';

export function definition(index: WorkspaceIndex, uri: string, pos: Position): Location[] {
  const file = index.get(uri);
  if (file === undefined) return [];
  const hit = symbolAt(file, pos);
  if (hit === undefined) return [];
  return definitionsOf(index, file.uri, hit.name).map((d) => ({ uri: d.uri, range: spanToRange(d.def.span) }));
}

export function references(index: WorkspaceIndex, uri: string, pos: Position, includeDeclaration: boolean): Location[] {
  const file = index.get(uri);
  if (file === undefined) return [];
  const hit = symbolAt(file, pos);
  if (hit === undefined) return [];
  return occurrences(index, file.uri, hit.name, includeDeclaration).map((o) => ({ uri: o.uri, range: spanToRange(o.span) }));
}

export function prepareRename(index: WorkspaceIndex, uri: string, pos: Position): { range: Location['range']; placeholder: string } | null {
  const file = index.get(uri);
  if (file === undefined) return null;
  const hit = symbolAt(file, pos);
  if (hit === undefined || hit.name.includes('#') || definitionsOf(index, file.uri, hit.name).length === 0) return null;
  return { range: spanToRange(hit.span), placeholder: file.lines[hit.span.line].slice(hit.span.start, hit.span.end) };
}

const NAME = /^[A-Za-z_.?@$][\w.$#@~?]*$/;

/**
 * Rename every occurrence. A NASM local label (`.wait`) is written short
 * where it was written short; the new name keeps the form the user typed.
 */
export function rename(index: WorkspaceIndex, uri: string, pos: Position, newName: string): WorkspaceEdit | ResponseError<void> {
  const file = index.get(uri);
  if (file === undefined) return { changes: {} };
  const hit = symbolAt(file, pos);
  if (hit === undefined) return new ResponseError(-32602, 'No symbol here to rename');
  if (hit.name.includes('#')) return new ResponseError(-32602, 'Numeric local labels cannot be renamed');
  if (!NAME.test(newName)) return new ResponseError(-32602, `'${newName}' is not a valid symbol name`);
  if (definitionsOf(index, file.uri, hit.name).length === 0) return new ResponseError(-32602, `'${hit.name}' is not defined in the workspace`);
  const changes: Record<string, TextEdit[]> = {};
  const oldLocal = hit.name.includes('.') && !hit.name.startsWith('.') ? hit.name.slice(hit.name.indexOf('.')) : undefined;
  const newLocal = newName.startsWith('.') ? newName : undefined;
  for (const o of occurrences(index, file.uri, hit.name, true)) {
    const target = index.get(o.uri);
    if (target === undefined) continue;
    const written = target.lines[o.span.line].slice(o.span.start, o.span.end);
    let text = newName;
    if (oldLocal !== undefined && written === oldLocal && newLocal === undefined && newName.includes('.')) text = newName.slice(newName.lastIndexOf('.'));
    else if (oldLocal !== undefined && written !== oldLocal && newLocal !== undefined) text = hit.name.slice(0, hit.name.length - oldLocal.length) + newLocal;
    (changes[o.uri] ??= []).push({ range: spanToRange(o.span), newText: text });
  }
  return { changes };
}
