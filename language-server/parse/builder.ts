/**
 * Accumulates what a parser finds in one file, with the state both dialects
 * share: macro-body and conditional nesting, the bitness in effect, the
 * global label local labels attach to.
 */
import type { Bits, Dialect, ParsedFile, Span, SymbolKindName } from '../model';

export class FileBuilder {
  readonly file: ParsedFile;
  macroDepth = 0;
  condDepth = 0;
  bits: Bits;
  /** Bitness inside a macro body, which does not change the file's (NASM manual 4.3: a definition is not executed). */
  macroBits: Bits;
  parent = '';

  constructor(uri: string, dialect: Dialect, lineCount: number, initialBits: Bits) {
    this.file = { uri, dialect, lineCount, defs: [], refs: [], includes: [], instructions: [], data: [], bitsChanges: [], externs: [], labelPrefixes: [], conditionNames: [] };
    this.bits = initialBits;
    this.macroBits = initialBits;
  }

  get inMacro(): boolean {
    return this.macroDepth > 0;
  }

  get conditional(): boolean {
    return this.condDepth > 0;
  }

  get currentBits(): Bits {
    return this.inMacro ? this.macroBits : this.bits;
  }

  setBits(line: number, bits: Bits): void {
    if (this.inMacro) this.macroBits = bits;
    else {
      this.bits = bits;
      this.file.bitsChanges.push({ line, bits });
    }
  }

  enterMacro(): void {
    if (this.macroDepth === 0) this.macroBits = this.bits;
    this.macroDepth++;
  }

  leaveMacro(): void {
    if (this.macroDepth > 0) this.macroDepth--;
  }

  def(name: string, text: string, kind: SymbolKindName, span: Span, value?: string, parent?: string): void {
    this.file.defs.push({ name, text, kind, span, inMacro: this.inMacro, conditional: this.conditional, value, parent });
  }

  ref(name: string, text: string, span: Span, viaMacro = false, unresolvedNumeric = false): void {
    this.file.refs.push({ name, text, span, inMacro: this.inMacro, conditional: this.conditional, viaMacro, ...(unresolvedNumeric ? { unresolvedNumeric } : {}) });
  }
}

export function parseBits(text: string): Bits | undefined {
  const n = Number(text);
  return n === 16 || n === 32 || n === 64 ? n : undefined;
}
