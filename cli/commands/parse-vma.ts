/**
 * Addresses on the command line as binutils reads them (bfd_scan_vma →
 * strtoul base 16): optional leading blanks and sign, optional 0x, hex
 * digits up to the first other character (none → 0); overflow saturates,
 * a minus sign wraps; then the value is cut to the file's address size.
 */
export function parseVmaLikeBinutils(text: string, addressBits: 32 | 64): number {
  let i = 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) i += 2;
  let value = 0n;
  const max = (1n << 64n) - 1n;
  let overflow = false;
  for (; i < text.length && /[0-9a-fA-F]/.test(text[i]); i++) {
    value = value * 16n + BigInt(parseInt(text[i], 16));
    if (value > max) overflow = true;
  }
  if (overflow) value = max;
  else if (negative) value = ((1n << 64n) - value) & max;
  value &= (1n << BigInt(addressBits)) - 1n;
  return Number(value);
}

/** A number option (--offset): decimal, or hex with 0x; a leading minus allowed. Undefined when malformed. */
export function parseNumberOption(text: string): number | undefined {
  const m = /^(-)?(0x[0-9a-fA-F]+|[0-9]+)$/.exec(text.trim());
  if (m === null) return undefined;
  const v = Number(m[2].startsWith('0x') ? BigInt(m[2]) : BigInt(m[2]));
  return m[1] === '-' ? -v : v;
}
