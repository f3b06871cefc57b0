/**
 * Symbol reader speed: indexing a large unstripped ELF with DWARF (the
 * Node.js binary running the benchmark when it carries DWARF, otherwise
 * the biggest test kernel built here), and SymbolSet.lookup (symbol,
 * function, file:line, inlined chain) per 1,000 random addresses of .text.
 * Peer: binutils addr2line on the same file, whose wall time includes
 * process start-up (for indexing: one address; for lookups: 1,000).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf, sectionByName } from '../symbols/elf/elf-file';
import { SymbolSet } from '../symbols/symbol-set';
import { median, type BenchFigure } from './figure';

const ROUNDS = 5;
const LOOKUPS = 1000;

function hasDwarf(path: string): boolean {
  try {
    const elf = parseElf(readFileSync(path));
    return (sectionByName(elf, '.debug_info')?.size ?? 0) > 0 && (sectionByName(elf, '.debug_line')?.size ?? 0) > 0;
  } catch {
    return false;
  }
}

/** The biggest freestanding test kernel: every fixture source at -O2, DWARF 5. */
function buildTestKernel(): string {
  const fixtures = join(__dirname, '..', 'test', 'symbols', 'fixtures');
  const out = join(mkdtempSync(join(tmpdir(), 'bringup-bench-')), 'kernel');
  const r = spawnSync('gcc', ['-m64', '-O2', '-gdwarf-5', '-ffreestanding', '-fno-pic', '-nostdlib', '-static', '-Wl,-no-pie', join(fixtures, 'kernel.c'), join(fixtures, 'geometry.c'), join(fixtures, 'trampoline.S'), '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
}

function wallMicros(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e3;
}

export async function run(): Promise<BenchFigure[]> {
  const candidate = realpathSync(process.execPath);
  const path = hasDwarf(candidate) ? candidate : buildTestKernel();
  const bytes = readFileSync(path);
  const indexTimes: number[] = [];
  let set = new SymbolSet();
  for (let r = 0; r < ROUNDS; r++) {
    indexTimes.push(
      wallMicros(() => {
        set = new SymbolSet();
        set.load({ path, bytes });
      }) / 1e3,
    );
  }
  const file = set.files[0];
  const text = sectionByName(file.elf, '.text')!;
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const addresses = Array.from({ length: LOOKUPS }, () => text.addr + Math.floor(random() * text.size));
  const lookupTimes: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    lookupTimes.push(
      wallMicros(() => {
        for (const a of addresses) sink += set.lookup(a).line ?? 0;
      }),
    );
  }
  if (sink === -1) console.log(sink);

  const hex = addresses.map((a) => a.toString(16));
  const addr2line = (args: string[]): number | undefined => {
    const t = process.hrtime.bigint();
    const r = spawnSync('addr2line', ['-e', path, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    return r.status === 0 ? Number(process.hrtime.bigint() - t) / 1e3 : undefined;
  };
  const peerIndex = median([0, 1, 2].map(() => addr2line([hex[0]]) ?? NaN)) / 1e3;
  const peerLookups = median([0, 1, 2].map(() => addr2line(['-f', '-i', ...hex]) ?? NaN));
  const indexMs = median(indexTimes);
  const lookupUs = median(lookupTimes);
  const size = `${(bytes.length / 1e6).toFixed(1)} MB, .debug_info ${((sectionByName(file.elf, '.debug_info')?.size ?? 0) / 1e3).toFixed(0)} kB`;
  return [
    {
      name: 'symbols.index-ms', value: indexMs, unit: 'ms',
      ...(Number.isFinite(peerIndex) ? { peer: 'binutils addr2line, 1 address (incl. process start)', peerValue: peerIndex, ratio: indexMs / peerIndex } : {}),
      note: `median of ${ROUNDS}: parse ELF + symbols + DWARF index of ${path} (${size})`,
    },
    {
      name: 'symbols.lookup-us', value: lookupUs, unit: 'µs per 1,000 lookups',
      ...(Number.isFinite(peerLookups) ? { peer: 'binutils addr2line -f -i, 1,000 addresses (incl. start-up and indexing)', peerValue: peerLookups, ratio: lookupUs / peerLookups } : {}),
      note: `median of ${ROUNDS} rounds of ${LOOKUPS} SymbolSet.lookup calls at random .text addresses`,
    },
  ];
}
