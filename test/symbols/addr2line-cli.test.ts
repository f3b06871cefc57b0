/**
 * `bringup addr2line` against binutils' addr2line as the oracle: for every
 * address of every executable section of every test binary, with no
 * option, -f, -i and -f -i, the output must be byte-identical. Plus the
 * command's own contract: --offset, exit statuses and messages.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/cli-io';
import { parseElf } from '../../symbols/elf/elf-file';
import { buildTestBinaries, testBinaries } from './support/test-binaries';

const SHF_EXECINSTR = 4;

async function bringup(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (d) => (stdout += typeof d === 'string' ? d : Buffer.from(d).toString('latin1')), stderr: (t) => (stderr += t) };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

function binutils(args: string[]): string {
  const r = spawnSync('addr2line', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n'), a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) if (e[i] !== a[i]) return `line ${i + 1}: binutils ${JSON.stringify(e.slice(Math.max(0, i - 2), i + 2))} ours ${JSON.stringify(a.slice(Math.max(0, i - 2), i + 2))}`;
  return 'identical';
}

describe('symbols: bringup addr2line is identical to binutils addr2line', function () {
  this.timeout(600000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  for (const binary of testBinaries()) {
    it(`every executable address of ${binary.name}`, async function () {
      const elf = parseElf(readFileSync(binary.path));
      const addresses: string[] = [];
      for (const s of elf.sections) {
        if ((s.flags & SHF_EXECINSTR) === 0) continue;
        // Alternate the spellings addr2line accepts: with and without 0x.
        for (let a = s.addr; a < s.addr + s.size; a++) addresses.push(a % 2 === 0 ? `0x${a.toString(16)}` : a.toString(16));
      }
      // Addresses nothing covers, and odd spellings.
      addresses.push('0', '0x0', '10', 'deadbeef', '0xFFFFFFF0', 'zz', '0x');
      assert.ok(addresses.length > 100);
      for (const flags of [[], ['-f'], ['-i'], ['-f', '-i'], ['-fi']]) {
        const expected = binutils(['-e', binary.path, ...flags, ...addresses]);
        const actual = await bringup(['addr2line', '-e', binary.path, ...flags, ...addresses]);
        assert.equal(actual.status, 0, actual.stderr);
        assert.equal(actual.stderr, '');
        assert.ok(actual.stdout === expected, `${binary.name} ${flags.join(' ')}: ${firstDifference(expected, actual.stdout)}`);
      }
    });
  }
  it('matches with -a, -p and -s too', async function () {
    const binary = testBinaries().find((b) => b.compiler === 'gcc' && b.optimization === 'O2' && !b.hosted)!;
    const elf = parseElf(readFileSync(binary.path));
    const text = elf.sections.find((s) => s.name === '.text')!;
    const addresses = Array.from({ length: 64 }, (_, i) => (text.addr + i * 7).toString(16));
    for (const flags of [['-a'], ['-p', '-f', '-i'], ['-s', '-f'], ['-a', '-p', '-f', '-i', '-s']]) {
      const expected = binutils(['-e', binary.path, ...flags, ...addresses]);
      const actual = await bringup(['addr2line', '-e', binary.path, ...flags, ...addresses]);
      assert.ok(actual.stdout === expected, `${flags.join(' ')}: ${firstDifference(expected, actual.stdout)}`);
    }
  });
});

describe('symbols: bringup addr2line options and exit statuses', function () {
  this.timeout(120000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  it('--offset N takes run-time addresses of code relocated by N', async function () {
    const binary = testBinaries().find((b) => !b.hosted)!;
    const elf = parseElf(readFileSync(binary.path));
    const text = elf.sections.find((s) => s.name === '.text')!;
    const link = Array.from({ length: 32 }, (_, i) => text.addr + i * 3);
    const expected = binutils(['-e', binary.path, '-f', '-i', ...link.map((a) => a.toString(16))]);
    const offset = 0x10000;
    const relocated = await bringup(['addr2line', '-e', binary.path, '-f', '-i', '--offset', `0x${offset.toString(16)}`, ...link.map((a) => (a + offset).toString(16))]);
    assert.equal(relocated.stdout, expected);
    const decimal = await bringup(['addr2line', `--offset=${offset}`, '-fie', binary.path, ...link.map((a) => (a + offset).toString(16))]);
    assert.equal(decimal.stdout, expected);
  });

  it('exits 1 with a message when the file cannot be read or is not ELF', async function () {
    const missing = await bringup(['addr2line', '-e', '/nonexistent/kernel.elf', '0x1000']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nonexistent\/kernel\.elf/);
    const dir = mkdtempSync(join(tmpdir(), 'bringup-a2l-'));
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, 'this is not an ELF file');
    const notElf = await bringup(['addr2line', '-e', junk, '0x1000']);
    assert.equal(notElf.status, 1);
    assert.match(notElf.stderr, /not an ELF file/);
  });

  it('exits 64 on usage errors', async function () {
    const binary = testBinaries()[0];
    assert.equal((await bringup(['addr2line', '-e', binary.path])).status, 64);
    assert.equal((await bringup(['addr2line', '-e', binary.path, '-q', '0'])).status, 64);
    assert.equal((await bringup(['addr2line', '-e', binary.path, '--offset', 'abc', '0'])).status, 64);
    assert.equal((await bringup(['addr2line', '-e'])).status, 64);
    const help = await bringup(['addr2line', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: bringup addr2line/);
  });
});
