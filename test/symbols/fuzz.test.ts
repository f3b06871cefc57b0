/**
 * Robustness: deterministic, seeded mutations of the test binaries
 * (truncations, byte flips in the ELF headers and in every DWARF and CFI
 * section) fed to the whole reader — indexing, every query, value
 * formatting, unwinding and the addr2line resolver. The only acceptable
 * failure is a FormatError; nothing may take long (no hangs).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { FormatError } from '../../symbols/elf/byte-reader';
import { parseElf, readNotes, readSymbols } from '../../symbols/elf/elf-file';
import { SymbolSet } from '../../symbols/symbol-set';
import { resolveLikeAddr2line } from '../../symbols/addr2line/addr2line-resolver';
import { frameRows, readFrameEntries } from '../../symbols/dwarf/call-frame';
import { buildTestBinaries, testBinaries } from './support/test-binaries';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DWARF_SECTIONS = ['.debug_info', '.debug_abbrev', '.debug_line', '.debug_str', '.debug_line_str', '.debug_rnglists', '.debug_loclists', '.debug_ranges', '.debug_loc', '.debug_addr', '.debug_str_offsets', '.debug_frame', '.eh_frame', '.symtab', '.strtab'];

function mutate(original: Uint8Array, random: () => number): Uint8Array {
  const bytes = Uint8Array.from(original);
  const kind = Math.floor(random() * 4);
  if (kind === 0) return bytes.subarray(0, Math.floor(random() * bytes.length));
  let regions: { offset: number; size: number }[] = [{ offset: 0, size: Math.min(64, bytes.length) }];
  try {
    const elf = parseElf(original);
    const shdr = elf.sections.length > 0 ? { offset: Number(new DataView(original.buffer, original.byteOffset).getUint32(elf.elfClass === 64 ? 40 : 32, true)), size: elf.sections.length * (elf.elfClass === 64 ? 64 : 40) } : undefined;
    if (kind === 1 && shdr !== undefined) regions = [regions[0], shdr];
    if (kind >= 2) regions = elf.sections.filter((s) => DWARF_SECTIONS.includes(s.name) && s.size > 0).map((s) => ({ offset: s.offset, size: s.size }));
  } catch {
    // keep the header region
  }
  const flips = 1 + Math.floor(random() * (kind === 3 ? 64 : 8));
  for (let i = 0; i < flips && regions.length > 0; i++) {
    const r = regions[Math.floor(random() * regions.length)];
    const at = r.offset + Math.floor(random() * r.size);
    if (at < bytes.length) bytes[at] = random() < 0.5 ? Math.floor(random() * 256) : bytes[at] ^ (1 << Math.floor(random() * 8));
  }
  return bytes;
}

/** Everything a debugger session would ask of a file. */
function exercise(bytes: Uint8Array, random: () => number): void {
  const elf = parseElf(bytes);
  readSymbols(elf);
  readNotes(elf);
  const set = new SymbolSet();
  const file = set.load({ path: 'fuzzed', bytes });
  const text = elf.sections.find((s) => s.name === '.text');
  const low = text?.addr ?? 0x1000;
  const size = Math.max(1, Math.min(text?.size ?? 0x1000, 0x10000));
  const env = { readRegister: (n: number) => (n === 8 || n === 16 ? low + 4 : 0x7000 + n * 16), readMemory: (a: number, n: number) => set.readFileImage(a, n) ?? new Uint8Array(n).fill(0x41) };
  for (let i = 0; i < 24; i++) {
    const a = low + Math.floor(random() * size);
    set.lookup(a);
    set.symbolize(a);
    resolveLikeAddr2line(file.elf, file.rawSymbols, file.dwarf, a);
    const scope = set.scopeAt(a);
    for (const v of [...scope.parameters, ...scope.locals, ...scope.globals.slice(0, 8)]) set.formatValue(v, { ...env, readRegister: (n) => (n === 8 || n === 16 ? a : env.readRegister(n)) });
  }
  set.addressesForLine('kernel.c', 40);
  set.functionEntry('kernel_main');
  set.sourceFiles();
  set.functions();
  set.unwind(new Map([[4, 0x7000], [5, 0x7100], [7, 0x7000], [6, 0x7100], [8, low + 8], [16, low + 8]]), env.readMemory, 32);
  const s = file.dwarf?.sections;
  if (s !== undefined) for (const fde of readFrameEntries({ debugFrame: s.frame, ehFrame: s.ehFrame, ehFrameAddress: s.ehFrameAddress, addressSize: s.addressSize }).slice(0, 64)) frameRows(fde);
}

/** More rounds for a long local run: BRINGUP_FUZZ_ROUNDS=5000 npm test. */
const ROUNDS = Number(process.env.BRINGUP_FUZZ_ROUNDS ?? 250);

describe('symbols: fuzzed ELF and DWARF give clean errors only', function () {
  this.timeout(600000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  const binaries = testBinaries();
  const chosen = [
    binaries.find((b) => b.compiler === 'gcc' && b.bits === 32 && b.optimization === 'O2' && b.dwarf === 5)!,
    binaries.find((b) => b.compiler === 'gcc' && b.bits === 64 && b.optimization === 'O1' && b.dwarf === 4)!,
    binaries.find((b) => b.bits === 64 && b.optimization === 'O0' && b.dwarf === 4 && !b.hosted && b.compiler === binaries.at(-1)!.compiler)!,
    binaries.find((b) => b.hosted && b.bits === 64)!,
  ];
  for (const binary of chosen) {
    it(`survives ${ROUNDS} mutations of ${binary.name}`, function () {
      const original = readFileSync(binary.path);
      const random = prng(0xb00f + binary.name.length * 7919);
      let formatErrors = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const mutated = mutate(original, random);
        const started = Date.now();
        try {
          exercise(mutated, random);
        } catch (error) {
          if (!(error instanceof FormatError)) {
            throw new Error(`mutation ${i} of ${binary.name}: ${(error as Error).stack ?? error}`);
          }
          formatErrors++;
        }
        assert.ok(Date.now() - started < 5000, `mutation ${i} took ${Date.now() - started} ms`);
      }
      assert.ok(formatErrors > 0, 'some mutations must be rejected');
    });
  }
});
