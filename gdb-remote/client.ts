/**
 * The debugger's side of the protocol over TCP: send a packet, wait for
 * its reply, with acknowledgments until QStartNoAckMode, run-length
 * decoding of replies (E.1), console `O` packets collected while a resume
 * is outstanding (E.3). The tests and benchmark use it against our stub
 * and QEMU's; a QEMU backend can drive QEMU's gdbstub with it.
 */
import { connect, type Socket } from 'node:net';
import { bytesToAscii, decodeRunLength, encodePacket, PacketReader } from './framing';
import { textOfHex } from './hex';

export interface GdbReply {
  /** The payload after run-length decoding, as text (binary replies keep escapes). */
  text: string;
  /** Console output (`O` packets) that arrived before it. */
  console: string[];
}

export class GdbClient {
  private readonly reader = new PacketReader(1 << 22);
  private noAck = false;
  private waiting: { resolve: (r: GdbReply) => void; reject: (e: Error) => void } | undefined;
  private readonly ready: GdbReply[] = [];
  private console: string[] = [];
  private closed = false;
  /** Every `-` a stub sent (the fuzz test counts them). */
  nacks = 0;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.reject(new Error('the stub closed the connection'));
      this.waiting = undefined;
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<GdbClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new GdbClient(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(chunk: Buffer): void {
    for (const event of this.reader.push(chunk)) {
      if (event.kind === 'nack') this.nacks++;
      if (event.kind !== 'packet' && event.kind !== 'bad-checksum') continue;
      if (!this.noAck) this.socket.write(event.kind === 'packet' ? '+' : '-');
      if (event.kind === 'bad-checksum') continue;
      const decoded = decodeRunLength(event.payload) ?? event.payload;
      const text = bytesToAscii(decoded);
      // An `O` reply carries console output; `OK` is a reply.
      if (text.startsWith('O') && text !== 'OK' && /^O([0-9a-fA-F]{2})+$/.test(text)) {
        this.console.push(textOfHex(text.slice(1)) ?? '');
        continue;
      }
      const reply = { text, console: this.console };
      this.console = [];
      if (this.waiting !== undefined) {
        const w = this.waiting;
        this.waiting = undefined;
        w.resolve(reply);
      } else this.ready.push(reply);
    }
  }

  /** Send a request and wait for its reply (a resume's reply is the stop). */
  request(payload: string | Uint8Array, timeoutMs = 30_000): Promise<GdbReply> {
    this.sendRaw(encodePacket(payload));
    return this.nextReply(timeoutMs);
  }

  /** The next reply, however it was provoked. */
  nextReply(timeoutMs = 30_000): Promise<GdbReply> {
    const ready = this.ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(new Error('the stub closed the connection'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  sendRaw(bytes: Uint8Array | string): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** E.11: after this OK neither side acknowledges. */
  async startNoAckMode(): Promise<boolean> {
    const reply = await this.request('QStartNoAckMode');
    if (reply.text === 'OK') this.noAck = true;
    return this.noAck;
  }

  /** Interrupt a running target (0x03); the outstanding resume then replies. */
  interrupt(): void {
    this.sendRaw(Uint8Array.of(3));
  }

  /** Read a whole qXfer object. */
  async readFeatures(annex: string): Promise<string> {
    let out = '';
    for (;;) {
      const reply = await this.request(`qXfer:features:read:${annex}:${out.length.toString(16)},800`);
      if (reply.text[0] !== 'm' && reply.text[0] !== 'l') throw new Error(`qXfer ${annex}: ${reply.text}`);
      out += reply.text.slice(1).replace(/\}(.)/g, (_, c: string) => String.fromCharCode(c.charCodeAt(0) ^ 0x20));
      if (reply.text[0] === 'l') return out;
    }
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
