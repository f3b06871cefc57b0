/**
 * The stub's side of one gdb connection: framing and acknowledgments
 * (E.11), the request dispatch (E.2, E.4) over a GdbTarget, all-stop
 * resumption with asynchronous stop replies (E.3), interrupts (E.8).
 *
 * Robustness is part of the contract: whatever bytes arrive, the reply is
 * a protocol answer (`-`, an empty packet for what we do not offer, `Ennn`
 * or `E.text` for a refusal), and nothing reaches the machine unless a
 * well-formed request asked for it.
 */
import { asciiBytes, encodePacket, escapeBinary, PacketReader, type FramingEvent } from './framing';
import { hexOfBytes, hexOfText } from './hex';
import { gPacketSize } from './register-layout';
import { parseRequest, type GdbRequest, type ResumeAction, type ThreadSelector } from './requests';
import { formatStopReply, type StopReplyOptions } from './stop-reply';
import { isRefusal, type GdbTarget, type StopReply, type ThreadId } from './target';

/** Largest packet payload we accept and advertise (qSupported PacketSize, hex). */
export const PACKET_SIZE = 0x4000;
/** Packets that arrive while the machine runs wait for its stop; beyond this many they are refused with `-`. */
const MAX_QUEUED = 64;

/** Error replies (E.1 "E NN"): gdb shows the number; `E.text` where gdb accepts text (qRcmd, vCont). */
export const GdbError = {
  /** A packet we could parse the name of but not its arguments. */
  MALFORMED: 'E01',
  /** A thread-id that names no vCPU. */
  UNKNOWN_THREAD: 'E02',
  /** Memory not mapped or not writable through the selected vCPU. */
  MEMORY: 'E03',
  /** A register that does not exist or cannot be written. */
  REGISTER: 'E04',
  /** The request is valid but the machine refuses it now (e.g. another debugger is running it). */
  REFUSED: 'E05',
} as const;

export interface ConnectionSink {
  write(bytes: Uint8Array): void;
  /** The connection should end (after `k`, or `D`'s OK). */
  end(): void;
}

export interface ServerLog {
  (line: string): void;
}

export class GdbConnection {
  private readonly reader = new PacketReader(PACKET_SIZE);
  private noAck = false;
  private lastSent: Uint8Array | undefined;
  private stopOptions: StopReplyOptions = { swbreak: false, hwbreak: false };
  /** Hg: the thread g/G/p/P/m/M/X act on. */
  private generalThread: ThreadId;
  /** Hc: the thread a legacy c/s resumes. */
  private continueThread: ThreadSelector = { kind: 'all' };
  private threadListSent = false;
  private running = false;
  private readonly queued: GdbRequest[] = [];
  private closed = false;
  /** The thread of the last stop reply (qC, and `0` = any thread). */
  private stopThread: ThreadId;

  constructor(
    private readonly target: GdbTarget,
    private readonly sink: ConnectionSink,
    private readonly log: ServerLog = () => {},
  ) {
    const stop = target.haltReason();
    this.stopThread = stop.kind === 'signal' ? stop.thread : (target.threads()[0] ?? 1);
    this.generalThread = this.stopThread;
  }

  /** Bytes from gdb. */
  receive(chunk: Uint8Array): void {
    for (const event of this.reader.push(chunk)) this.onFraming(event);
  }

  /** The connection is gone (gdb quit or the socket broke): the machine goes on without a debugger. */
  closedByPeer(): void {
    if (this.closed) return;
    this.closed = true;
    this.target.detach();
  }

  private onFraming(event: FramingEvent): void {
    if (this.closed) return;
    switch (event.kind) {
      case 'ack':
        return;
      case 'nack':
        // E.11: `-` asks for the last packet again.
        if (!this.noAck && this.lastSent !== undefined) this.sink.write(this.lastSent);
        return;
      case 'interrupt':
        if (this.running) this.target.interrupt();
        return;
      case 'bad-checksum':
        this.log(`gdb: packet with a bad checksum ignored (${event.payload.length} bytes)`);
        if (!this.noAck) this.sink.write(asciiBytes('-'));
        return;
      case 'oversized':
        this.log(`gdb: packet of ${event.length} bytes is larger than PacketSize ${PACKET_SIZE}, discarded`);
        if (!this.noAck) this.sink.write(asciiBytes('-'));
        else this.reply(GdbError.MALFORMED);
        return;
      case 'notification':
        return; // notifications go from stub to gdb; one arriving here is noise
      case 'packet': {
        if (!this.noAck) this.sink.write(asciiBytes('+'));
        const request = parseRequest(event.payload);
        if (this.running) {
          if (this.queued.length < MAX_QUEUED) this.queued.push(request);
          return;
        }
        this.handle(request);
        return;
      }
    }
  }

  private reply(payload: string | Uint8Array): void {
    if (this.closed) return;
    const packet = encodePacket(payload);
    this.lastSent = packet;
    this.sink.write(packet);
  }

  /** Console output for gdb (E.3 `O XX...`), allowed while a resume is outstanding. */
  private consoleOutput(text: string): void {
    this.sink.write(encodePacket('O' + hexOfText(text)));
  }

  private knownThread(id: ThreadId): boolean {
    return this.target.threads().includes(id);
  }

  /** Resolve a selector to one thread (0 = any: the last stop's); undefined when it names none. */
  private oneThread(selector: ThreadSelector): ThreadId | undefined {
    if (selector.kind === 'thread') return this.knownThread(selector.id) ? selector.id : undefined;
    return this.stopThread;
  }

  private handle(request: GdbRequest): void {
    try {
      this.dispatch(request);
    } catch (error) {
      // A bug of ours must not take the machine or the connection down: say so and answer.
      this.log(`gdb: internal error on ${request.kind}: ${(error as Error).stack ?? error}`);
      this.reply(GdbError.REFUSED);
    }
  }

  private dispatch(request: GdbRequest): void {
    const t = this.target;
    switch (request.kind) {
      case 'malformed':
        this.log(`gdb: malformed packet "${request.text.slice(0, 80)}": ${request.why}`);
        return this.reply(GdbError.MALFORMED);
      case 'unsupported':
        return this.reply('');
      case 'supported': {
        this.stopOptions = { swbreak: request.features.includes('swbreak+'), hwbreak: request.features.includes('hwbreak+') };
        return this.reply(`PacketSize=${PACKET_SIZE.toString(16)};QStartNoAckMode+;qXfer:features:read+;vContSupported+;swbreak+;hwbreak+;multiprocess-`);
      }
      case 'no-ack-mode':
        this.reply('OK');
        this.noAck = true;
        return;
      case 'halt-reason':
        return this.reply(this.stopText(t.haltReason()));
      case 'attached':
        return this.reply('1'); // attached to a machine that exists without us: detaching leaves it running
      case 'read-features': {
        const doc = t.featureDocument(request.annex);
        if (doc === undefined) return this.reply('E00');
        const bytes = asciiBytes(doc);
        const part = bytes.subarray(request.offset, request.offset + Math.min(request.length, PACKET_SIZE - 2));
        const more = request.offset + part.length < bytes.length;
        return this.reply(Uint8Array.from([...asciiBytes(more ? 'm' : 'l'), ...escapeBinary(part)]));
      }
      case 'thread-list-first':
        this.threadListSent = true;
        return this.reply('m' + t.threads().map((id) => id.toString(16)).join(','));
      case 'thread-list-next':
        if (!this.threadListSent) return this.reply('l');
        this.threadListSent = false;
        return this.reply('l');
      case 'current-thread':
        return this.reply(`QC${this.stopThread.toString(16)}`);
      case 'thread-alive':
        return this.reply(request.thread.kind !== 'thread' || this.knownThread(request.thread.id) ? 'OK' : GdbError.UNKNOWN_THREAD);
      case 'thread-extra-info': {
        const id = this.oneThread(request.thread);
        const info = id === undefined ? undefined : t.threadExtraInfo(id);
        return this.reply(info === undefined ? GdbError.UNKNOWN_THREAD : hexOfText(info));
      }
      case 'set-thread': {
        if (request.operation === 'c') {
          if (request.thread.kind === 'thread' && !this.knownThread(request.thread.id)) return this.reply(GdbError.UNKNOWN_THREAD);
          this.continueThread = request.thread;
          return this.reply('OK');
        }
        const id = this.oneThread(request.thread);
        if (id === undefined) return this.reply(GdbError.UNKNOWN_THREAD);
        this.generalThread = id;
        return this.reply('OK');
      }
      case 'read-registers': {
        const parts: Uint8Array[] = [];
        for (const r of t.layout) {
          const value = t.readRegister(this.generalThread, r.regno);
          if (value === undefined) return this.reply(GdbError.UNKNOWN_THREAD);
          parts.push(value);
        }
        return this.reply(parts.map(hexOfBytes).join(''));
      }
      case 'write-registers': {
        if (request.data.length > gPacketSize(t.layout)) return this.reply(GdbError.REGISTER);
        let offset = 0;
        for (const r of t.layout) {
          const size = r.bitsize / 8;
          if (offset + size > request.data.length) break;
          const value = request.data.subarray(offset, offset + size);
          offset += size;
          const current = t.readRegister(this.generalThread, r.regno);
          if (current === undefined) return this.reply(GdbError.UNKNOWN_THREAD);
          if (hexOfBytes(current) === hexOfBytes(value)) continue; // G writes every register; only changed ones are written
          const refusal = t.writeRegister(this.generalThread, r.regno, value);
          if (refusal !== undefined) {
            this.log(`gdb: G: ${r.name}: ${refusal.refused}`);
            return this.reply(GdbError.REGISTER);
          }
        }
        return this.reply('OK');
      }
      case 'read-register': {
        const value = t.readRegister(this.generalThread, request.regno);
        return this.reply(value === undefined ? GdbError.REGISTER : hexOfBytes(value));
      }
      case 'write-register': {
        const r = t.layout[request.regno];
        if (r === undefined || request.data.length !== r.bitsize / 8) return this.reply(GdbError.REGISTER);
        const refusal = t.writeRegister(this.generalThread, request.regno, request.data);
        if (refusal !== undefined) this.log(`gdb: P ${r.name}: ${refusal.refused}`);
        return this.reply(refusal === undefined ? 'OK' : GdbError.REGISTER);
      }
      case 'read-memory': {
        const length = Math.min(request.length, (PACKET_SIZE - 4) >> 1);
        const bytes = t.readMemory(this.generalThread, request.address, length);
        if (isRefusal(bytes)) return this.reply(GdbError.REFUSED);
        // E.2 "m": a partial read answers the bytes that could be read; none at all is an error.
        return this.reply(bytes.length === 0 && length > 0 ? GdbError.MEMORY : hexOfBytes(bytes));
      }
      case 'write-memory': {
        const refusal = t.writeMemory(this.generalThread, request.address, request.data);
        if (refusal !== undefined) this.log(`gdb: memory write at 0x${request.address.toString(16)}: ${refusal.refused}`);
        return this.reply(refusal === undefined ? 'OK' : GdbError.MEMORY);
      }
      case 'insert-point':
      case 'remove-point': {
        const result = request.kind === 'insert-point' ? t.insertPoint(request.type, request.address, request.length) : t.removePoint(request.type, request.address, request.length);
        if (result === 'unsupported') return this.reply('');
        if (result !== undefined) this.log(`gdb: ${request.kind} type ${request.type} at 0x${request.address.toString(16)}: ${result.refused}`);
        return this.reply(result === undefined ? 'OK' : GdbError.REFUSED);
      }
      case 'vcont-query':
        // C and S are accepted (gdb passes some signals back on resume) and delivered as nothing: a machine has no signals.
        return this.reply('vCont;c;C;s;S;t');
      case 'resume':
        return this.resume(request.actions);
      case 'monitor': {
        const output = t.monitor(request.command);
        if (output !== '') this.consoleOutput(output.endsWith('\n') ? output : output + '\n');
        return this.reply('OK');
      }
      case 'detach':
        this.reply('OK');
        this.closed = true;
        t.detach();
        this.sink.end();
        return;
      case 'kill':
        this.closed = true;
        t.kill();
        this.sink.end();
        return;
    }
  }

  private resume(actions: ResumeAction[]): void {
    // A legacy c/s (no thread) acts on Hc's thread; vCont actions without a thread apply to the rest.
    const resolved = actions.map((a) =>
      a.thread === undefined && actions.length === 1 && this.continueThread.kind === 'thread' && a.verb === 'step' ? { ...a, thread: this.continueThread } : a,
    );
    for (const a of resolved) {
      if (a.thread?.kind === 'thread' && !this.knownThread(a.thread.id)) return this.reply(GdbError.UNKNOWN_THREAD);
    }
    this.running = true;
    const refusal = this.target.resume(resolved, this.generalThread, (stop) => this.onStop(stop));
    if (refusal !== undefined) {
      this.running = false;
      this.log(`gdb: resume refused: ${refusal.refused}`);
      this.reply(GdbError.REFUSED);
    }
  }

  private onStop(stop: StopReply): void {
    if (!this.running || this.closed) return;
    this.running = false;
    if (stop.kind === 'signal') {
      this.stopThread = stop.thread;
      this.generalThread = stop.thread;
    }
    if (stop.kind === 'signal' && stop.explanation !== undefined) this.consoleOutput(stop.explanation + '\n');
    this.reply(this.stopText(stop));
    if (stop.kind !== 'signal') {
      this.closed = true;
      this.sink.end();
      return;
    }
    while (this.queued.length > 0 && !this.running && !this.closed) this.handle(this.queued.shift()!);
  }

  private stopText(stop: StopReply): string {
    return formatStopReply(stop, this.stopOptions);
  }
}

