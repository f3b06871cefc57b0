/**
 * DWARF expression evaluation (DWARF 5 section 2.5) and location
 * descriptions (2.6): memory locations, register locations (DW_OP_reg*,
 * regx), implicit values (stack_value, implicit_value) and composites
 * (piece, bit_piece), against registers and memory the debugger supplies.
 * The stack holds address-sized unsigned values (2.5.1); signed operators
 * reinterpret them. A malformed or unsupported expression gives an
 * 'unavailable' result with the reason, never an exception.
 */
import { FormatError } from '../elf/byte-reader';
import { DwarfCursor } from './dwarf-cursor';

/** What the debugger provides. i386 DWARF register numbers: 0 eax, 1 ecx, 2 edx, 3 ebx, 4 esp, 5 ebp, 6 esi, 7 edi, 8 eip. */
export interface EvaluationEnvironment {
  readRegister(dwarfRegister: number): number | undefined;
  readMemory(address: number, size: number): Uint8Array | undefined;
  /** Value of DW_AT_frame_base for the current function, when the caller already knows it. */
  frameBase?: number;
  /** Canonical frame address of the current frame (DWARF 5 section 6.4). */
  cfa?: number;
  /** Register value at entry to the current function (for DW_OP_entry_value), when known. */
  entryRegister?(dwarfRegister: number): number | undefined;
}

export type LocationResult =
  | { kind: 'memory'; address: number }
  | { kind: 'register'; register: number }
  | { kind: 'value'; value: bigint }
  | { kind: 'implicit'; bytes: Uint8Array }
  | { kind: 'pieces'; pieces: LocationPiece[] }
  | { kind: 'unavailable'; reason: string };

export interface LocationPiece {
  /** Size in bits (DW_OP_piece gives bytes × 8). */
  bitSize: number;
  bitOffset: number;
  location: LocationResult;
}

export interface EvaluationContext {
  addressSize: number;
  /** Evaluates the current function's DW_AT_frame_base when the environment does not give it. */
  frameBase?: () => number | undefined;
  /** Resolves DW_OP_addrx / constx indices through .debug_addr. */
  addressAtIndex?: (index: number) => number;
}

class Unavailable extends Error {}

const MAX_STEPS = 10000;

export function evaluateLocation(expression: Uint8Array, env: EvaluationEnvironment, ctx: EvaluationContext): LocationResult {
  try {
    return run(expression, env, ctx);
  } catch (error) {
    if (error instanceof Unavailable || error instanceof FormatError) return { kind: 'unavailable', reason: error.message };
    throw error;
  }
}

function run(expression: Uint8Array, env: EvaluationEnvironment, ctx: EvaluationContext): LocationResult {
  const bits = BigInt(ctx.addressSize * 8);
  const mask = (1n << bits) - 1n;
  const signBit = 1n << (bits - 1n);
  const toSigned = (v: bigint): bigint => (v & signBit ? v - (1n << bits) : v);
  const wrap = (v: bigint): bigint => v & mask;
  const stack: bigint[] = [];
  const pop = (): bigint => {
    const v = stack.pop();
    if (v === undefined) throw new Unavailable('DWARF expression stack underflow');
    return v;
  };
  const push = (v: bigint | number): void => {
    if (stack.length > 1000) throw new Unavailable('DWARF expression stack overflow');
    stack.push(wrap(BigInt(v)));
  };
  const register = (n: number): number => {
    const v = env.readRegister(n);
    if (v === undefined) throw new Unavailable(`register ${n} is not available`);
    return v;
  };
  const readMemory = (address: bigint, size: number): bigint => {
    const bytes = env.readMemory(Number(address), size);
    if (bytes === undefined || bytes.length < size) throw new Unavailable(`memory at 0x${address.toString(16)} is not readable`);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    return v;
  };

  const c = new DwarfCursor(expression, 'DWARF expression');
  const pieces: LocationPiece[] = [];
  let pieceOffset = 0;
  /** A location description that ends the current piece (register, stack_value, implicit). */
  let pending: LocationResult | undefined;
  const currentLocation = (): LocationResult => {
    if (pending !== undefined) return pending;
    if (stack.length === 0) return { kind: 'unavailable', reason: 'optimized out' }; // 2.6.1.1.1: empty description
    return { kind: 'memory', address: Number(stack[stack.length - 1]) };
  };

  for (let steps = 0; !c.atEnd(); steps++) {
    if (steps > MAX_STEPS) throw new Unavailable('DWARF expression does not terminate');
    const op = c.u8();
    if (op >= 0x30 && op <= 0x4f) { push(op - 0x30); continue; } // DW_OP_lit0..31
    if (op >= 0x50 && op <= 0x6f) { pending = { kind: 'register', register: op - 0x50 }; continue; } // DW_OP_reg0..31
    if (op >= 0x70 && op <= 0x8f) { push(BigInt(register(op - 0x70)) + BigInt(c.sleb())); continue; } // DW_OP_breg0..31
    switch (op) {
      case 0x03: push(c.uint(ctx.addressSize)); break; // addr
      case 0x06: push(readMemory(pop(), ctx.addressSize)); break; // deref
      case 0x08: push(c.u8()); break;
      case 0x09: push(c.i8()); break;
      case 0x0a: push(c.u16()); break;
      case 0x0b: push(c.i16()); break;
      case 0x0c: push(c.u32()); break;
      case 0x0d: push(c.i32()); break;
      case 0x0e: push(c.u64()); break;
      case 0x0f: push(c.i64()); break;
      case 0x10: push(c.uleb()); break; // constu
      case 0x11: push(c.sleb()); break; // consts
      case 0x12: { const v = pop(); push(v); push(v); break; } // dup
      case 0x13: pop(); break; // drop
      case 0x14: { if (stack.length < 2) throw new Unavailable('over: stack underflow'); push(stack[stack.length - 2]); break; }
      case 0x15: { const i = c.u8(); if (i >= stack.length) throw new Unavailable('pick: stack underflow'); push(stack[stack.length - 1 - i]); break; }
      case 0x16: { const a = pop(), b = pop(); push(a); push(b); break; } // swap
      case 0x17: { const a = pop(), b = pop(), d = pop(); push(a); push(d); push(b); break; } // rot
      case 0x19: { const v = toSigned(pop()); push(v < 0n ? -v : v); break; } // abs
      case 0x1a: { const b = pop(), a = pop(); push(a & b); break; }
      case 0x1b: { const b = toSigned(pop()), a = toSigned(pop()); if (b === 0n) throw new Unavailable('division by zero'); push(a / b); break; }
      case 0x1c: { const b = pop(), a = pop(); push(a - b); break; } // minus
      case 0x1d: { const b = pop(), a = pop(); if (b === 0n) throw new Unavailable('modulo by zero'); push(a % b); break; }
      case 0x1e: { const b = pop(), a = pop(); push(a * b); break; }
      case 0x1f: push(-toSigned(pop())); break; // neg
      case 0x20: push(~pop()); break; // not
      case 0x21: { const b = pop(), a = pop(); push(a | b); break; }
      case 0x22: { const b = pop(), a = pop(); push(a + b); break; } // plus
      case 0x23: push(pop() + BigInt(c.uleb())); break; // plus_uconst
      case 0x24: { const b = pop(), a = pop(); push(b >= bits ? 0n : a << b); break; }
      case 0x25: { const b = pop(), a = pop(); push(b >= bits ? 0n : a >> b); break; }
      case 0x26: { const b = pop(), a = toSigned(pop()); push(a >> (b >= bits ? bits - 1n : b)); break; } // shra
      case 0x27: { const b = pop(), a = pop(); push(a ^ b); break; }
      case 0x28: { const offset = c.i16(); if (pop() !== 0n) jump(c, offset); break; } // bra
      case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e: {
        const b = toSigned(pop()), a = toSigned(pop());
        const r = op === 0x29 ? a === b : op === 0x2a ? a >= b : op === 0x2b ? a > b : op === 0x2c ? a <= b : op === 0x2d ? a < b : a !== b;
        push(r ? 1 : 0);
        break;
      }
      case 0x2f: jump(c, c.i16()); break; // skip
      case 0x90: pending = { kind: 'register', register: c.uleb() }; break; // regx
      case 0x91: { // fbreg
        const offset = BigInt(c.sleb());
        const base = env.frameBase ?? ctx.frameBase?.();
        if (base === undefined) throw new Unavailable('frame base is not available');
        push(BigInt(base) + offset);
        break;
      }
      case 0x92: { const r = c.uleb(); push(BigInt(register(r)) + BigInt(c.sleb())); break; } // bregx
      case 0x93: case 0x9d: { // piece, bit_piece (2.6.1.2)
        const bitSize = op === 0x93 ? c.uleb() * 8 : c.uleb();
        const bitOffset = op === 0x9d ? c.uleb() : 0;
        pieces.push({ bitSize, bitOffset: pieceOffset + bitOffset, location: currentLocation() });
        pieceOffset += bitSize;
        pending = undefined;
        stack.length = 0;
        break;
      }
      case 0x94: { const size = c.u8(); if (size < 1 || size > 8) throw new Unavailable(`deref_size ${size}`); push(readMemory(pop(), size)); break; }
      case 0x96: break; // nop
      case 0x9c: { // call_frame_cfa
        if (env.cfa === undefined) throw new Unavailable('CFA is not available');
        push(env.cfa);
        break;
      }
      case 0x9e: pending = { kind: 'implicit', bytes: c.bytesOf(c.uleb()) }; break; // implicit_value
      case 0x9f: pending = { kind: 'value', value: pop() }; break; // stack_value
      case 0xa1: case 0xa2: case 0xfb: case 0xfc: { // addrx, constx, GNU_addr_index, GNU_const_index
        const index = c.uleb();
        if (ctx.addressAtIndex === undefined) throw new Unavailable('.debug_addr is not available');
        push(ctx.addressAtIndex(index));
        break;
      }
      case 0xa3: case 0xf3: { // entry_value (2.5.1.7), best effort: a single register
        const block = c.bytesOf(c.uleb());
        const reg = block.length >= 1 && block[0] >= 0x50 && block[0] <= 0x6f ? block[0] - 0x50 : block.length >= 2 && block[0] === 0x90 ? block[1] : undefined;
        const value = reg === undefined ? undefined : env.entryRegister?.(reg);
        if (value === undefined) throw new Unavailable('entry value is not available');
        push(value);
        break;
      }
      case 0xf0: break; // GNU_uninit
      case 0xa0: case 0xf2: throw new Unavailable('implicit pointer (the object was optimized out)');
      case 0xe0: case 0x9b: throw new Unavailable('thread-local storage is not supported');
      default:
        throw new Unavailable(`DWARF operation 0x${op.toString(16)} is not supported`);
    }
  }
  if (pieces.length > 0) return { kind: 'pieces', pieces };
  return currentLocation();
}

function jump(c: DwarfCursor, offset: number): void {
  const target = c.offset + offset;
  if (target < 0 || target > c.end) throw new Unavailable('branch outside the expression');
  c.offset = target;
}

/** The bytes a location holds (little-endian), `size` bytes; undefined when unavailable. */
export function readLocation(location: LocationResult, size: number, env: EvaluationEnvironment): Uint8Array | undefined {
  switch (location.kind) {
    case 'memory': return env.readMemory(location.address, size);
    case 'register': {
      const v = env.readRegister(location.register);
      return v === undefined ? undefined : bigToBytes(BigInt(v), size);
    }
    case 'value': return bigToBytes(location.value, size);
    case 'implicit': {
      const out = new Uint8Array(size);
      out.set(location.bytes.subarray(0, size));
      return out;
    }
    case 'pieces': {
      const out = new Uint8Array(size);
      for (const p of location.pieces) {
        if (p.bitOffset % 8 !== 0 || p.bitSize % 8 !== 0) continue; // sub-byte pieces: left as zero
        const bytes = readLocation(p.location, p.bitSize / 8, env);
        if (bytes === undefined) return undefined;
        const at = p.bitOffset / 8;
        if (at < size) out.set(bytes.subarray(0, Math.min(bytes.length, size - at)), at);
      }
      return out;
    }
    case 'unavailable': return undefined;
  }
}

function bigToBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(64, v);
  for (let i = 0; i < size; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
