/**
 * Call-frame information against `readelf --debug-dump=frames-interp`:
 * every FDE of .debug_frame and .eh_frame in every test binary is found
 * with the same address range, and at every row readelf prints the CFA
 * rule and the rule of every register column are the same.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseElf } from '../../symbols/elf/elf-file';
import { dwarfSectionsOf } from '../../symbols/dwarf/dwarf-sections';
import { frameRowAt, readFrameEntries, type FrameRow, type RegisterRule } from '../../symbols/dwarf/call-frame';
import { buildTestBinaries, testBinaries } from './support/test-binaries';

const I386_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip'];
const X86_64_NAMES = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'];

interface OracleFde {
  section: string;
  low: number;
  high: number;
  columns: string[];
  rows: string[][];
}

function readelfFrames(path: string): OracleFde[] {
  const r = spawnSync('readelf', ['--debug-dump=frames-interp', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const out: OracleFde[] = [];
  let section = '';
  let current: OracleFde | undefined;
  for (const line of r.stdout.split('\n')) {
    const sec = /^Contents of the (\S+) section/.exec(line);
    if (sec !== null) section = sec[1];
    const fde = /FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (fde !== null) {
      current = { section, low: parseInt(fde[1], 16), high: parseInt(fde[2], 16), columns: [], rows: [] };
      out.push(current);
      continue;
    }
    if (/ CIE |ZERO terminator/.test(line)) current = undefined;
    if (current === undefined) continue;
    const cells = line.trim().split(/\s+/);
    if (cells[0] === 'LOC') current.columns = cells.slice(2);
    else if (/^[0-9a-f]{8,16}$/.test(cells[0]) && current.columns.length > 0) current.rows.push(cells);
  }
  return out;
}

function formatOffset(prefix: string, n: number): string {
  return `${prefix}${n >= 0 ? '+' : ''}${n}`;
}

function formatRule(rule: RegisterRule | undefined, names: string[]): string {
  if (rule === undefined) return 'u';
  switch (rule.kind) {
    case 'undefined': return 'u';
    case 'sameValue': return 's';
    case 'offset': return formatOffset('c', rule.offset);
    case 'valOffset': return formatOffset('v', rule.offset);
    case 'register': return names[rule.register] ?? `r${rule.register}`;
    case 'expression': return 'exp';
    case 'valExpression': return 'vexp';
  }
}

function formatCfa(row: FrameRow, names: string[]): string {
  return row.cfa.kind === 'expression' ? 'exp' : formatOffset(names[row.cfa.register] ?? `r${row.cfa.register}`, row.cfa.offset);
}

describe('symbols: call-frame information against readelf --debug-dump=frames-interp', function () {
  this.timeout(300000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });
  for (const binary of testBinaries()) {
    it(`has the same CFA and register rules in ${binary.name}`, function () {
      const elf = parseElf(readFileSync(binary.path));
      const s = dwarfSectionsOf(elf);
      const fdes = readFrameEntries({ debugFrame: s.frame, ehFrame: s.ehFrame, ehFrameAddress: s.ehFrameAddress, addressSize: s.addressSize });
      const names = binary.bits === 32 ? I386_NAMES : X86_64_NAMES;
      const oracle = readelfFrames(binary.path);
      assert.ok(oracle.length > 0, 'readelf found FDEs');
      assert.equal(fdes.length, oracle.length, 'FDE count');
      let rowsCompared = 0;
      for (const o of oracle) {
        const fde = fdes.find((f) => f.low === o.low && f.high === o.high && f.source === o.section);
        assert.ok(fde !== undefined, `FDE ${o.section} 0x${o.low.toString(16)}..0x${o.high.toString(16)}`);
        for (const cells of o.rows) {
          const loc = parseInt(cells[0], 16);
          const row = frameRowAt(fde, loc);
          assert.equal(formatCfa(row, names), cells[1], `CFA at 0x${loc.toString(16)}`);
          o.columns.forEach((column, i) => {
            const reg = column === 'ra' ? fde.cie.returnAddressRegister : names.indexOf(column);
            assert.ok(reg >= 0, `register ${column}`);
            assert.equal(formatRule(row.registers.get(reg), names), cells[2 + i], `${column} at 0x${loc.toString(16)}`);
          });
          rowsCompared++;
        }
      }
      assert.ok(rowsCompared > 0 || binary.optimization !== 'O0');
    });
  }
});
