/**
 * The long real-guest suite (npm run test:guests): xv6's full usertests on
 * 4 vCPUs, unchanged. It exercises user-mode IN/OUT raising #GP, page faults
 * on bad user pointers, timer preemption on every CPU, fork/exec/pipe
 * storms, about 224 MiB of RAM and thousands of interrupt-driven disk
 * writes; it ends with "ALL TESTS PASSED". Under QEMU 7.2 TCG on a
 * 2-core machine it takes about 530 s.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { ConsoleSession } from './console-session';
import { buildXv6 } from './xv6-build';

describe('xv6-public usertests on 4 vCPUs', function () {
  this.timeout(3 * 60 * 60 * 1000);

  it('ALL TESTS PASSED', async function () {
    const built = buildXv6();
    if (!built.ok) {
      console.warn(`      skipped: ${built.reason}`);
      this.skip();
    }
    const { xv6Img, fsImg } = built.images;
    const session = new ConsoleSession({ image: xv6Img, boot: 'bootsector', cpus: 4, memorySize: 512 * 1024 * 1024, disks: [readFileSync(xv6Img), readFileSync(fsImg)], seed: 1 });
    await session.waitFor('$ ', 3_000_000_000);
    const started = Date.now();
    const out = await session.command('usertests', '$ ', Number.MAX_SAFE_INTEGER);
    console.log(`      usertests: ${((Date.now() - started) / 1000).toFixed(0)} s wall, ${(session.pc.machine.totalInstructions / 1e9).toFixed(1)} G instructions`);
    assert.match(out, /usertests starting/);
    assert.match(out, /ALL TESTS PASSED/, out.slice(-2000));
    assert.doesNotMatch(out, /panic/);
  });
});
