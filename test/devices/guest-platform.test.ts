/**
 * Guest-level platform tests (sources in test/guests/*.asm, built by
 * scripts/build-test-guests.mjs): fixed IPIs in physical, logical flat and
 * cluster mode, lowest priority and NMI IPIs sent between CPUs; the LAPIC
 * timer in all three modes on 4 CPUs; an IO-APIC routed COM1 interrupt,
 * edge and level; PIC mode through the IMCR; the warm-reset vector path;
 * ATA PIO on the primary slave (polling, IRQ14, write) with --disk and
 * --disk-writable; and bad input to the LAPIC and IO-APIC with an INIT/SIPI
 * storm. Where qemu-system-i386 is installed the same images run under QEMU
 * with the same -smp and the serial lines are compared; the few documented
 * QEMU (TCG) deviations are asserted as such.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import type { IpiRecord } from '../../emulator/devices/ipi-log';
import { runGuestImage, type GuestRun, type RunGuestOptions } from '../support/run-guest';
import { guestImage, linesFrom, qemuAvailable, runQemu } from './guest-compare';

const lines = (serial: string): string[] => serial.trimEnd().split('\n');

async function bringup(name: string, cpus: number, inspect?: RunGuestOptions['inspect']): Promise<GuestRun> {
  const r = await runGuestImage(guestImage(name), { cpus, boot: 'bootsector', maxInstructions: 300_000_000, inspect });
  assert.equal(r.exitStatus, 33, `${name}: ${r.exitReason}\n${r.serial}`);
  return r;
}

function qemuLines(name: string, cpus: number, first: string, extra: string[] = []): string[] {
  const q = runQemu(guestImage(name), cpus, extra);
  assert.equal(q.status, 33, `QEMU ${name}: ${q.stderr}\n${q.serial}`);
  return linesFrom(q.serial, first);
}

describe('platform devices driven by guest code (guest level, compared with QEMU)', function () {
  before(function () {
    for (const g of ['ipi-modes', 'lapic-timer', 'ioapic-com1', 'pic-imcr', 'warm-reset', 'ata-slave', 'apic-bad-input']) {
      assert.ok(existsSync(guestImage(g)), `${g}: test guests are assembled by scripts/build-test-guests.mjs`);
    }
  });

  describe('IPIs between CPUs (4 vCPUs)', function () {
    const expected = [
      'CPUs:4',
      'physical 1->2: 0 0 1 0',
      'physical 3->0: 1 0 0 0',
      'flat 3->0x05: 1 0 1 0',
      'flat 1->0x0e: 0 1 1 1',
      'cluster 1->0x23: 0 0 1 1',
      'cluster 2->0x12: 0 1 0 0',
      'cluster 3->0x11: 1 0 0 0',
      'lowest TPR 1:20 2:10 3:30: 0 0 1 0',
      'lowest TPR 1:40 2:40 3:00: 0 0 0 1',
      'NMI ->3: 0 0 0 1',
      'NMI 2->all-but-self: 1 1 0 2',
      'BSP ESR:00000000',
    ];
    let records: IpiRecord[] = [];
    it('fixed (physical, flat, cluster), lowest priority and NMI reach exactly the CPUs the SDM says', async function () {
      const r = await bringup('ipi-modes', 4, (pc) => (records = pc.platform.ipiLog.records.slice()));
      assert.deepEqual(lines(r.serial), expected);
      const fixed = records.filter((x) => x.deliveryMode === 'fixed');
      assert.equal(fixed.length, 7, 'two physical, two flat, three cluster');
      assert.deepEqual(records.filter((x) => x.deliveryMode === 'nmi').map((x) => x.sender), [0, 2]);
    });
    it('matches QEMU except lowest-priority arbitration (QEMU TCG gives it to the first CPU of the set)', function () {
      if (!qemuAvailable()) this.skip();
      const q = qemuLines('ipi-modes', 4, 'CPUs:');
      const isLowest = (l: string): boolean => l.startsWith('lowest');
      assert.deepEqual(q.filter((l) => !isLowest(l)), expected.filter((l) => !isLowest(l)));
      assert.deepEqual(q.filter(isLowest), ['lowest TPR 1:20 2:10 3:30: 0 1 0 0', 'lowest TPR 1:40 2:40 3:00: 0 1 0 0']);
    });
  });

  describe('LAPIC timer on every CPU (4 vCPUs)', function () {
    const expected = [
      'one-shot interrupts: 1 1 1 1',
      'one-shot current count after expiry: 0 0 0 0',
      'periodic interrupts (at least 3, shown as 3): 3 3 3 3',
      'periodic stopped by initial count 0: 1 1 1 1',
      'periodic reloaded current count nonzero: 1 1 1 1',
      'TSC-deadline interrupts: 1 1 1 1',
      'TSC-deadline MSR after expiry is 0: 1 1 1 1',
    ];
    it('one-shot, periodic and TSC-deadline each fire as programmed on every CPU', async function () {
      const r = await bringup('lapic-timer', 4);
      assert.deepEqual(lines(r.serial), expected);
    });
    it('matches QEMU for one-shot and periodic (QEMU TCG -cpu max does not offer TSC-deadline: the guest prints 99)', function () {
      if (!qemuAvailable()) this.skip();
      const q = qemuLines('lapic-timer', 4, 'one-shot', ['-cpu', 'max']);
      // Line 3 ("periodic stopped by initial count 0") is not compared: QEMU's APIC timer runs on host time, so a
      // tick already due when the guest writes 0 may still arrive on a vCPU thread (seen on 1 vCPU in some runs).
      const comparable = (lines: string[]): string[] => lines.slice(0, 5).filter((_, i) => i !== 3);
      assert.deepEqual(comparable(q), comparable(expected));
      assert.equal(q[5], 'TSC-deadline interrupts: 99 99 99 99');
    });
  });

  describe('IO-APIC routed COM1 interrupt (4 vCPUs)', function () {
    const expected = [
      'edge to CPU 2: 0 0 1 0',
      'IIR seen by the handler: 0 0 2 0',
      'level to CPU 3: 0 0 0 1',
      'IIR seen by the handler: 0 0 0 2',
      'remote IRR before EOI: 0 0 0 1',
      'TMR bit of vector 0x71: 0 0 0 1',
      'remote IRR after EOI: 0',
    ];
    it('THRE through pin 4 reaches the chosen CPU, edge and level (remote IRR until EOI, TMR set)', async function () {
      const r = await bringup('ioapic-com1', 4);
      assert.deepEqual(lines(r.serial), expected);
    });
    it('matches QEMU', function () {
      if (!qemuAvailable()) this.skip();
      assert.deepEqual(qemuLines('ioapic-com1', 4, 'edge'), expected);
    });
  });

  it('PIC mode through the IMCR: the 8259 reaches the BSP with LINT0 masked; APIC mode does not; virtual wire does (QEMU has no IMCR: not compared)', async function () {
    const r = await bringup('pic-imcr', 1);
    assert.deepEqual(lines(r.serial), [
      'PIC mode (IMCR=0), LINT0 masked: at least 3 IRQ0 at vector 0x20: yes',
      'APIC mode (IMCR=1), LINT0 masked: interrupts until a LAPIC timer wake-up: 0',
      'APIC mode, LINT0 ExtINT (virtual wire): at least 3 IRQ0: yes',
    ]);
  });

  describe('warm-reset vector (CMOS 0Fh = 0Ah, 0040:0067)', function () {
    const expected = [
      'CPUs:2',
      'BSP: warm-reset vector set, AP 1 sends INIT to the BSP',
      'BSP: entered warm_entry through 0040:0067',
      'BSP: real mode, CS 0000, memory kept',
    ];
    it('an INIT to the BSP goes through the reset vector and the firmware jumps through 0040:0067', async function () {
      let initToBsp: IpiRecord | undefined;
      const r = await bringup('warm-reset', 2, (pc) => (initToBsp = pc.platform.ipiLog.records.find((x: IpiRecord) => x.deliveryMode === 'init' && x.sender === 1)));
      assert.deepEqual(lines(r.serial), expected);
      assert.match(initToBsp!.targets[0].reason, /INIT to the BSP/);
    });
    it('matches QEMU (SeaBIOS)', function () {
      if (!qemuAvailable()) this.skip();
      assert.deepEqual(qemuLines('warm-reset', 2, 'CPUs:'), expected);
    });
  });

  describe('ATA primary slave: --disk twice, polling and IRQ14, --disk-writable', function () {
    const expected = [
      'BDA hard disks: 2',
      'slave IDENTIFY status/words 60-61: 00000058 00000040',
      'slave LBA 3 by polling: 00034c53',
      'slave LBA 5 by IRQ14, status in the handler: 00000058 00054c53',
      'write status: 00000050',
      'slave LBA 7 read back: 54495257',
    ];
    const slaveBytes = (): Uint8Array => {
      const s = new Uint8Array(64 * 512);
      for (let n = 0; n < 64; n++) s.set([0x53, 0x4c, n, 0], n * 512);
      return s;
    };
    async function runCli(writable: boolean): Promise<{ status: number; out: string; slave: Buffer; master: Buffer; masterBefore: Buffer }> {
      const dir = mkdtempSync(join(tmpdir(), 'bringup-ata-'));
      copyFileSync(guestImage('ata-slave'), join(dir, 'master.img'));
      writeFileSync(join(dir, 'slave.img'), slaveBytes());
      const masterBefore = readFileSync(join(dir, 'master.img'));
      let out = '';
      let err = '';
      const argv = ['run', '--disk', join(dir, 'master.img'), '--disk', join(dir, 'slave.img'), ...(writable ? ['--disk-writable'] : [])];
      const status = await main(argv, { stdout: (b) => (out += Buffer.from(b).toString('latin1')), stderr: (t) => (err += t) });
      assert.equal(err, '');
      return { status, out, slave: readFileSync(join(dir, 'slave.img')), master: readFileSync(join(dir, 'master.img')), masterBefore };
    }
    it('without --disk-writable the guest sees its writes but the files are unchanged', async function () {
      const r = await runCli(false);
      assert.equal(r.status, 33);
      assert.deepEqual(lines(r.out), expected);
      assert.deepEqual(new Uint8Array(r.slave), slaveBytes());
      assert.deepEqual(r.master, r.masterBefore);
    });
    it('with --disk-writable the written sector is in the slave file and nothing else changed', async function () {
      const r = await runCli(true);
      assert.equal(r.status, 33);
      assert.deepEqual(lines(r.out), expected);
      const want = slaveBytes();
      want.set([0x57, 0x52, 0x49, 0x54], 7 * 512);
      for (let i = 4; i < 512; i++) want[7 * 512 + i] = i & 0xff;
      assert.deepEqual(new Uint8Array(r.slave), want);
      assert.equal(r.slave.length, 64 * 512);
      assert.deepEqual(r.master, r.masterBefore);
    });
    it('matches QEMU with -drive index=0 and index=1', function () {
      if (!qemuAvailable()) this.skip();
      const dir = mkdtempSync(join(tmpdir(), 'bringup-ata-q-'));
      copyFileSync(guestImage('ata-slave'), join(dir, 'master.img'));
      writeFileSync(join(dir, 'slave.img'), slaveBytes());
      const q = runQemu('', 1, [], [`file=${join(dir, 'master.img')},format=raw,index=0,media=disk`, `file=${join(dir, 'slave.img')},format=raw,index=1,media=disk`]);
      assert.equal(q.status, 33, q.stderr);
      assert.deepEqual(linesFrom(q.serial, 'BDA'), expected);
    });
  });

  describe('bad input to the LAPIC and IO-APIC, INIT/SIPI storm (2 vCPUs)', function () {
    const expected = [
      'ESR at start: 00000000',
      'ESR after fixed IPI vector 0x05: 00000020',
      'ESR read again after clearing: 00000000',
      'ESR after self IPI vector 0x03: 00000020',
      'TPR after writing ffffffff: 000000ff',
      'version register unchanged by a write: 00000001',
      'LAPIC reserved offset 0x400: 00000000',
      'LAPIC offset 0xffc: 00000000',
      'IO-APIC register 0x60: 00000000',
      'IO-APIC version after a write: 00170020',
      'IO-APIC offset 0x20: 00000000',
      'IO-APIC offset 0xffc: 00000000',
      'ESR after the storm: 00000080',
      'AP 1 answers after the storm: 00000001',
    ];
    it('nothing throws; ESR, read-backs and the IPI log say what the SDM says', async function () {
      let records: IpiRecord[] = [];
      const r = await bringup('apic-bad-input', 2, (pc) => (records = pc.platform.ipiLog.records.slice()));
      assert.deepEqual(lines(r.serial), expected);
      const storm = records.filter((x) => x.sender === 0 && (x.deliveryMode === 'init' || x.deliveryMode === 'startup') && x.icrHigh >>> 24 !== 0);
      // 1000 storm IPIs (the bring-up's own INIT/SIPI use the all-excluding-self shorthand, destination field 0).
      assert.equal(storm.length, 1000);
      const toAbsent = storm.filter((x) => x.icrHigh >>> 24 === 7);
      assert.equal(toAbsent.length, 500);
      for (const x of toAbsent) {
        assert.equal(x.targets.length, 0);
        assert.ok(x.dropped !== undefined && x.dropped.length > 0, 'an IPI to an absent APIC ID is dropped and says why');
      }
      const toAp = storm.filter((x) => x.icrHigh >>> 24 === 1);
      assert.ok(toAp.every((x) => x.targets.length === 1 && x.targets[0].outcome === 'accepted'), 'every INIT and every SIPI after an INIT is accepted by AP 1');
      const illegal = records.filter((x) => (x.icrLow & 0xff) < 16 && x.deliveryMode === 'fixed');
      assert.equal(illegal.length, 2, 'the two illegal-vector IPIs are recorded');
    });
    // Not compared with QEMU: QEMU 7.2's APIC neither sets ESR bit 5 nor drops a fixed IPI with an illegal
    // vector on send, so the AP may take vector 5 or 3 as an interrupt and print "unexpected interrupt",
    // interleaved with the BSP's lines depending on host thread timing. The SDM behaviour is asserted above.
    it.skip('matches QEMU except the send-illegal-vector ESR bit (QEMU does not set ESR bit 5)', function () {
      if (!qemuAvailable()) this.skip();
      const q = qemuLines('apic-bad-input', 2, 'ESR at start');
      const differs = new Set([1, 3]);
      assert.deepEqual(q.filter((_, i) => !differs.has(i)), expected.filter((_, i) => !differs.has(i)));
      assert.deepEqual([q[1], q[3]], ['ESR after fixed IPI vector 0x05: 00000000', 'ESR after self IPI vector 0x03: 00000000']);
    });
  });
});
