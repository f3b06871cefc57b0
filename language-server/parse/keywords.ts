/**
 * Words inside operands that are never symbols: registers, size and
 * distance specifiers (NASM manual 3.1, 3.3; GAS i386 "Memory References").
 */
import { registerInfo } from '../knowledge/registers';

const OPERAND_KEYWORDS = new Set(['byte', 'word', 'dword', 'qword', 'tword', 'oword', 'yword', 'zword', 'short', 'near', 'far', 'strict', 'rel', 'abs', 'seg', 'wrt', 'nosplit', 'ptr', 'offset', 'to', 'dup', 'flat', 'at']);

export function isSizeKeyword(word: string): boolean {
  return ['byte', 'word', 'dword', 'qword', 'tword', 'oword', 'yword', 'zword'].includes(word.toLowerCase());
}

/** True for an identifier that cannot name a symbol. */
export function isNonSymbolWord(word: string): boolean {
  const w = word.toLowerCase();
  if (OPERAND_KEYWORDS.has(w) || registerInfo(w) !== undefined) return true;
  if (/^(st[0-7]?|mm[0-7]|[xyz]mm\d+|k[0-7]|tr[0-7])$/.test(w)) return true;
  // NASM built-ins (__?FILE?__, __LINE__, ..start, ..@xxx).
  return w.startsWith('__') || w.startsWith('..');
}
