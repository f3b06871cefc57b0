/**
 * The x87 register stack over CpuState.x87 (SDM Vol. 1 8.1.2-8.1.7): ST(i)
 * addressing relative to TOP, tags computed from register contents, the
 * environment (rounding, precision, masks) of the control word, and the
 * status-word update that ends each instruction (flags, ES/B, stack fault).
 */
import type { X87State } from '../cpu-state';
import { Kind, classify, indefinite, Rounding, type F80, type FpEnv } from './float80';

export const SW_IE = 0x01;
export const SW_SF = 0x40;
export const SW_ES = 0x80;
export const SW_C0 = 0x100;
export const SW_C1 = 0x200;
export const SW_C2 = 0x400;
export const SW_C3 = 0x4000;
export const SW_B = 0x8000;
export const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

export function top(x: X87State): number {
  return (x.statusWord >> 11) & 7;
}
export function setTop(x: X87State, t: number): void {
  x.statusWord = (x.statusWord & ~0x3800) | ((t & 7) << 11);
}
/** Physical register number of ST(i). */
export function phys(x: X87State, i: number): number {
  return (top(x) + i) & 7;
}

export function readPhys(x: X87State, p: number): F80 {
  const se = x.signExp[p];
  return { sign: se >> 15, exp: se & 0x7fff, mant: (BigInt(x.mantHi[p]) << 32n) | BigInt(x.mantLo[p]) };
}
export function readSt(x: X87State, i: number): F80 {
  return readPhys(x, phys(x, i));
}

/** Tag of a value (SDM Vol. 1 8.1.7): zero, valid (normal), special (NaN, infinity, denormal, unsupported). */
export function tagFor(v: F80): number {
  const k = classify(v);
  return k === Kind.Zero ? TAG_ZERO : k === Kind.Normal ? TAG_VALID : TAG_SPECIAL;
}

export function writePhys(x: X87State, p: number, v: F80): void {
  x.signExp[p] = (v.sign << 15) | (v.exp & 0x7fff);
  x.mantHi[p] = Number((v.mant >> 32n) & 0xffffffffn);
  x.mantLo[p] = Number(v.mant & 0xffffffffn);
  x.tagWord = (x.tagWord & ~(3 << (2 * p))) | (tagFor(v) << (2 * p));
}
export function writeSt(x: X87State, i: number, v: F80): void {
  writePhys(x, phys(x, i), v);
}

export function isEmptyPhys(x: X87State, p: number): boolean {
  return ((x.tagWord >> (2 * p)) & 3) === TAG_EMPTY;
}
export function isEmpty(x: X87State, i: number): boolean {
  return isEmptyPhys(x, phys(x, i));
}
export function setEmptyPhys(x: X87State, p: number): void {
  x.tagWord |= 3 << (2 * p);
}

/** Pop: mark ST0 empty and increment TOP (SDM Vol. 1 8.1.2). */
export function pop(x: X87State): void {
  setEmptyPhys(x, top(x));
  setTop(x, top(x) + 1);
}
/** Push v: decrement TOP and write the new ST0. */
export function push(x: X87State, v: F80): void {
  setTop(x, top(x) - 1);
  writeSt(x, 0, v);
}

/** Recompute the tags of non-empty registers from their contents (after FRSTOR/FLDENV/FXRSTOR). */
export function retag(x: X87State, emptyMask: number): void {
  let tw = 0;
  for (let p = 0; p < 8; p++) tw |= ((emptyMask >> p) & 1 ? TAG_EMPTY : tagFor(readPhys(x, p))) << (2 * p);
  x.tagWord = tw;
}

const PRECISION = [24, 64, 53, 64] as const;

/** Rounding, precision (PC = 01 is reserved; it behaves as 64 bits) and masks from the control word. */
export function envOf(x: X87State): FpEnv {
  const cw = x.controlWord;
  return { rc: ((cw >> 10) & 3) as Rounding, pc: PRECISION[(cw >> 8) & 3], masks: cw & 0x3f, flags: 0, c1: 0 };
}

/**
 * End an instruction: OR the raised flags into the status word, set C1 (the
 * round-up indication, or 0), and ES and B when a raised exception is
 * unmasked (SDM Vol. 1 8.1.3.1, 8.5).
 */
export function commit(x: X87State, env: FpEnv, setC1 = true): void {
  let sw = x.statusWord | (env.flags & 0x7f);
  if (setC1) sw = (sw & ~SW_C1) | (env.c1 ? SW_C1 : 0);
  x.statusWord = updateSummary(sw, x.controlWord);
}

/** ES (error summary) and B (busy, a copy of ES) follow unmasked pending flags (SDM Vol. 1 8.1.3). */
export function updateSummary(sw: number, cw: number): number {
  return (sw & 0x3f & ~cw) !== 0 ? sw | SW_ES | SW_B : sw & ~(SW_ES | SW_B);
}

/**
 * Stack fault (SDM Vol. 1 8.5.1.1): #IS with SF, C1 = 1 for overflow, 0 for
 * underflow. True when the exception is masked (the masked response goes on).
 */
export function stackFault(x: X87State, env: FpEnv, overflow: boolean): boolean {
  env.flags |= SW_IE | SW_SF;
  env.c1 = overflow ? 1 : 0;
  return (env.masks & SW_IE) !== 0;
}

/** Push with overflow check: a full stack gets the indefinite when #IS is masked, nothing when unmasked. */
export function pushChecked(x: X87State, env: FpEnv, v: F80): boolean {
  if (!isEmptyPhys(x, (top(x) - 1) & 7)) {
    if (!stackFault(x, env, true)) return false;
    push(x, indefinite());
    return true;
  }
  push(x, v);
  return true;
}
