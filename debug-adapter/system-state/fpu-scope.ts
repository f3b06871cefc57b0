/**
 * The FPU scope (SDM Vol. 1 8.1): ST0-ST7 as decimal and raw 80-bit hex with
 * their tags and physical registers, the control word (PC, RC, masks), the
 * status word (TOP, C3-C0, flags, ES, B), the tag word and the last
 * instruction/data pointers. Read-only; built from CpuState.x87 alone.
 */
import type { X87State } from '../../emulator/cpu/cpu-state';
import { hex, leaf, type VarNode } from './var-node';

const TAG_NAMES = ['valid', 'zero', 'special', 'empty'] as const;
const PRECISION = ['24 bits (single)', 'reserved', '53 bits (double)', '64 bits (extended)'] as const;
const ROUNDING = ['nearest', 'down (toward -inf)', 'up (toward +inf)', 'toward zero'] as const;
const EXCEPTIONS = ['IE', 'DE', 'ZE', 'OE', 'UE', 'PE'] as const;
const MASKS = ['IM', 'DM', 'ZM', 'OM', 'UM', 'PM'] as const;

/** An 80-bit value in decimal, 21 significant digits (enough to tell any two extended values apart). */
export function decimal80(signExp: number, mant: bigint): string {
  const sign = signExp & 0x8000 ? '-' : '+';
  const exp = signExp & 0x7fff;
  const j = (mant >> 63n) & 1n;
  if (exp === 0x7fff) {
    if (j === 0n) return mant === 0n ? 'pseudo-infinity (unsupported)' : 'pseudo-NaN (unsupported)';
    if ((mant & ((1n << 63n) - 1n)) === 0n) return `${sign}inf`;
    if (signExp === 0xffff && mant === 0xc000000000000000n) return 'QNaN (indefinite)';
    return mant & (1n << 62n) ? `${sign}QNaN` : `${sign}SNaN`;
  }
  if (mant === 0n) return exp === 0 ? `${sign}0` : `${sign}0 (unnormal, unsupported)`;
  const note = exp === 0 ? (j ? ' (pseudo-denormal)' : ' (denormal)') : j === 0n ? ' (unnormal, unsupported)' : '';
  // value = mant * 2^k exactly; scale to 21 digits with integer arithmetic.
  const k = (exp === 0 ? 1 : exp) - 16383 - 63;
  const bits = mant.toString(2).length;
  let d = Math.floor((bits - 1 + k) * Math.LOG10E * Math.LN2);
  const DIGITS = 21;
  const scaled = (dd: number): bigint => {
    let num = mant;
    let den = 1n;
    if (k >= 0) num <<= BigInt(k);
    else den <<= BigInt(-k);
    const p = DIGITS - 1 - dd;
    if (p >= 0) num *= 10n ** BigInt(p);
    else den *= 10n ** BigInt(-p);
    return (num * 2n + den) / (2n * den);
  };
  let n = scaled(d);
  if (n.toString().length > DIGITS) n = scaled(++d);
  else if (n.toString().length < DIGITS) n = scaled(--d);
  const s = n.toString();
  const frac = s.slice(1).replace(/0+$/, '');
  return `${sign}${s[0]}${frac ? '.' + frac : ''}e${d >= 0 ? '+' : ''}${d}${note}`;
}

function raw80(x: X87State, p: number): string {
  return `0x${x.signExp[p].toString(16).padStart(4, '0')}_${x.mantHi[p].toString(16).padStart(8, '0')}${x.mantLo[p].toString(16).padStart(8, '0')}`;
}

function flagNames(word: number, names: readonly string[]): string {
  const on = names.filter((_, i) => word & (1 << i));
  return on.length ? on.join(' ') : 'none';
}

export function fpuScope(x: X87State): VarNode[] {
  const top = (x.statusWord >> 11) & 7;
  const nodes: VarNode[] = [];
  for (let i = 0; i < 8; i++) {
    const p = (top + i) & 7;
    const tag = (x.tagWord >> (2 * p)) & 3;
    const mant = (BigInt(x.mantHi[p]) << 32n) | BigInt(x.mantLo[p]);
    const value = tag === 3 ? `empty (${raw80(x, p)})` : `${decimal80(x.signExp[p], mant)}  ${raw80(x, p)}`;
    nodes.push({
      name: `st${i}`,
      value,
      type: `R${p} ${TAG_NAMES[tag]}`,
      children: () => [
        leaf('decimal', decimal80(x.signExp[p], mant)),
        leaf('raw', raw80(x, p), 'sign/exponent_significand'),
        leaf('sign', String(x.signExp[p] >> 15)),
        leaf('exponent', hex(x.signExp[p] & 0x7fff, 4), 'biased by 16383'),
        leaf('significand', `0x${mant.toString(16).padStart(16, '0')}`, 'J bit 63'),
        leaf('tag', TAG_NAMES[tag]),
        leaf('physical register', `R${p}`),
      ],
    });
  }
  const cw = x.controlWord;
  const masks = MASKS.filter((_, i) => cw & (1 << i));
  nodes.push({
    name: 'fcw',
    value: `${hex(cw, 4)} [PC=${PRECISION[(cw >> 8) & 3]} RC=${ROUNDING[(cw >> 10) & 3]} masked: ${masks.length ? masks.join(' ') : 'none'}]`,
    type: 'control word',
    children: () => [
      leaf('PC (precision control)', PRECISION[(cw >> 8) & 3]),
      leaf('RC (rounding control)', ROUNDING[(cw >> 10) & 3]),
      ...MASKS.map((m, i) => leaf(m, cw & (1 << i) ? '1 (masked)' : '0 (unmasked)')),
      leaf('X (infinity control, 287 only)', String((cw >> 12) & 1)),
    ],
  });
  const sw = x.statusWord;
  const cc = `C3=${(sw >> 14) & 1} C2=${(sw >> 10) & 1} C1=${(sw >> 9) & 1} C0=${(sw >> 8) & 1}`;
  nodes.push({
    name: 'fsw',
    value: `${hex(sw, 4)} [TOP=${top} ${cc} flags: ${flagNames(sw, EXCEPTIONS)}${sw & 0x40 ? ' SF' : ''}${sw & 0x80 ? ' ES' : ''}${sw & 0x8000 ? ' B' : ''}]`,
    type: 'status word',
    children: () => [
      leaf('TOP', String(top)),
      leaf('C3', String((sw >> 14) & 1)),
      leaf('C2', String((sw >> 10) & 1)),
      leaf('C1', String((sw >> 9) & 1)),
      leaf('C0', String((sw >> 8) & 1)),
      ...EXCEPTIONS.map((e, i) => leaf(e, String((sw >> i) & 1))),
      leaf('SF (stack fault)', String((sw >> 6) & 1)),
      leaf('ES (error summary: an unmasked exception is pending)', String((sw >> 7) & 1)),
      leaf('B (busy)', String((sw >> 15) & 1)),
    ],
  });
  const tags: string[] = [];
  for (let p = 7; p >= 0; p--) tags.push(`R${p}=${TAG_NAMES[(x.tagWord >> (2 * p)) & 3]}`);
  nodes.push(leaf('ftw', `${hex(x.tagWord, 4)} [${tags.join(' ')}]`, 'tag word'));
  nodes.push(leaf('fop', hex(x.fop, 3), 'last opcode (11 bits)'));
  nodes.push(leaf('fip', `${hex(x.fcs, 4)}:${hex(x.fip)}`, 'last instruction'));
  nodes.push(leaf('fdp', `${hex(x.fds, 4)}:${hex(x.fdp)}`, 'last memory operand'));
  return nodes;
}
