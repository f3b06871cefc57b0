/**
 * GNU as source in AT&T syntax (GAS manual chapter 3 "Syntax", 5 "Symbols",
 * 7 "Assembler Directives", 9.16 "80386 Dependent Features"), optionally run
 * through the C preprocessor (.S files: #include, #define, #if).
 * Statements are separated by newlines or `;`. Numeric local labels `N:`
 * are referred to as `Nb` (nearest before) and `Nf` (nearest after)
 * (GAS manual 5.3 "Local Symbol Names").
 */
import type { Bits, ParsedFile, Span } from '../model';
import { commentStart, splitOperands, tokenize, type Token } from './lexer';
import { FileBuilder, parseBits } from './builder';
import { isNonSymbolWord } from './keywords';

interface NumericRef {
  label: string;
  forward: boolean;
  text: string;
  span: Span;
  inMacro: boolean;
  conditional: boolean;
}

export function parseGas(uri: string, text: string, initialBits: Bits): ParsedFile {
  const lines = text.split(/\r?\n/);
  const b = new FileBuilder(uri, 'gas', lines.length, initialBits);
  const numericRefs: NumericRef[] = [];
  /** Instances of each numeric label in order: line and column. */
  const numericDefs = new Map<string, Span[]>();
  let inBlockComment = false;
  lines.forEach((raw, lineNo) => {
    let line = raw;
    if (inBlockComment) {
      const end = line.indexOf('*/');
      if (end < 0) return;
      line = ' '.repeat(end + 2) + line.slice(end + 2);
      inBlockComment = false;
    }
    if (/^\s*#\s*[a-z]/.test(line)) {
      parseCpp(b, line, lineNo);
      return;
    }
    const cut = commentStart(line, 'gas');
    if (line.startsWith('/*', cut)) {
      const close = line.indexOf('*/', cut + 2);
      if (close < 0) inBlockComment = true;
    }
    const code = line.slice(0, cut);
    let begin = 0;
    for (const part of code.split(';')) {
      parseStatement(b, part, begin, lineNo, numericRefs, numericDefs);
      begin += part.length + 1;
    }
  });
  resolveNumeric(b, numericRefs, numericDefs);
  return b.file;
}

function parseCpp(b: FileBuilder, line: string, lineNo: number): void {
  const m = /^(\s*#\s*)(\w+)\s*(.*)$/.exec(line);
  if (m === null) return;
  const restStart = line.length - m[3].length;
  switch (m[2]) {
    case 'include': {
      const q = /^["<](.*?)[">]/.exec(m[3]);
      if (q !== null) b.file.includes.push({ path: q[1], span: { line: lineNo, start: restStart, end: restStart + q[0].length } });
      return;
    }
    case 'define': {
      const n = /^(\w+)/.exec(m[3]);
      if (n !== null) b.def(n[1], n[1], 'define', { line: lineNo, start: restStart, end: restStart + n[1].length }, m[3].slice(n[1].length).replace(/^\([^)]*\)/, '').trim());
      return;
    }
    case 'if': case 'ifdef': case 'ifndef':
      b.condDepth++;
      return;
    case 'endif':
      if (b.condDepth > 0) b.condDepth--;
      return;
    default:
  }
}

function collectRefs(b: FileBuilder, tokens: Token[], lineNo: number, numericRefs: NumericRef[], viaMacro: boolean): void {
  for (const t of tokens) {
    const span = { line: lineNo, start: t.start, end: t.end };
    if (t.kind === 'number') {
      const n = /^(\d+)([bf])$/.exec(t.text);
      if (n !== null) numericRefs.push({ label: n[1], forward: n[2] === 'f', text: t.text, span, inMacro: b.inMacro, conditional: b.conditional });
      continue;
    }
    if (t.kind !== 'ident' || isNonSymbolWord(t.text)) continue;
    b.ref(t.text, t.text, span, viaMacro);
  }
}

function parseStatement(b: FileBuilder, part: string, offset: number, lineNo: number, numericRefs: NumericRef[], numericDefs: Map<string, Span[]>): void {
  let tokens = tokenize(part, offset, 'gas');
  // Labels, possibly several: `name:` or `N:`.
  while (tokens.length >= 2 && tokens[1].kind === 'punct' && tokens[1].text === ':' && (tokens[0].kind === 'ident' || /^\d+$/.test(tokens[0].text))) {
    const t = tokens[0];
    const span = { line: lineNo, start: t.start, end: t.end };
    if (t.kind === 'number') {
      const list = numericDefs.get(t.text) ?? [];
      list.push(span);
      numericDefs.set(t.text, list);
      b.def(`${t.text}#${list.length}`, t.text, 'numeric', span);
    } else b.def(t.text, t.text, t.text.startsWith('.L') ? 'local' : 'label', span);
    tokens = tokens.slice(2);
  }
  if (tokens.length === 0) return;
  const word = tokens[0];
  // `name = expr` (GAS manual 5.2.3 "Giving Symbols Other Values").
  if (word.kind === 'ident' && tokens[1]?.kind === 'punct' && tokens[1].text === '=') {
    b.def(word.text, word.text, 'constant', { line: lineNo, start: word.start, end: word.end }, part.slice(tokens[1].end - offset).trim());
    collectRefs(b, tokens.slice(2), lineNo, numericRefs, false);
    return;
  }
  if (word.kind !== 'ident') return;
  const mnemonic = word.text.toLowerCase();
  const rest = tokens.slice(1);
  const operands = splitOperands(part.slice(word.end - offset), word.end, 'gas');
  const code = /^\.code(16|32|64)(gcc)?$/.exec(mnemonic);
  if (code !== null) {
    const bits = parseBits(code[1]);
    if (bits !== undefined) b.setBits(lineNo, bits);
    return;
  }
  switch (mnemonic) {
    case '.macro': {
      const name = rest[0];
      if (name?.kind === 'ident') b.def(name.text, name.text, 'macro', { line: lineNo, start: name.start, end: name.end });
      b.enterMacro();
      return;
    }
    case '.endm':
      b.leaveMacro();
      return;
    case '.set': case '.equ': case '.equiv': case '.eqv': {
      const name = rest[0];
      if (name?.kind === 'ident') b.def(name.text, name.text, 'constant', { line: lineNo, start: name.start, end: name.end }, operands.slice(1).map((o) => o.text).join(', '));
      collectRefs(b, rest.slice(1), lineNo, numericRefs, false);
      return;
    }
    case '.include': {
      const q = /"(.*?)"/.exec(part);
      if (q !== null) {
        const start = offset + part.indexOf(q[0]);
        b.file.includes.push({ path: q[1], span: { line: lineNo, start, end: start + q[0].length } });
      }
      return;
    }
    case '.section': case '.text': case '.data': case '.bss': {
      const name = mnemonic === '.section' ? rest[0] : word;
      if (name !== undefined) b.def(`section ${name.text}`, name.text, 'section', { line: lineNo, start: name.start, end: name.end });
      return;
    }
    case '.if': case '.ifdef': case '.ifndef': case '.rept': case '.irp': case '.irpc':
      b.condDepth++;
      return;
    case '.endif': case '.endr':
      if (b.condDepth > 0) b.condDepth--;
      return;
    case '.extern':
      for (const t of rest) if (t.kind === 'ident') b.file.externs.push(t.text);
      return;
    default:
  }
  if (mnemonic.startsWith('.')) {
    if (['.byte', '.word', '.short', '.long', '.int', '.quad'].includes(mnemonic)) b.file.data.push({ line: lineNo, directive: mnemonic, operands });
    if (mnemonic !== '.type' && mnemonic !== '.size' && mnemonic !== '.file') collectRefs(b, rest, lineNo, numericRefs, false);
    return;
  }
  // Prefixes written as words (`lock`, `rep`), then the mnemonic.
  let i = 0;
  while (/^(lock|rep|repe|repz|repne|repnz|data16|data32|addr16|addr32)$/.test(tokens[i]?.text.toLowerCase() ?? '') && tokens[i + 1]?.kind === 'ident') i++;
  const insn = tokens[i];
  const insnOperands = i === 0 ? operands : splitOperands(part.slice(insn.end - offset), insn.end, 'gas');
  b.file.instructions.push({ line: lineNo, mnemonic: insn.text.toLowerCase(), span: { line: lineNo, start: insn.start, end: insn.end }, operands: insnOperands, bits: b.currentBits, inMacro: b.inMacro, conditional: b.conditional });
  collectRefs(b, tokens.slice(i + 1), lineNo, numericRefs, false);
}

function resolveNumeric(b: FileBuilder, refs: NumericRef[], defs: Map<string, Span[]>): void {
  for (const r of refs) {
    const list = defs.get(r.label) ?? [];
    let index = -1;
    if (r.forward) index = list.findIndex((s) => s.line > r.span.line || (s.line === r.span.line && s.start > r.span.start));
    else for (let k = list.length - 1; k >= 0; k--) if (list[k].line < r.span.line || (list[k].line === r.span.line && list[k].start < r.span.start)) { index = k; break; }
    const name = index >= 0 ? `${r.label}#${index + 1}` : `${r.label}#?`;
    b.file.refs.push({ name, text: r.text, span: r.span, inMacro: r.inMacro, conditional: r.conditional, viaMacro: false, ...(index < 0 ? { unresolvedNumeric: true } : {}) });
  }
}
