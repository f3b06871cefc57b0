/**
 * Disassembler oracle: a NASM corpus covering every opcode-table entry (see
 * disassembler-corpus.ts) is disassembled by our disassembler and by GNU
 * objdump in both syntaxes and both code sizes. Instruction boundaries must be
 * identical and the texts equal after normalising what is only presentation.
 *
 * Normalisations (each is a difference of presentation, not of meaning):
 *  N1  case, runs of blanks, blanks after commas: objdump pads the mnemonic
 *      with spaces and writes operands without blanks; we write ", ".
 *  N2  Intel size words: objdump writes "DWORD PTR", NASM style is "dword";
 *      " ptr" is dropped.  objdump also writes "FWORD PTR" for m16:32 far
 *      pointers and "QWORD PTR" for BOUND's pair where we write "far" / the
 *      pair size; the size words of those two forms are dropped on both sides.
 *  N3  Intel segment overrides: objdump writes "fs:[ebx]" and "ds:0x1234"
 *      (absolute, no size); NASM writes "[fs:ebx]" and "dword [0x1234]". Both
 *      sides are brought to "[fs:ebx]"/"[0x1234]" with the size of a moffs
 *      operand dropped (the register operand gives it).
 *  N4  String instructions: objdump lists the implicit operands
 *      ("movs DWORD PTR es:[edi],DWORD PTR ds:[esi]", "movsl %ds:(%esi),%es:(%edi)");
 *      we print the sized mnemonic alone ("movsd"/"movsl") with a segment
 *      override as a prefix word. objdump's operands are folded into the
 *      mnemonic suffix and an override prefix.
 *  N5  Alias mnemonics where objdump's choice is arbitrary: xlat/xlatb,
 *      shl/sal for /6 (objdump: "sal"? no, see ALIASES), AT&T "shl %eax"
 *      vs "shl $1,%eax" for the D0/D1 forms, 16-bit "sgdtw"/"sgdt", "fwait"
 *      vs "wait"... listed in ALIASES with why.
 *  N6  Branch targets: objdump prints the absolute target of the corpus
 *      (loaded at 0); we print the same number (both hex, "0x..").
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disassembleBytes, type Syntax } from '../../emulator/cpu/disassembler';
import { nasm } from '../support/nasm';
import { buildCorpus, corpusSource, type CorpusItem } from './disassembler-corpus';

const hasObjdump = spawnSync('objdump', ['--version']).status === 0;

function objdump(bin: Uint8Array, codeSize: 16 | 32, syntax: Syntax): Map<number, string> {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-objdump-'));
  const file = join(dir, 'corpus.bin');
  writeFileSync(file, bin);
  const m: string[] = [];
  if (syntax === 'intel') m.push('intel');
  if (codeSize === 16) m.push('data16', 'addr16');
  const args = ['-D', '-b', 'binary', '-m', 'i386', '--no-show-raw-insn', ...(m.length ? ['-M', m.join(',')] : []), file];
  const r = spawnSync('objdump', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`objdump failed: ${r.stderr}`);
  const out = new Map<number, string>();
  for (const line of r.stdout.split('\n')) {
    const match = /^\s*([0-9a-f]+):\t(.*)$/.exec(line);
    if (match === null) continue;
    out.set(parseInt(match[1], 16), match[2]);
  }
  return out;
}

const SIZE_WORD: Record<string, string> = { byte: 'b', word: 'w', dword: 'd', qword: 'q' };

/** N1-N4 on objdump's text. */
export function normaliseObjdump(text: string, syntax: Syntax): string {
  let t = text.replace(/\s+#.*$/, '').replace(/\s+<.*>$/, '').toLowerCase().trim().replace(/\s+/g, ' ');
  if (syntax === 'intel') {
    // N4: string instructions with their implicit operands.
    const s = /^((?:rep[a-z]* |lock )*)(movs|cmps|stos|lods|scas|ins|outs|xlat) (.*)$/.exec(t);
    if (s !== null) {
      const sizes = /(byte|word|dword) ptr/.exec(s[3]);
      const segs = [...s[3].matchAll(/(es|cs|ss|ds|fs|gs):\[(e?si|e?bx)\]/g)].map((x) => x[1]).filter((g) => g !== 'ds');
      const base = s[2] === 'xlat' ? 'xlatb' : s[2] + (sizes ? SIZE_WORD[sizes[1]] : '');
      return `${s[1]}${segs.length ? segs[0] + ' ' : ''}${base}`.trim();
    }
    t = t.replace(/ ptr/g, '');
    // N3: "fs:[ebx]" -> "[fs:ebx]", absolute "ds:0x1234" -> "[0x1234]" ("ds:" explicit only with a prefix).
    t = t.replace(/\b(es|cs|ss|ds|fs|gs):\[/g, '[$1:');
    t = t.replace(/(^| |,)(es|cs|ss|ds|fs|gs):(0x[0-9a-f]+)/g, '$1[$2:$3]');
  } else {
    const s = /^((?:rep[a-z]* |lock )*)(movs|cmps|stos|lods|scas|ins|outs|xlat)([bwl]?) (.*)$/.exec(t);
    if (s !== null) {
      if (s[3] === '') s[3] = /%al\b/.test(s[4]) ? 'b' : /%ax\b/.test(s[4]) ? 'w' : /%eax\b/.test(s[4]) ? 'l' : '';
      const segs = [...s[4].matchAll(/%(es|cs|ss|ds|fs|gs):\((%e?si|%e?bx)\)/g)].map((x) => x[1]).filter((g) => g !== 'ds');
      const base = s[2] === 'xlat' ? 'xlatb' : s[2] + s[3];
      return `${s[1]}${segs.length ? segs[0] + ' ' : ''}${base}`.trim();
    }
  }
  return t.replace(/, /g, ',');
}

/** N1-N3 on our text. */
export function normaliseOurs(text: string, syntax: Syntax): string {
  let t = text.toLowerCase().trim().replace(/\s+/g, ' ').replace(/, /g, ',');
  if (syntax === 'intel') {
    t = t.replace(/\[(es|cs|ss|ds|fs|gs):/g, '[$1:');
  }
  return t;
}

interface Mismatch { offset: number; what: string; bytes: string; ours: string; theirs: string }

function compare(codeSize: 16 | 32, syntax: Syntax, items: CorpusItem[], bin: Uint8Array): { count: number; mismatches: Mismatch[] } {
  const theirs = objdump(bin, codeSize, syntax);
  const mismatches: Mismatch[] = [];
  let offset = 0;
  for (const it of items) {
    const d = disassembleBytes(bin, offset, offset, codeSize, syntax);
    const t = theirs.get(offset);
    const bytes = it.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    if (d.length !== it.bytes.length || t === undefined || !theirs.has(offset + it.bytes.length) && offset + it.bytes.length < bin.length) {
      mismatches.push({ offset, what: it.what + ' (boundary)', bytes, ours: `${d.text} [${d.length}]`, theirs: t ?? '(no instruction here)' });
    } else {
      const a = canonical(normaliseOurs(d.text, syntax), syntax, it, codeSize);
      const b = canonical(normaliseObjdump(t, syntax), syntax, it, codeSize);
      // AT&T size suffixes: objdump omits one where the size is the default or fixed by the instruction (pop, call *,
      // sldt, fldcw, setcc); we always suffix a memory operand that no register sizes. GAS accepts both spellings.
      const suffixOnly = syntax === 'att' && suffixAlias(a, b);
      if (a !== b && !suffixOnly) mismatches.push({ offset, what: it.what, bytes, ours: a, theirs: b });
    }
    offset += it.bytes.length;
  }
  return { count: items.length, mismatches };
}

/**
 * N2/N3/N5: rewrites applied to both sides, so either spelling compares equal.
 * Each entry says why the two spellings mean the same instruction.
 */
const ALIASES: [RegExp, string, string][] = [
  [/^(?:addr16|addr32|data16|data32) /, '', 'objdump names a 66/67 prefix the instruction does not use; it has no effect'],
  [/^(call|jmp) (?:word |dword )(0x[0-9a-f]+:)/, '$1 $2', 'objdump does not size a far pointer immediate (the bytes do)'],
  [/^(call|jmp)([wd]) (0x[0-9a-f]+)$/, '$1 $2 $3', 'objdump "callw 0x..." = NASM "call word 0x..."'],
  [/^(call|jmp) w /, '$1 word ', '-'],
  [/^(call|jmp) d /, '$1 dword ', '-'],
  [/\(%dx\)/, '%dx', 'AT&T IN/OUT port: objdump writes (%dx), GAS accepts %dx'],
  [/%db([0-7])/, '%dr$1', 'objdump names debug registers %db0-7, GAS accepts %dr0-7'],
  [/^mov %e([a-z]{2}),%(es|cs|ss|ds|fs|gs)$/, 'mov %$1,%$2', 'MOV Sreg, r32 (AT&T)'],
  // moffs operands (A0-A3): objdump gives no size, the register fixes it.
  [/^(mov [a-z]+,)(?:byte|word|dword) \[/, '$1[', 'moffs size implied by the register'],
  [/^mov (?:byte|word|dword) (\[[^\]]*\]),(al|ax|eax)$/, 'mov $1,$2', 'moffs size implied by the register'],
  // Far indirect: "far [eax]" (NASM) = "fword ptr [eax]"/"dword ptr [eax]" (objdump).
  [/^(call|jmp) (?:far |fword |dword )(\[.*)$/, '$1 far $2', 'far pointer size implied by the operand size'],
  [/^(les|lds|lss|lfs|lgs|bound) ([a-z]+),(?:far |fword |dword |qword )?(\[.*)$/, '$1 $2,$3', 'pointer/pair size implied by the register'],
  // AT&T D0/D1 shifts: objdump omits the count 1.
  [/^(rol|ror|rcl|rcr|shl|shr|sal|sar)([bwl]?) \$0x1,/, '$1$2 ', 'shift by one: GAS accepts both spellings'],
  [/^(rol|ror|rcl|rcr|shl|shr|sal|sar)([bwl]?) \$1,/, '$1$2 ', 'shift by one'],
  [/^(rol|ror|rcl|rcr|shl|shr|sal|sar) ([^,]+),1$/, '$1 $2', 'shift by one (Intel)'],
  // SIB forms: objdump writes the scale 1 ("eax*1") and the absent index of a redundant SIB ("eiz*1"); NASM writes neither
  // when a base is present. Without a base we too write "*1", so "[ebp*1+disp]" (DS) is not read as "[ebp+disp]" (SS).
  [/\+eiz\*1/, '', 'redundant SIB without index'],
  [/\[eiz\*1\+/, '[', 'redundant SIB without base or index'],
  [/(\[[a-z]+:?[a-z]*\+[a-z]+)\*1\b/, '$1', 'scale 1 with a base'],
  [/\+eiz\*[248]/, '', 'SIB index 100b (none) with a scale: the scale is ignored (SDM Table 2-3)'],
  [/\[((?:[a-z]s:)?)eiz\*[1248]\+/, '[$1', 'SIB without base or index'],
  [/,%eiz,[1248]\)/, ')', 'SIB index none with a scale (AT&T)'],
  [/\(,%eiz,[1248]\)/, '', 'SIB without base or index (AT&T)'],
  [/^repz /, 'repe ', 'REPZ = REPE (F3)'],
  [/^(sgdt|sidt|lgdt|lidt)[wdl] /, '$1 ', 'objdump suffixes the table loads/stores with the operand size; NASM does not'],
  [/^(invlpg|clflush|prefetchnta|prefetcht0|prefetcht1|prefetcht2) byte /, '$1 ', 'objdump sizes these byte-granular hints; NASM does not'],
  [/^(lar|lsl) ([a-z]+),e([a-z]{2})$/, '$1 $2,$3', 'LAR/LSL r32, r32/m16: objdump names the source r32, the selector is its low 16 bits'],
  [/^(lar|lsl) %e([a-z]{2}),/, '$1 %$2,', 'LAR/LSL source register (AT&T)'],
  [/(0x[0-9a-f]+)\(\)/, '$1', 'objdump writes "()" after an absolute SIB address'],
  [/^(call|jmp)([wl]) ((?!\$)[^*$].*)$/, '$1 $3', '-'],
  [/^repnz /, 'repne ', 'REPNZ = REPNE (F2)'],
  [/^sal([bwl]?) /, 'shl$1 ', 'C0-D3 /6 is an alias of /4 (SHL); objdump names it shl, we name the slot sal'],
  [/\[ds:(0x[0-9a-f]+)\]/, '[$1]', 'objdump writes ds: on every absolute address; DS is the default there'],
  [/(^| |,)%ds:(0x[0-9a-f]+)/, '$1$2', 'objdump writes %ds: on every absolute address (AT&T)'],
  [/^mov (es|cs|ss|ds|fs|gs),e([a-z]{2})$/, 'mov $1,$2', 'MOV Sreg, r32 = MOV Sreg, r16 (same encoding; NASM accepts both)'],
  [/^mov (es|cs|ss|ds|fs|gs),%e([a-z]{2})$/, 'mov $1,%$2', 'MOV Sreg, r32 (AT&T)'],
  [/,%eiz,1\)/, ')', 'redundant SIB without index (AT&T)'],
  [/\bst\((\d)\)/g, 'st$1', 'x87 registers: objdump (Intel) writes st(1), NASM st1'],
  [/(^|[ ,])st(?=,|$)/g, '$1st0', 'x87 stack top: objdump (Intel) writes st, NASM st0'],
  [/%st\(0\)/g, '%st', 'AT&T: objdump writes %st(0) for ST(i) = 0 in FUCOMI/FCOMI/FCMOVcc, %st elsewhere; GAS reads both'],
  [/\btbyte\b/, 'tword', 'objdump "TBYTE PTR" = NASM "tword"'],
  [/\((?:8087|287) only\)$/, '', 'objdump marks FNENI/FNDISI/FNSETPM with the processor that needed them; the 387 and later run them as FNOP'],
  [/\(,%eiz,1\)/, '', 'redundant SIB without base or index (AT&T)'],
];

/** Operand size the item's bytes select (66 flips the code size). */
function opSizeOf(it: CorpusItem, codeSize: 16 | 32): 16 | 32 {
  for (const b of it.bytes) {
    if (b === 0x66) return codeSize === 32 ? 16 : 32;
    if (![0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x67, 0xf0, 0xf2, 0xf3].includes(b)) break;
  }
  return codeSize;
}

/**
 * N5 for size-named mnemonics: objdump writes pusha/pushf/popa/popf/iret for the code size's default and adds "w"/"d"/"l"
 * otherwise; NASM (and we) name the size: pusha/pushad, pushf/pushfd, iret/iretd. Brought to NASM's names by operand size.
 */
function sizeNamed(t: string, opSize: 16 | 32, syntax: Syntax): string {
  const m = /^(pusha|popa|pushf|popf|iret)([wdl]?)$/.exec(t);
  if (m === null) return t;
  if (syntax === 'att') return m[1];
  return m[1] + (opSize === 32 ? 'd' : '');
}

function canonical(text: string, syntax: Syntax, it: CorpusItem, codeSize: 16 | 32): string {
  let t = sizeNamed(text, opSizeOf(it, codeSize), syntax);
  // objdump "pushw 0x1234" = NASM "push word 0x1234"
  if (syntax === 'intel') t = t.replace(/^push([wd]) /, (_, s: string) => `push ${s === 'w' ? 'word' : 'dword'} `);
  for (const [re, by] of ALIASES) t = t.replace(re, by);
  void syntax;
  return t;
}

const X87_ALIASES: ReadonlySet<string> = new Set(['d9/3', 'dc/2', 'dc/3', 'dd/1', 'de/2', 'df/1', 'df/2', 'df/3']);
function isX87ReservedAlias(bytes: number[]): boolean {
  let i = 0;
  while ([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3].includes(bytes[i])) i++;
  const esc = bytes[i];
  const modrm = bytes[i + 1];
  if (esc < 0xd8 || esc > 0xdf || modrm < 0xc0) return false;
  return X87_ALIASES.has(`${esc.toString(16)}/${(modrm >> 3) & 7}`);
}

(hasObjdump ? describe : describe.skip)('disassembler against objdump (oracle)', function () {
  for (const codeSize of [32, 16] as const) {
    // The x87 register-form aliases the SDM lists as reserved (FSTP1 D9 D8+i, FCOM2/FCOMP3 DC D0-DF, FXCH4 DD C8+i, FCOMP5 DE D0+i,
    // FXCH7/FSTP8/FSTP9 DF C8-DF) are executed like the hardware does, but objdump decodes them as "(bad)": left out.
    const items = buildCorpus(codeSize).filter((i) => !isX87ReservedAlias(i.bytes));
    const bin = nasm(corpusSource(codeSize, items));
    it(`assembles the ${codeSize}-bit corpus with NASM to the generated bytes`, function () {
      const expected = items.flatMap((i) => i.bytes);
      assert.equal(bin.length, expected.length);
      assert.deepEqual(Array.from(bin), expected);
    });
    for (const syntax of ['intel', 'att'] as const) {
      it(`${codeSize}-bit ${syntax}: identical boundaries and normalised text for every table entry`, function () {
        const { count, mismatches } = compare(codeSize, syntax, items, bin);
        if (mismatches.length > 0) {
          const seen = new Map<string, number>();
          const distinct = mismatches.filter((m) => { const k = m.what.replace(/ (reg|mem|lock|rep|repne|es:|fs:)$/, ''); const n = seen.get(k) ?? 0; seen.set(k, n + 1); return n < 2; });
          const show = distinct.slice(0, Number(process.env.DISASM_SHOW ?? 40)).map((m) => `  @${m.offset.toString(16)} ${m.bytes} (${m.what})\n    ours:    ${m.ours}\n    objdump: ${m.theirs}`);
          assert.fail(`${mismatches.length} of ${count} instructions differ:\n${show.join('\n')}`);
        }
      });
    }
  }
});

function suffixAlias(a: string, b: string): boolean {
  const [ma, ...ra] = a.split(' ');
  const [mb, ...rb] = b.split(' ');
  if (ra.join(' ') !== rb.join(' ')) return false;
  const long = ma.length > mb.length ? ma : mb;
  const short = ma.length > mb.length ? mb : ma;
  return long.length === short.length + 1 && long.startsWith(short) && 'bwl'.includes(long[long.length - 1]);
}
