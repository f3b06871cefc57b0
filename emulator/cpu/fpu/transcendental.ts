/**
 * x87 transcendental instructions (SDM Vol. 2 F2XM1, FYL2X, FYL2XP1, FPTAN,
 * FPATAN, FSIN, FCOS, FSINCOS; Vol. 1 8.3.10): special operands by the
 * instruction pages' tables (and, where the SDM leaves a case undefined or
 * the order of #I/#Z/#D open, as the host x87 does: see
 * test/cpu/x87-vs-host.test.ts), finite results from fixed-point BigInt
 * series with FRAC fraction bits (more than 190 significant bits for every
 * result that reaches them) rounded once to 64 bits by RC, so a result is
 * correctly rounded unless it lies within about 2^-120 of a rounding
 * boundary. Precision control does not apply (SDM Vol. 1 8.1.5.2).
 * Trigonometric arguments are reduced with the x87's 66-bit pi.
 */
import {
  BIAS, DE, IE, PE, UE, ZE, Kind, bitLength, classify, exact, indefinite, infinity, isDenormal, isNaN, quiet, roundToRegister, zero, type F80, type FpEnv,
} from './float80';
import { invalid, propagateNaN, compareValues, screen1 as screen, screenUnsupportedOrNaN2 as screen2 } from './arith';
import { FRAC, LN2, PI } from './constants';

const ONE = 1n << BigInt(FRAC);
/** Below 2^-TINY the first series term decides the result (the rest is below its last bit). */
const TINY = 100;

/** Two results: [the new ST0 replaced in place, the value pushed]. */
export type TwoResults = [F80, F80];

/** #D for a denormal operand; true when unmasked (no result). */
function denormal(env: FpEnv, ...v: F80[]): boolean {
  if (!v.some((x) => isDenormal(classify(x)))) return false;
  env.flags |= DE;
  return (env.masks & DE) === 0;
}

const isZero = (v: F80): boolean => v.exp === 0 && v.mant === 0n;
const isInf = (v: F80): boolean => classify(v) === Kind.Infinity;
/** Unbiased exponent of the leading bit of a finite non-zero value. */
function magnitude(v: F80): number {
  const x = exact(v);
  return x.e + bitLength(x.sig) - 1;
}
/** |v| * 2^FRAC, truncated (exact for the arguments this file passes). */
function toFixed(v: F80): bigint {
  const x = exact(v);
  const s = x.e + FRAC;
  return s >= 0 ? x.sig << BigInt(s) : x.sig >> BigInt(-s);
}
/** Round a positive fixed-point value (inexact unless `exactValue`) to the 64-bit register. */
function fromFixed(env: FpEnv, sign: number, r: bigint, exactValue = false): F80 {
  if (r === 0n) return zero(sign);
  return roundToRegister(env, sign, r, -FRAC, !exactValue, 64);
}
/** Round v*(1 + tiny) (towards larger magnitude when up, smaller when down) for first-order results. */
function nudge(env: FpEnv, sign: number, sig: bigint, e: number, up: boolean): F80 {
  const wide = sig << 130n;
  return roundToRegister(env, sign, up ? wide : wide - 1n, e - 130, true, 64);
}

/** Fixed-point product truncated toward zero (an arithmetic shift would leave a negative series term at -1 for ever). */
function mulFixed(a: bigint, b: bigint): bigint {
  return (a * b) / ONE;
}
/** e^y - 1 for |y| <= 1 (fixed point, signed). */
function expm1Fixed(y: bigint): bigint {
  let sum = 0n;
  let term = y;
  for (let k = 2n; term !== 0n; k++) {
    sum += term;
    term = mulFixed(term, y) / k;
  }
  return sum;
}
/** atanh(t) for |t| < 1 (fixed point). */
function atanhFixed(t: bigint): bigint {
  const t2 = mulFixed(t, t);
  let sum = 0n;
  let p = t;
  for (let k = 1n; p !== 0n; k += 2n) {
    sum += p / k;
    p = mulFixed(p, t2);
  }
  return sum;
}
/** atan(t) for 0 <= t <= 1 (fixed point): halve the argument twice, then the series. */
function atanFixed(t: bigint): bigint {
  let z = t;
  for (let i = 0; i < 3; i++) z = (z << BigInt(FRAC)) / (ONE + sqrtFixed(ONE + mulFixed(z, z)));
  const z2 = mulFixed(z, z);
  let sum = 0n;
  let p = z;
  for (let k = 1n, s = 1n; p !== 0n; k += 2n, s = -s) {
    sum += (s * p) / k;
    p = mulFixed(p, z2);
  }
  return sum << 3n;
}
function sqrtFixed(v: bigint): bigint {
  const n = v << BigInt(FRAC);
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
/** sin and cos of |r| <= pi/4 (fixed point, signed r). */
function sinCosFixed(r: bigint): [bigint, bigint] {
  const r2 = mulFixed(r, r);
  let s = 0n;
  let term = r;
  for (let k = 1n; term !== 0n; k += 2n) {
    s += term;
    term = -mulFixed(term, r2) / ((k + 1n) * (k + 2n));
  }
  let c = 0n;
  term = ONE;
  for (let k = 0n; term !== 0n; k += 2n) {
    c += term;
    term = -mulFixed(term, r2) / ((k + 1n) * (k + 2n));
  }
  return [s, c];
}
/** ln(m) for a fixed-point m > 0 given as sig * 2^e: k*ln2 + 2 atanh((f-1)/(f+1)), f in [1, 2). */
function lnExact(sig: bigint, e: number): bigint {
  const n = bitLength(sig);
  const k = e + n - 1;
  const f = n - 1 > FRAC ? sig >> BigInt(n - 1 - FRAC) : sig << BigInt(FRAC - (n - 1)); // f in [1,2) fixed
  const t = ((f - ONE) << BigInt(FRAC)) / (f + ONE);
  return BigInt(k) * LN2 + 2n * atanhFixed(t);
}

// ---------------------------------------------------------------------------

/** F2XM1: 2^x - 1 for -1 <= x <= +1 (SDM Vol. 2 F2XM1; outside that range the result is undefined, computed the same way). */
export function f2xm1(env: FpEnv, a: F80): F80 | undefined {
  const s = screen(env, a);
  if (s !== null) return s;
  if (isZero(a)) return a;
  if (isInf(a)) return a.sign ? { sign: 1, exp: BIAS, mant: 1n << 63n } : a; // 2^-inf - 1 = -1 exactly
  const m = magnitude(a);
  // Outside -1..+1 the result is undefined (SDM); the host x87 leaves ST0 unchanged and reports #P: so do we.
  if (m >= 0 && !(a.exp === BIAS && a.mant === 1n << 63n)) {
    env.flags |= 0x20;
    return a;
  }
  if (m < -TINY) {
    // 2^x - 1 = x ln2 (1 + x ln2 / 2 + ...): the correction has the sign of x.
    const x = exact(a);
    const p = x.sig * LN2;
    return nudge(env, a.sign, p, x.e - FRAC, a.sign === 0);
  }
  if (a.exp === BIAS) return a.sign ? { sign: 1, exp: BIAS - 1, mant: 1n << 63n } : a; // 2^1-1 = 1, 2^-1-1 = -0.5
  const v = expm1Fixed(mulFixed(toFixed(a), LN2) * (a.sign ? -1n : 1n)); // |x ln 2| < 1
  return fromFixed(env, v < 0n ? 1 : 0, v < 0n ? -v : v);
}

/** FYL2X: ST1 * log2(ST0) (SDM Vol. 2 FYL2X Table 3-52). */
export function fyl2x(env: FpEnv, x: F80, y: F80): F80 | undefined {
  const s = screen2(env, x, y);
  if (s !== null) return s;
  const xz = isZero(x);
  const yz = isZero(y);
  const xi = isInf(x);
  const yi = isInf(y);
  if (x.sign && !xz) return invalid(env);
  if (xz) {
    if (yz) return invalid(env);
    if (yi) return infinity(y.sign ^ 1); // log2(0) * inf: no division by zero (as the host x87 does)
    env.flags |= ZE;
    if ((env.masks & ZE) === 0) return undefined;
    return infinity(y.sign ^ 1);
  }
  if (yi && !xi && compareValues(x, { sign: 0, exp: BIAS, mant: 1n << 63n }) !== 0 && denormal(env, x)) return undefined;
  if (xi) {
    if (yz) return invalid(env);
    if (denormal(env, y)) return undefined;
    return infinity(y.sign);
  }
  const cmp1 = compareValues(x, { sign: 0, exp: BIAS, mant: 1n << 63n });
  if (yi) {
    if (cmp1 === 0) return invalid(env);
    return infinity(y.sign ^ (cmp1 < 0 ? 1 : 0));
  }
  if (denormal(env, x, y)) return undefined;
  if (cmp1 === 0 || yz) return zero(y.sign ^ (cmp1 < 0 ? 1 : 0));
  const xe = exact(x);
  const xn = bitLength(xe.sig);
  // Exact when x is a power of two: log2 x is an integer k.
  if (xe.sig === 1n << BigInt(xn - 1)) {
    const k = xe.e + xn - 1;
    const ye = exact(y);
    const kk = BigInt(Math.abs(k));
    return roundToRegister(env, y.sign ^ (k < 0 ? 1 : 0), ye.sig * kk, ye.e, false, 64);
  }
  const l = lnExact(xe.sig, xe.e); // ln x, fixed point, signed
  const log2 = (l << BigInt(FRAC)) / LN2;
  const ye = exact(y);
  const neg = log2 < 0n;
  return roundToRegister(env, y.sign ^ (neg ? 1 : 0), ye.sig * (neg ? -log2 : log2), ye.e - FRAC, true, 64);
}

/** FYL2XP1: ST1 * log2(ST0 + 1) for |ST0| < 1 - sqrt(2)/2 (SDM Vol. 2 FYL2XP1 Table 3-53). */
export function fyl2xp1(env: FpEnv, x: F80, y: F80): F80 | undefined {
  const s = screen2(env, x, y);
  if (s !== null) return s;
  const xz = isZero(x);
  const yz = isZero(y);
  if (isInf(x)) {
    // log2(1 + inf) = inf (as the host x87 does); 1 - inf is invalid, and so is inf * 0.
    if (x.sign || yz) return invalid(env);
    if (denormal(env, y)) return undefined;
    return infinity(y.sign);
  }
  if (denormal(env, x, y)) return undefined;
  if (isInf(y)) {
    if (xz) return invalid(env);
    return infinity(y.sign ^ x.sign);
  }
  if (xz || yz) return zero(x.sign ^ y.sign);
  const xe = exact(x);
  const ye = exact(y);
  const m = magnitude(x);
  if (m < -TINY) {
    // log2(1+x) = x/ln2 (1 - x/2 + ...): the correction lowers the magnitude for x > 0.
    const q = (xe.sig << BigInt(2 * FRAC)) / LN2;
    return nudge(env, x.sign ^ y.sign, q * ye.sig, xe.e + ye.e - FRAC, x.sign === 1);
  }
  // Outside |x| < 1 - sqrt(2)/2 the result is undefined (SDM); it is computed as y * log2(1 + x) from the exact sum.
  const e = Math.min(xe.e, 0);
  const sum = (1n << BigInt(-e)) + (x.sign ? -xe.sig : xe.sig) * (1n << BigInt(xe.e - e));
  if (sum <= 0n) {
    if (sum < 0n) return invalid(env);
    env.flags |= ZE;
    return env.masks & ZE ? infinity(y.sign ^ 1) : undefined;
  }
  const l = lnExact(sum, e);
  const log2 = (l << BigInt(FRAC)) / LN2;
  if (log2 === 0n) return zero(x.sign ^ y.sign);
  const neg = log2 < 0n;
  return roundToRegister(env, y.sign ^ (neg ? 1 : 0), ye.sig * (neg ? -log2 : log2), ye.e - FRAC, true, 64);
}

/** FPATAN: atan(ST1 / ST0) with the quadrant of (ST0, ST1) (SDM Vol. 2 FPATAN Table 3-30). */
export function fpatan(env: FpEnv, x: F80, y: F80): F80 | undefined {
  const s = screen2(env, x, y);
  if (s !== null) return s;
  if (denormal(env, x, y)) return undefined;
  const sign = y.sign;
  const half = PI >> 1n;
  const xi = isInf(x);
  const yi = isInf(y);
  if (yi) {
    if (xi) return fromFixed(env, sign, x.sign ? (3n * PI) >> 2n : PI >> 2n);
    return fromFixed(env, sign, half);
  }
  if (isZero(y)) return x.sign ? fromFixed(env, sign, PI) : zero(sign);
  if (xi) return x.sign ? fromFixed(env, sign, PI) : zero(sign);
  if (isZero(x)) return fromFixed(env, sign, half);
  const xe = exact(x);
  const ye = exact(y);
  const d = magnitude(y) - magnitude(x);
  if (d < -TINY) {
    if (x.sign) return fromFixed(env, sign, PI);
    // atan(t) = t (1 - t^2/3 ...): slightly below t.
    const q = (ye.sig << BigInt(FRAC + 130)) / xe.sig;
    return nudge(env, sign, q, ye.e - xe.e - FRAC - 130, false);
  }
  let r: bigint;
  if (d > TINY) {
    r = half; // atan of a huge ratio: pi/2 - x/y, the tail is far below the last bit
    if (!x.sign) return roundToRegister(env, sign, (half << 130n) - 1n, -FRAC - 130, true, 64);
    return roundToRegister(env, sign, (half << 130n) + 1n, -FRAC - 130, true, 64);
  }
  if (compareMagnitudes(ye, xe) <= 0) r = atanFixed(ratioFixed(ye, xe));
  else r = half - atanFixed(ratioFixed(xe, ye));
  if (x.sign) r = PI - r;
  return fromFixed(env, sign, r);
}
/** |n / d| * 2^FRAC. */
function ratioFixed(n: { sig: bigint; e: number }, d: { sig: bigint; e: number }): bigint {
  const s = n.e - d.e + FRAC;
  return s >= 0 ? (n.sig << BigInt(s)) / d.sig : n.sig / (d.sig << BigInt(-s));
}
function compareMagnitudes(a: { sig: bigint; e: number }, b: { sig: bigint; e: number }): number {
  const e = Math.min(a.e, b.e);
  const x = a.sig << BigInt(a.e - e);
  const y = b.sig << BigInt(b.e - e);
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * pi with 66 significant bits, as the x87 reduces trigonometric arguments
 * with (SDM Vol. 1 8.3.10: "an internal value of pi with 66 significand
 * bits"); reducing with exact pi instead differs from the hardware by up to
 * |x| * 2^-66 relative to the result.
 */
const PI66 = 0x3243f6a8885a308d3n << BigInt(FRAC - 64);

/** Reduce |a| < 2^63 by pi/2 (the 66-bit pi): quadrant (0-3) and the signed remainder in fixed point. */
function reduce(a: F80): { q: number; r: bigint } {
  const x = toFixed(a) * (a.sign ? -1n : 1n);
  const half = PI66 >> 1n;
  let k = x / half;
  let r = x - k * half;
  if (r > half >> 1n) {
    k += 1n;
    r -= half;
  } else if (r < -(half >> 1n)) {
    k -= 1n;
    r += half;
  }
  return { q: Number(((k % 4n) + 4n) % 4n), r };
}
const TRIG_LIMIT = 63;

function sinCos(env: FpEnv, a: F80, want: 'sin' | 'cos' | 'both' | 'tan'): F80[] | 'range' | undefined {
  const s = screen(env, a);
  if (s === undefined) return undefined;
  if (s !== null) return [s, s];
  if (isInf(a)) {
    const r = invalid(env);
    return r === undefined ? undefined : [r, r];
  }
  if (isZero(a)) return [a, { sign: 0, exp: BIAS, mant: 1n << 63n }];
  const m = magnitude(a);
  if (m >= TRIG_LIMIT) return 'range';
  const x = exact(a);
  if (m < -TINY) {
    // sin x = x - x^3/6 (below x), cos x = 1 - x^2/2 (below 1), tan x = x + x^3/3 (above x).
    const sin = nudge(env, a.sign, x.sig, x.e, false);
    const envCos = { ...env, flags: 0 };
    const cos = roundToRegister(envCos, 0, (1n << 130n) - 1n, -130, true, 64);
    if (want === 'cos') return [cos];
    if (want === 'both') {
      env.flags |= envCos.flags;
      return [sin, cos];
    }
    if (want === 'tan') {
      // The host x87 returns a tiny argument itself as its tangent (#P, and #U when denormal), whatever the rounding mode.
      env.flags |= PE | (a.exp === 0 && (a.mant >> 63n) === 0n && (env.masks & UE) !== 0 ? UE : 0);
      env.c1 = 0;
      const t = a.exp === 0 && (a.mant >> 63n) === 1n ? { sign: a.sign, exp: 1, mant: a.mant } : a; // pseudo-denormal: canonical
      return [t, { sign: 0, exp: BIAS, mant: 1n << 63n }];
    }
    return [sin];
  }
  const { q, r } = reduce(a);
  const [sr, cr] = sinCosFixed(r);
  const sinV = q === 0 ? sr : q === 1 ? cr : q === 2 ? -sr : -cr;
  const cosV = q === 0 ? cr : q === 1 ? -sr : q === 2 ? -cr : sr;
  const out = (v: bigint, e: FpEnv): F80 => fromFixed(e, v < 0n ? 1 : 0, v < 0n ? -v : v);
  if (want === 'sin') return [out(sinV, env)];
  if (want === 'cos') return [out(cosV, env)];
  if (want === 'tan') {
    const t = (sinV << BigInt(FRAC)) / cosV;
    return [out(t, env), { sign: 0, exp: BIAS, mant: 1n << 63n }];
  }
  // FSINCOS: flags of both results; C1 from the sine's rounding (the value left in ST1).
  const e2 = { ...env, flags: 0 };
  const cos = out(cosV, e2);
  const sin = out(sinV, env);
  env.flags |= e2.flags;
  return [sin, cos];
}

export function fsin(env: FpEnv, a: F80): F80 | 'range' | undefined {
  const r = sinCos(env, a, 'sin');
  return r === undefined || r === 'range' ? r : r[0];
}
export function fcos(env: FpEnv, a: F80): F80 | 'range' | undefined {
  const r = sinCos(env, a, 'cos');
  if (r === undefined || r === 'range') return r;
  return r.length === 2 && isZero(a) ? r[1] : r[0];
}
/** FSINCOS: [sin (replaces ST0), cos (pushed)]. */
export function fsincos(env: FpEnv, a: F80): TwoResults | 'range' | undefined {
  const r = sinCos(env, a, 'both');
  if (r === undefined || r === 'range') return r;
  return [r[0], r[1]];
}
/** FPTAN: [tan (replaces ST0), 1.0 (pushed)]; a NaN operand gives the NaN twice. */
export function fptan(env: FpEnv, a: F80): TwoResults | 'range' | undefined {
  const r = sinCos(env, a, 'tan');
  if (r === undefined || r === 'range') return r;
  if (isNaN(classify(r[0])) || r[0].exp === indefinite().exp) return [r[0], r[1]];
  return [r[0], r[1]];
}
