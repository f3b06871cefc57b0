/**
 * The CPU's integer ALU: results and status flags of the arithmetic, logic,
 * shift/rotate, multiply/divide, BCD and bit-test/scan instructions. Flags
 * follow SDM Vol. 1 Appendix A / Vol. 2 instruction pages; each operation
 * writes only the status flags it defines (undefined ones get a fixed choice),
 * the rest of `flags` is left untouched. test/cpu/alu-vs-host.test.ts checks
 * every operation against the host CPU.
 */
export type OperandWidth = 8 | 16 | 32;

const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const STATUS = CF | PF | AF | ZF | SF | OF;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = 0; b < 8; b++) bits += (i >> b) & 1;
  PARITY[i] = bits % 2 === 0 ? PF : 0;
}

function mask(w: OperandWidth): number {
  return w === 32 ? 0xffffffff : w === 16 ? 0xffff : 0xff;
}
function trunc(x: number, w: OperandWidth): number {
  return w === 32 ? x >>> 0 : x & (w === 16 ? 0xffff : 0xff);
}
function signBit(w: OperandWidth): number {
  return w === 32 ? 0x80000000 : w === 16 ? 0x8000 : 0x80;
}
function toSigned(x: number, w: OperandWidth): number {
  return w === 32 ? x | 0 : w === 16 ? (x << 16) >> 16 : (x << 24) >> 24;
}

/** SF, ZF, PF of a truncated result. */
function szp(r: number, w: OperandWidth): number {
  return (r === 0 ? ZF : 0) | ((r & signBit(w)) !== 0 ? SF : 0) | PARITY[r & 0xff];
}

export class Alu {
  flags = 0x2;
  quotient = 0;
  remainder = 0;
  high = 0;

  private set(bits: number, which: number): void {
    this.flags = (this.flags & ~which) | bits;
  }

  // --- 32-bit forms: the same results and flags as the generic methods with w = 32,
  // without width branches (the generic methods delegate here, so the host
  // comparison test covers them). Operands are unsigned 32-bit numbers.
  add32(a: number, b: number): number {
    const s = a + b;
    const r = s >>> 0;
    this.flags = (this.flags & ~STATUS) | (r === 0 ? ZF : 0) | ((r >>> 24) & SF) | PARITY[r & 0xff] | (s > 0xffffffff ? CF : 0) | ((a ^ b ^ r) & AF) | ((((a ^ r) & (b ^ r)) >>> 20) & OF);
    return r;
  }
  sub32(a: number, b: number): number {
    const r = (a - b) >>> 0;
    this.flags = (this.flags & ~STATUS) | (r === 0 ? ZF : 0) | ((r >>> 24) & SF) | PARITY[r & 0xff] | (a < b ? CF : 0) | ((a ^ b ^ r) & AF) | ((((a ^ b) & (a ^ r)) >>> 20) & OF);
    return r;
  }
  /** AND/OR/XOR/TEST flags of a 32-bit result (OF, CF, AF cleared). */
  logic32(r: number): number {
    r >>>= 0;
    this.flags = (this.flags & ~STATUS) | (r === 0 ? ZF : 0) | ((r >>> 24) & SF) | PARITY[r & 0xff];
    return r;
  }
  inc32(a: number): number {
    const r = (a + 1) >>> 0;
    this.flags = (this.flags & ~(STATUS & ~CF)) | (r === 0 ? ZF : 0) | ((r >>> 24) & SF) | PARITY[r & 0xff] | ((a ^ 1 ^ r) & AF) | (r === 0x80000000 ? OF : 0);
    return r;
  }
  dec32(a: number): number {
    const r = (a - 1) >>> 0;
    this.flags = (this.flags & ~(STATUS & ~CF)) | (r === 0 ? ZF : 0) | ((r >>> 24) & SF) | PARITY[r & 0xff] | ((a ^ 1 ^ r) & AF) | (a === 0x80000000 ? OF : 0);
    return r;
  }
  /** SHL/SHR/SAR r/m32 with a count already masked to 1..31. */
  shl32(a: number, count: number): number {
    const r = (a << count) >>> 0;
    const cf = (a >>> (32 - count)) & 1;
    this.flags = (this.flags & ~STATUS) | (r === 0 ? ZF : 0) | ((r >>> 24) & SF) | PARITY[r & 0xff] | cf | (((r >>> 31) ^ cf) !== 0 ? OF : 0);
    return r;
  }
  shr32(a: number, count: number): number {
    const r = a >>> count;
    this.flags = (this.flags & ~STATUS) | (r === 0 ? ZF : 0) | ((r >>> 24) & SF) | PARITY[r & 0xff] | ((a >>> (count - 1)) & 1) | ((a >>> 20) & OF);
    return r;
  }
  sar32(a: number, count: number): number {
    const r = ((a | 0) >> count) >>> 0;
    this.flags = (this.flags & ~STATUS) | (r === 0 ? ZF : 0) | ((r >>> 24) & SF) | PARITY[r & 0xff] | (((a | 0) >> (count - 1)) & 1);
    return r;
  }

  add(a: number, b: number, w: OperandWidth): number {
    if (w === 32) return this.add32(a, b);
    const r = trunc(a + b, w);
    const sb = signBit(w);
    this.set(
      szp(r, w) | (a + b > mask(w) ? CF : 0) | ((a ^ b ^ r) & AF) | (((a ^ r) & (b ^ r) & sb) !== 0 ? OF : 0),
      STATUS,
    );
    return r;
  }
  adc(a: number, b: number, w: OperandWidth): number {
    const c = this.flags & CF;
    const r = trunc(a + b + c, w);
    const sb = signBit(w);
    this.set(
      szp(r, w) | (a + b + c > mask(w) ? CF : 0) | ((a ^ b ^ r) & AF) | (((a ^ r) & (b ^ r) & sb) !== 0 ? OF : 0),
      STATUS,
    );
    return r;
  }
  sub(a: number, b: number, w: OperandWidth): number {
    if (w === 32) return this.sub32(a, b);
    const r = trunc(a - b, w);
    const sb = signBit(w);
    this.set(szp(r, w) | (a < b ? CF : 0) | ((a ^ b ^ r) & AF) | (((a ^ b) & (a ^ r) & sb) !== 0 ? OF : 0), STATUS);
    return r;
  }
  sbb(a: number, b: number, w: OperandWidth): number {
    const c = this.flags & CF;
    const r = trunc(a - b - c, w);
    const sb = signBit(w);
    this.set(szp(r, w) | (a < b + c ? CF : 0) | ((a ^ b ^ r) & AF) | (((a ^ b) & (a ^ r) & sb) !== 0 ? OF : 0), STATUS);
    return r;
  }
  private logic(r: number, w: OperandWidth): number {
    if (w === 32) return this.logic32(r);
    r = trunc(r, w);
    this.set(szp(r, w), STATUS); // SDM: OF, CF cleared; AF undefined (cleared here)
    return r;
  }
  and(a: number, b: number, w: OperandWidth): number {
    return this.logic(a & b, w);
  }
  or(a: number, b: number, w: OperandWidth): number {
    return this.logic(a | b, w);
  }
  xor(a: number, b: number, w: OperandWidth): number {
    return this.logic(a ^ b, w);
  }
  inc(a: number, w: OperandWidth): number {
    if (w === 32) return this.inc32(a);
    const cf = this.flags & CF;
    this.add(a, 1, w);
    const r = trunc(a + 1, w);
    this.flags = (this.flags & ~CF) | cf; // INC leaves CF alone
    return r;
  }
  dec(a: number, w: OperandWidth): number {
    if (w === 32) return this.dec32(a);
    const cf = this.flags & CF;
    const r = this.sub(a, 1, w);
    this.flags = (this.flags & ~CF) | cf;
    return r;
  }
  neg(a: number, w: OperandWidth): number {
    const r = this.sub(0, a, w);
    this.set(a !== 0 ? CF : 0, CF);
    return r;
  }

  shl(a: number, count: number, w: OperandWidth): number {
    count &= 0x1f;
    if (count === 0) return a;
    if (w === 32) return this.shl32(a, count);
    // count is 1..31 here; a is the (already truncated) operand.
    const r = trunc(a << count, w);
    const cf = count <= w ? ((a >>> (w - count)) & 1) : 0;
    const of = ((r & signBit(w)) !== 0 ? 1 : 0) ^ cf;
    this.set(szp(r, w) | (cf ? CF : 0) | (of ? OF : 0), STATUS);
    return r;
  }
  shr(a: number, count: number, w: OperandWidth): number {
    count &= 0x1f;
    if (count === 0) return a;
    if (w === 32) return this.shr32(a, count);
    const r = trunc(a >>> count, w);
    const cf = (a >>> (count - 1)) & 1;
    this.set(szp(r, w) | (cf ? CF : 0) | ((a & signBit(w)) !== 0 ? OF : 0), STATUS);
    return r;
  }
  sar(a: number, count: number, w: OperandWidth): number {
    count &= 0x1f;
    if (count === 0) return a;
    if (w === 32) return this.sar32(a, count);
    const s = toSigned(a, w);
    const r = trunc(s >> Math.min(count, 31), w);
    const cf = (s >> Math.min(count - 1, 31)) & 1;
    this.set(szp(r, w) | (cf ? CF : 0), STATUS);
    return r;
  }
  rol(a: number, count: number, w: OperandWidth): number {
    const masked = count & 0x1f;
    if (masked === 0) return a;
    const c = masked % w;
    // Bit operations, not a * 2 ** c + ...: for w = 32 that sum exceeds 2^53
    // and loses the low bits.
    a = trunc(a, w);
    const r = c === 0 ? a : trunc((a << c) | (a >>> (w - c)), w);
    const cf = r & 1;
    const of = (r & signBit(w) ? 1 : 0) ^ cf;
    this.set((cf ? CF : 0) | (of ? OF : 0), CF | OF);
    return r;
  }
  ror(a: number, count: number, w: OperandWidth): number {
    const masked = count & 0x1f;
    if (masked === 0) return a;
    const c = masked % w;
    a = trunc(a, w);
    const r = c === 0 ? a : trunc((a >>> c) | (a << (w - c)), w);
    const msb = r & signBit(w) ? 1 : 0;
    const next = r & (signBit(w) >>> 1) ? 1 : 0;
    this.set((msb ? CF : 0) | (msb ^ next ? OF : 0), CF | OF);
    return r;
  }
  rcl(a: number, count: number, w: OperandWidth): number {
    let c = (count & 0x1f) % (w + 1);
    if ((count & 0x1f) === 0) return a;
    let r = a;
    let cf = this.flags & CF;
    while (c-- > 0) {
      const out = r & signBit(w) ? 1 : 0;
      r = trunc(r * 2 + cf, w);
      cf = out;
    }
    const of = (r & signBit(w) ? 1 : 0) ^ cf;
    this.set((cf ? CF : 0) | (of ? OF : 0), CF | OF);
    return r;
  }
  rcr(a: number, count: number, w: OperandWidth): number {
    let c = (count & 0x1f) % (w + 1);
    if ((count & 0x1f) === 0) return a;
    let r = a;
    let cf = this.flags & CF;
    const of = (r & signBit(w) ? 1 : 0) ^ cf; // SDM: OF computed before the rotate
    while (c-- > 0) {
      const out = r & 1;
      r = Math.floor(r / 2) + (cf ? signBit(w) : 0);
      cf = out;
    }
    this.set((cf ? CF : 0) | (of ? OF : 0), CF | OF);
    return r;
  }
  shld(dst: number, src: number, count: number, w: OperandWidth): number {
    count &= 0x1f;
    if (count === 0) return dst;
    // Concatenate dst:src (2w bits) and shift left; BigInt keeps this exact for w=32.
    const wide = (BigInt(dst) << BigInt(w)) | BigInt(src);
    const shifted = wide << BigInt(count);
    const r = Number((shifted >> BigInt(w)) & BigInt(mask(w)));
    const cf = Number((wide >> BigInt(2 * w - count)) & 1n);
    const of = ((r ^ dst) & signBit(w)) !== 0;
    this.set(szp(r, w) | (cf ? CF : 0) | (of ? OF : 0), STATUS);
    return r;
  }
  shrd(dst: number, src: number, count: number, w: OperandWidth): number {
    count &= 0x1f;
    if (count === 0) return dst;
    const wide = (BigInt(src) << BigInt(w)) | BigInt(dst);
    const r = Number((wide >> BigInt(count)) & BigInt(mask(w)));
    const cf = Number((wide >> BigInt(count - 1)) & 1n);
    const of = ((r ^ dst) & signBit(w)) !== 0;
    this.set(szp(r, w) | (cf ? CF : 0) | (of ? OF : 0), STATUS);
    return r;
  }

  mul(a: number, b: number, w: OperandWidth): number {
    let low: number;
    if (w === 32) {
      const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
      const p0 = al * bl, p1 = al * bh, p2 = ah * bl, p3 = ah * bh;
      const mid = Math.floor(p0 / 65536) + (p1 % 65536) + (p2 % 65536);
      low = ((mid % 65536) * 65536 + (p0 % 65536)) >>> 0;
      this.high = (p3 + Math.floor(p1 / 65536) + Math.floor(p2 / 65536) + Math.floor(mid / 65536)) >>> 0;
    } else {
      const p = a * b;
      low = p & mask(w);
      this.high = (p >>> w) & mask(w);
    }
    this.set(this.high !== 0 ? CF | OF : 0, CF | OF);
    return low;
  }
  imul1(a: number, b: number, w: OperandWidth): number {
    let low: number;
    if (w === 32) {
      low = this.mul(a >>> 0, b >>> 0, 32);
      let high = this.high;
      if (a & 0x80000000) high -= b >>> 0;
      if (b & 0x80000000) high -= a >>> 0;
      this.high = high >>> 0;
      const fits = this.high === ((low | 0) < 0 ? 0xffffffff : 0);
      this.set(fits ? 0 : CF | OF, CF | OF);
      return low;
    }
    const p = toSigned(a, w) * toSigned(b, w);
    low = p & mask(w);
    this.high = (p >> w) & mask(w);
    this.set(toSigned(low, w) === p ? 0 : CF | OF, CF | OF);
    return low;
  }
  imul(a: number, b: number, w: OperandWidth): number {
    const sa = toSigned(a, w), sb = toSigned(b, w);
    const low = w === 32 ? Math.imul(sa, sb) >>> 0 : (sa * sb) & mask(w);
    const exact = w === 32 ? BigInt(sa) * BigInt(sb) === BigInt(low | 0) : sa * sb === toSigned(low, w);
    this.set(exact ? 0 : CF | OF, CF | OF);
    return low;
  }
  div(high: number, low: number, divisor: number, w: OperandWidth): boolean {
    if (divisor === 0) return false;
    if (w === 32) {
      if (high === 0) {
        this.quotient = Math.floor(low / divisor) >>> 0;
        this.remainder = low % divisor;
        return true;
      }
      const dividend = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
      const q = dividend / BigInt(divisor);
      if (q > 0xffffffffn) return false;
      this.quotient = Number(q);
      this.remainder = Number(dividend % BigInt(divisor));
      return true;
    }
    const dividend = high * (1 << w) + low;
    const q = Math.floor(dividend / divisor);
    if (q > mask(w)) return false;
    this.quotient = q;
    this.remainder = dividend % divisor;
    return true;
  }
  idiv(high: number, low: number, divisor: number, w: OperandWidth): boolean {
    if (divisor === 0) return false;
    const d = BigInt(toSigned(divisor, w));
    const dividend = BigInt.asIntN(2 * w, (BigInt(high >>> 0) << BigInt(w)) | BigInt(low >>> 0));
    const q = dividend / d; // BigInt division truncates toward zero, as IDIV does
    const r = dividend % d;
    const limit = 1n << BigInt(w - 1);
    if (q >= limit || q < -limit) return false;
    this.quotient = Number(BigInt.asUintN(w, q));
    this.remainder = Number(BigInt.asUintN(w, r));
    return true;
  }

  daa(al: number): number {
    const oldAl = al;
    const oldCf = this.flags & CF;
    let cf = 0;
    let af = 0;
    if ((al & 0xf) > 9 || this.flags & AF) {
      al = (al + 6) & 0xff;
      cf = oldCf || oldAl + 6 > 0xff ? 1 : 0;
      af = 1;
    }
    if (oldAl > 0x99 || oldCf) {
      al = (al + 0x60) & 0xff;
      cf = 1;
    }
    this.set(szp(al, 8) | (cf ? CF : 0) | (af ? AF : 0), STATUS & ~OF);
    return al;
  }
  das(al: number): number {
    const oldAl = al;
    const oldCf = this.flags & CF;
    let cf = 0;
    let af = 0;
    if ((al & 0xf) > 9 || this.flags & AF) {
      cf = oldCf || al < 6 ? 1 : 0;
      al = (al - 6) & 0xff;
      af = 1;
    }
    if (oldAl > 0x99 || oldCf) {
      al = (al - 0x60) & 0xff;
      cf = 1;
    }
    this.set(szp(al, 8) | (cf ? CF : 0) | (af ? AF : 0), STATUS & ~OF);
    return al;
  }
  aaa(ax: number): number {
    if ((ax & 0xf) > 9 || this.flags & AF) {
      ax = (ax + 0x106) & 0xffff;
      this.set(AF | CF, AF | CF);
    } else this.set(0, AF | CF);
    return ax & 0xff0f;
  }
  aas(ax: number): number {
    if ((ax & 0xf) > 9 || this.flags & AF) {
      // SDM Vol. 2 AAS: "AX ← AX – 6; AH ← AH – 1": the borrow out of AL
      // (AL < 6) also comes off AH, so AH drops by 2 then.
      ax = (ax - 6 - 0x100) & 0xffff;
      this.set(AF | CF, AF | CF);
    } else this.set(0, AF | CF);
    return ax & 0xff0f;
  }
  aam(al: number, base: number): number {
    if (base === 0) return -1;
    const ah = Math.floor(al / base);
    const nal = al % base;
    this.set(szp(nal, 8), SF | ZF | PF);
    return (ah << 8) | nal;
  }
  aad(ax: number, base: number): number {
    const al = ((ax & 0xff) + ((ax >> 8) & 0xff) * base) & 0xff;
    this.set(szp(al, 8), SF | ZF | PF);
    return al;
  }

  bt(value: number, bit: number): void {
    this.set((value >>> (bit & 31)) & 1 ? CF : 0, CF);
  }
  bts(value: number, bit: number): number {
    this.bt(value, bit);
    return (value | (1 << (bit & 31))) >>> 0;
  }
  btr(value: number, bit: number): number {
    this.bt(value, bit);
    return (value & ~(1 << (bit & 31))) >>> 0;
  }
  btc(value: number, bit: number): number {
    this.bt(value, bit);
    return (value ^ (1 << (bit & 31))) >>> 0;
  }
  bsf(src: number, w: OperandWidth): number {
    src = trunc(src, w);
    if (src === 0) {
      this.set(ZF, ZF);
      return -1;
    }
    this.set(0, ZF);
    return 31 - Math.clz32(src & -src);
  }
  bsr(src: number, w: OperandWidth): number {
    src = trunc(src, w);
    if (src === 0) {
      this.set(ZF, ZF);
      return -1;
    }
    this.set(0, ZF);
    return 31 - Math.clz32(src);
  }
}
