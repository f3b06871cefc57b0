/**
 * ELF symbol tables against `readelf -sW` (every field of every .symtab
 * entry), and `bringup symbols`, whose function list must cover every
 * function symbol with its exact address range.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/cli-io';
import { parseElf, readSymbols, STT_FUNC } from '../../symbols/elf/elf-file';
import { buildTestBinaries, testBinaries } from './support/test-binaries';

const TYPES: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6, IFUNC: 10 };
const BINDS: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2, UNIQUE: 10 };

async function bringup(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (d) => (stdout += typeof d === 'string' ? d : Buffer.from(d).toString('latin1')), stderr: (t) => (stderr += t) };
  return { status: await main(argv, io), stdout, stderr };
}

describe('symbols: ELF symbol tables against readelf -s', function () {
  this.timeout(300000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  for (const binary of testBinaries()) {
    it(`reads every .symtab entry of ${binary.name}`, function () {
      const r = spawnSync('readelf', ['-sW', binary.path], { encoding: 'utf8' });
      const block = r.stdout.split(/Symbol table '/).find((b) => b.startsWith('.symtab'))!;
      const rows = block.split('\n').map((l) => /^\s*(\d+): ([0-9a-f]+)\s+(\d+|0x[0-9a-f]+) (\w+)\s+(\w+)\s+(\w+)\s+(\w+)\s*(.*)$/.exec(l)).filter((m) => m !== null && m[1] !== '0');
      const ours = readSymbols(parseElf(readFileSync(binary.path)));
      assert.equal(ours.length, rows.length);
      rows.forEach((m, i) => {
        const s = ours[i];
        const where = `symbol ${m![1]} ${m![8]}`;
        assert.equal(s.value, parseInt(m![2], 16), where);
        assert.equal(s.size, Number(m![3]), where);
        assert.equal(s.type, TYPES[m![4]], where);
        assert.equal(s.bind, BINDS[m![5]], where);
        const ndx = m![7] === 'UND' ? 0 : m![7] === 'ABS' ? 0xfff1 : Number(m![7]);
        assert.equal(s.shndx, ndx, where);
        assert.equal(s.name, m![8], where);
      });
    });
  }
});

describe('symbols: bringup symbols', function () {
  this.timeout(300000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  it('lists every function symbol with its address range and the source files', async function () {
    for (const binary of testBinaries()) {
      const r = await bringup(['symbols', binary.path]);
      assert.equal(r.status, 0, r.stderr);
      const width = binary.bits / 4;
      const hex = (n: number): string => `0x${n.toString(16).padStart(width, '0')}`;
      for (const s of readSymbols(parseElf(readFileSync(binary.path)))) {
        if (s.type !== STT_FUNC || s.size === 0 || s.shndx === 0) continue;
        const line = r.stdout.split('\n').find((l) => l.includes(` ${s.name}`) && l.includes(`${hex(s.value)}-`));
        assert.ok(line !== undefined, `${binary.name}: ${s.name} at ${hex(s.value)}`);
        assert.ok(line.includes(`${hex(s.value)}-${hex(s.value + s.size)}`), `${binary.name}: ${line}`);
      }
      assert.match(r.stdout, /source files:\n(.*\n)*\s+\S*kernel\.c|source files:\n(.*\n)*\s+\S*hosted\.c/);
      if (!binary.hosted) assert.match(r.stdout, /kernel_main\s+\S+kernel\.c:\d+/);
    }
  });

  it('exits 1 for unreadable files and 64 for usage errors', async function () {
    assert.equal((await bringup(['symbols', '/nonexistent.elf'])).status, 1);
    assert.equal((await bringup(['symbols'])).status, 64);
    assert.equal((await bringup(['symbols', '--bogus', 'x'])).status, 64);
    assert.equal((await bringup(['symbols', 'a', 'b'])).status, 64);
    assert.equal((await bringup(['symbols', '--help'])).status, 0);
  });
});
