/**
 * x87 arithmetic on register values (SDM Vol. 1 4.8.3, 8.3, Vol. 2 FADD ...
 * FSCALE): special operands first (SDM Vol. 1 4.9.2 priority: invalid
 * operation, QNaN operand, denormal operand, zero divide), then the exact
 * result on BigInt significands rounded once by float80.roundTo.
 *
 * A function returns undefined when an unmasked invalid-operation,
 * denormal-operand or zero-divide exception means no result is delivered
 * (SDM Vol. 1 4.9.1.1-4.9.1.3: "the destination operand is not changed").
 */
import {
  BIAS, DE, IE, ZE, Kind, Rounding, bitLength, classify, exact, indefinite, infinity, isDenormal, isFiniteNonZero, isNaN, quiet,
  roundToRegister, zero, type F80, type FpEnv,
} from './float80';

/** NaN result of a two-operand instruction (SDM Vol. 1 Table 4-7, x87 column). */
export function propagateNaN(env: FpEnv, a: F80, b: F80): F80 {
  const ka = classify(a);
  const kb = classify(b);
  if (ka === Kind.SNaN || kb === Kind.SNaN) env.flags |= IE;
  const aNaN = isNaN(ka);
  const bNaN = isNaN(kb);
  if (aNaN && bNaN) {
    // Both NaN: the QNaN when only one was quiet, else the larger significand (as quiet NaNs).
    if (ka === Kind.QNaN && kb === Kind.SNaN) return quiet(a);
    if (kb === Kind.QNaN && ka === Kind.SNaN) return quiet(b);
    const qa = quiet(a);
    const qb = quiet(b);
    if (qa.mant !== qb.mant) return qa.mant > qb.mant ? qa : qb;
    return qa.sign <= qb.sign ? qa : qb;
  }
  return quiet(aNaN ? a : b);
}

/** Two operands, unsupported encodings and NaNs only (#D is the caller's: the transcendentals check it after their own #I/#Z cases, as the host does). */
function screenUnsupportedOrNaN2(env: FpEnv, a: F80, b: F80): F80 | null | undefined {
  const ka = classify(a);
  const kb = classify(b);
  if (ka === Kind.Unsupported || kb === Kind.Unsupported) return invalid(env);
  if (isNaN(ka) || isNaN(kb)) {
    const r = propagateNaN(env, a, b);
    return env.flags & ~env.masks & IE ? undefined : r;
  }
  return null;
}

/**
 * Screen two operands: unsupported encodings and SNaNs are #I (indefinite or
 * quieted NaN), a QNaN propagates, then #D for a denormal operand. Returns a
 * result when the operation is decided by the operands, null to compute,
 * undefined when an unmasked exception stops the instruction.
 */
function screen2(env: FpEnv, a: F80, b: F80, bDenormal: boolean): F80 | null | undefined {
  const decided = screenUnsupportedOrNaN2(env, a, b);
  if (decided !== null) return decided;
  if (isDenormal(classify(a)) || isDenormal(classify(b)) || bDenormal) {
    env.flags |= DE;
    if ((env.masks & DE) === 0) return undefined;
  }
  return null;
}
/** Screen one operand: #I for SNaN/unsupported, QNaN through, #D. null = compute (shared with transcendental.ts). */
function screen1(env: FpEnv, a: F80): F80 | null | undefined {
  const k = classify(a);
  if (k === Kind.Unsupported) return invalid(env);
  if (k === Kind.SNaN) {
    env.flags |= IE;
    return env.masks & IE ? quiet(a) : undefined;
  }
  if (k === Kind.QNaN) return a;
  if (isDenormal(k)) {
    env.flags |= DE;
    if ((env.masks & DE) === 0) return undefined;
  }
  return null;
}

/** Invalid operation: #I, masked response the QNaN indefinite. */
export function invalid(env: FpEnv): F80 | undefined {
  env.flags |= IE;
  return env.masks & IE ? indefinite() : undefined;
}

function isZero(v: F80): boolean {
  return v.mant === 0n && v.exp === 0;
}
function isInf(v: F80): boolean {
  return classify(v) === Kind.Infinity;
}

/** Exact sum rounded (b negated for subtraction): SDM Vol. 2 FADD/FSUB tables. */
export function add(env: FpEnv, a: F80, b: F80, subtract: boolean, bDenormal = false): F80 | undefined {
  const s = screen2(env, a, b, bDenormal);
  if (s !== null) return s;
  const bSign = b.sign ^ (subtract ? 1 : 0);
  const aInf = isInf(a);
  const bInf = isInf(b);
  if (aInf || bInf) {
    if (aInf && bInf && a.sign !== bSign) return invalid(env);
    return infinity(aInf ? a.sign : bSign);
  }
  const aZero = isZero(a);
  const bZero = isZero(b);
  // Exact zero sums: +0 unless both are -0, or -0 when rounding down (SDM Vol. 1 4.8.3.8... Table 4-4).
  if (aZero && bZero) return zero(a.sign === bSign ? a.sign : env.rc === Rounding.Down ? 1 : 0);
  if (aZero) return roundExact(env, bSign, b);
  if (bZero) return roundExact(env, a.sign, a);
  const x = exact(a);
  const y = exact(b);
  const e = Math.min(x.e, y.e);
  const sx = (x.sig << BigInt(x.e - e)) * (a.sign ? -1n : 1n);
  const sy = (y.sig << BigInt(y.e - e)) * (bSign ? -1n : 1n);
  const sum = sx + sy;
  if (sum === 0n) return zero(env.rc === Rounding.Down ? 1 : 0);
  return roundToRegister(env, sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e);
}

/** A single operand rounded to the precision control (x + 0 still rounds at PC). */
function roundExact(env: FpEnv, sign: number, v: F80): F80 {
  const x = exact(v);
  return roundToRegister(env, sign, x.sig, x.e);
}

export function mul(env: FpEnv, a: F80, b: F80, bDenormal = false): F80 | undefined {
  const s = screen2(env, a, b, bDenormal);
  if (s !== null) return s;
  const sign = a.sign ^ b.sign;
  const aInf = isInf(a);
  const bInf = isInf(b);
  if (aInf || bInf) {
    if (isZero(a) || isZero(b)) return invalid(env);
    return infinity(sign);
  }
  if (isZero(a) || isZero(b)) return zero(sign);
  const x = exact(a);
  const y = exact(b);
  return roundToRegister(env, sign, x.sig * y.sig, x.e + y.e);
}

/** a / b. A zero divisor is decided before the denormal-operand check (no #D with #Z, as the host x87 does). */
export function div(env: FpEnv, a: F80, b: F80, bDenormal = false, aDenormal = false): F80 | undefined {
  const kb = classify(b);
  if (kb === Kind.Zero && isFiniteNonZero(classify(a))) {
    env.flags |= ZE;
    return env.masks & ZE ? infinity(a.sign ^ b.sign) : undefined;
  }
  const s = screen2(env, a, b, bDenormal || aDenormal);
  if (s !== null) return s;
  const sign = a.sign ^ b.sign;
  const aInf = isInf(a);
  const bInf = isInf(b);
  if (aInf && bInf) return invalid(env);
  if (aInf) return infinity(sign);
  if (bInf) return zero(sign);
  if (isZero(b)) {
    if (isZero(a)) return invalid(env);
    env.flags |= ZE;
    return env.masks & ZE ? infinity(sign) : undefined;
  }
  if (isZero(a)) return zero(sign);
  const x = exact(a);
  const y = exact(b);
  const k = 130;
  const num = x.sig << BigInt(k);
  const q = num / y.sig;
  const r = num - q * y.sig;
  return roundToRegister(env, sign, q, x.e - y.e - k, r !== 0n);
}

/** The canonical encoding of a value: a pseudo-denormal becomes the normal with exponent 1 (SDM Vol. 1 8.2.2). */
export function normalise(v: F80): F80 {
  return classify(v) === Kind.PseudoDenormal ? { sign: v.sign, exp: 1, mant: v.mant } : v;
}

/** Integer square root (floor). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(env: FpEnv, a: F80): F80 | undefined {
  // A negative operand is #I before #D (as the host x87 does).
  if (a.sign && isFiniteNonZero(classify(a))) return invalid(env);
  const s = screen1(env, a);
  if (s !== null) return s;
  if (isZero(a)) return a; // sqrt(-0) = -0
  if (a.sign) return invalid(env);
  if (isInf(a)) return a;
  const x = exact(a);
  let sig = x.sig;
  let e = x.e;
  if (e & 1) {
    sig <<= 1n;
    e -= 1;
  }
  const k = 140n;
  const n = sig << k;
  const r = isqrt(n);
  return roundToRegister(env, 0, r, (e - Number(k)) / 2, r * r !== n);
}

/** Sign operations never raise exceptions (SDM Vol. 2 FCHS/FABS: #IS only). */
export function chs(a: F80): F80 {
  return { sign: a.sign ^ 1, exp: a.exp, mant: a.mant };
}
export function abs(a: F80): F80 {
  return { sign: 0, exp: a.exp, mant: a.mant };
}

/** FRNDINT: round to an integer by RC (precision control does not apply). */
export function rndint(env: FpEnv, a: F80): F80 | undefined {
  const s = screen1(env, a);
  if (s !== null) return s;
  if (isZero(a) || isInf(a)) return a;
  const x = exact(a);
  if (x.e >= 0) return a;
  const s2 = BigInt(-x.e);
  let q = x.sig >> s2;
  const rem = x.sig & ((1n << s2) - 1n);
  env.c1 = 0;
  if (rem !== 0n) {
    env.flags |= 0x20;
    let up = false;
    if (env.rc === Rounding.Nearest) {
      const half = 1n << (s2 - 1n);
      up = rem > half || (rem === half && (q & 1n) === 1n);
    } else if (env.rc === Rounding.Down) up = a.sign === 1;
    else if (env.rc === Rounding.Up) up = a.sign === 0;
    if (up) q += 1n;
    env.c1 = up ? 1 : 0;
  }
  if (q === 0n) return zero(a.sign);
  return roundToRegister({ ...env, flags: 0 }, a.sign, q, 0, false, 64);
}

/**
 * FSCALE: ST0 * 2^trunc(ST1) (SDM Vol. 2 FSCALE, Table 3-47): the scale is
 * ST1 truncated toward zero; the product rounds like any result.
 */
export function scale(env: FpEnv, a: F80, b: F80): F80 | undefined {
  const s = screen2(env, a, b, false);
  if (s !== null) return s;
  const aInf = isInf(a);
  const bInf = isInf(b);
  if (bInf) {
    if (b.sign) {
      if (aInf) return invalid(env);
      return zero(a.sign);
    }
    if (isZero(a)) return invalid(env);
    return infinity(a.sign);
  }
  if (aInf || isZero(a)) return a;
  const n = truncateToInteger(b);
  // Beyond +-2^17 every finite ST0 over- or underflows: clamp keeps the shift small with the same rounding.
  const clamped = n > 70000n ? 70000 : n < -70000n ? -70000 : Number(n);
  const x = exact(a);
  return roundToRegister(env, a.sign, x.sig, x.e + clamped, false, 64);
}

export function truncateToInteger(v: F80): bigint {
  if (v.mant === 0n) return 0n;
  const x = exact(v);
  const m = x.e >= 0 ? x.sig << BigInt(Math.min(x.e, 20000)) : x.sig >> BigInt(-x.e);
  return v.sign ? -m : m;
}

/**
 * FXTRACT: ST0 -> exponent (as a value) in ST1's place and significand with
 * exponent 0 on top (SDM Vol. 2 FXTRACT). Zero gives -inf and #Z.
 * Returns [exponent, significand] or undefined.
 */
export function xtract(env: FpEnv, a: F80): [F80, F80] | undefined {
  const k = classify(a);
  if (k === Kind.Unsupported) {
    const r = invalid(env);
    return r === undefined ? undefined : [r, r];
  }
  if (isNaN(k)) {
    const r = screen1(env, a);
    return r === undefined || r === null ? undefined : [r, r];
  }
  if (k === Kind.Infinity) return [infinity(0), a];
  if (k === Kind.Zero) {
    env.flags |= ZE;
    if ((env.masks & ZE) === 0) return undefined;
    return [infinity(1), a];
  }
  if (isDenormal(k)) {
    env.flags |= DE;
    if ((env.masks & DE) === 0) return undefined;
  }
  const x = exact(a);
  const n = bitLength(x.sig);
  const e = x.e + n - 1;
  const sig: F80 = { sign: a.sign, exp: BIAS, mant: x.sig << BigInt(64 - n) };
  const ex = e === 0 ? zero(0) : roundToRegister({ ...env, flags: 0, pc: 64 }, e < 0 ? 1 : 0, BigInt(Math.abs(e)), 0);
  return [ex, sig];
}

/**
 * FPREM (truncating) and FPREM1 (IEEE, nearest) partial remainder of ST0 by
 * ST1 (SDM Vol. 2 FPREM/FPREM1): when the exponent difference is below 64
 * the remainder is complete (C2 = 0, C0/C3/C1 = quotient bits 2/1/0),
 * otherwise one partial step reduces the exponent difference (C2 = 1).
 * Remainders are exact: no #P, no rounding.
 */
export function prem(env: FpEnv, a: F80, b: F80, ieee: boolean): { r: F80; c: number } | undefined {
  const ka = classify(a);
  const kb = classify(b);
  // Invalid operands are decided before #D: an infinite dividend or a zero divisor is #I alone (as the host x87 does).
  if (ka !== Kind.Unsupported && kb !== Kind.Unsupported && !isNaN(ka) && !isNaN(kb) && (isInf(a) || isZero(b))) {
    const r = invalid(env);
    return r === undefined ? undefined : { r, c: 0 };
  }
  const s = screen2(env, a, b, false);
  if (s === undefined) return undefined;
  if (s !== null) return { r: s, c: 0 };
  if (isInf(b) || isZero(a)) return { r: normalise(a), c: 0 };
  const x = exact(a);
  const y = exact(b);
  const ea = x.e + bitLength(x.sig) - 1;
  const eb = y.e + bitLength(y.sig) - 1;
  const d = ea - eb;
  if (d < 64) {
    // Complete remainder: a = q*b + r exactly, q an integer.
    const e = Math.min(x.e, y.e);
    const sa = x.sig << BigInt(x.e - e);
    const sb = y.sig << BigInt(y.e - e);
    let q = sa / sb;
    let r = sa - q * sb;
    if (ieee) {
      const twice = r << 1n;
      if (twice > sb || (twice === sb && (q & 1n) === 1n)) {
        q += 1n;
        r -= sb;
      }
    }
    const c = ((q & 4n) !== 0n ? C0 : 0) | ((q & 2n) !== 0n ? C3 : 0) | ((q & 1n) !== 0n ? C1 : 0);
    let sign = a.sign;
    if (r < 0n) {
      r = -r;
      sign ^= 1;
    }
    if (r === 0n) return { r: zero(a.sign), c };
    // Exact; a tiny remainder is #U only when unmasked (then scaled by 2^24576 like any result).
    return { r: roundToRegister(env, sign, r, e, false, 64), c };
  }
  // Partial step (SDM FPREM: "N is an implementation-dependent number between 32 and 63").
  const n = 32 + (d % 32);
  const shift = d - n;
  const e = Math.min(x.e, y.e + shift);
  const sa = x.sig << BigInt(x.e - e);
  const sb = y.sig << BigInt(y.e + shift - e);
  const q = sa / sb;
  const r = sa - q * sb;
  if (r === 0n) return { r: zero(a.sign), c: C2 };
  return { r: roundToRegister(env, a.sign, r, e, false, 64), c: C2 };
}

/** Condition-code bits in the status word. */
export const C0 = 0x100;
export const C1 = 0x200;
export const C2 = 0x400;
export const C3 = 0x4000;

/** Compare result: the C3/C2/C0 pattern (SDM Vol. 2 FCOM Table 3-21). */
export const enum Order {
  Greater = 0,
  Less = C0,
  Equal = C3,
  Unordered = C3 | C2 | C0,
}

/**
 * Compare a with b (FCOM/FUCOM/FCOMI/FUCOMI/FICOM/FTST). `quietNaNsOk` is the
 * unordered compare: only SNaNs (and unsupported) are #I; FCOM raises #I for
 * any NaN.
 */
export function compare(env: FpEnv, a: F80, b: F80, quietNaNsOk: boolean, bDenormal = false): Order {
  // The compare completes even when #I or #D is unmasked: the condition codes are written (as the host x87 does).
  const ka = classify(a);
  const kb = classify(b);
  if (ka === Kind.Unsupported || kb === Kind.Unsupported || ka === Kind.SNaN || kb === Kind.SNaN || (!quietNaNsOk && (isNaN(ka) || isNaN(kb)))) {
    env.flags |= IE;
    return Order.Unordered;
  }
  if (isNaN(ka) || isNaN(kb)) return Order.Unordered;
  if (isDenormal(ka) || isDenormal(kb) || bDenormal) env.flags |= DE;
  const c = compareValues(a, b);
  return c === 0 ? Order.Equal : c < 0 ? Order.Less : Order.Greater;
}

/** Ordered comparison of two non-NaN values: -1, 0, 1 (+0 = -0). */
export function compareValues(a: F80, b: F80): number {
  const za = isZero(a);
  const zb = isZero(b);
  if (za && zb) return 0;
  const sa = za ? 0 : a.sign ? -1 : 1;
  const sb = zb ? 0 : b.sign ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  const mag = compareMagnitude(a, b);
  return sa < 0 ? -mag : mag;
}
function compareMagnitude(a: F80, b: F80): number {
  const ia = isInf(a);
  const ib = isInf(b);
  if (ia || ib) return ia && ib ? 0 : ia ? 1 : -1;
  if (isZero(a) || isZero(b)) return isZero(a) ? (isZero(b) ? 0 : -1) : 1;
  const x = exact(a);
  const y = exact(b);
  const e = Math.min(x.e, y.e);
  const ma = x.sig << BigInt(x.e - e);
  const mb = y.sig << BigInt(y.e - e);
  return ma === mb ? 0 : ma < mb ? -1 : 1;
}

/**
 * FXAM class in C3/C2/C0 (SDM Vol. 2 FXAM Table 3-41); C1 is the sign.
 * Pseudo-denormals examine as denormals, unnormals and pseudo-NaN/infinity
 * as unsupported.
 */
export function examine(v: F80, empty: boolean): number {
  if (empty) return C3 | C0;
  switch (classify(v)) {
    case Kind.Unsupported: return 0;
    case Kind.QNaN: case Kind.SNaN: return C0;
    case Kind.Normal: return C2;
    case Kind.Infinity: return C2 | C0;
    case Kind.Zero: return C3;
    default: return C3 | C2;
  }
}

export { isFiniteNonZero, screen1, screenUnsupportedOrNaN2 };
