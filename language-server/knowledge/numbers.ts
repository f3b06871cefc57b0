/**
 * Integer literals: NASM (manual 3.4.1: 0x/0h/$ hex, h/x suffix, 0b/b,
 * 0o/0q/o/q octal, 0d/d decimal, `_` separators) and GAS (manual 3.6.2.1:
 * 0x hex, 0b binary, leading 0 octal, decimal).
 */
import type { Dialect } from '../model';

export function parseNumber(text: string, dialect: Dialect): bigint | undefined {
  const t = text.replace(/_/g, '').toLowerCase();
  try {
    if (dialect === 'gas') {
      if (/^0x[0-9a-f]+$/.test(t) || /^0b[01]+$/.test(t)) return BigInt(t);
      if (/^0[0-7]+$/.test(t)) return BigInt('0o' + t.slice(1));
      if (/^\d+$/.test(t)) return BigInt(t);
      return undefined;
    }
    if (/^(0x|0h)[0-9a-f]+$/.test(t)) return BigInt('0x' + t.slice(2));
    if (/^\$[0-9][0-9a-f]*$/.test(t)) return BigInt('0x' + t.slice(1));
    if (/^[0-9][0-9a-f]*[hx]$/.test(t)) return BigInt('0x' + t.slice(0, -1));
    if (/^0[by][01]+$/.test(t)) return BigInt('0b' + t.slice(2));
    if (/^[01]+[by]$/.test(t)) return BigInt('0b' + t.slice(0, -1));
    if (/^0[oq][0-7]+$/.test(t)) return BigInt('0o' + t.slice(2));
    if (/^[0-7]+[oq]$/.test(t)) return BigInt('0o' + t.slice(0, -1));
    if (/^0d\d+$/.test(t)) return BigInt(t.slice(2));
    if (/^\d+d?$/.test(t)) return BigInt(t.replace(/d$/, ''));
  } catch {
    return undefined;
  }
  return undefined;
}

export function hex(value: number | bigint, width = 0): string {
  return '0x' + value.toString(16).padStart(width, '0');
}
