/**
 * `symbolFiles[].atStartupVector`: a trampoline's symbol file placed where
 * the first STARTUP IPI starts the AP (vector << 12), for kernels such as
 * Linux that copy their real-mode trampoline to a page chosen at boot.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { SymbolBridge } from '../../debug-adapter/symbol-bridge';
import { LaunchConfigError, parseLaunchConfig } from '../../debug-adapter/launch-config';

const root = join(__dirname, '..', '..');
const sampleDir = join(root, 'samples', 'smp-demo');
const sample = join(sampleDir, 'smp-demo.elf');
const trampoline = join(sampleDir, 'trampoline.elf'); // linked at 0x8000: tramp_start, tramp_pm at +0x27

describe('symbol files placed at the STARTUP vector', function () {
  it('stay unloaded until the vector is known, then answer at vector << 12 shifted from their link address', () => {
    const bridge = new SymbolBridge();
    bridge.load([{ path: sample }, { path: trampoline, atStartupVector: 'tramp_start' }], sample);
    assert.equal(bridge.awaitsStartupVector, true);
    assert.match(bridge.notes.join('\n'), /trampoline\.elf is placed when the first STARTUP IPI is sent/);
    assert.equal(bridge.symbolize(0x8000), undefined, 'not placed yet: its link address means nothing');
    const lines = bridge.placeAtStartupVector(0x9c000);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /tramp_start = 0x0009c000 \(offset 0x94000\)/);
    assert.equal(bridge.awaitsStartupVector, false);
    assert.equal(bridge.symbolize(0x9c000), 'tramp_start');
    assert.equal(bridge.symbolize(0x9c027), 'tramp_pm');
    assert.equal(bridge.symbolize(0x8000), undefined, 'nothing answers at the link address any more');
    assert.ok(bridge.functionAddress('ap_main') !== undefined, 'the kernel file is still loaded');
  });

  it('a symbol the file lacks is a note, not a failed launch', () => {
    const bridge = new SymbolBridge();
    bridge.load([{ path: trampoline, atStartupVector: 'no_such_symbol' }], sample);
    assert.equal(bridge.awaitsStartupVector, false);
    assert.match(bridge.notes.join('\n'), /no symbol "no_such_symbol" to place at the STARTUP vector/);
  });

  it('the launch configuration checks the attribute', () => {
    const parse = (spec: unknown): unknown => parseLaunchConfig({ image: sample, symbolFiles: [spec] }, root);
    assert.deepEqual((parse({ path: trampoline, atStartupVector: 'tramp_start' }) as { symbolFiles: unknown }).symbolFiles, [{ path: trampoline, atStartupVector: 'tramp_start' }]);
    assert.throws(() => parse({ path: trampoline, atStartupVector: 'tramp_start', offset: '0x1000' }), (e: Error) => e instanceof LaunchConfigError && /cannot be combined with "offset"/.test(e.message));
    assert.throws(() => parse({ path: trampoline, atStartupVector: 7 }), (e: Error) => e instanceof LaunchConfigError && /must be the name of a symbol/.test(e.message));
  });

  it('through the adapter: stopped on the STARTUP IPI, the AP at the vector is in the placed trampoline', async function () {
    this.timeout(60000);
    const dc = new DebugClient('node', join(root, 'dist', 'debugAdapter.js'), 'bringup');
    await dc.start();
    try {
      const initialized = dc.waitForEvent('initialized');
      await dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      const output: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
      await Promise.all([
        initialized.then(() => dc.setExceptionBreakpointsRequest({ filters: ['startup-ipi'] })).then(() => dc.configurationDoneRequest()),
        dc.launchRequest({ image: sample, cpus: 2, cmdline: 'ap=sipi', symbolFiles: [sample, { path: trampoline, atStartupVector: 'tramp_start' }] } as DebugProtocol.LaunchRequestArguments),
      ]);
      await dc.waitForEvent('stopped');
      assert.match(output.join(''), /trampoline\.elf placed at the STARTUP vector: tramp_start = 0x00008000/);
      const frame = (await dc.stackTraceRequest({ threadId: 2, levels: 1 })).body.stackFrames[0];
      assert.match(frame.name, /^tramp_start/, 'the AP about to run its first instruction, named from the placed file');
    } finally {
      await dc.stop().catch(() => {});
    }
  });

  it('a negative offset, or its 32-bit complement, maps a file linked high to where it runs (addresses wrap at 2^32)', () => {
    const entry = 0x100056; // ap_entry in the sample
    for (const offset of ['-0x100000', '0xfff00000', -0x100000]) {
      const config = parseLaunchConfig({ image: sample, symbolFiles: [{ path: sample, offset }] }, root) as { symbolFiles: { path: string; offset?: number }[] };
      const bridge = new SymbolBridge();
      bridge.load(config.symbolFiles, sample);
      assert.equal(bridge.symbolize(entry - 0x100000), 'ap_entry', `offset ${offset}`);
      assert.equal(bridge.symbolize(entry), undefined);
      assert.equal(bridge.functionAddress('ap_entry'), entry - 0x100000);
    }
    assert.throws(() => parseLaunchConfig({ image: sample, symbolFiles: [{ path: sample, offset: '-0x100000000' }] }, root), /offset from -0xFFFFFFFF to 0xFFFFFFFF/);
  });
});
