import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { defaultConfigFor, EVENT_FILTERS, formatProblems, memoryBytes, pickImageForActiveFile, resolvePath, resolvePaths, validateLaunchConfig } from '../../extension/launch-config-model';
import { EVENT_FILTER_IDS } from '../../debug-adapter/event-filters';

const ws = path.resolve('/work/ws');
const files = new Set([path.join(ws, 'kernel.elf'), path.join(ws, 'disk.img'), path.join(ws, 'initrd'), path.join(ws, 'tramp.elf')]);
const fs = { isFile: (p: string) => files.has(p) };

describe('extension: launch configuration checks', () => {
  it('resolves ${workspaceFolder} and relative paths in image, disk, modules, symbolFiles', () => {
    assert.equal(resolvePath('${workspaceFolder}/kernel.elf', ws), path.join(ws, 'kernel.elf'));
    assert.equal(resolvePath('kernel.elf', ws), path.join(ws, 'kernel.elf'));
    assert.equal(resolvePath('/abs/k.elf', ws), '/abs/k.elf');
    const r = resolvePaths({ image: 'kernel.elf', disk: './disk.img', modules: ['initrd', { path: 'initrd', string: 'rd' }], symbolFiles: ['tramp.elf', { path: 'tramp.elf', offset: '0x8000' }] }, ws);
    assert.equal(r.image, path.join(ws, 'kernel.elf'));
    assert.equal(r.disk, path.join(ws, 'disk.img'));
    assert.deepEqual(r.modules, [path.join(ws, 'initrd'), { path: path.join(ws, 'initrd'), string: 'rd' }]);
    assert.deepEqual(r.symbolFiles, [{ path: path.join(ws, 'tramp.elf') }, { path: path.join(ws, 'tramp.elf'), offset: '0x8000' }]);
  });

  it('a valid configuration has no problems', () => {
    const c = resolvePaths({ image: 'kernel.elf', boot: 'multiboot', cpus: 4, memory: '128M', disk: 'disk.img', cmdline: 'ap=hook', modules: ['initrd'], symbolFiles: [{ path: 'tramp.elf', sections: [{ name: '.trampoline', address: '0x8000' }] }], stopOnEntry: true, stopOnEvents: ['startup-ipi', 'pv-stale-state'], schedulerLocking: 'on', seed: 7, quantum: 500 }, ws);
    assert.deepEqual(validateLaunchConfig(c, fs), []);
  });

  it('every problem names its field', () => {
    const c = resolvePaths({ image: 'missing.elf', boot: 'uefi', cpus: 0, memory: '1M', disk: 'nope.img', cmdline: 3, modules: [5], symbolFiles: [{ path: 'x.elf', offset: -1, sections: [{ name: '.t', address: 'high' }] }], stopOnEntry: 'yes', stopOnEvents: ['sipi'], schedulerLocking: 'maybe', seed: 1.5, quantum: 0 }, ws);
    const fields = validateLaunchConfig(c, fs).map((p) => p.field);
    assert.deepEqual(fields, ['image', 'boot', 'cpus', 'memory', 'disk', 'cmdline', 'modules[0]', 'symbolFiles[0].path', 'symbolFiles[0].offset', 'symbolFiles[0].sections[0].address', 'stopOnEntry', 'stopOnEvents[0]', 'schedulerLocking', 'seed', 'quantum']);
    const problems = validateLaunchConfig(c, fs);
    for (const p of problems) assert.ok(p.message.includes(`"${p.field}"`), p.message);
    assert.match(formatProblems(problems), /has 15 problems/);
    assert.match(formatProblems([problems[0]]), /^Bringup launch configuration: "image" does not name a file/);
  });

  it('"disks" (one or two, resolved like "disk") and "serialIrqGate" are checked, naming the field', () => {
    const ok = resolvePaths({ image: 'kernel.elf', disks: ['disk.img', '${workspaceFolder}/initrd'], serialIrqGate: 'out2' }, ws);
    assert.deepEqual(ok.disks, [path.join(ws, 'disk.img'), path.join(ws, 'initrd')]);
    assert.deepEqual(validateLaunchConfig(ok, fs), []);
    const fields = (c: Record<string, unknown>) => validateLaunchConfig(resolvePaths({ image: 'kernel.elf', ...c }, ws), fs).map((p) => p.field);
    assert.deepEqual(fields({ disks: [] }), ['disks']);
    assert.deepEqual(fields({ disks: ['a', 'b', 'c'] }), ['disks']);
    assert.deepEqual(fields({ disks: ['disk.img'], disk: 'disk.img' }), ['disks']);
    assert.deepEqual(fields({ disks: ['disk.img', 'nope.img'] }), ['disks[1]']);
    assert.deepEqual(fields({ serialIrqGate: 'mcr' }), ['serialIrqGate']);
  });

  it('a missing image says how to fix it', () => {
    const [p] = validateLaunchConfig({}, fs);
    assert.equal(p.field, 'image');
    assert.match(p.message, /"image" is required: set it to the kernel ELF or disk image/);
  });

  it('memory sizes as the adapter reads them (2M to 3G; a number is MiB)', () => {
    assert.equal(memoryBytes('128M'), 128 << 20);
    assert.equal(memoryBytes('1G'), 1 << 30);
    assert.equal(memoryBytes(64), 64 << 20);
    assert.equal(memoryBytes('64MiB'), 64 << 20);
    assert.equal(memoryBytes('lots'), undefined);
  });

  it('the event filter ids are the adapter\'s', () => {
    assert.deepEqual([...EVENT_FILTERS], [...EVENT_FILTER_IDS]);
  });

  it('no launch.json: the active image, or an ELF next to the active source', () => {
    assert.equal(pickImageForActiveFile('/p/kernel.elf', []), '/p/kernel.elf');
    assert.equal(pickImageForActiveFile('/p/disk.img', []), '/p/disk.img');
    assert.equal(pickImageForActiveFile('/p/main.c', ['main.c', 'smp-demo.elf', 'smp-demo.img']), '/p/smp-demo.elf');
    assert.equal(pickImageForActiveFile('/p/boot.asm', ['boot.asm', 'boot.img']), '/p/boot.img');
    assert.equal(pickImageForActiveFile('/p/notes.md', ['k.elf']), undefined);
    assert.equal(pickImageForActiveFile(undefined, []), undefined);
    const d = defaultConfigFor('/p/smp-demo.elf');
    assert.equal(d.type, 'bringup');
    assert.equal(d.name, 'Bringup: smp-demo.elf');
    // F5 without launch.json stops where SMP bring-up starts (and the Breakpoints view shows the filter ticked).
    assert.deepEqual(d.stopOnEvents, ['startup-ipi']);
    assert.deepEqual(validateLaunchConfig({ ...d, image: path.join(ws, 'kernel.elf') }, fs), []);
  });
});
