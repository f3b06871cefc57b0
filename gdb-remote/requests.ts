/**
 * gdb's command packets parsed into plain typed requests (GDB manual E.2
 * "Packets", E.4 "General Query Packets", E.6 "Host I/O" is not offered).
 * Parsing is total: every payload becomes a request, `unsupported` (the
 * protocol's empty reply) or `malformed` (an error reply); nothing here
 * throws on input, so a broken packet can never take the stub down.
 */
import { bytesToAscii, unescapeBinary } from './framing';
import { bytesOfHex, parseHexNumber } from './hex';

/**
 * E.1 thread-id: a positive hex number, -1 for all threads, 0 for any
 * thread. (The stub says `multiprocess-`, so the `pPID.TID` form is only
 * accepted, never produced.)
 */
export type ThreadSelector = { kind: 'all' } | { kind: 'any' } | { kind: 'thread'; id: number };

export type ResumeVerb = 'continue' | 'step' | 'stop';

/** One vCont action; without a thread it applies to every thread no earlier action named (E.2 "vCont"). */
export interface ResumeAction {
  verb: ResumeVerb;
  thread: ThreadSelector | undefined;
  /** A signal to deliver (`C`/`S`): we have no signals to inject, so it is refused. */
  signal?: number;
}

/** E.2 "z type,addr,kind": 0 software, 1 hardware breakpoint, 2 write, 3 read, 4 access watchpoint. */
export type PointType = 0 | 1 | 2 | 3 | 4;

export type GdbRequest =
  | { kind: 'halt-reason' }
  | { kind: 'read-registers' }
  | { kind: 'write-registers'; data: Uint8Array }
  | { kind: 'read-register'; regno: number }
  | { kind: 'write-register'; regno: number; data: Uint8Array }
  | { kind: 'read-memory'; address: number; length: number }
  | { kind: 'write-memory'; address: number; data: Uint8Array }
  | { kind: 'resume'; actions: ResumeAction[] }
  | { kind: 'vcont-query' }
  | { kind: 'insert-point'; type: PointType; address: number; length: number }
  | { kind: 'remove-point'; type: PointType; address: number; length: number }
  | { kind: 'set-thread'; operation: 'g' | 'c'; thread: ThreadSelector }
  | { kind: 'thread-alive'; thread: ThreadSelector }
  | { kind: 'thread-list-first' }
  | { kind: 'thread-list-next' }
  | { kind: 'thread-extra-info'; thread: ThreadSelector }
  | { kind: 'current-thread' }
  | { kind: 'attached' }
  | { kind: 'supported'; features: string[] }
  | { kind: 'no-ack-mode' }
  | { kind: 'read-features'; annex: string; offset: number; length: number }
  | { kind: 'monitor'; command: string }
  | { kind: 'detach' }
  | { kind: 'kill' }
  | { kind: 'unsupported'; text: string }
  | { kind: 'malformed'; text: string; why: string };

/** Parse `-1`, `0`, `N` or `pP.T` (a T of -1 or 0 keeps its meaning). */
export function parseThreadSelector(text: string): ThreadSelector | undefined {
  let t = text;
  if (t.startsWith('p')) {
    const dot = t.indexOf('.');
    t = dot < 0 ? '-1' : t.slice(dot + 1);
  }
  if (t === '-1') return { kind: 'all' };
  const id = parseHexNumber(t);
  if (id === undefined) return undefined;
  return id === 0 ? { kind: 'any' } : { kind: 'thread', id };
}

const MAX_ADDRESS = 0xffffffff;

function addressAndLength(text: string): { address: number; length: number } | undefined {
  const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(text);
  if (m === null) return undefined;
  const address = parseHexNumber(m[1]);
  const length = parseHexNumber(m[2]);
  if (address === undefined || length === undefined || address > MAX_ADDRESS) return undefined;
  return { address, length };
}

function parseResume(text: string): ResumeAction[] | undefined {
  const actions: ResumeAction[] = [];
  for (const part of text.split(';').slice(1)) {
    const [verbText, threadText] = part.split(':', 2);
    let verb: ResumeVerb;
    let signal: number | undefined;
    switch (verbText[0]) {
      case 'c': verb = 'continue'; break;
      case 's': verb = 'step'; break;
      case 't': verb = 'stop'; break;
      case 'C':
      case 'S':
        verb = verbText[0] === 'C' ? 'continue' : 'step';
        signal = parseHexNumber(verbText.slice(1));
        if (signal === undefined) return undefined;
        break;
      default:
        return undefined; // 'r' (range stepping) is not offered in vCont?
    }
    if ((verb === 'continue' || verb === 'step') && signal === undefined && verbText.length !== 1) return undefined;
    let thread: ThreadSelector | undefined;
    if (threadText !== undefined) {
      thread = parseThreadSelector(threadText);
      if (thread === undefined) return undefined;
    }
    actions.push({ verb, thread, signal });
  }
  return actions.length > 0 ? actions : undefined;
}

export function parseRequest(payload: Uint8Array): GdbRequest {
  const text = bytesToAscii(payload);
  const bad = (why: string): GdbRequest => ({ kind: 'malformed', text, why });
  const rest = text.slice(1);
  switch (text[0]) {
    case '?':
      return text === '?' ? { kind: 'halt-reason' } : bad('? takes no argument');
    case 'g':
      return text === 'g' ? { kind: 'read-registers' } : bad('g takes no argument');
    case 'G': {
      const data = bytesOfHex(rest);
      return data === undefined ? bad('G needs hex register data') : { kind: 'write-registers', data };
    }
    case 'p': {
      const regno = parseHexNumber(rest);
      return regno === undefined ? bad('p needs a hex register number') : { kind: 'read-register', regno };
    }
    case 'P': {
      const m = /^([0-9a-fA-F]+)=([0-9a-fA-F]*)$/.exec(rest);
      const data = m === null ? undefined : bytesOfHex(m[2]);
      const regno = m === null ? undefined : parseHexNumber(m[1]);
      return regno === undefined || data === undefined ? bad('P needs n=value in hex') : { kind: 'write-register', regno, data };
    }
    case 'm': {
      const r = addressAndLength(rest);
      return r === undefined ? bad('m needs addr,length in hex') : { kind: 'read-memory', ...r };
    }
    case 'M': {
      const colon = rest.indexOf(':');
      const r = colon < 0 ? undefined : addressAndLength(rest.slice(0, colon));
      const data = colon < 0 ? undefined : bytesOfHex(rest.slice(colon + 1));
      if (r === undefined || data === undefined || data.length !== r.length) return bad('M needs addr,length:XX... with length bytes');
      return { kind: 'write-memory', address: r.address, data };
    }
    case 'X': {
      const colon = payload.indexOf(0x3a);
      const r = colon < 0 ? undefined : addressAndLength(bytesToAscii(payload.subarray(1, colon)));
      const data = colon < 0 ? undefined : unescapeBinary(payload.subarray(colon + 1));
      if (r === undefined || data === undefined || data.length !== r.length) return bad('X needs addr,length:binary with length bytes');
      return { kind: 'write-memory', address: r.address, data };
    }
    case 'c':
    case 's':
      // E.2: "c [addr]" resumes at addr; gdb never sends the address form to a vCont stub, and we refuse it rather than guess.
      if (rest !== '') return bad(`${text[0]} with an address is not supported; gdb uses vCont`);
      return { kind: 'resume', actions: [{ verb: text[0] === 'c' ? 'continue' : 'step', thread: undefined }] };
    case 'Z':
    case 'z': {
      const m = /^([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)(;.*)?$/.exec(rest);
      const address = m === null ? undefined : parseHexNumber(m[2]);
      const length = m === null ? undefined : parseHexNumber(m[3]);
      if (m === null || address === undefined || length === undefined || address > MAX_ADDRESS) {
        // A point type we do not know (Z5...) is "not supported" (empty reply); a known type with bad arguments is malformed.
        return /^[0-9a-fA-F]+,/.test(rest) && !/^[0-4],/.test(rest) ? { kind: 'unsupported', text } : bad(`${text[0]} needs type,addr,kind`);
      }
      return { kind: text[0] === 'Z' ? 'insert-point' : 'remove-point', type: Number(m[1]) as PointType, address, length };
    }
    case 'H': {
      const op = rest[0];
      const thread = parseThreadSelector(rest.slice(1));
      if ((op !== 'g' && op !== 'c') || thread === undefined) return bad('H needs g or c and a thread-id');
      return { kind: 'set-thread', operation: op, thread };
    }
    case 'T': {
      const thread = parseThreadSelector(rest);
      return thread === undefined ? bad('T needs a thread-id') : { kind: 'thread-alive', thread };
    }
    case 'D':
      return rest === '' || /^;[0-9a-fA-F]+$/.test(rest) ? { kind: 'detach' } : bad('D takes an optional ;pid');
    case 'k':
      return { kind: 'kill' };
    case 'v':
      return parseVPacket(text, bad);
    case 'q':
    case 'Q':
      return parseQuery(text, bad);
    default:
      return { kind: 'unsupported', text };
  }
}

function parseVPacket(text: string, bad: (why: string) => GdbRequest): GdbRequest {
  if (text === 'vCont?') return { kind: 'vcont-query' };
  if (text.startsWith('vCont;')) {
    const actions = parseResume(text);
    return actions === undefined ? bad('vCont needs ;c, ;s or ;t actions with optional :thread-id') : { kind: 'resume', actions };
  }
  if (text.startsWith('vKill')) return { kind: 'kill' };
  return { kind: 'unsupported', text };
}

function parseQuery(text: string, bad: (why: string) => GdbRequest): GdbRequest {
  if (text === 'qfThreadInfo') return { kind: 'thread-list-first' };
  if (text === 'qsThreadInfo') return { kind: 'thread-list-next' };
  if (text === 'qC') return { kind: 'current-thread' };
  if (text === 'qAttached' || text.startsWith('qAttached:')) return { kind: 'attached' };
  if (text === 'QStartNoAckMode') return { kind: 'no-ack-mode' };
  if (text === 'qSupported' || text.startsWith('qSupported:')) return { kind: 'supported', features: text.length > 11 ? text.slice(11).split(';') : [] };
  if (text.startsWith('qThreadExtraInfo,')) {
    const thread = parseThreadSelector(text.slice(17));
    return thread === undefined ? bad('qThreadExtraInfo needs a thread-id') : { kind: 'thread-extra-info', thread };
  }
  if (text.startsWith('qRcmd,')) {
    const bytes = bytesOfHex(text.slice(6));
    return bytes === undefined ? bad('qRcmd needs a hex-encoded command') : { kind: 'monitor', command: new TextDecoder().decode(bytes) };
  }
  if (text.startsWith('qXfer:features:read:')) {
    const m = /^qXfer:features:read:([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(text);
    const offset = m === null ? undefined : parseHexNumber(m[2]);
    const length = m === null ? undefined : parseHexNumber(m[3]);
    if (m === null || offset === undefined || length === undefined) return bad('qXfer:features:read needs annex:offset,length');
    return { kind: 'read-features', annex: m[1], offset, length };
  }
  return { kind: 'unsupported', text };
}
