/**
 * Bounds-checked little-endian reads over a file's bytes. Every read checks
 * its range and throws a FormatError naming what was being read, so a
 * truncated or hostile file gives a clear message instead of garbage or a
 * host exception.
 */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

const utf8 = new TextDecoder();

export class ByteReader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new FormatError(`${what}: bytes 0x${Math.max(0, offset).toString(16)}..0x${(offset + size).toString(16)} are outside the file (0x${this.bytes.length.toString(16)} bytes)`);
    }
  }
  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.bytes[offset];
  }
  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }
  /** 64-bit value as a number; values above 2^53 are rejected (no file offset or 32-bit-guest address needs them). */
  u64(offset: number, what: string): number {
    this.check(offset, 8, what);
    const v = this.view.getBigUint64(offset, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`${what}: value 0x${v.toString(16)} is too large`);
    return Number(v);
  }
  /** 64-bit value kept exact. */
  u64Big(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.view.getBigUint64(offset, true);
  }
  slice(offset: number, size: number, what: string): Uint8Array {
    this.check(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }
  /** NUL-terminated string starting at offset, within [offset, end). */
  cString(offset: number, end: number, what: string): string {
    if (offset < 0 || offset >= end || end > this.bytes.length) throw new FormatError(`${what}: string offset 0x${offset.toString(16)} is outside its table`);
    let i = offset;
    let ascii = true;
    while (i < end && this.bytes[i] !== 0) {
      if (this.bytes[i] >= 0x80) ascii = false;
      i++;
    }
    // Symbol tables hold tens of thousands of names: ASCII names skip the UTF-8 decoder.
    if (ascii && i - offset <= 256) return String.fromCharCode(...this.bytes.subarray(offset, i));
    return utf8.decode(this.bytes.subarray(offset, i));
  }
}
