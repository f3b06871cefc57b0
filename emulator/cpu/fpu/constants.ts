/**
 * High-precision constants as fixed-point BigInts (value * 2^FRAC), computed
 * once from series, and the FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ
 * results (SDM Vol. 1 8.3.8: the x87 holds the constants with 66 significand
 * bits and rounds them to 64 by RC; precision control does not apply).
 */
import { BIAS, Rounding, bitLength, zero, type F80 } from './float80';

/** Fraction bits of the fixed-point constants. */
export const FRAC = 320;
const ONE = 1n << BigInt(FRAC);

/** atanh(1/n) * 2^FRAC for an integer n > 1. */
function atanhInv(n: bigint): bigint {
  let sum = 0n;
  let term = ONE / n;
  const n2 = n * n;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term /= n2;
  }
  return sum;
}
/** atan(1/n) * 2^FRAC. */
function atanInv(n: bigint): bigint {
  let sum = 0n;
  let term = ONE / n;
  const n2 = n * n;
  for (let k = 1n, sign = 1n; term !== 0n; k += 2n, sign = -sign) {
    sum += (sign * term) / k;
    term /= n2;
  }
  return sum;
}

/** ln 2 = 2 atanh(1/3). */
export const LN2 = 2n * atanhInv(3n);
/** ln 10 = 3 ln 2 + ln 1.25, ln 1.25 = 2 atanh(1/9). */
export const LN10 = 3n * LN2 + 2n * atanhInv(9n);
/** pi = 16 atan(1/5) - 4 atan(1/239) (Machin). */
export const PI = 16n * atanInv(5n) - 4n * atanInv(239n);
export const LOG2E = (ONE * ONE) / LN2;
export const LOG2_10 = (LN10 * ONE) / LN2;
export const LOG10_2 = (LN2 * ONE) / LN10;

/** A positive fixed-point value rounded to `bits` significand bits by RC (+ an exactness hint), as sig * 2^e. */
export function roundFixed(v: bigint, bits: number, rc: Rounding): { sig: bigint; e: number } {
  const n = bitLength(v);
  const shift = n - bits;
  let q = v >> BigInt(shift);
  const rem = v & ((1n << BigInt(shift)) - 1n);
  const half = 1n << BigInt(shift - 1);
  if (rc === Rounding.Nearest ? rem >= half : rc === Rounding.Up && rem !== 0n) q += 1n;
  let e = shift - FRAC;
  if (bitLength(q) > bits) {
    q >>= 1n;
    e += 1;
  }
  return { sig: q, e };
}

/** A constant held with 66 significand bits (rounded to nearest), then rounded by RC to the 64-bit register. */
function loadConstant(v: bigint, rc: Rounding): F80 {
  const c66 = roundFixed(v, 66, Rounding.Nearest);
  // c66.sig read as a fixed-point number: r.sig * 2^(r.e + FRAC) = c66.sig rounded to 64 bits.
  const r = roundFixed(c66.sig, 64, rc);
  const e = c66.e + r.e + FRAC;
  return { sign: 0, exp: BIAS + e + 63, mant: r.sig };
}

export type ConstantName = 'one' | 'l2t' | 'l2e' | 'pi' | 'lg2' | 'ln2' | 'zero';
export function constant(name: ConstantName, rc: Rounding): F80 {
  switch (name) {
    case 'one': return { sign: 0, exp: BIAS, mant: 1n << 63n };
    case 'zero': return zero(0);
    case 'l2t': return loadConstant(LOG2_10, rc);
    case 'l2e': return loadConstant(LOG2E, rc);
    case 'pi': return loadConstant(PI, rc);
    case 'lg2': return loadConstant(LOG10_2, rc);
    case 'ln2': return loadConstant(LN2, rc);
  }
}
