/**
 * GDB Remote Serial Protocol framing (GDB manual, appendix E "Remote
 * Protocol", E.1 "Overview" and E.11 "Packet Acknowledgment"): packets are
 * `$payload#cc` with a two-digit hex modulo-256 sum of the payload bytes;
 * the receiver answers `+` or `-` until QStartNoAckMode; a lone 0x03 byte
 * is an interrupt request; `%payload#cc` is an asynchronous notification.
 * Binary data escapes `#`, `$`, `}` and `*` as `}` followed by the byte
 * XOR 0x20; a reply may use run-length encoding `X*n` (n - 29 repeats).
 *
 * Same code on both ends: the stub reads gdb's packets with it, the client
 * (tests, the QEMU backend) reads a stub's.
 */

/** One payload byte (0..255). */
export type Byte = number;

export const ESCAPE = 0x7d; // '}'
const DOLLAR = 0x24;
const HASH = 0x23;
const PERCENT = 0x25;
const STAR = 0x2a;
const PLUS = 0x2b;
const MINUS = 0x2d;
const INTERRUPT = 0x03;

export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function bytesToAscii(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** E.1: the characters that must be escaped inside a packet's binary data. */
function needsEscape(b: Byte): boolean {
  return b === DOLLAR || b === HASH || b === ESCAPE || b === STAR;
}

export function escapeBinary(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const b of data) {
    if (needsEscape(b)) out.push(ESCAPE, b ^ 0x20);
    else out.push(b);
  }
  return Uint8Array.from(out);
}

/** Undo E.1 binary escaping; a trailing lone `}` is malformed (undefined). */
export function unescapeBinary(data: Uint8Array): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === ESCAPE) {
      if (i + 1 >= data.length) return undefined;
      out.push(data[++i] ^ 0x20);
    } else out.push(data[i]);
  }
  return Uint8Array.from(out);
}

/**
 * E.1 run-length encoding, as a client must accept it: `c*n` stands for c
 * repeated (n - 29) more times. Returns undefined for a `*` with nothing
 * before it.
 */
export function decodeRunLength(data: Uint8Array): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === STAR) {
      if (out.length === 0 || i + 1 >= data.length) return undefined;
      const repeat = data[++i] - 29;
      if (repeat < 0) return undefined;
      const last = out[out.length - 1];
      for (let r = 0; r < repeat; r++) out.push(last);
    } else out.push(data[i]);
  }
  return Uint8Array.from(out);
}

/** `$payload#cc` (the payload is sent as given: escape binary parts first). */
export function encodePacket(payload: Uint8Array | string, start: '$' | '%' = '$'): Uint8Array {
  const body = typeof payload === 'string' ? asciiBytes(payload) : payload;
  const out = new Uint8Array(body.length + 4);
  out[0] = start === '$' ? DOLLAR : PERCENT;
  out.set(body, 1);
  out[body.length + 1] = HASH;
  const sum = checksum(body).toString(16).padStart(2, '0');
  out[body.length + 2] = sum.charCodeAt(0);
  out[body.length + 3] = sum.charCodeAt(1);
  return out;
}

export type FramingEvent =
  /** A packet whose checksum matched (payload still escaped as sent). */
  | { kind: 'packet'; payload: Uint8Array }
  /** An asynchronous notification `%...#cc` (non-stop mode). */
  | { kind: 'notification'; payload: Uint8Array }
  /** A packet whose checksum did not match: the receiver answers `-`. */
  | { kind: 'bad-checksum'; payload: Uint8Array }
  /** A packet longer than the receiver accepts: discarded, answered with `-`. */
  | { kind: 'oversized'; length: number }
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'interrupt' };

const enum ReadState {
  Idle,
  Payload,
  Checksum1,
  Checksum2,
  /** Skipping an oversized packet up to its checksum. */
  Discard,
  DiscardChecksum1,
  DiscardChecksum2,
}

function hexDigit(b: Byte): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/**
 * Incremental reader: feed it whatever the socket delivers, in pieces of
 * any size; it returns the framing events completed so far. Bytes outside
 * a packet other than `+`, `-` and 0x03 are line noise and ignored (E.1).
 * A `$` inside a payload restarts the packet, as gdbserver does: the
 * sender gave up on the previous one.
 */
export class PacketReader {
  private state = ReadState.Idle;
  private buffer: number[] = [];
  private notification = false;
  private sum = 0;
  private discarded = 0;

  constructor(private readonly maxPayload: number) {}

  push(chunk: Uint8Array): FramingEvent[] {
    const events: FramingEvent[] = [];
    for (const b of chunk) this.step(b, events);
    return events;
  }

  private step(b: Byte, events: FramingEvent[]): void {
    switch (this.state) {
      case ReadState.Idle:
        if (b === DOLLAR || b === PERCENT) this.begin(b === PERCENT);
        else if (b === PLUS) events.push({ kind: 'ack' });
        else if (b === MINUS) events.push({ kind: 'nack' });
        else if (b === INTERRUPT) events.push({ kind: 'interrupt' });
        return;
      case ReadState.Payload:
        if (b === HASH) this.state = ReadState.Checksum1;
        else if (b === DOLLAR) this.begin(false);
        else if (this.buffer.length >= this.maxPayload) {
          this.discarded = this.buffer.length + 1;
          this.buffer = [];
          this.state = ReadState.Discard;
        } else this.buffer.push(b);
        return;
      case ReadState.Checksum1:
        this.sum = hexDigit(b) << 4;
        if (hexDigit(b) < 0) this.sum = -1;
        this.state = ReadState.Checksum2;
        return;
      case ReadState.Checksum2: {
        const low = hexDigit(b);
        const payload = Uint8Array.from(this.buffer);
        const ok = this.sum >= 0 && low >= 0 && (this.sum | low) === checksum(payload);
        events.push(!ok ? { kind: 'bad-checksum', payload } : this.notification ? { kind: 'notification', payload } : { kind: 'packet', payload });
        this.reset();
        return;
      }
      case ReadState.Discard:
        if (b === HASH) this.state = ReadState.DiscardChecksum1;
        else this.discarded++;
        return;
      case ReadState.DiscardChecksum1:
        this.state = ReadState.DiscardChecksum2;
        return;
      case ReadState.DiscardChecksum2:
        events.push({ kind: 'oversized', length: this.discarded });
        this.reset();
        return;
    }
  }

  private begin(notification: boolean): void {
    this.state = ReadState.Payload;
    this.notification = notification;
    this.buffer = [];
  }

  private reset(): void {
    this.state = ReadState.Idle;
    this.buffer = [];
    this.discarded = 0;
  }
}
