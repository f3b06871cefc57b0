import { strict as assert } from 'node:assert';
import { DEFAULT_MEMORY, parseRunArguments, UsageError } from '../../cli/run-options';
import { parseSize } from '../../cli/size';

function usageError(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseRunArguments(argv), (e: unknown) => e instanceof UsageError && pattern.test(e.message) && !e.message.includes('\n'));
}

describe('bringup run arguments', () => {
  it('applies the documented defaults', () => {
    const o = parseRunArguments(['kernel.elf']);
    assert.equal(o.image, 'kernel.elf');
    assert.equal(o.boot, 'auto');
    assert.equal(o.cpus, 1);
    assert.equal(o.memorySize, DEFAULT_MEMORY);
    assert.equal(o.seed, 1);
    assert.equal(o.maxInstructions, undefined);
    assert.equal(o.timeoutSeconds, undefined);
    assert.equal(o.trace.size, 0);
  });

  it('parses every option, in --flag value and --flag=value forms', () => {
    const o = parseRunArguments([
      '--boot', 'pvh', 'k.elf', '--cpus=8', '--memory', '512M', '--disk', 'd.img', '--cmdline', 'ap=hook console=ttyS0',
      '--module', 'initrd.bin', '--module=cfg.txt,config', '--max-instructions', '1000000', '--timeout', '2.5',
      '--trace', 'ipi,modes', '--json', 'out.json', '--seed', '42', '--quantum', '50',
    ]);
    assert.equal(o.boot, 'pvh');
    assert.equal(o.cpus, 8);
    assert.equal(o.memorySize, 512 * 1024 * 1024);
    assert.equal(o.disk, 'd.img');
    assert.equal(o.cmdline, 'ap=hook console=ttyS0');
    assert.deepEqual(o.modules, [{ path: 'initrd.bin', string: 'initrd.bin' }, { path: 'cfg.txt', string: 'config' }]);
    assert.equal(o.maxInstructions, 1_000_000);
    assert.equal(o.timeoutSeconds, 2.5);
    assert.deepEqual([...o.trace].sort(), ['ipi', 'modes']);
    assert.equal(o.json, 'out.json');
    assert.equal(o.seed, 42);
    assert.equal(o.quantum, 50);
  });

  it('--screen FILE and --serial-irq-gate none|out2 (default none, as QEMU)', () => {
    const d = parseRunArguments(['k']);
    assert.equal(d.screen, undefined);
    assert.equal(d.serialIrqGate, 'none');
    const o = parseRunArguments(['k', '--screen', 'screen.txt', '--serial-irq-gate=out2']);
    assert.equal(o.screen, 'screen.txt');
    assert.equal(o.serialIrqGate, 'out2');
    usageError(['k', '--serial-irq-gate', 'mcr'], /--serial-irq-gate must be one of none, out2; got 'mcr'/);
    usageError(['k', '--screen='], /--screen must not be empty/);
  });

  it('--boot linux and --initrd FILE (for linux and pvh boots, as QEMU -initrd)', () => {
    const o = parseRunArguments(['bzImage', '--boot', 'linux', '--initrd', 'initramfs.cpio', '--cmdline', 'console=ttyS0']);
    assert.equal(o.boot, 'linux');
    assert.equal(o.initrd, 'initramfs.cpio');
    assert.equal(parseRunArguments(['vmlinux', '--boot', 'pvh', '--initrd', 'rd']).initrd, 'rd');
    assert.equal(parseRunArguments(['k']).initrd, undefined);
    usageError(['k', '--boot', 'multiboot', '--initrd', 'rd'], /--initrd needs --boot linux or pvh/);
    usageError(['k', '--initrd='], /--initrd must not be empty/);
  });

  it('--trace all selects every class', () => {
    const o = parseRunArguments(['k', '--trace', 'all']);
    for (const c of ['ipi', 'modes', 'exceptions', 'boot', 'paravirt']) assert.ok(o.trace.has(c as never), c);
  });

  it('accepts a boot-sector disk alone', () => {
    const o = parseRunArguments(['--disk', 'boot.img']);
    assert.equal(o.image, undefined);
    assert.equal(o.disk, 'boot.img');
  });

  it('--disk is repeatable: primary master, then primary slave; read-only overlay by default', () => {
    const one = parseRunArguments(['k', '--disk', 'a.img']);
    assert.deepEqual(one.disks, ['a.img']);
    assert.equal(one.diskWritable, false);
    const two = parseRunArguments(['k', '--disk', 'a.img', '--disk=b.img', '--disk-writable']);
    assert.deepEqual(two.disks, ['a.img', 'b.img']);
    assert.equal(two.disk, 'a.img', 'the first disk is still `disk`');
    assert.equal(two.diskWritable, true);
    assert.deepEqual(parseRunArguments(['k']).disks, []);
    assert.equal(parseRunArguments(['k']).diskWritable, false);
  });

  it('a boot-sector master and a data slave without an IMAGE', () => {
    const o = parseRunArguments(['--disk', 'boot.img', '--disk', 'data.img', '--disk-writable']);
    assert.equal(o.image, undefined);
    assert.deepEqual(o.disks, ['boot.img', 'data.img']);
  });

  describe('disk usage errors (exit status 64, one line)', () => {
    it('a third disk', () => usageError(['k', '--disk', 'a', '--disk', 'b', '--disk', 'c'], /--disk given more than 2 times .*'c' has no place/));
    it('empty disk path', () => usageError(['k', '--disk', 'a', '--disk='], /--disk must not be empty/));
    it('disk without a value', () => usageError(['k', '--disk'], /--disk needs a value/));
    it('--disk-writable with a value', () => usageError(['k', '--disk', 'a', '--disk-writable=yes'], /--disk-writable takes no value/));
    it('--disk-writable twice', () => usageError(['k', '--disk', 'a', '--disk-writable', '--disk-writable'], /--disk-writable given more than once/));
    it('--disk-writable without a disk', () => usageError(['k', '--disk-writable'], /--disk-writable needs a --disk FILE/));
  });

  it('reads sizes as QEMU -m does', () => {
    assert.equal(parseSize('128'), 128 * 2 ** 20);
    assert.equal(parseSize('1G'), 2 ** 30);
    assert.equal(parseSize('64MiB'), 64 * 2 ** 20);
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.equal(parseSize('268435456'), 268435456);
    assert.equal(parseSize('12X'), undefined);
    assert.equal(parseSize('-5M'), undefined);
  });

  describe('rejects with a one-line message naming the problem', () => {
    it('no image', () => usageError([], /no IMAGE/));
    it('two images', () => usageError(['a', 'b'], /more than one IMAGE/));
    it('unknown option', () => usageError(['k', '--cpu', '2'], /unknown option '--cpu'/));
    it('single-dash option', () => usageError(['k', '-c', '2'], /unknown option '-c'/));
    it('bad boot protocol', () => usageError(['k', '--boot', 'uefi'], /--boot must be one of auto, bootsector, multiboot, pvh, elf/));
    it('cpus zero', () => usageError(['k', '--cpus', '0'], /--cpus must be from 1 to 255/));
    it('cpus too many', () => usageError(['k', '--cpus', '256'], /--cpus must be from 1 to 255/));
    it('cpus not a number', () => usageError(['k', '--cpus', 'four'], /--cpus expects an integer/));
    it('memory malformed', () => usageError(['k', '--memory', 'lots'], /--memory expects a size/));
    it('memory too small', () => usageError(['k', '--memory', '1M'], /--memory must be from 2 MiB to 3 GiB/));
    it('memory too large', () => usageError(['k', '--memory', '4G'], /--memory must be from/));
    it('missing value', () => usageError(['k', '--seed'], /--seed needs a value/));
    it('negative seed', () => usageError(['k', '--seed', '-1'], /--seed expects an integer/));
    it('zero max-instructions', () => usageError(['k', '--max-instructions', '0'], /--max-instructions must be from 1/));
    it('bad timeout', () => usageError(['k', '--timeout', '0'], /--timeout expects a positive number/));
    it('bad trace class', () => usageError(['k', '--trace', 'ipi,irqs'], /--trace accepts .* got 'irqs'/));
    it('repeated option', () => usageError(['k', '--cpus', '2', '--cpus', '4'], /--cpus given more than once/));
    it('modules with a protocol that has no module list', () => usageError(['k', '--boot', 'elf', '--module', 'm'], /--module needs --boot multiboot or pvh/));
    it('empty json path', () => usageError(['k', '--json='], /--json must not be empty/));
  });
});
