/**
 * Splits the text of one statement into tokens with their columns. Strings
 * and character constants are single tokens (NASM manual 3.4.2, GAS manual
 * 3.6.1.1), so nothing inside them is mistaken for a symbol.
 */
import type { Dialect, Operand } from '../model';

export type TokenKind = 'ident' | 'number' | 'string' | 'register' | 'macroParam' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

const NASM_IDENT = /[A-Za-z_.?@$][\w.$#@~?]*/y;
const GAS_IDENT = /[A-Za-z_.][\w.$]*/y;
const NUMBER = /[0-9][\w]*(?:\.[0-9]+)?/y;

/** Index where a comment starts, or the line length (strings are skipped). */
export function commentStart(line: string, dialect: Dialect): number {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== '') {
      if (c === '\\' && dialect === 'gas') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || (c === '`' && dialect === 'nasm')) {
      // GAS 'c is a character constant with no closing quote.
      if (c === "'" && dialect === 'gas') { i++; continue; }
      quote = c;
    } else if (dialect === 'nasm' && c === ';') return i;
    else if (dialect === 'gas' && (c === '#' || (c === '/' && (line[i + 1] === '/' || line[i + 1] === '*')))) return i;
  }
  return line.length;
}

export function tokenize(text: string, offset: number, dialect: Dialect): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ident = dialect === 'nasm' ? NASM_IDENT : GAS_IDENT;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    const start = i;
    if (c === '"' || c === "'" || (c === '`' && dialect === 'nasm')) {
      if (c === "'" && dialect === 'gas') i += 2;
      else {
        i++;
        while (i < text.length && text[i] !== c) i += text[i] === '\\' && c !== "'" ? 2 : 1;
        i++;
      }
      out.push({ kind: 'string', text: text.slice(start, Math.min(i, text.length)), start: start + offset, end: Math.min(i, text.length) + offset });
      continue;
    }
    if (dialect === 'nasm' && c === '%') {
      const m = /%%?[\w.$@?]*|%[+-]?\d+|%/y;
      m.lastIndex = i;
      const r = m.exec(text);
      i += Math.max(1, r?.[0].length ?? 1);
      out.push({ kind: 'macroParam', text: text.slice(start, i), start: start + offset, end: i + offset });
      continue;
    }
    if (dialect === 'gas' && (c === '%' || c === '\\')) {
      const m = /[%\\][\w.$]*/y;
      m.lastIndex = i;
      const r = m.exec(text);
      i += Math.max(1, r?.[0].length ?? 1);
      out.push({ kind: c === '%' ? 'register' : 'macroParam', text: text.slice(start, i), start: start + offset, end: i + offset });
      continue;
    }
    if (dialect === 'nasm' && c === '$' && /[0-9]/.test(text[i + 1] ?? '')) {
      NUMBER.lastIndex = i + 1;
      const r = NUMBER.exec(text);
      i += 1 + (r?.[0].length ?? 0);
      out.push({ kind: 'number', text: text.slice(start, i), start: start + offset, end: i + offset });
      continue;
    }
    if (/[0-9]/.test(c)) {
      NUMBER.lastIndex = i;
      const r = NUMBER.exec(text);
      i += r?.[0].length ?? 1;
      out.push({ kind: 'number', text: text.slice(start, i), start: start + offset, end: i + offset });
      continue;
    }
    ident.lastIndex = i;
    const r = ident.exec(text);
    if (r !== null && r[0].length > 0 && !(dialect === 'nasm' && (r[0] === '$' || r[0] === '$$'))) {
      i += r[0].length;
      out.push({ kind: 'ident', text: r[0], start: start + offset, end: i + offset });
      continue;
    }
    if (c === '$' && text[i + 1] === '$') i += 2;
    else i++;
    out.push({ kind: 'punct', text: text.slice(start, i), start: start + offset, end: i + offset });
  }
  return out;
}

/** Operands separated by top-level commas (not inside brackets, parentheses or strings). */
export function splitOperands(text: string, offset: number, dialect: Dialect): Operand[] {
  const out: Operand[] = [];
  let depth = 0;
  let quote = '';
  let begin = 0;
  const push = (end: number): void => {
    const raw = text.slice(begin, end);
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed !== '') out.push({ text: trimmed, start: offset + begin + lead, end: offset + begin + lead + trimmed.length });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || (c === "'" && dialect === 'nasm') || (c === '`' && dialect === 'nasm')) quote = c;
    else if (c === "'" && dialect === 'gas') i++;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      push(i);
      begin = i + 1;
    }
  }
  push(text.length);
  return out;
}
