/**
 * Debugging the sample kernel (samples/smp-demo) through the standalone
 * adapter: stepping an AP from its STARTUP vector in real mode through the
 * far jump into protected mode and paging, a function breakpoint that fires
 * on one vCPU only, the paravirtual startup state, and a watchpoint on the
 * console spinlock.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const root = join(__dirname, '..', '..');
const sample = join(root, 'samples', 'smp-demo', 'smp-demo.elf');

function symbol(name: string): number {
  const line = execFileSync('nm', [sample], { encoding: 'utf8' }).split('\n').find((l) => l.endsWith(` ${name}`));
  if (line === undefined) throw new Error(`symbol ${name} not in the sample`);
  return parseInt(line.split(' ')[0], 16);
}

describe('debugging the sample kernel', function () {
  this.timeout(120000);
  let dc: DebugClient;
  let initialized: Promise<unknown>;

  beforeEach(async function () {
    dc = new DebugClient('node', join(root, 'dist', 'debugAdapter.js'), 'bringup');
    dc.defaultTimeout = 60000;
    await dc.start();
    initialized = dc.waitForEvent('initialized');
    await dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  });
  afterEach(async function () {
    await dc.stop().catch(() => {});
  });

  async function evaluate(expression: string, threadId: number): Promise<string> {
    const frame = (await dc.stackTraceRequest({ threadId, levels: 1 })).body.stackFrames[0];
    return (await dc.evaluateRequest({ expression, frameId: frame.id, context: 'watch' })).body.result;
  }

  async function stepInstruction(threadId: number): Promise<void> {
    await Promise.all([dc.stepInRequest({ threadId, granularity: 'instruction' }), dc.waitForEvent('stopped')]);
  }

  it('steps an AP from 0800:0000 in real mode through the far jump into protected mode and paging', async function () {
    await Promise.all([
      initialized.then(() => dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'startup-ipi', condition: '$target == 2' }] })).then(() => dc.configurationDoneRequest()),
      dc.launchRequest({ image: sample, cpus: 4, cmdline: 'ap=sipi' } as DebugProtocol.LaunchRequestArguments),
    ]);
    const stop = await dc.waitForEvent('stopped');
    assert.equal(stop.body.reason, 'exception');
    const ap = 3; // vCPU 2
    assert.equal(await evaluate('$pc', ap), '0x00008000 (32768)');
    assert.equal(await evaluate('$cs', ap), '0x0800 (base 0x8000, limit 0xffff)');
    assert.equal(await evaluate('$cr0.pe', ap), '0');
    // Step until CR0.PE is set: CS still holds its real-mode cache (selector 0x0800, base 0x8000, 16-bit).
    let steps = 0;
    while ((await evaluate('$cr0.pe', ap)) === '0') {
      await stepInstruction(ap);
      assert.ok(++steps < 50, 'PE is set within the first instructions of the trampoline');
    }
    assert.equal(await evaluate('$cs.selector', ap), '0x0800 (2048)');
    assert.equal(await evaluate('$cs.base', ap), '0x00008000 (32768)');
    assert.equal(await evaluate('($cs.attributes >> 14) & 1', ap), '0', 'CS.D is still 0: the next instruction (the far jump) is decoded as 16-bit code');
    const dis = (await dc.send('disassemble', { memoryReference: await evaluate('$pc', ap).then((s) => s.split(' ')[0]), instructionCount: 1 })) as DebugProtocol.DisassembleResponse;
    assert.match(dis.body!.instructions[0].instruction, /^jmp dword 0x8:0x[0-9a-f]+$/);
    await stepInstruction(ap);
    assert.equal(await evaluate('$cs.selector', ap), '8');
    assert.equal(await evaluate('$cs.base', ap), '0');
    assert.equal(await evaluate('($cs.attributes >> 14) & 1', ap), '1', 'after the far jump CS comes from the GDT: 32-bit code');
    const threads = (await dc.threadsRequest()).body.threads;
    assert.equal(threads[2].name, 'vCPU 2 · APIC 2 · protected');
    while ((await evaluate('$cr0.pg', ap)) === '0') {
      await stepInstruction(ap);
      assert.ok(++steps < 120, 'paging comes on in the trampoline');
    }
    assert.equal((await dc.threadsRequest()).body.threads[2].name, 'vCPU 2 · APIC 2 · protected+paging');
  });

  it('a function breakpoint on ap_main with $cpu == 2 stops on vCPU 2 only, with GS on its per-CPU area (ap=hook)', async function () {
    await Promise.all([
      initialized.then(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ap_main', condition: '$cpu == 2' }] })).then(() => dc.configurationDoneRequest()),
      dc.launchRequest({ image: sample, cpus: 4, cmdline: 'ap=hook' } as DebugProtocol.LaunchRequestArguments),
    ]);
    const stop = await dc.waitForEvent('stopped');
    assert.equal(stop.body.reason, 'function breakpoint');
    assert.equal(stop.body.threadId, 3);
    const frame = (await dc.stackTraceRequest({ threadId: 3 })).body.stackFrames[0];
    assert.match(frame.name, /^ap_main/);
    // After the prologue means the first statement (the line after the opening brace), as GDB's "break ap_main".
    const smpLines = require('node:fs').readFileSync(join(root, 'samples', 'smp-demo', 'smp.c'), 'utf8').split('\n') as string[];
    assert.equal(frame.line, smpLines.findIndex((l) => /^void ap_main\(/.test(l)) + 3, 'stopped on the first statement, not the brace');
    const percpu2 = symbol('percpu') + 2 * 32;
    assert.equal(await evaluate('$gs.base', 3), `0x${percpu2.toString(16).padStart(8, '0')} (${percpu2})`);
    assert.equal(await evaluate('*(u32*)($gs.base + 8)', 3), '2', 'percpu[2].apic_id');
  });

  it('stops on the paravirtual startup-state registration and shows the decoded state (ap=hook)', async function () {
    await Promise.all([
      initialized.then(() => dc.setExceptionBreakpointsRequest({ filters: ['pv-startup-state'] })).then(() => dc.configurationDoneRequest()),
      dc.launchRequest({ image: sample, cpus: 2, cmdline: 'ap=hook' } as DebugProtocol.LaunchRequestArguments),
    ]);
    const stop = await dc.waitForEvent('stopped');
    assert.equal(stop.body.threadId, 1);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.match(info.body.description ?? '', /vCPU 0 registered a paravirtual startup state for APIC 1 .*CR0 0x8001/);
    const pv = (await dc.customRequest('bringup/pvStartupState', { vcpu: 1 })).body;
    assert.equal(pv.registered, true);
    assert.equal(pv.fields.find((f: { name: string }) => f.name === 'eip').value, `0x${symbol('ap_entry').toString(16).padStart(8, '0')}`);
    assert.deepEqual(pv.problems, []);
    const frame = (await dc.stackTraceRequest({ threadId: 2 })).body.stackFrames[0];
    const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.map((s) => s.name);
    assert.ok(scopes.includes('Paravirtual Startup State'));
  });

  it('a watchpoint on the console spinlock reports each writer vCPU', async function () {
    const lock = symbol('print_lock');
    await Promise.all([initialized.then(() => dc.configurationDoneRequest()), dc.launchRequest({ image: sample, cpus: 3, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments), dc.waitForEvent('stopped')]);
    const info = await dc.dataBreakpointInfoRequest({ name: `0x${lock.toString(16)}` });
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    const writers = new Set<number>();
    for (let i = 0; i < 40 && writers.size < 3; i++) {
      const [, stopped] = await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      assert.equal(stopped.body.reason, 'data breakpoint');
      writers.add(stopped.body.threadId - 1);
    }
    assert.deepEqual([...writers].sort(), [0, 1, 2], 'the BSP and both APs take the console lock');
  });

  it('source level: a line breakpoint in ap_main, Locals/Arguments from DWARF, line stepping, the C call stack, step out', async function () {
    const smpC = join(root, 'samples', 'smp-demo', 'smp.c');
    const source = require('node:fs').readFileSync(smpC, 'utf8').split('\n') as string[];
    const lineOf = (text: string): number => source.findIndex((l) => l.includes(text)) + 1;
    const tablesLine = lineOf('load_cpu_tables(cpu);');
    await Promise.all([
      dc.launchRequest({ image: sample, cpus: 3, cmdline: 'ap=sipi' } as DebugProtocol.LaunchRequestArguments),
      initialized.then(() => new Promise((r) => setTimeout(r, 50))).then(() => dc.setBreakpointsRequest({ source: { path: smpC }, breakpoints: [{ line: tablesLine, condition: '$cpu == 1' }] })).then((r) => {
        assert.equal(r.body.breakpoints[0].verified, true, r.body.breakpoints[0].message);
        assert.equal(r.body.breakpoints[0].line, tablesLine);
        return dc.configurationDoneRequest();
      }),
    ]);
    const stop = await dc.waitForEvent('stopped');
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(stop.body.threadId, 2);
    const stack = (await dc.stackTraceRequest({ threadId: 2 })).body.stackFrames;
    assert.match(stack[0].name, /^ap_main/);
    assert.equal(stack[0].source?.name, 'smp.c');
    assert.equal(stack[0].line, tablesLine);
    const scopes = (await dc.scopesRequest({ frameId: stack[0].id })).body.scopes;
    const args = (await dc.variablesRequest({ variablesReference: scopes.find((x) => x.name === 'Arguments')!.variablesReference })).body.variables;
    // GCC -O1 describes `cpu` only for the first instructions (DW_OP_fbreg 0 until 0x...08); after that DWARF says nothing, and we say so.
    assert.deepEqual(args.map((v) => [v.name, v.value]), [['cpu', '<optimized out at this address>']]);
    const locals = (await dc.variablesRequest({ variablesReference: scopes.find((x) => x.name === 'Locals')!.variablesReference })).body.variables;
    assert.deepEqual(locals.map((v) => [v.name, v.type]), [['how', 'u32']]);
    assert.equal(locals[0].value, '0', 'how = ap_start_path[1] - 1 = 0 (sipi), read from EBX per the location list');
    assert.equal(await evaluate('how', 2), '0');
    // C expressions over DWARF globals: array indexing and struct members.
    assert.equal(await evaluate('percpu[1].cpu', 2), '1', 'the BSP fills every per-CPU area before starting the APs');
    assert.equal(await evaluate('percpu[2].apic_id', 2), '2');
    assert.equal(await evaluate('percpu[2].cpu + percpu[1].cpu', 2), '3');
    assert.equal(await evaluate('percpu[0].self == &percpu', 2).catch(() => 'n/a'), 'n/a', 'address-of is not part of the language');
    // A data breakpoint on a variable that lives in a register is refused with the reason.
    const localsRef = scopes.find((x) => x.name === 'Locals')!.variablesReference;
    const info = await dc.dataBreakpointInfoRequest({ name: 'how', variablesReference: localsRef });
    assert.equal(info.body.dataId, null);
    assert.match(info.body.description, /does not live in memory here/);
    // Line stepping: over the call to load_cpu_tables, onto lapic_enable().
    await Promise.all([dc.nextRequest({ threadId: 2 }), dc.waitForEvent('stopped')]);
    assert.equal((await dc.stackTraceRequest({ threadId: 2, levels: 1 })).body.stackFrames[0].line, lineOf('lapic_enable();'));
    // Step into lapic_enable, then out again.
    await Promise.all([dc.stepInRequest({ threadId: 2 }), dc.waitForEvent('stopped')]);
    const inner = (await dc.stackTraceRequest({ threadId: 2 })).body.stackFrames;
    assert.match(inner[0].name, /^lapic_enable/);
    assert.match(inner[1].name, /^ap_main/, 'the caller frame comes from CFI unwinding');
    await Promise.all([dc.stepOutRequest({ threadId: 2 }), dc.waitForEvent('stopped')]);
    const back = (await dc.stackTraceRequest({ threadId: 2, levels: 1 })).body.stackFrames[0];
    assert.match(back.name, /^ap_main/);
  });

  it('stopOnEvents is only the initial state: the adapter announces it as checked, and setExceptionBreakpoints without it disarms it', async function () {
    // The launch list is known once launch arrives: the filters' defaults are re-announced before `initialized`.
    const capabilities = dc.waitForEvent('capabilities');
    await Promise.all([
      initialized.then(() => dc.configurationDoneRequest()),
      dc.launchRequest({ image: sample, cpus: 4, stopOnEvents: ['startup-ipi'] } as DebugProtocol.LaunchRequestArguments),
    ]);
    const filters = ((await capabilities).body.capabilities as DebugProtocol.Capabilities).exceptionBreakpointFilters ?? [];
    assert.equal(filters.find((f) => f.filter === 'startup-ipi')?.default, true);
    assert.equal(filters.find((f) => f.filter === 'init-ipi')?.default, false);
    const first = await dc.waitForEvent('stopped');
    assert.equal(first.body.reason, 'exception');
    assert.equal((await dc.exceptionInfoRequest({ threadId: first.body.threadId })).body.exceptionId, 'startup-ipi');
    // The user unticks every filter in the Breakpoints pane, then runs to ap_main on the last AP (the BSP sends
    // further STARTUP IPIs to vCPUs 2 and 3 before that).
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ap_main', condition: '$cpu == 3' }] });
    const [, next] = await Promise.all([dc.continueRequest({ threadId: first.body.threadId }), dc.waitForEvent('stopped')]);
    assert.equal(next.body.reason, 'function breakpoint', `stopped for ${next.body.description ?? next.body.reason}, not at ap_main`);
    assert.equal(next.body.threadId, 4);
    assert.match((await dc.stackTraceRequest({ threadId: 4, levels: 1 })).body.stackFrames[0].name, /^ap_main/);
  });

  it('two function breakpoints: continuing from the first reaches the second', async function () {
    await Promise.all([
      initialized.then(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'lapic_timer_start', condition: '$cpu == 0' }, { name: 'ioapic_mask' }] })).then(() => dc.configurationDoneRequest()),
      dc.launchRequest({ image: sample, cpus: 2 } as DebugProtocol.LaunchRequestArguments),
    ]);
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const stop = i === 0 ? await dc.waitForEvent('stopped') : (await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]))[1];
      assert.equal(stop.body.reason, 'function breakpoint');
      names.push((await dc.stackTraceRequest({ threadId: stop.body.threadId, levels: 1 })).body.stackFrames[0].name.split(' ')[0]);
    }
    assert.deepEqual(names, ['lapic_timer_start', 'ioapic_mask']);
  });

  it('the IPI log names the sending instruction and carries the paravirtual events; focusThread focuses a vCPU (ap=hook)', async function () {
    await Promise.all([
      initialized.then(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ap_main', condition: '$cpu == 1' }] })).then(() => dc.configurationDoneRequest()),
      dc.launchRequest({ image: sample, cpus: 2, cmdline: 'ap=hook' } as DebugProtocol.LaunchRequestArguments),
      dc.waitForEvent('stopped'),
    ]);
    const log = (await dc.customRequest('bringup/ipiLog', { since: 0 })).body;
    const startup = log.records.find((r: { deliveryMode: string }) => r.deliveryMode === 'startup');
    const dis = (await dc.send('disassemble', { memoryReference: `0x${startup.senderEip.toString(16)}`, instructionCount: 1 })) as DebugProtocol.DisassembleResponse;
    assert.match(dis.body!.instructions[0].instruction, /^mov dword \[.*\], /, 'the sender EIP is the store to the ICR');
    assert.deepEqual(log.paravirt.map((p: { kind: string; apicId: number }) => [p.kind, p.apicId]), [['pv-startup-state:registered', 1], ['pv-startup-state:started', 1]]);
    const [, focused] = await Promise.all([dc.customRequest('bringup/focusThread', { vcpu: 0 }), dc.waitForEvent('stopped')]);
    assert.equal(focused.body.reason, 'focus');
    assert.equal(focused.body.threadId, 1);
    assert.equal(focused.body.preserveFocusHint, false);
  });

  it('line-steps an AP from trampoline.asm in real mode through protected mode and paging into ap_main in C', async function () {
    const trampoline = join(root, 'samples', 'smp-demo', 'trampoline.elf');
    await Promise.all([
      dc.launchRequest({ image: sample, cpus: 2, cmdline: 'ap=sipi', symbolFiles: [sample, trampoline] } as DebugProtocol.LaunchRequestArguments),
      initialized.then(() => dc.setExceptionBreakpointsRequest({ filters: ['startup-ipi'] })).then(() => dc.configurationDoneRequest()),
    ]);
    await dc.waitForEvent('stopped');
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    const ap = 2;
    const where = async (): Promise<{ name: string; file?: string; line: number; pc: string }> => {
      const f = (await dc.stackTraceRequest({ threadId: ap, levels: 1 })).body.stackFrames[0];
      return { name: f.name, file: f.source?.name, line: f.line, pc: f.instructionPointerReference! };
    };
    const first = await where();
    assert.equal(first.file, 'trampoline.asm');
    assert.equal(first.pc, '0x00008000');
    const seen: { file?: string; line: number; mode: string }[] = [];
    for (let i = 0; i < 200; i++) {
      await Promise.all([dc.stepInRequest({ threadId: ap }), dc.waitForEvent('stopped')]);
      const w = await where();
      seen.push({ file: w.file, line: w.line, mode: (await dc.threadsRequest()).body.threads[1].name.split(' · ').pop()! });
      if (w.name.startsWith('ap_main')) break;
    }
    const last = seen[seen.length - 1];
    assert.equal(last.file, 'smp.c', `ended in ${JSON.stringify(last)}`);
    const modes = [...new Set(seen.map((x) => x.mode))];
    assert.deepEqual(modes.slice(0, 3), ['real', 'protected', 'protected+paging'], 'each line step shows where it landed as the mode changes');
    assert.ok(seen.some((x) => x.file === 'trampoline.asm' && x.mode === 'protected'), 'stepped through the 32-bit half of the trampoline by lines');
    assert.ok(seen.every((x) => x.file !== undefined), 'every stop has a source line (trampoline.asm, entry.asm, C)');
  });

  it('a log point prints on every hit with interpolated expressions and does not stop', async function () {
    const smpC = join(root, 'samples', 'smp-demo', 'smp.c');
    const source = require('node:fs').readFileSync(smpC, 'utf8').split('\n') as string[];
    const line = source.findIndex((l) => l.includes('load_cpu_tables(cpu);')) + 1;
    let console = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.category === 'console') console += e.body.output;
    });
    const exited = dc.waitForEvent('exited');
    await Promise.all([
      dc.launchRequest({ image: sample, cpus: 3 } as DebugProtocol.LaunchRequestArguments),
      initialized.then(() => new Promise((r) => setTimeout(r, 50))).then(() => dc.setBreakpointsRequest({ source: { path: smpC }, breakpoints: [{ line, logMessage: 'AP on vCPU {$cpu}, how = {how}' }] })).then(() => dc.configurationDoneRequest()),
    ]);
    assert.equal((await exited).body.exitCode, 1);
    assert.match(console, /AP on vCPU 1, how = 0\nAP on vCPU 2, how = 0\n/);
  });
});
