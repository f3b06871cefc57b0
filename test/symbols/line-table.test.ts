/**
 * .debug_line decoding against binutils: every row of every line program
 * (address, line, is_stmt, end of sequence, file) must be what
 * `objdump --dwarf=decodedline` prints, for every test binary; then the
 * address table and the file:line → address queries built on it.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseElf, sectionByName, sectionData } from '../../symbols/elf/elf-file';
import { decodeAllLinePrograms } from '../../symbols/dwarf/line-program';
import { DwarfIndex } from '../../symbols/dwarf/dwarf-index';
import { lineFilePath } from '../../symbols/dwarf/file-paths';
import { buildTestBinaries, testBinaries, type TestBinary } from './support/test-binaries';

interface OracleRow {
  file: string;
  line: number | 'end';
  address: number;
  isStmt: boolean;
}

/** Rows of `objdump --dwarf=decodedline`: "name  line  address  [view]  [x]". */
function objdumpRows(path: string): OracleRow[] {
  const r = spawnSync('objdump', ['--dwarf=decodedline', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const rows: OracleRow[] = [];
  for (const text of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+|0)(?:\s+(\d+))?(?:\s+(x))?\s*$/.exec(text);
    if (m === null) continue;
    rows.push({ file: m[1], line: m[2] === '-' ? 'end' : Number(m[2]), address: Number(m[3]), isStmt: m[5] === 'x' });
  }
  return rows;
}

function ourRows(binary: TestBinary): OracleRow[] {
  const elf = parseElf(readFileSync(binary.path));
  const dwarf = new DwarfIndex(elf);
  const compDirs = new Map(dwarf.units.map((u) => [u.stmtList, u.compDir]));
  const line = sectionByName(elf, '.debug_line')!;
  const programs = decodeAllLinePrograms({ debugLine: sectionData(elf, line), debugLineStr: dwarf.sections.lineStr, debugStr: dwarf.sections.str }, binary.bits / 8);
  const rows: OracleRow[] = [];
  for (const p of programs) {
    for (const row of p.rows) {
      rows.push({ file: lineFilePath(p, row.file, compDirs.get(p.offset)) ?? '?', line: row.endSequence ? 'end' : row.line, address: row.address, isStmt: row.isStmt });
    }
  }
  return rows;
}

describe('symbols: .debug_line against objdump --dwarf=decodedline', function () {
  this.timeout(300000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  const binaries = testBinaries();
  for (const binary of binaries) {
    it(`decodes every row of ${binary.name}`, function () {
      const expected = objdumpRows(binary.path);
      const actual = ourRows(binary);
      assert.ok(expected.length > 20, 'objdump printed rows');
      assert.equal(actual.length, expected.length, 'row count');
      for (let i = 0; i < expected.length; i++) {
        const e = expected[i], a = actual[i];
        const where = `row ${i} (0x${e.address.toString(16)})`;
        assert.equal(a.address, e.address, `${where} address`);
        assert.equal(a.line, e.line, `${where} line`);
        if (e.line !== 'end') assert.equal(a.isStmt, e.isStmt, `${where} is_stmt`);
        // objdump shortens long names from the left; ours is the full path.
        assert.ok(a.file.endsWith(e.file) || e.line === 'end', `${where} file ${a.file} vs ${e.file}`);
      }
    });
  }
});

describe('symbols: line table queries', function () {
  this.timeout(300000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  const binaries = testBinaries().filter((b) => !b.hosted);

  it('maps every row address back to its row (last row at an address wins)', function () {
    for (const binary of binaries) {
      const dwarf = new DwarfIndex(parseElf(readFileSync(binary.path)));
      for (const seq of dwarf.lineTable.sequences) {
        for (const loc of seq) {
          if (loc.end === loc.address) continue;
          const hit = dwarf.lineTable.lookup(loc.address);
          assert.ok(hit !== undefined, `${binary.name} 0x${loc.address.toString(16)}`);
          assert.equal(hit.line, loc.line);
          if (loc.end - loc.address > 1) assert.equal(dwarf.lineTable.lookup(loc.end - 1)?.line, loc.line);
        }
      }
    }
  });

  it('gives breakable addresses for a line, and the next line with code for a line without', function () {
    for (const binary of binaries) {
      const dwarf = new DwarfIndex(parseElf(readFileSync(binary.path)));
      const source = readFileSync(`${__dirname}/fixtures/kernel.c`, 'utf8').split('\n');
      const startLine = source.findIndex((l) => l.startsWith('void _start')) + 1;
      // The function's opening line has code (its entry) at every optimization level.
      const entry = dwarf.lineTable.addressesForLine('kernel.c', startLine);
      assert.equal(entry.line, startLine, binary.name);
      assert.ok(entry.addresses.length >= 1, binary.name);
      for (const a of entry.addresses) assert.equal(dwarf.lineTable.lookup(a)?.line, startLine);
      // A comment line has no code: the next line that has code is chosen.
      const comment = dwarf.lineTable.addressesForLine('kernel.c', 1);
      assert.ok(comment.line > 1 && comment.addresses.length > 0, binary.name);
      // Matching by full path and by path suffix gives the same answer.
      const full = dwarf.lineTable.files().find((f) => f.endsWith('/kernel.c'))!;
      assert.deepEqual(dwarf.lineTable.addressesForLine(full, startLine), entry);
      assert.deepEqual(dwarf.lineTable.addressesForLine('fixtures/kernel.c', startLine), entry);
      assert.deepEqual(dwarf.lineTable.addressesForLine('nosuch.c', startLine).addresses, []);
    }
  });
});

describe('symbols: DWARF 5 file entries', function () {
  this.timeout(300000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  it('reads DW_LNCT_MD5 checksums that match the source files (Clang emits them)', function () {
    const withMd5 = testBinaries().filter((b) => b.compiler === 'clang' && b.dwarf === 5 && !b.hosted);
    if (withMd5.length === 0) this.skip();
    for (const binary of withMd5) {
      const dwarf = new DwarfIndex(parseElf(readFileSync(binary.path)));
      const kernelEntry = dwarf.linePrograms.flatMap((u) => u.program.files).find((f) => f.name.endsWith('kernel.c') && f.md5 !== undefined);
      assert.ok(kernelEntry?.md5 !== undefined, binary.name);
      const expected = createHash('md5').update(readFileSync(`${__dirname}/fixtures/kernel.c`)).digest('hex');
      assert.equal(Buffer.from(kernelEntry.md5).toString('hex'), expected);
    }
  });
});
