/**
 * Sequential, bounds-checked reads over one DWARF section: fixed-size
 * integers, LEB128 (DWARF 5 section 7.6), initial lengths that select the
 * 32- or 64-bit DWARF format (section 7.4), and NUL-terminated strings.
 * Every read past `end` throws a FormatError.
 */
import { FormatError } from '../elf/byte-reader';

export class DwarfCursor {
  private readonly view: DataView;
  offset: number;
  end: number;

  constructor(readonly bytes: Uint8Array, readonly sectionName: string, offset = 0, end = bytes.length) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.end = Math.min(end, bytes.length);
  }

  /** A cursor over [offset, end) of the same bytes. */
  sub(offset: number, end: number): DwarfCursor {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(end) || offset < 0 || end > this.bytes.length || offset > end) this.fail(`range 0x${offset.toString(16)}..0x${end.toString(16)} is outside the section`);
    return new DwarfCursor(this.bytes, this.sectionName, offset, end);
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  atEnd(): boolean {
    return this.offset >= this.end;
  }

  fail(message: string): never {
    throw new FormatError(`${this.sectionName}+0x${this.offset.toString(16)}: ${message}`);
  }

  need(size: number): void {
    if (size < 0 || !Number.isSafeInteger(this.offset) || this.offset < 0 || this.offset + size > this.end) this.fail(`needs ${size} bytes, ${Math.max(0, this.end - this.offset)} left`);
  }

  skip(size: number): void {
    this.need(size);
    this.offset += size;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++];
  }
  i8(): number {
    this.need(1);
    return this.view.getInt8(this.offset++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }
  i16(): number {
    this.need(2);
    const v = this.view.getInt16(this.offset, true);
    this.offset += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const v = this.bytes[this.offset] | (this.bytes[this.offset + 1] << 8) | (this.bytes[this.offset + 2] << 16);
    this.offset += 3;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }
  /** 64-bit value as a number; exact up to 2^53 (enough for offsets and x86 guest addresses), otherwise rounded. */
  u64(): number {
    this.need(8);
    // Same rounding as Number(BigInt): the exact sum is rounded once.
    const v = this.view.getUint32(this.offset, true) + this.view.getUint32(this.offset + 4, true) * 4294967296;
    this.offset += 8;
    return v;
  }
  i64(): number {
    this.need(8);
    const v = this.view.getUint32(this.offset, true) + this.view.getInt32(this.offset + 4, true) * 4294967296;
    this.offset += 8;
    return v;
  }
  uint(size: number): number {
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: return this.fail(`unsupported integer size ${size}`);
    }
  }
  /** Unsigned LEB128 (DWARF 5 section 7.6). Values beyond 2^53 lose precision but stay finite. */
  uleb(): number {
    // One-byte values (abbreviation codes, most sizes and indices) take the short path.
    if (this.offset >= 0 && this.offset < this.end) {
      const b0 = this.bytes[this.offset];
      if (b0 < 0x80) {
        this.offset++;
        return b0;
      }
    }
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
      if (scale > 2 ** 70) {
        // Keep consuming a pathological run of continuation bytes without growing.
        scale = 2 ** 70;
      }
    }
  }
  /** Signed LEB128 (DWARF 5 section 7.6). */
  sleb(): number {
    let result = 0;
    let scale = 1;
    let b: number;
    do {
      b = this.u8();
      result += (b & 0x7f) * scale;
      if (scale < 2 ** 70) scale *= 128;
    } while (b & 0x80);
    if (b & 0x40) result -= scale;
    return result;
  }
  /** NUL-terminated string (DW_FORM_string). */
  cstring(): string {
    const start = this.offset;
    let i = start;
    while (i < this.end && this.bytes[i] !== 0) i++;
    if (i >= this.end) this.fail('string runs past the end of its section');
    this.offset = i + 1;
    return decodeUtf8(this.bytes.subarray(start, i));
  }
  /** Step over a NUL-terminated string, with cstring()'s checks, without decoding it. */
  skipCString(): void {
    let i = this.offset;
    while (i < this.end && this.bytes[i] !== 0) i++;
    if (i >= this.end) this.fail('string runs past the end of its section');
    this.offset = i + 1;
  }
  bytesOf(size: number): Uint8Array {
    this.need(size);
    const out = this.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return out;
  }
  /**
   * Initial length (DWARF 5 section 7.4): 0xffffffff announces the 64-bit
   * format with an 8-byte length. Returns the unit's end, checked against the section.
   */
  initialLength(): { length: number; offsetSize: 4 | 8; unitEnd: number } {
    let length = this.u32();
    let offsetSize: 4 | 8 = 4;
    if (length === 0xffffffff) {
      length = this.u64();
      offsetSize = 8;
    } else if (length >= 0xfffffff0) {
      this.fail(`reserved initial length 0x${length.toString(16)}`);
    }
    const unitEnd = this.offset + length;
    if (unitEnd > this.end) this.fail(`unit length 0x${length.toString(16)} runs past the end of the section`);
    return { length, offsetSize, unitEnd };
  }
}

const utf8 = new TextDecoder();

/** Decode a name, with a fast path for short ASCII names. */
export function decodeUtf8(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) { ascii = false; break; }
  if (!ascii || bytes.length >= 64) return utf8.decode(bytes);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

const sectionStrings = new WeakMap<Uint8Array, Map<number, string>>();

/** The checks of stringAt (the same errors), without decoding the string. */
export function checkStringAt(section: Uint8Array | undefined, offset: number, what: string): asserts section is Uint8Array {
  if (section === undefined) throw new FormatError(`${what}: the string section is missing`);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= section.length) throw new FormatError(`${what}: string offset 0x${offset.toString(16)} is outside its section (0x${section.length.toString(16)} bytes)`);
}

/** A NUL-terminated string at `offset` in a string section (.debug_str, .debug_line_str); decoded once per offset. */
export function stringAt(section: Uint8Array | undefined, offset: number, what: string): string {
  checkStringAt(section, offset, what);
  let cache = sectionStrings.get(section);
  if (cache === undefined) {
    cache = new Map();
    sectionStrings.set(section, cache);
  }
  const cached = cache.get(offset);
  if (cached !== undefined) return cached;
  let i = offset;
  while (i < section.length && section[i] !== 0) i++;
  const s = decodeUtf8(section.subarray(offset, i));
  cache.set(offset, s);
  return s;
}
