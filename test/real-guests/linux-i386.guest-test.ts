/**
 * Linux 6.1 i386 (Debian's linux-source-6.1, our own minimal config, a
 * static /init that counts /proc/cpuinfo's processors and ends the machine
 * through isa-debug-exit with that count) boots to userspace on 1, 2, 4
 * and 8 vCPUs, through PVH (vmlinux) and the Linux boot protocol (bzImage),
 * calibrating and keeping the TSC as on a PC;
 * and the same under QEMU TCG where it is installed, with matching results.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ConsoleSession } from './console-session';
import { buildLinuxI386, type LinuxImages } from './linux-build';

const CMDLINE = 'console=ttyS0 panic=-1';

describe('Linux 6.1 i386 to userspace', function () {
  this.timeout(60 * 60 * 1000);
  let images: LinuxImages;

  before(function () {
    const built = buildLinuxI386();
    if (!built.ok) {
      console.warn(`      skipped: ${built.reason}`);
      this.skip();
    }
    images = built.images;
  });

  for (const boot of ['pvh', 'linux'] as const) {
    for (const cpus of [1, 2, 4, 8]) {
      it(`${boot === 'pvh' ? 'PVH (vmlinux)' : 'boot protocol (bzImage)'}, ${cpus} vCPU${cpus > 1 ? 's' : ''}: init sees ${cpus} CPUs`, async () => {
        const image = readFileSync(boot === 'pvh' ? images.vmlinux : images.bzImage);
        const session = new ConsoleSession({ image, boot, cpus, memorySize: 256 * 1024 * 1024, cmdline: CMDLINE, seed: 1 });
        const started = Date.now();
        const out = await session.waitFor(`bringup-init: ${String(cpus).padStart(3, '0')} CPUs online`, 20_000_000_000).catch((e: Error) => {
          throw new Error(`${e.message}\n${session.events.filter((x) => x.kind !== 'note').slice(-5).map((x) => JSON.stringify(x)).join('\n')}`);
        });
        console.log(`      ${((Date.now() - started) / 1000).toFixed(1)} s wall, ${(session.pc.machine.totalInstructions / 1e9).toFixed(2)} G instructions`);
        assert.match(out, /Linux version 6\.1/);
        if (cpus > 1) assert.match(out, new RegExp(`smp: Brought up 1 node, ${cpus} CPUs`));
        assert.doesNotMatch(out, /Kernel panic|BUG:|Oops/);
        // The machine's clocks as Linux checks them: the TSC calibrates against the PIT (tsc.c) and,
        // across CPUs, never runs backwards (tsc_sync.c), so Linux keeps it as its clocksource.
        assert.match(out, /tsc: Fast TSC calibration using PIT/);
        assert.doesNotMatch(out, /TSC warp|Marking TSC unstable|Unable to calibrate against PIT/);
        const end = await session.runToExit(500_000_000);
        assert.deepEqual(end.kind === 'debug-exit' ? end.value : end.kind, cpus, 'isa-debug-exit with the CPU count');
      });
    }
  }

  describe('under QEMU TCG (the reference)', function () {
    before(function () {
      if (spawnSync('qemu-system-i386', ['--version']).status !== 0) this.skip();
    });
    for (const cpus of [1, 4]) {
      it(`bzImage, ${cpus} vCPU${cpus > 1 ? 's' : ''}: the same init line and exit status`, () => {
        const r = spawnSync('qemu-system-i386', ['-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-nic', 'none', '-m', '256',
          '-smp', String(cpus), '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', images.bzImage, '-append', CMDLINE], { encoding: 'latin1', timeout: 10 * 60 * 1000 });
        assert.match(r.stdout, new RegExp(`bringup-init: ${String(cpus).padStart(3, '0')} CPUs online`), r.stdout.slice(-2000));
        assert.equal(r.status, (cpus << 1) | 1);
      });
    }
  });
});
