/**
 * NASM source (NASM manual chapter 3 "The NASM Language" and chapter 4 "The
 * NASM Preprocessor"). One statement per line:
 *   label: instruction operands ; comment
 * A label starting with one period is local to the previous non-local label
 * (NASM manual 3.9). Macro bodies are indexed but marked, since they only
 * exist once expanded.
 */
import type { Bits, ParsedFile } from '../model';
import { isTableMnemonic } from '../knowledge/opcodes';
import { OTHER_MNEMONICS, PREFIXES } from '../knowledge/modes';
import { NASM_DATA, NASM_DIRECTIVES } from '../knowledge/directives';
import { commentStart, splitOperands, tokenize, type Token } from './lexer';
import { FileBuilder, parseBits } from './builder';
import { isNonSymbolWord } from './keywords';

export function isNasmInstruction(word: string): boolean {
  const w = word.toLowerCase();
  return isTableMnemonic(w, 'nasm') || OTHER_MNEMONICS.has(w);
}

function isStatementWord(word: string, macros: ReadonlySet<string>): boolean {
  const w = word.toLowerCase();
  return isNasmInstruction(w) || NASM_DATA.has(w) || NASM_DIRECTIVES.has(w) || PREFIXES.has(w) || macros.has(word);
}

export function parseNasm(uri: string, text: string, initialBits: Bits): ParsedFile {
  const lines = text.split(/\r?\n/);
  const b = new FileBuilder(uri, 'nasm', lines.length, initialBits);
  const macros = new Set<string>();
  for (const line of lines) {
    const m = /^\s*%i?macro\s+([\w.$@?]+)/i.exec(line);
    if (m !== null) macros.add(m[1]);
  }
  lines.forEach((raw, lineNo) => parseLine(b, raw.slice(0, commentStart(raw, 'nasm')), lineNo, macros));
  return b.file;
}

function qualify(b: FileBuilder, name: string): string {
  return name.startsWith('.') && !name.startsWith('..') && b.parent !== '' ? b.parent + name : name;
}

function collectRefs(b: FileBuilder, tokens: Token[], lineNo: number, viaMacro: boolean): void {
  for (const t of tokens) {
    if (t.kind !== 'ident' || isNonSymbolWord(t.text)) continue;
    b.ref(qualify(b, t.text), t.text, { line: lineNo, start: t.start, end: t.end }, viaMacro);
  }
}

function identifiers(text: string): string[] {
  return tokenize(text, 0, 'nasm').filter((t) => t.kind === 'ident' && !isNonSymbolWord(t.text)).map((t) => t.text);
}

/** `isr_%1:` or `isr_ %+ v:`: a label whose name is pasted from a macro parameter or %assign'd variable. */
const PASTED_LABEL = /^([A-Za-z_][\w.$#@~?]*)\s*%\+?\s*%{0,2}[\w.]*\s*:(?!\w)/;

function parsePreprocessor(b: FileBuilder, text: string, lead: number, lineNo: number): void {
  const m = /^(%\w+)\s*(.*)$/.exec(text);
  if (m === null) return;
  const directive = m[1].toLowerCase();
  const rest = m[2];
  const restStart = lead + text.length - rest.length;
  const nameMatch = /^([A-Za-z_.?@$][\w.$#@~?]*)/.exec(rest);
  const span = { line: lineNo, start: restStart, end: restStart + (nameMatch?.[1].length ?? 0) };
  switch (directive) {
    case '%macro': case '%imacro':
      if (nameMatch !== null) b.def(nameMatch[1], nameMatch[1], 'macro', span);
      b.enterMacro();
      return;
    case '%endmacro': case '%endm':
      b.leaveMacro();
      return;
    case '%define': case '%xdefine': case '%assign': case '%idefine': case '%ixdefine': case '%iassign':
      if (nameMatch !== null) b.def(nameMatch[1], nameMatch[1], 'define', span, rest.slice(nameMatch[1].length).replace(/^\([^)]*\)/, '').trim());
      return;
    case '%include': {
      const q = /^["'<](.*?)["'>]/.exec(rest);
      if (q !== null) b.file.includes.push({ path: q[1], span: { line: lineNo, start: restStart, end: restStart + q[0].length } });
      return;
    }
    case '%elif': case '%elifdef': case '%elifndef':
      b.file.conditionNames.push(...identifiers(rest));
      return;
    case '%if': case '%ifdef': case '%ifndef': case '%ifmacro': case '%ifidn': case '%ifidni': case '%ifnum': case '%ifstr': case '%ifid': case '%rep':
      b.condDepth++;
      if (directive !== '%rep') b.file.conditionNames.push(...identifiers(rest));
      return;
    case '%endif': case '%endrep':
      if (b.condDepth > 0) b.condDepth--;
      return;
    default:
  }
}

function parseLine(b: FileBuilder, line: string, lineNo: number, macros: ReadonlySet<string>): void {
  let text = line.trimEnd();
  let lead = text.length - text.trimStart().length;
  text = text.trim();
  if (text === '') return;
  if (text.startsWith('%')) {
    parsePreprocessor(b, text, lead, lineNo);
    return;
  }
  // [bits 32], [section .text]: the primitive directive forms (NASM manual 7).
  const bracket = /^\[\s*(\w+)\s+([^\]]*)\]$/.exec(text);
  if (bracket !== null) {
    text = `${bracket[1]} ${bracket[2]}`;
    lead += 1;
  }
  const pasted = PASTED_LABEL.exec(text);
  if (pasted !== null) {
    b.file.labelPrefixes.push(pasted[1]);
    return;
  }
  let tokens = tokenize(text, lead, 'nasm');
  if (tokens.length === 0) return;
  let i = 0;
  // Label: `name:` or `name` followed by a pseudo-instruction/instruction (NASM manual 3.1).
  const first = tokens[0];
  const colon = tokens[1]?.kind === 'punct' && tokens[1].text === ':';
  const isLabel = (first.kind === 'ident' || (first.kind === 'macroParam' && first.text.startsWith('%%'))) &&
    (colon || (tokens.length > 1 && !isStatementWord(first.text, macros) && tokens[1].kind === 'ident' && (NASM_DATA.has(tokens[1].text.toLowerCase()) || isNasmInstruction(tokens[1].text))));
  if (isLabel) {
    i = colon ? 2 : 1;
    const next = tokens[i];
    if (first.kind === 'ident') {
      const span = { line: lineNo, start: first.start, end: first.end };
      if (next?.kind === 'ident' && next.text.toLowerCase() === 'equ') {
        b.def(qualify(b, first.text), first.text, 'constant', span, text.slice(next.end - lead).trim(), b.parent || undefined);
        collectRefs(b, tokens.slice(i + 1), lineNo, false);
        return;
      }
      const local = first.text.startsWith('.') && !first.text.startsWith('..');
      if (local) b.def(qualify(b, first.text), first.text, 'local', span, undefined, b.parent || undefined);
      else {
        b.def(first.text, first.text, 'label', span);
        if (!b.inMacro) b.parent = first.text;
      }
    }
  }
  // Prefixes (`lock`, `rep`) and `times N` come before the instruction (NASM manual 3.1, 3.2.5).
  while (i < tokens.length && tokens[i].kind === 'ident' && PREFIXES.has(tokens[i].text.toLowerCase()) && tokens.length > i + 1 && tokens[i + 1].kind === 'ident') i++;
  if (tokens[i]?.kind === 'ident' && tokens[i].text.toLowerCase() === 'times') {
    let j = i + 1;
    while (j < tokens.length && !(tokens[j].kind === 'ident' && (NASM_DATA.has(tokens[j].text.toLowerCase()) || isNasmInstruction(tokens[j].text)))) j++;
    collectRefs(b, tokens.slice(i + 1, j), lineNo, false);
    i = j;
  }
  const word = tokens[i];
  if (word === undefined || word.kind !== 'ident') {
    collectRefs(b, tokens.slice(i), lineNo, false);
    return;
  }
  const mnemonic = word.text.toLowerCase();
  const operandText = text.slice(word.end - lead);
  const operands = splitOperands(operandText, word.end, 'nasm');
  const rest = tokens.slice(i + 1);
  if (mnemonic === 'bits' || mnemonic === 'use16' || mnemonic === 'use32' || mnemonic === 'use64') {
    const bits = mnemonic === 'bits' ? parseBits(operands[0]?.text ?? '') : parseBits(mnemonic.slice(3));
    if (bits !== undefined) b.setBits(lineNo, bits);
    return;
  }
  if (mnemonic === 'section' || mnemonic === 'segment') {
    const name = rest[0];
    if (name !== undefined) b.def(`section ${name.text}`, name.text, 'section', { line: lineNo, start: name.start, end: name.end });
    return;
  }
  if (mnemonic === 'extern' || mnemonic === 'global' || mnemonic === 'common') {
    // `global name:function hidden, other` — what follows a colon is a type, not a symbol (NASM manual 8.9.5).
    let afterColon = false;
    for (const t of rest) {
      if (t.kind === 'punct') {
        if (t.text === ':') afterColon = true;
        if (t.text === ',') afterColon = false;
        continue;
      }
      if (afterColon || t.kind !== 'ident' || isNonSymbolWord(t.text)) continue;
      if (mnemonic === 'extern') b.file.externs.push(t.text);
      b.ref(t.text, t.text, { line: lineNo, start: t.start, end: t.end }, mnemonic === 'extern');
    }
    return;
  }
  if (mnemonic === 'struc') {
    const name = rest[0];
    if (name?.kind === 'ident') {
      b.def(name.text, name.text, 'struc', { line: lineNo, start: name.start, end: name.end });
      b.def(`${name.text}_size`, `${name.text}_size`, 'constant', { line: lineNo, start: name.start, end: name.end });
      b.parent = name.text;
    }
    return;
  }
  if (NASM_DIRECTIVES.has(mnemonic) && !isNasmInstruction(mnemonic)) {
    collectRefs(b, rest, lineNo, false);
    return;
  }
  if (NASM_DATA.has(mnemonic)) {
    b.file.data.push({ line: lineNo, directive: mnemonic, operands });
    collectRefs(b, rest, lineNo, false);
    return;
  }
  if (isNasmInstruction(mnemonic) && !macros.has(word.text)) {
    b.file.instructions.push({ line: lineNo, mnemonic, span: { line: lineNo, start: word.start, end: word.end }, operands, bits: b.currentBits, inMacro: b.inMacro, conditional: b.conditional });
    collectRefs(b, rest, lineNo, false);
    return;
  }
  // A macro invocation: the name refers to the macro, operands may be anything.
  b.ref(word.text, word.text, { line: lineNo, start: word.start, end: word.end }, true);
  tokens = rest;
  collectRefs(b, tokens, lineNo, true);
}
