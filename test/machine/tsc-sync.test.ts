/**
 * TSC synchronisation across vCPUs (test/guests/tsc-sync.asm does what
 * Linux's check_tsc_warp does: TSC readings published under a spinlock must
 * never run backwards from one CPU to the next). vCPUs of one scheduling
 * round all start at the same virtual time, so before the clock clamped
 * readings to the latest one, a vCPU later in the round read up to a slice
 * less than a value already published (4 vCPUs, 5,000 passes each: 557
 * warps of up to 185 cycles), and Linux said "Measured 167 cycles TSC warp between CPUs,
 * turning off TSC clock". QEMU shows no warp either.
 */
import { strict as assert } from 'node:assert';
import { guestImage, linesFrom, qemuAvailable, runQemu } from '../devices/guest-compare';
import { runGuestImage } from '../support/run-guest';

const expected = (cpus: number): string[] => [
  `warps:${' 0'.repeat(cpus)}`,
  'max warp: 0',
  `passes:${' 5000'.repeat(cpus)}`,
];

describe('TSC synchronisation between vCPUs (Linux check_tsc_warp)', function () {
  for (const [cpus, seed] of [[4, 1], [8, 7]] as const) {
    it(`${cpus} vCPUs (seed ${seed}): no TSC reading is below one another CPU published before it`, async () => {
      const r = await runGuestImage(guestImage('tsc-sync'), { cpus, boot: 'bootsector', seed, maxInstructions: 300_000_000 });
      assert.equal(r.exitStatus, 33, r.serial);
      assert.deepEqual(r.serial.trimEnd().split('\n'), expected(cpus));
    });
  }

  it('matches QEMU with -smp 4', function () {
    if (!qemuAvailable()) this.skip();
    const q = runQemu(guestImage('tsc-sync'), 4);
    assert.equal(q.status, 33, q.stderr);
    assert.deepEqual(linesFrom(q.serial, 'warps:'), expected(4));
  });
});
