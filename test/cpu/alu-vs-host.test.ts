/**
 * Differential test of the integer ALU (emulator/cpu/alu.ts) against the host
 * x86-64 CPU. test/cpu/host-alu.c executes the real instructions over a
 * deterministic set of operands, counts and incoming flags and prints one line
 * per case (format documented at the top of that file); every case is replayed
 * through `Alu` and the result, high half / quotient / remainder, #DE and the
 * status flags the SDM defines for that case are compared.
 *
 * DAA/DAS/AAA/AAS/AAM/AAD do not exist in 64-bit mode; the C program runs them
 * in a 32-bit compatibility-mode code segment. On a kernel without one (ia32
 * emulation disabled) it prints "# nocompat" and that block is skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Alu, type OperandWidth } from '../../emulator/cpu/alu';

const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const STATUS = CF | PF | AF | ZF | SF | OF;

interface HostCase {
  op: string;
  w: OperandWidth;
  a: number;
  b: number;
  c: number;
  fin: number;
  /** The host raised (would raise) #DE; res/hi/fout are meaningless. */
  fault: boolean;
  res: number;
  hi: number;
  fout: number;
}

/** What the Alu produced for one case. */
interface Outcome {
  fault: boolean;
  res: number;
  hi: number;
}

/** What to compare for one case. */
interface Compared {
  /** Status flags the SDM defines for this case (others are undefined). */
  flags: number;
  result: boolean;
  high: boolean;
}

/**
 * Flags the SDM (Vol. 2, each instruction's "Flags Affected") leaves undefined.
 * A flag the instruction does not affect is defined: it must keep its incoming
 * value, and is compared. `n` is the shift/rotate count after the 5-bit mask.
 *
 * | instruction                 | undefined, not compared                                            |
 * |-----------------------------|--------------------------------------------------------------------|
 * | ADD ADC SUB SBB NEG         | none                                                               |
 * | INC DEC                     | none (CF unaffected)                                               |
 * | AND OR XOR                  | AF                                                                 |
 * | SHL SHR SAR                 | n = 0: none (no flag changes); else AF; OF if n != 1;              |
 * |                             | SHL/SHR: CF if n >= operand width                                  |
 * | ROL ROR RCL RCR             | n = 0: none; else OF if n != 1 (SF ZF AF PF unaffected)            |
 * | SHLD SHRD                   | n = 0: none; n > width: all flags and the result; else AF,         |
 * |                             | OF if n != 1                                                       |
 * | MUL, IMUL (all forms)       | SF ZF AF PF                                                        |
 * | DIV IDIV                    | CF OF SF ZF AF PF                                                  |
 * | DAA DAS                     | OF                                                                 |
 * | AAA AAS                     | OF SF ZF PF                                                        |
 * | AAM AAD                     | OF AF CF                                                           |
 * | BT BTS BTR BTC              | OF SF AF PF (ZF unaffected)                                        |
 * | BSF BSR                     | CF OF SF AF PF; the destination when the source is 0              |
 */
const UNDEFINED: Record<string, (c: HostCase) => number | 'all'> = {
  add: () => 0,
  adc: () => 0,
  sub: () => 0,
  sbb: () => 0,
  neg: () => 0,
  inc: () => 0,
  dec: () => 0,
  and: () => AF,
  or: () => AF,
  xor: () => AF,
  shl: (c) => shiftUndefined(c, true),
  shr: (c) => shiftUndefined(c, true),
  sar: (c) => shiftUndefined(c, false),
  rol: rotateUndefined,
  ror: rotateUndefined,
  rcl: rotateUndefined,
  rcr: rotateUndefined,
  shld: doubleShiftUndefined,
  shrd: doubleShiftUndefined,
  mul: () => SF | ZF | AF | PF,
  imul1: () => SF | ZF | AF | PF,
  imul: () => SF | ZF | AF | PF,
  div: () => STATUS,
  idiv: () => STATUS,
  daa: () => OF,
  das: () => OF,
  aaa: () => OF | SF | ZF | PF,
  aas: () => OF | SF | ZF | PF,
  aam: () => OF | AF | CF,
  aad: () => OF | AF | CF,
  bt: () => OF | SF | AF | PF,
  bts: () => OF | SF | AF | PF,
  btr: () => OF | SF | AF | PF,
  btc: () => OF | SF | AF | PF,
  bsf: () => CF | OF | SF | AF | PF,
  bsr: () => CF | OF | SF | AF | PF,
};
function shiftUndefined(c: HostCase, cfLimited: boolean): number {
  const n = c.c & 0x1f;
  if (n === 0) return 0;
  return AF | (n !== 1 ? OF : 0) | (cfLimited && n >= c.w ? CF : 0);
}
function rotateUndefined(c: HostCase): number {
  const n = c.c & 0x1f;
  return n === 0 || n === 1 ? 0 : OF;
}
function doubleShiftUndefined(c: HostCase): number | 'all' {
  const n = c.c & 0x1f;
  if (n === 0) return 0;
  if (n > c.w) return 'all';
  return AF | (n !== 1 ? OF : 0);
}

function compared(c: HostCase): Compared {
  const undef = UNDEFINED[c.op](c);
  if (undef === 'all') return { flags: 0, result: false, high: false };
  const hasHigh = c.op === 'mul' || c.op === 'imul1' || c.op === 'div' || c.op === 'idiv';
  const bitScanOfZero = (c.op === 'bsf' || c.op === 'bsr') && c.b === 0;
  return { flags: STATUS & ~undef, result: !bitScanOfZero, high: hasHigh };
}

/** Replay one host case through the Alu. */
function runAlu(alu: Alu, c: HostCase): Outcome {
  const { a, b, w } = c;
  const ok = (res: number, hi = 0): Outcome => ({ fault: false, res, hi });
  switch (c.op) {
    case 'add': return ok(alu.add(a, b, w));
    case 'adc': return ok(alu.adc(a, b, w));
    case 'sub': return ok(alu.sub(a, b, w));
    case 'sbb': return ok(alu.sbb(a, b, w));
    case 'and': return ok(alu.and(a, b, w));
    case 'or': return ok(alu.or(a, b, w));
    case 'xor': return ok(alu.xor(a, b, w));
    case 'inc': return ok(alu.inc(a, w));
    case 'dec': return ok(alu.dec(a, w));
    case 'neg': return ok(alu.neg(a, w));
    case 'shl': return ok(alu.shl(a, c.c, w));
    case 'shr': return ok(alu.shr(a, c.c, w));
    case 'sar': return ok(alu.sar(a, c.c, w));
    case 'rol': return ok(alu.rol(a, c.c, w));
    case 'ror': return ok(alu.ror(a, c.c, w));
    case 'rcl': return ok(alu.rcl(a, c.c, w));
    case 'rcr': return ok(alu.rcr(a, c.c, w));
    case 'shld': return ok(alu.shld(a, b, c.c, w));
    case 'shrd': return ok(alu.shrd(a, b, c.c, w));
    case 'mul': { const r = alu.mul(a, b, w); return ok(r, alu.high); }
    case 'imul1': { const r = alu.imul1(a, b, w); return ok(r, alu.high); }
    case 'imul': return ok(alu.imul(a, b, w));
    case 'div':
    case 'idiv': {
      // a = AH/DX/EDX, b = AL/AX/EAX, c = divisor.
      const fine = c.op === 'div' ? alu.div(a, b, c.c, w) : alu.idiv(a, b, c.c, w);
      return fine ? ok(alu.quotient, alu.remainder) : { fault: true, res: 0, hi: 0 };
    }
    // The register form of BT* takes the offset modulo the width; the Alu is
    // handed the in-range bit, as exec/arith.ts bitOp does.
    case 'bt': alu.bt(a, b & (w - 1)); return ok(a);
    case 'bts': return ok(alu.bts(a, b & (w - 1)));
    case 'btr': return ok(alu.btr(a, b & (w - 1)));
    case 'btc': return ok(alu.btc(a, b & (w - 1)));
    case 'bsf': return ok(alu.bsf(b, w));
    case 'bsr': return ok(alu.bsr(b, w));
    case 'daa': return ok(alu.daa(a & 0xff));
    case 'das': return ok(alu.das(a & 0xff));
    case 'aaa': return ok(alu.aaa(a));
    case 'aas': return ok(alu.aas(a));
    case 'aam': {
      const r = alu.aam(a & 0xff, b);
      return r < 0 ? { fault: true, res: 0, hi: 0 } : ok(r);
    }
    // AAD leaves AH = 0, so the host's AX equals the AL the Alu returns.
    case 'aad': return ok(alu.aad(a, b) & 0xff);
    default: throw new Error(`host-alu printed an unknown op: ${c.op}`);
  }
}

const hex = (x: number): string => (x >>> 0).toString(16);
function flagNames(f: number, mask: number): string {
  const names: Array<[number, string]> = [[OF, 'OF'], [SF, 'SF'], [ZF, 'ZF'], [AF, 'AF'], [PF, 'PF'], [CF, 'CF']];
  const set = names.filter(([bit]) => mask & bit && f & bit).map(([, n]) => n);
  return `${hex(f & mask)}[${set.join(' ') || '-'}]`;
}
function describe1(c: HostCase): string {
  return `${c.op}/${c.w} a=${hex(c.a)} b=${hex(c.b)} count/divisor=${hex(c.c)} flagsin=${flagNames(c.fin, STATUS)}`;
}

/** Compare every case of the given ops; return readable mismatch lines. */
function check(cases: HostCase[], ops: readonly string[]): { compared: number; mismatches: string[] } {
  const want = new Set(ops);
  const alu = new Alu();
  const mismatches: string[] = [];
  let n = 0;
  for (const c of cases) {
    if (!want.has(c.op)) continue;
    n++;
    const cmp = compared(c);
    alu.flags = c.fin;
    alu.high = 0;
    alu.quotient = 0;
    alu.remainder = 0;
    let got: Outcome;
    try {
      got = runAlu(alu, c);
    } catch (e) {
      mismatches.push(`${describe1(c)}: threw ${(e as Error).message}`);
      continue;
    }
    if (c.fault || got.fault) {
      if (c.fault !== got.fault) {
        mismatches.push(`${describe1(c)}: expected ${c.fault ? '#DE' : `no fault (result ${hex(c.res)})`}, got ${got.fault ? '#DE' : `result ${hex(got.res)}`}`);
      }
      continue;
    }
    const problems: string[] = [];
    if (cmp.result && got.res >>> 0 !== c.res >>> 0) problems.push(`result ${hex(c.res)} vs ${hex(got.res)}`);
    if (cmp.high && got.hi >>> 0 !== c.hi >>> 0) problems.push(`high/remainder ${hex(c.hi)} vs ${hex(got.hi)}`);
    if ((alu.flags & cmp.flags) !== (c.fout & cmp.flags)) {
      problems.push(`flags ${flagNames(c.fout, cmp.flags)} vs ${flagNames(alu.flags, cmp.flags)} (compared ${flagNames(cmp.flags, STATUS)})`);
    }
    if (problems.length > 0) mismatches.push(`${describe1(c)}: expected vs got: ${problems.join('; ')}`);
  }
  return { compared: n, mismatches };
}

function parse(text: string): { cases: HostCase[]; notes: string[] } {
  const cases: HostCase[] = [];
  const notes: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      notes.push(line);
      continue;
    }
    const f = line.split(' ');
    if (f.length !== 9) throw new Error(`host-alu: malformed line: ${line}`);
    const w = Number(f[1]);
    if (w !== 8 && w !== 16 && w !== 32) throw new Error(`host-alu: bad width: ${line}`);
    const fault = f[6] === 'F';
    cases.push({
      op: f[0],
      w,
      a: parseInt(f[2], 16),
      b: parseInt(f[3], 16),
      c: parseInt(f[4], 16),
      fin: parseInt(f[5], 16),
      fault,
      res: fault ? 0 : parseInt(f[6], 16),
      hi: parseInt(f[7], 16),
      fout: parseInt(f[8], 16),
    });
  }
  return { cases, notes };
}

describe('cpu/alu vs host CPU', function () {
  let cases: HostCase[] = [];
  let compatMissing = '';

  before(function () {
    this.timeout(180_000);
    if (process.arch !== 'x64') throw new Error(`alu-vs-host needs an x86-64 host (this is ${process.arch})`);
    const probe = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0) {
      throw new Error('alu-vs-host needs gcc to build test/cpu/host-alu.c (apt-get install gcc); CI installs it');
    }
    const dir = mkdtempSync(join(tmpdir(), 'host-alu-'));
    try {
      const exe = join(dir, 'host-alu');
      const cc = spawnSync('gcc', ['-O1', '-o', exe, join(__dirname, 'host-alu.c')], { encoding: 'utf8' });
      if (cc.status !== 0) throw new Error(`gcc failed to build host-alu.c:\n${cc.stderr}`);
      const run = spawnSync(exe, [], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
      if (run.error !== undefined || run.status !== 0) {
        throw new Error(`host-alu failed (status ${run.status}, signal ${run.signal}): ${run.error?.message ?? run.stderr}`);
      }
      const parsed = parse(run.stdout);
      cases = parsed.cases;
      compatMissing = parsed.notes.find((n) => n.startsWith('# nocompat')) ?? '';
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const families: Array<[string, readonly string[]]> = [
    ['ADD ADC SUB SBB NEG INC DEC', ['add', 'adc', 'sub', 'sbb', 'neg', 'inc', 'dec']],
    ['AND OR XOR', ['and', 'or', 'xor']],
    ['SHL SHR SAR', ['shl', 'shr', 'sar']],
    ['ROL ROR RCL RCR', ['rol', 'ror', 'rcl', 'rcr']],
    ['SHLD SHRD', ['shld', 'shrd']],
    ['MUL, IMUL one-operand (high half) and two-operand', ['mul', 'imul1', 'imul']],
    ['DIV IDIV (quotient, remainder, #DE)', ['div', 'idiv']],
    ['BT BTS BTR BTC BSF BSR', ['bt', 'bts', 'btr', 'btc', 'bsf', 'bsr']],
    ['DAA DAS AAA AAS AAM AAD (32-bit compatibility mode)', ['daa', 'das', 'aaa', 'aas', 'aam', 'aad']],
  ];
  for (const [title, ops] of families) {
    it(`${title} match the host`, function () {
      const bcd = ops.includes('daa');
      if (bcd && compatMissing !== '') {
        // Only when the host kernel cannot run 32-bit code at all.
        console.log(`      ${compatMissing.slice(2)}`);
        this.skip();
      }
      const { compared: n, mismatches } = check(cases, ops);
      if (n === 0) throw new Error(`host-alu printed no cases for ${ops.join(' ')}`);
      if (mismatches.length > 0) {
        throw new Error(
          `${mismatches.length} of ${n} cases differ from the host (first 20; "expected vs got"):\n  ` +
            mismatches.slice(0, 20).join('\n  '),
        );
      }
    });
  }
});
