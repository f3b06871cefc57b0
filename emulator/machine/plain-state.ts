/**
 * Plain, JSON-safe data for machine snapshots (docs/snapshots.md). A saved
 * state holds only null, booleans, finite numbers, strings, arrays and
 * plain objects; what JSON cannot carry is tagged:
 *   typed arrays {$typed: name, base64}, bigint {$bigint: decimal},
 *   undefined {$undefined: 1}, Infinity/NaN/-0 {$number: 'Infinity'|'-Infinity'|'NaN'|'-0'},
 *   Map {$map: [[key, value], ...]}, Set {$set: [...]}.
 * toPlain refuses functions and class instances, so a device that holds a
 * reference to another object must name it as excluded instead of copying it
 * by accident: a snapshot never holds references, and restores into a fresh
 * machine.
 */

export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };
export type PlainObject = { [key: string]: Plain };

type TypedArray = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array | Uint8ClampedArray;
const TYPED: Record<string, new (buffer: ArrayBuffer) => TypedArray> = {
  Uint8Array, Uint16Array, Uint32Array, Int8Array, Int16Array, Int32Array, Float32Array, Float64Array, Uint8ClampedArray,
};

/** A deep, reference-free copy of value as plain data. */
export function toPlain(value: unknown, path = 'state'): Plain {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $number: Object.is(value, -0) ? '-0' : String(value) };
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return { $undefined: 1 };
    case 'function':
    case 'symbol':
      throw new TypeError(`${path}: a ${typeof value} is not snapshot data`);
  }
  if (ArrayBuffer.isView(value)) {
    const typed = value as TypedArray;
    const name = typed.constructor.name;
    if (TYPED[name] === undefined) throw new TypeError(`${path}: ${name} is not snapshot data`);
    return { $typed: name, base64: encodeBase64(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength)) };
  }
  if (Array.isArray(value)) return value.map((v, i) => toPlain(v, `${path}[${i}]`));
  if (value instanceof Map) return { $map: [...value].map(([k, v], i) => [toPlain(k, `${path}.key${i}`), toPlain(v, `${path}.get(${String(k)})`)]) };
  if (value instanceof Set) return { $set: [...value].map((v, i) => toPlain(v, `${path}.item${i}`)) };
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`${path}: an instance of ${(value as object).constructor?.name ?? '?'} is not snapshot data (exclude the reference or save it separately)`);
  }
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toPlain(v, `${path}.${k}`);
  return out;
}

/** The value toPlain was given (fresh objects, arrays, typed arrays, Maps). */
export function fromPlain(plain: Plain): unknown {
  if (plain === null || typeof plain !== 'object') return plain;
  if (Array.isArray(plain)) return plain.map(fromPlain);
  if ('$number' in plain) return plain.$number === '-0' ? -0 : Number(plain.$number);
  if ('$bigint' in plain) return BigInt(plain.$bigint as string);
  if ('$undefined' in plain) return undefined;
  if ('$typed' in plain) {
    return new TYPED[plain.$typed as string](decodeBase64(plain.base64 as string).buffer as ArrayBuffer);
  }
  if ('$map' in plain) return new Map((plain.$map as Plain[][]).map(([k, v]) => [fromPlain(k), fromPlain(v)]));
  if ('$set' in plain) return new Set((plain.$set as Plain[]).map(fromPlain));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plain)) out[k] = fromPlain(v);
  return out;
}

/**
 * Every own data field of obj (an emulator object) as plain data, except the
 * excluded ones (references to other parts of the machine) and functions
 * (callbacks wired at construction). New fields are saved without anyone
 * remembering to list them; a new reference field makes toPlain throw.
 */
export function saveOwnFields(obj: object, exclude: readonly string[] = []): PlainObject {
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'function' || exclude.includes(k)) continue;
    out[k] = toPlain(v, `${obj.constructor.name}.${k}`);
  }
  return out;
}

/** The inverse of saveOwnFields: assign each saved field (fresh copies) back onto obj. */
export function restoreOwnFields(obj: object, saved: PlainObject): void {
  const target = obj as Record<string, unknown>;
  for (const [k, v] of Object.entries(saved)) target[k] = fromPlain(v);
}

/** Only the named fields of obj, as plain data. */
export function saveFields(obj: object, keys: readonly string[]): PlainObject {
  const source = obj as Record<string, unknown>;
  const out: PlainObject = {};
  for (const k of keys) {
    if (!(k in source)) throw new Error(`${obj.constructor.name} has no field ${k} to save`);
    out[k] = toPlain(source[k], `${obj.constructor.name}.${k}`);
  }
  return out;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** RFC 4648 base64 (the emulator does not depend on Node's Buffer). */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    line += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63] + (i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? ALPHABET[n & 63] : '=');
    if (line.length >= 4096) {
      parts.push(line);
      line = '';
    }
  }
  parts.push(line);
  return parts.join('');
}

export function decodeBase64(text: string): Uint8Array {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = (DECODE[text.charCodeAt(i)] << 18) | (DECODE[text.charCodeAt(i + 1)] << 12) | ((DECODE[text.charCodeAt(i + 2)] & 63) << 6) | (DECODE[text.charCodeAt(i + 3)] & 63);
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}
