/**
 * Little-endian byte assembly for firmware tables and boot structures. Every
 * table the firmware and the loaders build is a fixed layout of integers and
 * ASCII fields; this keeps offsets explicit and the writes bounds-checked.
 */

export class ByteWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(offset: number, value: number): this {
    this.view.setUint8(offset, value & 0xff);
    return this;
  }

  u16(offset: number, value: number): this {
    this.view.setUint16(offset, value & 0xffff, true);
    return this;
  }

  u32(offset: number, value: number): this {
    this.view.setUint32(offset, value >>> 0, true);
    return this;
  }

  /** A 64-bit field from a non-negative integer below 2^53. */
  u64(offset: number, value: number): this {
    this.view.setUint32(offset, value % 0x1_0000_0000, true);
    this.view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
    return this;
  }

  /** ASCII text padded with `pad` (spaces for OEM IDs, NUL for C strings) to exactly `length` bytes. */
  ascii(offset: number, text: string, length: number, pad = 0x20): this {
    for (let i = 0; i < length; i++) this.bytes[offset + i] = i < text.length ? text.charCodeAt(i) & 0x7f : pad;
    return this;
  }

  /** Copy raw bytes in. */
  raw(offset: number, data: Uint8Array): this {
    this.bytes.set(data, offset);
    return this;
  }

  /** Store at `offset` the byte that makes the sum of bytes [start, end) zero mod 256. */
  checksum(offset: number, start = 0, end = this.bytes.length): this {
    this.bytes[offset] = 0;
    this.bytes[offset] = (0x100 - byteSum(this.bytes, start, end)) & 0xff;
    return this;
  }
}

/** Sum of bytes mod 256; ACPI and MP tables are valid when it is 0 over the table. */
export function byteSum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]) & 0xff;
  return sum;
}

/** A NUL-terminated C string, UTF-8 encoded (command lines come from the host as text). */
export function cString(text: string): Uint8Array {
  const encoded = new TextEncoder().encode(text);
  const out = new Uint8Array(encoded.length + 1);
  out.set(encoded);
  return out;
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
