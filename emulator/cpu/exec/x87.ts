/**
 * x87 FPU instructions (SDM Vol. 1 chapter 8, Vol. 2 F* pages; escapes
 * D8-DF, Vol. 2 A.4). Handlers decode the operands and the stack, the
 * arithmetic lives in ../fpu/. Every instruction first applies the #NM rules
 * of CR0.EM/TS (Vol. 3A Table 2-2); a waiting instruction then reports a
 * pending unmasked exception: #MF when CR0.NE = 1, FERR# (IRQ 13 on a PC)
 * when CR0.NE = 0 (Vol. 1 8.7, Vol. 3A 2.5 NE).
 */
import type { Cpu } from '../cpu';
import type { DecodedInstruction } from '../decoded-instruction';
import { Vector } from '../faults';
import type { X87State } from '../cpu-state';
import {
  DE, DOUBLE, IE, Kind, SINGLE, classify, fromBinary, fromBits80, fromInteger, indefinite, isNaN, roundToInteger, toBinary, widenBinary,
  type F80, type FpEnv,
} from '../fpu/float80';
import * as fa from '../fpu/arith';
import { Order } from '../fpu/arith';
import { fromBcd, toBcd, bcdIndefinite } from '../fpu/bcd';
import { constant, type ConstantName } from '../fpu/constants';
import * as tr from '../fpu/transcendental';
import {
  SW_C0, SW_C1, SW_C2, SW_C3, SW_CC, SW_ES, commit, envOf, isEmpty, isEmptyPhys, phys, pop, push, pushChecked, readPhys, readSt, retag,
  setTop, stackFault, top, updateSummary, writePhys, writeSt,
} from '../fpu/x87-state';

const CR0_MP = 0x2;
const CR0_EM = 0x4;
const CR0_TS = 0x8;
const CR0_NE = 0x20;
const CR0_PE = 0x1;
const FLAG_VM = 0x20000;

const FLAG_CF = 0x1;
const FLAG_PF = 0x4;
const FLAG_AF = 0x10;
const FLAG_ZF = 0x40;
const FLAG_SF = 0x80;
const FLAG_OF = 0x800;

/** #NM rule for x87 instructions (SDM Vol. 3A Table 2-2): EM or TS set. */
function checkDeviceAvailable(cpu: Cpu): void {
  if (cpu.state.cr0 & (CR0_EM | CR0_TS)) cpu.fault(Vector.NM);
}

/**
 * A waiting instruction finds an unmasked exception pending (SW.ES): #MF
 * before it executes when CR0.NE = 1; with CR0.NE = 0 the processor asserts
 * FERR#, which a PC routes to IRQ 13 (SDM Vol. 1 8.7.1, Vol. 3A 2.5). Like
 * QEMU, the instruction then goes on (the IRQ 13 handler clears the flags).
 */
function checkPending(cpu: Cpu): void {
  if ((cpu.state.x87.statusWord & SW_ES) === 0) return;
  if (cpu.state.cr0 & CR0_NE) cpu.fault(Vector.MF);
  cpu.assertFerr();
}

/** Prologue of a waiting control instruction (FLDCW, FLDENV, FRSTOR...: no pointer update, SDM Vol. 1 8.1.8). */
function control(cpu: Cpu): X87State {
  checkDeviceAvailable(cpu);
  checkPending(cpu);
  return cpu.state.x87;
}

/**
 * Prologue of a non-control instruction: #NM, pending exception, then the
 * last-instruction opcode and pointers FSTENV/FSAVE store (SDM Vol. 1 8.1.8,
 * 8.1.9): FOP = low 3 bits of the escape and the ModRM byte, FCS:FIP this
 * instruction, FDS:FDP its memory operand.
 */
function begin(cpu: Cpu, insn: DecodedInstruction): X87State {
  checkDeviceAvailable(cpu);
  checkPending(cpu);
  const x = cpu.state.x87;
  x.fop = ((insn.opcode & 7) << 8) | (insn.mod << 6) | (insn.reg << 3) | insn.rm;
  x.fcs = cpu.state.segments[1].selector;
  x.fip = cpu.insnEip;
  if (insn.isMemory) {
    x.fds = cpu.state.segments[insn.segment].selector;
    x.fdp = cpu.ea(insn);
  }
  return x;
}

/** ES was cleared: FERR# goes inactive. */
function afterStatusLoad(cpu: Cpu, x: X87State): void {
  x.statusWord = updateSummary(x.statusWord, x.controlWord);
  if ((x.statusWord & SW_ES) === 0) cpu.deassertFerr();
}

function realAddressing(cpu: Cpu): boolean {
  return (cpu.state.cr0 & CR0_PE) === 0 || (cpu.state.eflags & FLAG_VM) !== 0;
}

// ---------------------------------------------------------------------------
// Memory operands
// ---------------------------------------------------------------------------

function at(insn: DecodedInstruction, off: number, k: number): number {
  return insn.addrSize === 32 ? (off + k) >>> 0 : (off + k) & 0xffff;
}
function readBytes(cpu: Cpu, insn: DecodedInstruction, n: number, off = cpu.ea(insn)): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = cpu.read8(insn.segment, at(insn, off, i));
  return out;
}
/** Write bytes after probing the last one, so a fault leaves memory unchanged (one page boundary at most). */
function writeBytes(cpu: Cpu, insn: DecodedInstruction, bytes: Uint8Array, off = cpu.ea(insn)): void {
  const last = at(insn, off, bytes.length - 1);
  cpu.write8(insn.segment, last, cpu.read8(insn.segment, last));
  for (let i = 0; i < bytes.length; i++) cpu.write8(insn.segment, at(insn, off, i), bytes[i]);
}
function bytesToBig(b: Uint8Array, n = b.length): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}
function bigToBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}
function f80Bytes(v: F80): Uint8Array {
  const out = bigToBytes(v.mant, 10);
  const se = (v.sign << 15) | v.exp;
  out[8] = se & 0xff;
  out[9] = se >> 8;
  return out;
}
function f80FromBytes(b: Uint8Array, o = 0): F80 {
  return fromBits80(bytesToBig(b.subarray(o, o + 8)), b[o + 8] | (b[o + 9] << 8));
}

/** Operand of the memory forms of D8/DA/DC/DE by escape: m32fp, m32int, m64fp, m16int. */
function arithmeticSource(cpu: Cpu, insn: DecodedInstruction): { v: F80; denormal: boolean } {
  switch (insn.opcode) {
    case 0xd8: return widenBinary(bytesToBig(readBytes(cpu, insn, 4)), SINGLE, 23);
    case 0xdc: return widenBinary(bytesToBig(readBytes(cpu, insn, 8)), DOUBLE, 52);
    case 0xda: return { v: fromInteger(BigInt(cpu.read32(insn.segment, cpu.ea(insn)) | 0)), denormal: false };
    default: return { v: fromInteger(BigInt((cpu.read16(insn.segment, cpu.ea(insn)) << 16) >> 16)), denormal: false };
  }
}

// ---------------------------------------------------------------------------
// Arithmetic: FADD FMUL FSUB FSUBR FDIV FDIVR (and FCOM/FCOMP in the same rows)
// ---------------------------------------------------------------------------

type ArithOp = 'add' | 'mul' | 'sub' | 'subr' | 'div' | 'divr';
/** ModRM.reg of D8 and of the memory forms; DC/DE register forms swap the reversed and plain forms (SDM Vol. 2 A.4.2). */
const D8_OPS: readonly (ArithOp | undefined)[] = ['add', 'mul', undefined, undefined, 'sub', 'subr', 'div', 'divr'];
const DC_REG_OPS: readonly (ArithOp | undefined)[] = ['add', 'mul', undefined, undefined, 'subr', 'sub', 'divr', 'div'];

function compute(env: FpEnv, op: ArithOp, dst: F80, src: F80, srcDenormal: boolean): F80 | undefined {
  switch (op) {
    case 'add': return fa.add(env, dst, src, false, srcDenormal);
    case 'mul': return fa.mul(env, dst, src, srcDenormal);
    case 'sub': return fa.add(env, dst, src, true, srcDenormal);
    case 'subr': return fa.add(env, src, dst, true, srcDenormal);
    case 'div': return fa.div(env, dst, src, srcDenormal);
    case 'divr': return fa.div(env, src, dst, srcDenormal);
  }
}

/** D8/DA/DC/DE memory forms: ST0 = ST0 op m (FCOM/FICOM in /2 and /3). */
export function arithMem(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  const src = arithmeticSource(cpu, insn);
  if (insn.reg === 2 || insn.reg === 3) {
    compareInto(x, env, 0, src.v, false, src.denormal, insn.reg === 3 ? 1 : 0);
    return;
  }
  const op = D8_OPS[insn.reg] as ArithOp;
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) writeSt(x, 0, indefinite());
  } else {
    const r = compute(env, op, readSt(x, 0), src.v, src.denormal);
    if (r !== undefined) writeSt(x, 0, r);
  }
  commit(x, env);
}

/** D8 register forms: ST0 = ST0 op ST(i); DC: ST(i) = ST(i) op ST0; DE: the same, then pop. */
export function arithReg(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  const toSti = insn.opcode !== 0xd8;
  const op = (toSti ? DC_REG_OPS : D8_OPS)[insn.reg] as ArithOp;
  const dst = toSti ? insn.rm : 0;
  const src = toSti ? 0 : insn.rm;
  let ok = true;
  if (isEmpty(x, 0) || isEmpty(x, insn.rm)) {
    if (stackFault(x, env, false)) writeSt(x, dst, indefinite());
    else ok = false;
  } else {
    const r = compute(env, op, readSt(x, dst), readSt(x, src), false);
    if (r !== undefined) writeSt(x, dst, r);
    else ok = false;
  }
  if (insn.opcode === 0xde && ok) pop(x);
  commit(x, env);
}

// ---------------------------------------------------------------------------
// Compares
// ---------------------------------------------------------------------------

/**
 * FCOM family into C3/C2/C0 (C1 = 0). The condition codes are written even
 * when an exception is unmasked (unordered for #I and stack underflow), but
 * then nothing is popped (as the host x87 does).
 */
function compareInto(x: X87State, env: FpEnv, _i: number, b: F80 | undefined, unordered: boolean, bDenormal: boolean, pops: number, bEmpty = false): void {
  let order: Order;
  if (isEmpty(x, 0) || bEmpty || b === undefined) {
    stackFault(x, env, false);
    order = Order.Unordered;
  } else order = fa.compare(env, readSt(x, 0), b, unordered, bDenormal);
  env.c1 = 0;
  x.statusWord = (x.statusWord & ~(SW_C0 | SW_C2 | SW_C3)) | order;
  if ((env.flags & ~env.masks & (IE | DE)) === 0) for (let k = 0; k < pops; k++) pop(x);
  commit(x, env);
}

/** FCOM/FCOMP ST(i) (D8 D0/D8, aliases DC D0/D8, DE D0), FUCOM/FUCOMP (DD E0/E8). */
export function fcomReg(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const unordered = insn.opcode === 0xdd;
  const pops = insn.opcode === 0xde || (insn.reg & 1) === 1 ? 1 : 0;
  compareInto(x, envOf(x), 0, readSt(x, insn.rm), unordered, false, pops, isEmpty(x, insn.rm));
}
/** FCOMPP (DE D9), FUCOMPP (DA E9): compare with ST1, pop twice. */
export function fcompp(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  compareInto(x, envOf(x), 0, readSt(x, 1), insn.opcode === 0xda, false, 2, isEmpty(x, 1));
}
/** FTST: compare ST0 with +0.0. */
export function ftst(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  compareInto(x, envOf(x), 0, { sign: 0, exp: 0, mant: 0n }, false, false, 0);
}

/** FCOMI/FUCOMI (DB F0/E8), FCOMIP/FUCOMIP (DF F0/E8): ZF PF CF from the compare, OF SF AF cleared (SDM Vol. 2 FCOMI). */
export function fcomi(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  let order: Order;
  if (isEmpty(x, 0) || isEmpty(x, insn.rm)) {
    stackFault(x, env, false);
    order = Order.Unordered;
  } else order = fa.compare(env, readSt(x, 0), readSt(x, insn.rm), insn.reg === 5, false);
  env.c1 = 0;
  const st = cpu.state;
  let f = st.eflags & ~(FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF);
  if (order & SW_C0) f |= FLAG_CF;
  if (order & SW_C2) f |= FLAG_PF;
  if (order & SW_C3) f |= FLAG_ZF;
  st.eflags = f;
  if (insn.opcode === 0xdf && (env.flags & ~env.masks & (IE | DE)) === 0) pop(x);
  commit(x, env);
}

/** FXAM: class of ST0 in C3/C2/C0, its sign in C1 (SDM Vol. 2 FXAM). */
export function fxam(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const v = readSt(x, 0);
  const c = fa.examine(v, isEmpty(x, 0));
  x.statusWord = (x.statusWord & ~SW_CC) | c | (v.sign ? SW_C1 : 0);
}

// ---------------------------------------------------------------------------
// Loads
// ---------------------------------------------------------------------------

/** Push a computed value: overflow check first (SDM Vol. 1 8.5.1.1), nothing pushed when an unmasked #I/#D stopped it. */
function pushResult(x: X87State, env: FpEnv, v: F80): void {
  if (!isEmptyPhys(x, (top(x) - 1) & 7)) {
    if (stackFault(x, env, true)) push(x, indefinite());
  } else if ((env.flags & ~env.masks & IE) === 0) push(x, v); // an unmasked #D still loads (the operand is exact in the register format)
  commit(x, env);
}

/** FLD m32fp (D9 /0), m64fp (DD /0), m80fp (DB /5). */
export function fldMem(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  let v: F80;
  if (insn.opcode === 0xd9) v = fromBinary(env, bytesToBig(readBytes(cpu, insn, 4)), SINGLE, 23);
  else if (insn.opcode === 0xdd) v = fromBinary(env, bytesToBig(readBytes(cpu, insn, 8)), DOUBLE, 52);
  else v = f80FromBytes(readBytes(cpu, insn, 10));
  if (!isEmptyPhys(x, (top(x) - 1) & 7)) env.flags &= ~(IE | DE); // the stack fault takes precedence
  pushResult(x, env, v);
}
/** FILD m16int (DF /0), m32int (DB /0), m64int (DF /5): exact. */
export function fild(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  let n: bigint;
  if (insn.opcode === 0xdb) n = BigInt(cpu.read32(insn.segment, cpu.ea(insn)) | 0);
  else if (insn.reg === 0) n = BigInt((cpu.read16(insn.segment, cpu.ea(insn)) << 16) >> 16);
  else n = BigInt.asIntN(64, bytesToBig(readBytes(cpu, insn, 8)));
  pushResult(x, env, fromInteger(n));
}
/** FBLD m80bcd (DF /4). */
export function fbld(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  pushResult(x, envOf(x), fromBcd(readBytes(cpu, insn, 10)));
}
/** FLD ST(i) (D9 C0+i): a copy, no exception but the stack's. */
export function fldReg(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  if (isEmpty(x, insn.rm)) {
    if (stackFault(x, env, false)) pushChecked(x, env, indefinite());
    commit(x, env);
    return;
  }
  pushResult(x, env, readSt(x, insn.rm));
}

const CONSTANTS: readonly (ConstantName | undefined)[] = ['one', 'l2t', 'l2e', 'pi', 'lg2', 'ln2', 'zero', undefined];
/** FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ (D9 E8-EE): rounded by RC, no #P (SDM Vol. 1 8.3.8). */
export function fldConstant(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  pushResult(x, env, constant(CONSTANTS[insn.rm] as ConstantName, env.rc));
}

// ---------------------------------------------------------------------------
// Stores
// ---------------------------------------------------------------------------

/** FST/FSTP m32fp (D9 /2 /3), m64fp (DD /2 /3); FSTP m80fp (DB /7). */
export function fstMem(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  const pops = insn.opcode === 0xdb || insn.reg === 3;
  const size = insn.opcode === 0xd9 ? 4 : insn.opcode === 0xdd ? 8 : 10;
  let out: Uint8Array | undefined;
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) out = encodeFloat(env, indefinite(), size);
  } else out = encodeFloat(env, readSt(x, 0), size);
  if (out !== undefined) {
    writeBytes(cpu, insn, out);
    if (pops) pop(x);
  }
  commit(x, env);
}
function encodeFloat(env: FpEnv, v: F80, size: number): Uint8Array | undefined {
  if (size === 10) return f80Bytes(v);
  const bits = size === 4 ? toBinary(env, v, SINGLE, 23) : toBinary(env, v, DOUBLE, 52);
  return bits === undefined ? undefined : bigToBytes(bits, size);
}

/** FIST/FISTP m16int (DF /2 /3), m32int (DB /2 /3), FISTP m64int (DF /7): rounded by RC, #I (integer indefinite) out of range. */
export function fist(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  const size = insn.opcode === 0xdb ? 4 : insn.reg === 7 ? 8 : 2;
  const pops = insn.reg !== 2;
  let out: Uint8Array | undefined;
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) out = integerIndefinite(size);
  } else out = encodeInteger(env, readSt(x, 0), size);
  if (out !== undefined) {
    writeBytes(cpu, insn, out);
    if (pops) pop(x);
  }
  commit(x, env);
}
function integerIndefinite(size: number): Uint8Array {
  const out = new Uint8Array(size);
  out[size - 1] = 0x80;
  return out;
}
function encodeInteger(env: FpEnv, v: F80, size: number): Uint8Array | undefined {
  const k = classify(v);
  const invalidResult = (): Uint8Array | undefined => {
    env.flags |= IE;
    return env.masks & IE ? integerIndefinite(size) : undefined;
  };
  if (k === Kind.Unsupported || isNaN(k) || k === Kind.Infinity) return invalidResult();
  const saved = env.flags;
  const n = roundToInteger(env, v);
  const limit = 1n << BigInt(8 * size - 1);
  if (n < -limit || n >= limit) {
    env.flags = saved;
    env.c1 = 0;
    return invalidResult();
  }
  return bigToBytes(BigInt.asUintN(8 * size, n), size);
}

/** FBSTP m80bcd (DF /6). */
export function fbstp(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  let out: Uint8Array | undefined;
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) out = bcdIndefinite();
  } else out = toBcd(env, readSt(x, 0));
  if (out !== undefined) {
    writeBytes(cpu, insn, out);
    pop(x);
  }
  commit(x, env);
}

/** FST/FSTP ST(i) (DD D0/D8, aliases D9 D8, DF D0/D8): a copy of ST0. */
export function fstReg(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  const pops = !(insn.opcode === 0xdd && insn.reg === 2);
  let ok = true;
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) writeSt(x, insn.rm, indefinite());
    else ok = false;
  } else writeSt(x, insn.rm, readSt(x, 0));
  if (pops && ok) pop(x);
  commit(x, env);
}

// ---------------------------------------------------------------------------
// Stack and sign operations
// ---------------------------------------------------------------------------

/** FXCH ST(i) (D9 C8+i, aliases DD C8, DF C8): an empty operand is #IS; masked, it reads as the indefinite. */
export function fxch(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  const e0 = isEmpty(x, 0);
  const ei = isEmpty(x, insn.rm);
  if (e0 || ei) {
    if (!stackFault(x, env, false)) {
      commit(x, env);
      return;
    }
  }
  const a = e0 ? indefinite() : readSt(x, 0);
  const b = ei ? indefinite() : readSt(x, insn.rm);
  writeSt(x, 0, b);
  writeSt(x, insn.rm, a);
  commit(x, env);
}
/** FFREE ST(i) (DD C0+i); FFREEP (DF C0+i) also pops (SDM Vol. 2 A.4.2 lists it; every 387-compatible x87 executes it). */
export function ffree(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  x.tagWord |= 3 << (2 * phys(x, insn.rm));
  if (insn.opcode === 0xdf) pop(x);
}
export function fincstp(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  setTop(x, top(x) + 1);
  x.statusWord &= ~SW_C1;
}
export function fdecstp(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  setTop(x, top(x) - 1);
  x.statusWord &= ~SW_C1;
}
/** FNOP (D9 D0), and FENI/FDISI/FSETPM (DB E0/E1/E4), which the 387 and later execute as no-ops (SDM Vol. 2 A.4.2). */
export function fnop(cpu: Cpu, insn: DecodedInstruction): void {
  begin(cpu, insn);
}
export function fnopControl(cpu: Cpu): void {
  checkDeviceAvailable(cpu);
}

/** One-operand ST0 = f(ST0) with the stack-underflow rule; C1 from rounding. */
function unary(cpu: Cpu, insn: DecodedInstruction, f: (env: FpEnv, a: F80) => F80 | undefined): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) writeSt(x, 0, indefinite());
  } else {
    const r = f(env, readSt(x, 0));
    if (r !== undefined) writeSt(x, 0, r);
  }
  commit(x, env);
}
export function fchs(cpu: Cpu, insn: DecodedInstruction): void {
  unary(cpu, insn, (_env, a) => fa.chs(a));
}
export function fabs(cpu: Cpu, insn: DecodedInstruction): void {
  unary(cpu, insn, (_env, a) => fa.abs(a));
}
export function fsqrt(cpu: Cpu, insn: DecodedInstruction): void {
  unary(cpu, insn, fa.sqrt);
}
export function frndint(cpu: Cpu, insn: DecodedInstruction): void {
  unary(cpu, insn, fa.rndint);
}
export function f2xm1(cpu: Cpu, insn: DecodedInstruction): void {
  unary(cpu, insn, tr.f2xm1);
}

/** Two-operand ST0 = f(ST0, ST1) (FSCALE). */
export function fscale(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  if (isEmpty(x, 0) || isEmpty(x, 1)) {
    if (stackFault(x, env, false)) writeSt(x, 0, indefinite());
  } else {
    const r = fa.scale(env, readSt(x, 0), readSt(x, 1));
    if (r !== undefined) writeSt(x, 0, r);
  }
  commit(x, env);
}

/** ST1 = f(ST1, ST0), pop (FYL2X, FYL2XP1, FPATAN). */
function binaryPop(cpu: Cpu, insn: DecodedInstruction, f: (env: FpEnv, st0: F80, st1: F80) => F80 | undefined): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  let ok = true;
  if (isEmpty(x, 0) || isEmpty(x, 1)) {
    if (stackFault(x, env, false)) writeSt(x, 1, indefinite());
    else ok = false;
  } else {
    const r = f(env, readSt(x, 0), readSt(x, 1));
    if (r !== undefined) writeSt(x, 1, r);
    else ok = false;
  }
  if (ok) pop(x);
  commit(x, env);
}
export function fyl2x(cpu: Cpu, insn: DecodedInstruction): void {
  binaryPop(cpu, insn, tr.fyl2x);
}
export function fyl2xp1(cpu: Cpu, insn: DecodedInstruction): void {
  binaryPop(cpu, insn, tr.fyl2xp1);
}
export function fpatan(cpu: Cpu, insn: DecodedInstruction): void {
  binaryPop(cpu, insn, tr.fpatan);
}

/** FPREM (D9 F8) / FPREM1 (D9 F5): C0 C3 C1 = quotient bits 2 1 0, C2 = incomplete. */
export function fprem(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  if (isEmpty(x, 0) || isEmpty(x, 1)) {
    if (stackFault(x, env, false)) {
      writeSt(x, 0, indefinite());
      x.statusWord &= ~SW_C2;
    }
    commit(x, env);
    return;
  }
  const r = fa.prem(env, readSt(x, 0), readSt(x, 1), insn.rm === 5);
  if (r !== undefined) {
    writeSt(x, 0, r.r);
    x.statusWord = (x.statusWord & ~SW_CC) | r.c;
  }
  commit(x, env, false);
}

/** FXTRACT (D9 F4): ST0 = exponent, push significand. */
export function fxtract(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) {
      writeSt(x, 0, indefinite());
      pushChecked(x, env, indefinite());
    }
  } else if (!isEmptyPhys(x, (top(x) - 1) & 7)) {
    if (stackFault(x, env, true)) {
      writeSt(x, 0, indefinite());
      push(x, indefinite());
    }
  } else {
    const r = fa.xtract(env, readSt(x, 0));
    if (r !== undefined) {
      writeSt(x, 0, r[0]);
      push(x, r[1]);
    }
  }
  commit(x, env);
}

/** FPTAN (D9 F2): ST0 = tan, push 1.0; FSINCOS (D9 FB): ST0 = sin, push cos. C2 = 1 (nothing changed) out of range. */
function replaceAndPush(cpu: Cpu, insn: DecodedInstruction, f: (env: FpEnv, a: F80) => tr.TwoResults | 'range' | undefined): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  x.statusWord &= ~SW_C2;
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) {
      writeSt(x, 0, indefinite());
      pushChecked(x, env, indefinite());
    }
  } else if (!isEmptyPhys(x, (top(x) - 1) & 7)) {
    if (stackFault(x, env, true)) {
      writeSt(x, 0, indefinite());
      push(x, indefinite());
    }
  } else {
    const r = f(env, readSt(x, 0));
    if (r === 'range') x.statusWord |= SW_C2;
    else if (r !== undefined) {
      writeSt(x, 0, r[0]);
      push(x, r[1]);
    }
  }
  commit(x, env);
}
export function fptan(cpu: Cpu, insn: DecodedInstruction): void {
  replaceAndPush(cpu, insn, tr.fptan);
}
export function fsincos(cpu: Cpu, insn: DecodedInstruction): void {
  replaceAndPush(cpu, insn, tr.fsincos);
}
/** FSIN (D9 FE) / FCOS (D9 FF): C2 = 1 and ST0 unchanged when |ST0| >= 2^63. */
function trig(cpu: Cpu, insn: DecodedInstruction, f: (env: FpEnv, a: F80) => F80 | 'range' | undefined): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  x.statusWord &= ~SW_C2;
  if (isEmpty(x, 0)) {
    if (stackFault(x, env, false)) writeSt(x, 0, indefinite());
  } else {
    const r = f(env, readSt(x, 0));
    if (r === 'range') x.statusWord |= SW_C2;
    else if (r !== undefined) writeSt(x, 0, r);
  }
  commit(x, env);
}
export function fsin(cpu: Cpu, insn: DecodedInstruction): void {
  trig(cpu, insn, tr.fsin);
}
export function fcos(cpu: Cpu, insn: DecodedInstruction): void {
  trig(cpu, insn, tr.fcos);
}

/** FCMOVcc ST0, ST(i) (DA/DB C0-DF): condition from EFLAGS (SDM Vol. 2 FCMOVcc). */
export function fcmov(cpu: Cpu, insn: DecodedInstruction): void {
  const x = begin(cpu, insn);
  const env = envOf(x);
  const f = cpu.state.eflags;
  const cf = (f & FLAG_CF) !== 0;
  const zf = (f & FLAG_ZF) !== 0;
  const pf = (f & FLAG_PF) !== 0;
  let cond = insn.reg === 0 ? cf : insn.reg === 1 ? zf : insn.reg === 2 ? cf || zf : pf;
  if (insn.opcode === 0xdb) cond = !cond;
  if (isEmpty(x, 0) || isEmpty(x, insn.rm)) {
    // The masked stack-underflow response writes the indefinite whatever the condition (as the host x87 does).
    if (stackFault(x, env, false)) writeSt(x, 0, indefinite());
  } else if (cond) writeSt(x, 0, readSt(x, insn.rm));
  commit(x, env);
}

// ---------------------------------------------------------------------------
// Control instructions
// ---------------------------------------------------------------------------

/** FNINIT (DB E3): FCW 037FH, FSW 0, FTW FFFFH, pointers and FOP 0 (SDM Vol. 2 FINIT). */
export function fninit(cpu: Cpu): void {
  checkDeviceAvailable(cpu);
  initialise(cpu.state.x87);
  cpu.deassertFerr();
}
function initialise(x: X87State): void {
  x.controlWord = 0x37f;
  x.statusWord = 0;
  x.tagWord = 0xffff;
  x.fop = x.fip = x.fcs = x.fdp = x.fds = 0;
}
/** FNCLEX (DB E2): clear the exception flags, SF, ES and B. */
export function fnclex(cpu: Cpu): void {
  checkDeviceAvailable(cpu);
  cpu.state.x87.statusWord &= 0x7f00;
  cpu.deassertFerr();
}
export function fnstswAx(cpu: Cpu): void {
  checkDeviceAvailable(cpu);
  cpu.setReg(0, 16, cpu.state.x87.statusWord);
}
export function fnstswMw(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  cpu.write16(insn.segment, cpu.ea(insn), cpu.state.x87.statusWord);
}
export function fnstcw(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  cpu.write16(insn.segment, cpu.ea(insn), cpu.state.x87.controlWord);
}
/** FLDCW (D9 /5): bit 6 reads as 1; unmasking a flagged exception makes it pending (ES). */
export function fldcw(cpu: Cpu, insn: DecodedInstruction): void {
  const x = control(cpu);
  x.controlWord = (cpu.read16(insn.segment, cpu.ea(insn)) & 0x1f7f) | 0x40;
  afterStatusLoad(cpu, x);
}
/** 9B: FWAIT — #NM only when both MP and TS are set (SDM Table 2-2); then pending exceptions. */
export function fwait(cpu: Cpu): void {
  const cr0 = cpu.state.cr0;
  if ((cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) cpu.fault(Vector.NM);
  checkPending(cpu);
}

/** Full tag word (FSTENV/FSAVE store tags from the contents, SDM Vol. 1 8.1.7). */
function tagWord(x: X87State): number {
  return x.tagWord;
}

/**
 * FNSTENV/FLDENV image (SDM Vol. 1 Figures 8-9 to 8-12): 14 bytes for a
 * 16-bit operand size, 28 for 32-bit; real-address and virtual-8086 mode
 * store the instruction and data pointers as 20/32-bit linear addresses.
 * The reserved upper halves of the 32-bit image read as ones.
 */
function environmentImage(cpu: Cpu, x: X87State, opSize: number): Uint8Array {
  const real = realAddressing(cpu);
  const fip = real ? ((x.fcs << 4) + x.fip) >>> 0 : x.fip >>> 0;
  const fdp = real ? ((x.fds << 4) + x.fdp) >>> 0 : x.fdp >>> 0;
  if (opSize === 16) {
    const b = new Uint8Array(14);
    const w = (o: number, v: number): void => { b[o] = v & 0xff; b[o + 1] = (v >> 8) & 0xff; };
    w(0, x.controlWord);
    w(2, x.statusWord);
    w(4, tagWord(x));
    w(6, fip & 0xffff);
    w(8, real ? ((fip >>> 16) & 0xf) << 12 | (x.fop & 0x7ff) : x.fcs);
    w(10, fdp & 0xffff);
    w(12, real ? ((fdp >>> 16) & 0xf) << 12 : x.fds);
    return b;
  }
  const b = new Uint8Array(28);
  const d = (o: number, v: number): void => { for (let i = 0; i < 4; i++) b[o + i] = (v >>> (8 * i)) & 0xff; };
  d(0, 0xffff0000 | x.controlWord);
  d(4, 0xffff0000 | x.statusWord);
  d(8, 0xffff0000 | tagWord(x));
  if (real) {
    d(12, 0xffff0000 | (fip & 0xffff));
    d(16, (((fip >>> 16) & 0xffff) << 12) | (x.fop & 0x7ff));
    d(20, 0xffff0000 | (fdp & 0xffff));
    d(24, ((fdp >>> 16) & 0xffff) << 12);
  } else {
    d(12, fip);
    d(16, ((x.fop & 0x7ff) << 16) | (x.fcs & 0xffff));
    d(20, fdp);
    d(24, 0xffff0000 | (x.fds & 0xffff));
  }
  return b;
}
function loadEnvironment(cpu: Cpu, x: X87State, b: Uint8Array, opSize: number): number {
  const real = realAddressing(cpu);
  const w = (o: number): number => b[o] | (b[o + 1] << 8);
  const d = (o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  x.controlWord = (w(0) & 0x1f7f) | 0x40;
  x.statusWord = w(opSize === 16 ? 2 : 4);
  const tw = w(opSize === 16 ? 4 : 8);
  if (opSize === 16) {
    if (real) {
      x.fcs = 0;
      x.fip = (w(6) | ((w(8) >> 12) << 16)) >>> 0;
      x.fop = w(8) & 0x7ff;
      x.fds = 0;
      x.fdp = (w(10) | ((w(12) >> 12) << 16)) >>> 0;
    } else {
      x.fip = w(6);
      x.fcs = w(8);
      x.fdp = w(10);
      x.fds = w(12);
    }
  } else if (real) {
    x.fcs = 0;
    x.fip = (w(12) | (((d(16) >>> 12) & 0xffff) << 16)) >>> 0;
    x.fop = d(16) & 0x7ff;
    x.fds = 0;
    x.fdp = (w(20) | (((d(24) >>> 12) & 0xffff) << 16)) >>> 0;
  } else {
    x.fip = d(12);
    x.fcs = w(16);
    x.fop = (d(16) >>> 16) & 0x7ff;
    x.fdp = d(20);
    x.fds = w(24);
  }
  return tw;
}
/** Registers empty in a loaded tag word (11b); the other tags are recomputed from the contents. */
function emptyMaskOf(tw: number): number {
  let m = 0;
  for (let p = 0; p < 8; p++) if (((tw >> (2 * p)) & 3) === 3) m |= 1 << p;
  return m;
}

/** FNSTENV (D9 /6): store the environment, then mask all exceptions (SDM Vol. 2 FSTENV). */
export function fnstenv(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  const x = cpu.state.x87;
  writeBytes(cpu, insn, environmentImage(cpu, x, insn.opSize));
  x.controlWord |= 0x3f;
  afterStatusLoad(cpu, x);
}
/** FLDENV (D9 /4). */
export function fldenv(cpu: Cpu, insn: DecodedInstruction): void {
  const x = control(cpu);
  const b = readBytes(cpu, insn, insn.opSize === 16 ? 14 : 28);
  const tw = loadEnvironment(cpu, x, b, insn.opSize);
  retag(x, emptyMaskOf(tw));
  afterStatusLoad(cpu, x);
}
/** FNSAVE (DD /6): environment + ST0-ST7 (80 bytes, in stack order), then FNINIT. */
export function fnsave(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  const x = cpu.state.x87;
  const env = environmentImage(cpu, x, insn.opSize);
  const b = new Uint8Array(env.length + 80);
  b.set(env);
  for (let i = 0; i < 8; i++) b.set(f80Bytes(readSt(x, i)), env.length + 10 * i);
  writeBytes(cpu, insn, b);
  initialise(x);
  cpu.deassertFerr();
}
/** FRSTOR (DD /4). */
export function frstor(cpu: Cpu, insn: DecodedInstruction): void {
  const x = control(cpu);
  const n = insn.opSize === 16 ? 14 : 28;
  const b = readBytes(cpu, insn, n + 80);
  const tw = loadEnvironment(cpu, x, b, insn.opSize);
  for (let i = 0; i < 8; i++) writePhys(x, phys(x, i), f80FromBytes(b, n + 10 * i));
  retag(x, emptyMaskOf(tw));
  afterStatusLoad(cpu, x);
}

/**
 * 0F AE /0: FXSAVE m512 (16-byte aligned; SDM Vol. 2 FXSAVE Table 3-53):
 * FCW, FSW, abridged FTW, FOP, FIP/FCS, FDP/FDS, MXCSR, ST0-ST7 in 16-byte
 * slots. The XMM area is zero (no SSE registers are emulated).
 */
export function fxsave(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  const off = cpu.ea(insn);
  const lin = (cpu.segBase[insn.segment] + off) >>> 0;
  if (lin & 0xf) cpu.gp(0);
  const x = cpu.state.x87;
  const seg = insn.segment;
  const step = (k: number): number => at(insn, off, k);
  // Probe the whole area first so a fault leaves memory unchanged.
  cpu.write8(seg, step(511), cpu.read8(seg, step(511)));
  cpu.write16(seg, step(0), x.controlWord);
  cpu.write16(seg, step(2), x.statusWord);
  // Abridged tag: one bit per register, 1 = valid (tag != 11b).
  let abridged = 0;
  for (let i = 0; i < 8; i++) if (((x.tagWord >> (2 * i)) & 3) !== 3) abridged |= 1 << i;
  cpu.write8(seg, step(4), abridged);
  cpu.write8(seg, step(5), 0);
  cpu.write16(seg, step(6), x.fop & 0x7ff);
  cpu.write32(seg, step(8), x.fip >>> 0);
  cpu.write32(seg, step(12), x.fcs & 0xffff);
  cpu.write32(seg, step(16), x.fdp >>> 0);
  cpu.write32(seg, step(20), x.fds & 0xffff);
  cpu.write32(seg, step(24), 0x1f80); // MXCSR reset value
  cpu.write32(seg, step(28), 0xffff); // MXCSR_MASK
  for (let i = 0; i < 8; i++) {
    const b = f80Bytes(readSt(x, i));
    for (let k = 0; k < 16; k++) cpu.write8(seg, step(32 + 16 * i + k), k < 10 ? b[k] : 0);
  }
  for (let k = 160; k < 288; k += 4) cpu.write32(seg, step(k), 0);
}
/** 0F AE /1: FXRSTOR m512. */
export function fxrstor(cpu: Cpu, insn: DecodedInstruction): void {
  checkDeviceAvailable(cpu);
  const off = cpu.ea(insn);
  const lin = (cpu.segBase[insn.segment] + off) >>> 0;
  if (lin & 0xf) cpu.gp(0);
  const seg = insn.segment;
  const step = (k: number): number => at(insn, off, k);
  const mxcsr = cpu.read32(seg, step(24));
  if (mxcsr & ~0xffff) cpu.gp(0);
  const regs: F80[] = [];
  for (let i = 0; i < 8; i++) {
    const b = new Uint8Array(10);
    for (let k = 0; k < 10; k++) b[k] = cpu.read8(seg, step(32 + 16 * i + k));
    regs.push(f80FromBytes(b));
  }
  const x = cpu.state.x87;
  x.controlWord = (cpu.read16(seg, step(0)) & 0x1f7f) | 0x40;
  x.statusWord = cpu.read16(seg, step(2));
  const abridged = cpu.read8(seg, step(4));
  x.fop = cpu.read16(seg, step(6)) & 0x7ff;
  x.fip = cpu.read32(seg, step(8));
  x.fcs = cpu.read16(seg, step(12));
  x.fdp = cpu.read32(seg, step(16));
  x.fds = cpu.read16(seg, step(20));
  for (let i = 0; i < 8; i++) writePhys(x, phys(x, i), regs[i]);
  // Abridged tag 0 = empty; a valid register's full tag comes from its contents (SDM Vol. 2 FXRSTOR).
  retag(x, ~abridged & 0xff);
  afterStatusLoad(cpu, x);
}

