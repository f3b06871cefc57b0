/**
 * What the parsers extract from one assembly source file. Positions are
 * zero-based (LSP convention); every span lies on one line.
 */
export type Dialect = 'nasm' | 'gas';
export type Bits = 16 | 32 | 64;

export interface Span {
  line: number;
  start: number;
  end: number;
}

export type SymbolKindName = 'label' | 'local' | 'numeric' | 'constant' | 'define' | 'macro' | 'section' | 'struc';

export interface SymbolDef {
  /** Resolved name: NASM local labels are qualified (`bsp32.wait`), GAS numeric labels carry an instance (`1#2`). */
  name: string;
  /** As written in the source (`.wait`, `1`). */
  text: string;
  kind: SymbolKindName;
  span: Span;
  /** Inside a %macro/.macro body: real only once expanded. */
  inMacro: boolean;
  /** Inside %if/.if: may not be assembled. */
  conditional: boolean;
  /** Right-hand side of equ/.set/%define, trimmed. */
  value?: string;
  /** Global label a NASM local label belongs to. */
  parent?: string;
}

export interface SymbolRef {
  name: string;
  text: string;
  span: Span;
  inMacro: boolean;
  conditional: boolean;
  /** An operand of a macro invocation: the macro may define it rather than use it. */
  viaMacro: boolean;
  /** GAS `1b`/`1f` that has no matching numeric label. */
  unresolvedNumeric?: boolean;
}

export interface IncludeRef {
  path: string;
  span: Span;
}

export interface Operand {
  text: string;
  start: number;
  end: number;
}

export interface InstructionLine {
  line: number;
  mnemonic: string;
  span: Span;
  operands: Operand[];
  bits: Bits;
  inMacro: boolean;
  conditional: boolean;
}

export interface DataLine {
  line: number;
  directive: string;
  operands: Operand[];
}

export interface BitsChange {
  line: number;
  bits: Bits;
}

export interface ParsedFile {
  uri: string;
  dialect: Dialect;
  lineCount: number;
  defs: SymbolDef[];
  refs: SymbolRef[];
  includes: IncludeRef[];
  instructions: InstructionLine[];
  data: DataLine[];
  /** `bits`/`[BITS n]`/`.codeNN` outside macro bodies, in source order. */
  bitsChanges: BitsChange[];
  /** Names declared `extern`/`.extern` (defined elsewhere, never undefined). */
  externs: string[];
  /** NASM: prefixes of labels pasted together in macros or %rep blocks (`isr_%1:`, `isr_ %+ v:`), NASM manual 4.1.4 / 4.3.9. */
  labelPrefixes: string[];
  /** NASM: identifiers tested by %if/%ifdef/%elif: when undefined, they come from the command line (-D). */
  conditionNames: string[];
}
