/** Picks the dialect from the file name and parses. */
import type { Bits, Dialect, ParsedFile } from '../model';
import { parseGas } from './gas-parser';
import { parseNasm } from './nasm-parser';

/** NASM: .asm .nasm .inc; GNU as: .s .S (and .sx). */
export function dialectOf(pathOrUri: string, languageId?: string): Dialect {
  if (languageId === 'gas') return 'gas';
  if (languageId === 'nasm') return 'nasm';
  return /\.(s|sx)$/i.test(pathOrUri) ? 'gas' : 'nasm';
}

/**
 * Bitness before any directive: NASM's `bin` format starts in 16-bit mode,
 * its ELF formats in 32 (NASM manual 7.1.1 and 8.1); `as --32` starts in
 * 32-bit mode (GAS manual 9.16.13).
 */
export function defaultBits(dialect: Dialect, text: string): Bits {
  if (dialect === 'gas') return 32;
  return /^\s*(global|extern)\s/im.test(text) ? 32 : 16;
}

export function parseFile(uri: string, text: string, dialect: Dialect, initialBits?: Bits): ParsedFile {
  const bits = initialBits ?? defaultBits(dialect, text);
  return dialect === 'nasm' ? parseNasm(uri, text, bits) : parseGas(uri, text, bits);
}
