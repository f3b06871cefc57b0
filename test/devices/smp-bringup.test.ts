/**
 * Guest-level SMP bring-up: test/guests/smp-sipi.asm counts the processors
 * in the MADT, sends INIT-SIPI-SIPI (all excluding self) and every AP
 * reports its APIC ID from a real-mode trampoline at 0x9000. Run for 1, 2,
 * 4, 16 and 64 vCPUs; where qemu-system-i386 is installed the same image
 * runs under QEMU with the same -smp and the reported set must match.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../../cli/main';
import { join } from 'node:path';
import { runGuestImage } from '../support/run-guest';

const image = join(__dirname, '..', 'guests', 'build', 'smp-sipi.bin');

function expectedLines(cpus: number): string[] {
  const lines = [`BSP: ${cpus} CPUs in the MADT`];
  for (let id = 1; id < cpus; id++) lines.push(`AP ${id}`);
  lines.push(`BSP: ${cpus - 1} APs started`);
  return lines;
}

function qemuAvailable(): boolean {
  return spawnSync('qemu-system-i386', ['--version']).status === 0;
}

function runQemu(cpus: number): string {
  const r = spawnSync('timeout', ['60', 'qemu-system-i386', '-drive', `file=${image},format=raw`, '-smp', String(cpus), '-m', '128',
    '-nographic', '-no-reboot', '-monitor', 'none', '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'], { encoding: 'latin1' });
  assert.equal(r.status, 33, `QEMU exit status (stderr: ${r.stderr})`);
  // SeaBIOS prints its banner on the same serial line; keep our lines only.
  return r.stdout.slice(r.stdout.indexOf('BSP:'));
}

describe('SMP bring-up with INIT-SIPI-SIPI (guest level)', function () {
  before(function () {
    assert.ok(existsSync(image), 'test guests are assembled by npm test (scripts/build-test-guests.mjs)');
  });

  for (const cpus of [1, 2, 4, 16, 64]) {
    it(`${cpus} vCPU${cpus === 1 ? '' : 's'}: every AP starts once and reports its APIC ID`, async function () {
      const r = await runGuestImage(image, { cpus, boot: 'bootsector', maxInstructions: 200_000_000 });
      assert.equal(r.exitStatus, 33, r.serial);
      const lines = r.serial.trimEnd().split('\n');
      assert.deepEqual(lines, expectedLines(cpus), 'APs report in APIC ID order under the deterministic scheduler');
    });
  }

  it('the same run twice gives the same output and instruction count (deterministic scheduling)', async function () {
    const a = await runGuestImage(image, { cpus: 8, boot: 'bootsector', seed: 7 });
    const b = await runGuestImage(image, { cpus: 8, boot: 'bootsector', seed: 7 });
    assert.equal(a.serial, b.serial);
    assert.equal(a.instructions, b.instructions);
  });

  for (const cpus of [1, 2, 4, 8]) {
    it(`matches QEMU with -smp ${cpus} (same set of lines)`, function () {
      if (!qemuAvailable()) this.skip();
      const lines = runQemu(cpus).trimEnd().split('\n').map((l) => l.replace(/\r$/, ''));
      assert.deepEqual(lines.slice().sort(), expectedLines(cpus).slice().sort());
    });
  }

  it('bringup run --trace ipi prints one readable line per IPI and --json carries the IPI log', async function () {
    let stderr = '';
    const json = join(mkdtempSync(join(tmpdir(), 'bringup-smp-')), 'run.json');
    const status = await main(['run', image, '--cpus', '4', '--trace', 'ipi', '--json', json], { stdout: () => {}, stderr: (t) => (stderr += t) });
    assert.equal(status, 33);
    const ipiLines = stderr.split('\n').filter((l) => / IPI #\d+ /.test(l));
    assert.equal(ipiLines.length, 3);
    assert.match(ipiLines[0], /vCPU 0 +ipi +IPI #0 INIT → all-excluding-self \[ICR 0x00000000:0x000c4500\]: APIC 1 accepted .*APIC 3 accepted/);
    assert.match(ipiLines[1], /IPI #1 STARTUP vector 0x09 \(CS:IP 0x0900:0000\).*APIC 2 accepted \(started: real mode at 0900:0000\)/);
    assert.match(ipiLines[2], /IPI #2 STARTUP .*APIC 1 ignored \(not in wait-for-SIPI \(halted\)/);
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(summary.ipis.length, 3);
    assert.deepEqual(summary.ipis.map((r: { deliveryMode: string }) => r.deliveryMode), ['init', 'startup', 'startup']);
    assert.deepEqual(summary.ipis[1].targets.map((t: { apicId: number; outcome: string }) => [t.apicId, t.outcome]), [[1, 'accepted'], [2, 'accepted'], [3, 'accepted']]);
  });
});
