/**
 * The flagship scenario on a kernel we did not write: Linux 6.1 i386 (PVH
 * entry, 2 vCPUs) under the debug adapter. Stop on the INIT IPI that
 * Linux's do_boot_cpu sends to the AP and see the AP in wait-for-SIPI; stop
 * on the STARTUP IPI; then step the AP instruction by instruction from
 * trampoline_start (real mode, realmode.elf placed at the STARTUP vector)
 * through trampoline_32.S's far jump into protected mode, head_32.S's
 * startup_32_smp (vmlinux at its physical address, then at its virtual one
 * after paging) into start_secondary in C with source lines from vmlinux,
 * and step a C line there.
 */
import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildLinuxI386, type LinuxImages } from './linux-build';

const ROOT = resolve(__dirname, '../..');

describe('Linux 6.1 i386 AP bring-up under the debugger', function () {
  this.timeout(30 * 60 * 1000);
  let images: LinuxImages;
  let dc: DebugClient;

  before(function () {
    const built = buildLinuxI386();
    if (!built.ok) {
      console.warn(`      skipped: ${built.reason}`);
      this.skip();
    }
    images = built.images;
  });
  afterEach(async () => {
    await dc?.stop().catch(() => {});
  });

  async function topFrame(threadId: number): Promise<DebugProtocol.StackFrame> {
    return (await dc.stackTraceRequest({ threadId, levels: 1 })).body.stackFrames[0];
  }
  async function evaluate(expression: string, threadId: number): Promise<string> {
    const frame = await topFrame(threadId);
    return (await dc.evaluateRequest({ expression, frameId: frame.id, context: 'watch' })).body.result;
  }
  async function threadName(threadId: number): Promise<string> {
    return (await dc.threadsRequest()).body.threads.find((t) => t.id === threadId)!.name;
  }

  it('INIT → wait-for-SIPI, STARTUP → trampoline_start, stepped into start_secondary with vmlinux source lines', async function () {
    dc = new DebugClient('node', join(ROOT, 'dist', 'debugAdapter.js'), 'bringup');
    dc.defaultTimeout = 20 * 60 * 1000;
    await dc.start();
    const output: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
    const initialized = dc.waitForEvent('initialized');
    await dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    await Promise.all([
      initialized.then(() => dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'init-ipi', condition: '$target == 1' }, { filterId: 'startup-ipi', condition: '$target == 1' }] })).then(() => dc.configurationDoneRequest()),
      dc.launchRequest({
        image: images.vmlinux, boot: 'pvh', cpus: 2, memory: '256M', cmdline: 'console=ttyS0 panic=-1', seed: 1,
        symbolFiles: [
          images.vmlinux,
          // head_32.S runs at its physical address (link − PAGE_OFFSET) until it turns paging on.
          { path: images.vmlinux, offset: '-0xc0000000' },
          { path: images.realmode, atStartupVector: 'trampoline_start' },
        ],
      } as DebugProtocol.LaunchRequestArguments),
    ]);
    const ap = 2; // thread of vCPU 1 (APIC 1)

    const init = await dc.waitForEvent('stopped');
    assert.equal(init.body.reason, 'exception');
    assert.match((await dc.exceptionInfoRequest({ threadId: init.body.threadId })).body.description ?? '', /vCPU 0 sent INIT to APIC 1: APIC 1 accepted \(INIT state; waiting for STARTUP\)/);
    const vcpus = (await dc.customRequest('bringup/vcpus', {})).body as { vcpus: { index: number; activity: string }[] };
    assert.equal(vcpus.vcpus.find((v) => v.index === 1)?.activity, 'wait-for-sipi');
    assert.equal(await threadName(ap), 'vCPU 1 · APIC 1 · wait-for-SIPI');
    assert.equal((await topFrame(ap)).name, 'not started: waiting for a STARTUP IPI');

    const [, sipi] = await Promise.all([dc.continueRequest({ threadId: init.body.threadId }), dc.waitForEvent('stopped')]);
    const description = (await dc.exceptionInfoRequest({ threadId: sipi.body.threadId })).body.description ?? '';
    const vector = Number(/sent STARTUP vector (0x[0-9a-f]+) to APIC 1: APIC 1 accepted/.exec(description)?.[1]);
    assert.ok(vector > 0 && vector < 0xa0, `a STARTUP vector below 1 MiB: ${description}`);
    assert.match(output.join(''), new RegExp(`realmode\\.elf placed at the STARTUP vector: trampoline_start = 0x${(vector << 12).toString(16).padStart(8, '0')}`));
    assert.equal(await evaluate('$cs.selector', ap), `0x${(vector << 8).toString(16).padStart(4, '0')} (${vector << 8})`);
    assert.match((await topFrame(ap)).name, /^trampoline_start\b/);
    assert.match(await threadName(ap), /· real$/);

    // Step the AP one instruction at a time (the other vCPU holds still: scheduler locking "step"), noting each new function.
    const visited: string[] = ['trampoline_start'];
    let frame = await topFrame(ap);
    let steps = 0;
    for (; !/^start_secondary\b/.test(frame.name); steps++) {
      assert.ok(steps < 5000, `start_secondary within 5000 instructions; went through ${visited.join(' → ')}`);
      await Promise.all([dc.stepInRequest({ threadId: ap, granularity: 'instruction' }), dc.waitForEvent('stopped')]);
      frame = await topFrame(ap);
      const fn = frame.name.replace(/ .*$/, '').replace(/\+0x[0-9a-f]+$/, '');
      if (visited[visited.length - 1] !== fn) {
        visited.push(fn);
        if (fn === 'startup_32_smp') assert.equal(await evaluate('$cr0.pg', ap), '0', 'startup_32_smp is first named at its physical address, before paging (the -0xc0000000 copy of vmlinux)');
      }
    }
    const path = visited.join(' → ');
    for (const fn of ['trampoline_start', 'startup_32', 'startup_32_smp', 'start_secondary']) assert.ok(visited.includes(fn), `${fn} in ${path}`);
    assert.ok(visited.indexOf('startup_32') < visited.indexOf('startup_32_smp') && visited.indexOf('startup_32_smp') < visited.indexOf('start_secondary'), path);
    assert.match(await threadName(ap), /· protected\+paging$/);
    assert.equal(await evaluate('$cr0.pg', ap), '1');

    // In C: source lines from vmlinux's DWARF.
    assert.ok(frame.source?.path?.endsWith('arch/x86/kernel/smpboot.c'), `start_secondary in smpboot.c (got ${frame.source?.path})`);
    assert.ok(frame.line > 0);
    const firstLine = frame.line;
    await Promise.all([dc.nextRequest({ threadId: ap }), dc.waitForEvent('stopped')]);
    const next = await topFrame(ap);
    assert.match(next.name, /^start_secondary\b/);
    assert.ok(next.source?.path?.endsWith('arch/x86/kernel/smpboot.c'));
    assert.notEqual(next.line, firstLine, 'a line step moved to another line of start_secondary');
    console.log(`      ${steps} instructions: ${path}; start_secondary line ${firstLine} → ${next.line}`);
  });
});
