/**
 * The x87 double extended-precision format and IEEE rounding on integer
 * significands (SDM Vol. 1 4.2.2, 4.8, 8.2). A register value is a sign, a
 * 15-bit biased exponent and a 64-bit significand with an explicit integer
 * bit J (bit 63); arithmetic is exact on BigInt significands and rounded once.
 * A JS double is never used for a register value.
 */

/** One x87 register value: sign 0/1, biased exponent 0..0x7FFF, significand 0..2^64-1 (bit 63 = J). */
export interface F80 {
  sign: number;
  exp: number;
  mant: bigint;
}

/** Exception flag bits of the status word (SDM Vol. 1 Figure 8-4). */
export const IE = 0x01;
export const DE = 0x02;
export const ZE = 0x04;
export const OE = 0x08;
export const UE = 0x10;
export const PE = 0x20;

/** Rounding control (SDM Vol. 1 Table 4-8). */
export const enum Rounding {
  Nearest = 0,
  Down = 1,
  Up = 2,
  Zero = 3,
}

/**
 * The environment one operation runs in: rounding and precision control and
 * the exception masks from the control word; the operation ORs the exception
 * flags it raises into `flags` and sets `c1` to 1 when the result was rounded
 * up (SDM Vol. 1 8.1.3.1: C1 = 1 "round up" with #P).
 */
export interface FpEnv {
  rc: Rounding;
  /** Significand precision in bits: 24, 53 or 64 (PC = 00, 10, 11; SDM Vol. 1 8.1.5.2). */
  pc: number;
  /** Exception masks (control word bits 0-5): a set bit masks the exception. */
  masks: number;
  flags: number;
  c1: number;
}

export const BIAS = 16383;
export const MAX_EXP = 0x7fff;
const J = 1n << 63n;
const MANT_MASK = (1n << 64n) - 1n;
const QUIET = 1n << 62n;

export function f80(sign: number, exp: number, mant: bigint): F80 {
  return { sign, exp, mant };
}
/** The QNaN floating-point indefinite (SDM Vol. 1 Table 4-3): sign 1, exponent all ones, 1.1000...0. */
export function indefinite(): F80 {
  return { sign: 1, exp: MAX_EXP, mant: 0xc000000000000000n };
}
export function zero(sign: number): F80 {
  return { sign, exp: 0, mant: 0n };
}
export function infinity(sign: number): F80 {
  return { sign, exp: MAX_EXP, mant: J };
}

/** Classes of an 80-bit encoding (SDM Vol. 1 Table 8-3 supported and 8.2.2 unsupported encodings). */
export const enum Kind {
  Zero,
  /** Exponent 0, J = 0, fraction non-zero. */
  Denormal,
  /** Exponent 0, J = 1: read as exponent 1 (SDM Vol. 1 8.2.2); raises #D like a denormal. */
  PseudoDenormal,
  Normal,
  Infinity,
  QNaN,
  SNaN,
  /** Unnormal, pseudo-NaN, pseudo-infinity: J = 0 with a non-zero exponent (invalid operands since the 387). */
  Unsupported,
}

export function classify(v: F80): Kind {
  const jBit = (v.mant & J) !== 0n;
  if (v.exp === 0) {
    if (v.mant === 0n) return Kind.Zero;
    return jBit ? Kind.PseudoDenormal : Kind.Denormal;
  }
  if (!jBit) return Kind.Unsupported;
  if (v.exp === MAX_EXP) {
    const frac = v.mant & ~J;
    if (frac === 0n) return Kind.Infinity;
    return (frac & QUIET) !== 0n ? Kind.QNaN : Kind.SNaN;
  }
  return Kind.Normal;
}

export function isNaN(k: Kind): boolean {
  return k === Kind.QNaN || k === Kind.SNaN;
}
export function isDenormal(k: Kind): boolean {
  return k === Kind.Denormal || k === Kind.PseudoDenormal;
}
/** Finite non-zero (normal, denormal or pseudo-denormal). */
export function isFiniteNonZero(k: Kind): boolean {
  return k === Kind.Normal || k === Kind.Denormal || k === Kind.PseudoDenormal;
}

export function quiet(v: F80): F80 {
  return { sign: v.sign, exp: v.exp, mant: v.mant | QUIET };
}

/**
 * An exact non-zero finite value sig * 2^e (sig > 0). A pseudo-denormal and
 * a denormal both have the exponent of the smallest normal (SDM 8.2.2).
 */
export interface Exact {
  sign: number;
  sig: bigint;
  e: number;
}
export function exact(v: F80): Exact {
  return { sign: v.sign, sig: v.mant, e: (v.exp === 0 ? 1 : v.exp) - BIAS - 63 };
}

export function bitLength(x: bigint): number {
  // x > 0. toString(2) is linear and adequate for the widths used here (at most a few thousand bits).
  return x.toString(2).length;
}

/** A floating-point format as a rounding target (SDM Vol. 1 Table 4-3). */
export interface Format {
  bias: number;
  /** Significand bits including the integer bit. */
  precision: number;
  /** Largest biased exponent of a finite value. */
  maxExp: number;
  /** Exponent bias adjustment of the unmasked #O/#U response to a register (SDM Vol. 1 4.9.1.4/4.9.1.5); 0 for memory. */
  adjust: number;
}
export const EXTENDED_REG = (precision: number): Format => ({ bias: BIAS, precision, maxExp: 0x7ffe, adjust: 0x6000 });
export const SINGLE: Format = { bias: 127, precision: 24, maxExp: 254, adjust: 0 };
export const DOUBLE: Format = { bias: 1023, precision: 53, maxExp: 2046, adjust: 0 };

/**
 * Whether x87 underflow detects tininess before rounding (SDM Vol. 1
 * 4.9.1.5 lets the implementation choose). Checked against the host by the
 * fixtures in test/cpu/x87-vs-host.test.ts: the x87 decides after rounding
 * with an unbounded exponent.
 */
const TININESS_BEFORE_ROUNDING = false;

/** A rounded result: biased exponent (0 = denormal or zero) and significand with `precision` bits (integer bit explicit). */
export interface Rounded {
  /** 'trap': an unmasked #O/#U to a memory format, nothing is stored (SDM Vol. 1 4.9.1.4). */
  kind: 'finite' | 'inf' | 'trap';
  sign: number;
  exp: number;
  /** Significand: value = sig * 2^(max(exp,1) - bias - precision + 1). */
  sig: bigint;
}

/**
 * Round sig * 2^e (+ a sticky bit below sig's last bit) into `fmt` by
 * env.rc, raising #P/#U/#O and setting C1 by SDM Vol. 1 4.9.1.4-4.9.1.6:
 * masked underflow only when the tiny result is also inexact, masked
 * overflow to infinity or the largest finite value by the rounding mode,
 * unmasked responses with the exponent adjusted by fmt.adjust (register) or
 * no result (memory).
 */
export function roundTo(env: FpEnv, fmt: Format, sign: number, sig: bigint, e: number, sticky: boolean): Rounded {
  const p = fmt.precision;
  if (sig === 0n) return { kind: 'finite', sign, exp: 0, sig: 0n };
  const n = bitLength(sig);
  let be = e + n - 1 + fmt.bias; // biased exponent of the leading bit, unbounded
  const tinyBefore = be < 1;
  const uMasked = (env.masks & UE) !== 0;
  const oMasked = (env.masks & OE) !== 0;
  // First round with an unbounded exponent (needed for tininess after rounding, overflow and the unmasked responses).
  const unbounded = roundAt(env.rc, sign, sig, e, be - fmt.bias - (p - 1), sticky);
  let ub = be;
  let uq = unbounded.q;
  if (uq >> BigInt(p) !== 0n) {
    uq >>= 1n;
    ub++;
  }
  if (ub > fmt.maxExp) {
    // Unmasked: a register gets the result scaled down by 2^adjust (when that fits), memory gets nothing (SDM Vol. 1 4.9.1.4).
    if (!oMasked && (fmt.adjust === 0 || ub - fmt.adjust <= fmt.maxExp)) {
      env.flags |= OE;
      if (fmt.adjust === 0) return { kind: 'trap', sign, exp: 0, sig: 0n };
      if (unbounded.inexact) env.flags |= PE;
      env.c1 = unbounded.up ? 1 : 0;
      return { kind: 'finite', sign, exp: ub - fmt.adjust, sig: uq };
    }
    env.flags |= OE | PE;
    if (!oMasked) {
      // Unmasked, and too large even scaled down (FSCALE): infinity whatever the rounding mode (as the host x87 does).
      env.c1 = 1;
      return { kind: 'inf', sign, exp: fmt.maxExp + 1, sig: 1n << BigInt(p - 1) };
    }
    const toInf = env.rc === Rounding.Nearest || (env.rc === Rounding.Up && sign === 0) || (env.rc === Rounding.Down && sign === 1);
    env.c1 = toInf ? 1 : 0;
    if (toInf) return { kind: 'inf', sign, exp: fmt.maxExp + 1, sig: 1n << BigInt(p - 1) };
    return { kind: 'finite', sign, exp: fmt.maxExp, sig: (1n << BigInt(p)) - 1n };
  }
  const tiny = TININESS_BEFORE_ROUNDING ? tinyBefore : ub < 1;
  // Unmasked: a register gets the result scaled up by 2^adjust when that is normal; memory gets nothing (SDM Vol. 1 4.9.1.5).
  if (tiny && !uMasked && (fmt.adjust === 0 || ub + fmt.adjust >= 1)) {
    env.flags |= UE;
    if (fmt.adjust === 0) return { kind: 'trap', sign, exp: 0, sig: 0n };
    if (unbounded.inexact) env.flags |= PE;
    env.c1 = unbounded.up ? 1 : 0;
    return { kind: 'finite', sign, exp: ub + fmt.adjust, sig: uq };
  }
  if (tiny && !uMasked) {
    // Unmasked, and too small even scaled up (FSCALE): a zero of the same sign, #U and #P (as the host x87 does).
    env.flags |= UE | PE;
    env.c1 = 0;
    return { kind: 'finite', sign, exp: 0, sig: 0n };
  }
  if (!tinyBefore) {
    if (unbounded.inexact) env.flags |= PE;
    env.c1 = unbounded.up ? 1 : 0;
    return { kind: 'finite', sign, exp: ub, sig: uq };
  }
  // Denormalized result: the last significand bit is the one of the smallest normal's exponent.
  const r = roundAt(env.rc, sign, sig, e, 1 - fmt.bias - (p - 1), sticky);
  if (r.inexact) env.flags |= PE;
  if (tiny && (r.inexact || !uMasked)) env.flags |= UE;
  env.c1 = r.up ? 1 : 0;
  be = r.q >> BigInt(p - 1) !== 0n ? 1 : 0;
  return { kind: 'finite', sign, exp: be, sig: r.q };
}

/** Round sig * 2^e to a multiple of 2^lsb. */
function roundAt(rc: Rounding, sign: number, sig: bigint, e: number, lsb: number, sticky: boolean): { q: bigint; inexact: boolean; up: boolean } {
  const shift = lsb - e;
  if (shift <= 0) return { q: sig << BigInt(-shift), inexact: sticky, up: false };
  const s = BigInt(shift);
  const q = sig >> s;
  const rem = sig & ((1n << s) - 1n);
  const inexact = rem !== 0n || sticky;
  if (!inexact) return { q, inexact, up: false };
  let up: boolean;
  switch (rc) {
    case Rounding.Nearest: {
      const half = 1n << (s - 1n);
      up = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
      break;
    }
    case Rounding.Down: up = sign === 1; break;
    case Rounding.Up: up = sign === 0; break;
    default: up = false;
  }
  return { q: up ? q + 1n : q, inexact, up };
}

/** Round an exact value to the register format at the precision control (or a given precision) and pack it. */
export function roundToRegister(env: FpEnv, sign: number, sig: bigint, e: number, sticky = false, precision = env.pc): F80 {
  const r = roundTo(env, EXTENDED_REG(precision), sign, sig, e, sticky);
  if (r.kind === 'inf') return infinity(sign);
  if (r.sig === 0n) return zero(sign);
  // Register significands are 64 bits; at lower precision the low bits are zero.
  return { sign, exp: r.exp, mant: (r.sig << BigInt(64 - precision)) & MANT_MASK };
}

export function packExact(env: FpEnv, x: Exact, sticky = false): F80 {
  return roundToRegister(env, x.sign, x.sig, x.e, sticky);
}

// ---------------------------------------------------------------------------
// Memory formats (SDM Vol. 1 4.2.2 Table 4-3)
// ---------------------------------------------------------------------------

/** A single/double memory operand widened to extended exactly: SNaNs stay signalling, a denormal source is reported. */
export interface Widened {
  v: F80;
  denormal: boolean;
}
export function widenBinary(bits: bigint, fmt: Format, fracBits: number): Widened {
  const expBits = fmt === SINGLE ? 8 : 11;
  const sign = Number((bits >> BigInt(fracBits + expBits)) & 1n);
  const exp = Number((bits >> BigInt(fracBits)) & BigInt((1 << expBits) - 1));
  const frac = bits & ((1n << BigInt(fracBits)) - 1n);
  const maxE = (1 << expBits) - 1;
  if (exp === maxE) {
    if (frac === 0n) return { v: infinity(sign), denormal: false };
    return { v: { sign, exp: MAX_EXP, mant: J | (frac << BigInt(63 - fracBits)) }, denormal: false };
  }
  if (exp === 0) {
    if (frac === 0n) return { v: zero(sign), denormal: false };
    // value = frac * 2^(1 - bias - fracBits): normalised into the extended range (always representable).
    const n = bitLength(frac);
    const lead = 1 - fmt.bias - fracBits + n - 1;
    return { v: { sign, exp: lead + BIAS, mant: frac << BigInt(64 - n) }, denormal: true };
  }
  return { v: { sign, exp: exp - fmt.bias + BIAS, mant: J | (frac << BigInt(63 - fracBits)) }, denormal: false };
}

/** FLD m32fp/m64fp: widen, #I for an SNaN (quieted), #D for a denormal (SDM Vol. 2 FLD). */
export function fromBinary(env: FpEnv, bits: bigint, fmt: Format, fracBits: number): F80 {
  const w = widenBinary(bits, fmt, fracBits);
  if (classify(w.v) === Kind.SNaN) {
    env.flags |= IE;
    return quiet(w.v);
  }
  if (w.denormal) env.flags |= DE;
  return w.v;
}

/**
 * Narrow a register value to a single/double bit pattern (FST/FSTP m32fp/m64fp):
 * rounded by RC (precision control does not apply), NaNs quieted and
 * truncated (#I for an SNaN), unsupported encodings #I. Returns undefined
 * when nothing may be stored (an unmasked #I/#D/#O/#U, SDM Vol. 1 4.9.1.4).
 */
export function toBinary(env: FpEnv, v: F80, fmt: Format, fracBits: number): bigint | undefined {
  const expBits = fmt === SINGLE ? 8 : 11;
  const maxE = BigInt((1 << expBits) - 1);
  const signBit = BigInt(v.sign) << BigInt(fracBits + expBits);
  const k = classify(v);
  const qnan = (mant: bigint): bigint => signBit | (maxE << BigInt(fracBits)) | ((mant >> BigInt(63 - fracBits)) & ((1n << BigInt(fracBits)) - 1n));
  switch (k) {
    case Kind.Zero: return signBit;
    case Kind.Infinity: return signBit | (maxE << BigInt(fracBits));
    case Kind.QNaN: return qnan(v.mant);
    case Kind.SNaN:
      env.flags |= IE;
      if ((env.masks & IE) === 0) return undefined;
      return qnan(v.mant | QUIET);
    case Kind.Unsupported: {
      env.flags |= IE;
      if ((env.masks & IE) === 0) return undefined;
      return toBinary(env, indefinite(), fmt, fracBits);
    }
    default: break;
  }
  // No #D here: the register format holds a denormal exactly (the host x87 agrees, see x87-vs-host.test.ts).
  const x = exact(v);
  const r = roundTo(env, fmt, x.sign, x.sig, x.e, false);
  if (r.kind === 'trap') return undefined;
  if (r.kind === 'inf') return signBit | (maxE << BigInt(fracBits));
  const fracMask = (1n << BigInt(fracBits)) - 1n;
  return signBit | (BigInt(r.exp) << BigInt(fracBits)) | (r.sig & fracMask);
}

/** Register value from its 80-bit memory image (FLD m80fp: no conversion, no exception). */
export function fromBits80(lo: bigint, signExp: number): F80 {
  return { sign: (signExp >> 15) & 1, exp: signExp & 0x7fff, mant: lo & MANT_MASK };
}

/** Exact value of a signed integer as a register value (FILD). */
export function fromInteger(n: bigint): F80 {
  if (n === 0n) return zero(0);
  const sign = n < 0n ? 1 : 0;
  const m = n < 0n ? -n : n;
  const len = bitLength(m);
  return { sign, exp: BIAS + len - 1, mant: m << BigInt(64 - len) };
}

/**
 * Round a register value to an integer by RC (FIST/FISTP/FBSTP/FRNDINT):
 * exact BigInt, with #P and C1 = round-up. NaN/inf/unsupported are the
 * caller's business.
 */
export function roundToInteger(env: FpEnv, v: F80, rc: Rounding = env.rc): bigint {
  if (v.mant === 0n) return 0n;
  const x = exact(v);
  if (x.e >= 0) return (v.sign ? -1n : 1n) * (x.sig << BigInt(x.e));
  const s = BigInt(-x.e);
  let q = x.sig >> s;
  const rem = x.sig & ((1n << s) - 1n);
  if (rem !== 0n) {
    env.flags |= PE;
    let up = false;
    if (rc === Rounding.Nearest) {
      const half = 1n << (s - 1n);
      up = rem > half || (rem === half && (q & 1n) === 1n);
    } else if (rc === Rounding.Down) up = v.sign === 1;
    else if (rc === Rounding.Up) up = v.sign === 0;
    if (up) q += 1n;
    env.c1 = up ? 1 : 0;
  }
  return v.sign ? -q : q;
}

export function mantissaHex(v: F80): string {
  return v.mant.toString(16).padStart(16, '0');
}
