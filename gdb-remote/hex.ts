/** Hex text as the remote protocol writes numbers, bytes and strings (GDB manual E.1). */

/** Parse unsigned hex digits (no prefix); undefined unless the whole text is hex. */
export function parseHexNumber(text: string): number | undefined {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) return undefined;
  const value = parseInt(text, 16);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function hexOfBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Hex pairs to bytes; undefined for an odd length or a non-hex digit. */
export function bytesOfHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function hexOfText(text: string): string {
  return hexOfBytes(new TextEncoder().encode(text));
}

export function textOfHex(hex: string): string | undefined {
  const bytes = bytesOfHex(hex);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** A register value in target byte order (x86: little-endian), `size` bytes. */
export function littleEndian(value: number | bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function fromLittleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

export function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}
