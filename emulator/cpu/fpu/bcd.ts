/**
 * Packed BCD (SDM Vol. 1 4.7, Figure 4-11): 18 decimal digits in bytes 0-8,
 * two per byte (low nibble is the less significant), byte 9 bit 7 the sign.
 */
import { IE, Kind, classify, fromInteger, roundToInteger, type F80, type FpEnv } from './float80';

/**
 * FBLD: the digits as an integer, exactly. Nibbles above 9 are "undefined"
 * (SDM Vol. 2 FBLD); they weigh their binary value like a digit, as the
 * hardware's decimal-to-binary loop does.
 */
export function fromBcd(bytes: Uint8Array): F80 {
  let n = 0n;
  for (let i = 8; i >= 0; i--) {
    n = n * 10n + BigInt(bytes[i] >> 4);
    n = n * 10n + BigInt(bytes[i] & 0xf);
  }
  const v = fromInteger(n);
  v.sign = (bytes[9] >> 7) & 1;
  return v;
}

/** The packed BCD indefinite stored by a masked invalid FBSTP (SDM Vol. 1 Table 4-5). */
export function bcdIndefinite(): Uint8Array {
  return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff);
}

/**
 * FBSTP: ST0 rounded by RC to an integer of at most 18 digits; NaN, infinity,
 * unsupported or out of range is #I (masked: the BCD indefinite). Returns
 * undefined when an unmasked #I means nothing is stored.
 */
export function toBcd(env: FpEnv, v: F80): Uint8Array | undefined {
  const k = classify(v);
  if (k === Kind.QNaN || k === Kind.SNaN || k === Kind.Infinity || k === Kind.Unsupported) return invalidBcd(env);
  // No #D for a denormal source (the host x87 agrees): it rounds to 0 or 1.
  const saved = { flags: env.flags, c1: env.c1 };
  const n = roundToInteger(env, v);
  const m = n < 0n ? -n : n;
  if (m >= 10n ** 18n) {
    env.flags = saved.flags;
    env.c1 = saved.c1;
    return invalidBcd(env);
  }
  const out = new Uint8Array(10);
  let r = m;
  for (let i = 0; i < 9; i++) {
    const lo = Number(r % 10n);
    r /= 10n;
    const hi = Number(r % 10n);
    r /= 10n;
    out[i] = (hi << 4) | lo;
  }
  out[9] = v.sign ? 0x80 : 0;
  return out;
}

function invalidBcd(env: FpEnv): Uint8Array | undefined {
  env.flags |= IE;
  return env.masks & IE ? bcdIndefinite() : undefined;
}
