/**
 * The standalone debug adapter (node dist/debugAdapter.js) driven over stdio
 * with @vscode/debugadapter-testsupport's DebugClient, against the SMP test
 * guest (INIT-SIPI-SIPI, trampoline at 0x9000) and the sample kernel.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { bootSector } from '../support/nasm';

const root = join(__dirname, '..', '..');
const adapter = join(root, 'dist', 'debugAdapter.js');
const smpGuest = join(root, 'test', 'guests', 'build', 'smp-sipi.bin');

function scopeVariables(dc: DebugClient, frameId: number, scope: string): Promise<DebugProtocol.Variable[]> {
  return dc.scopesRequest({ frameId }).then(async (r) => {
    const s = r.body.scopes.find((x) => x.name === scope);
    assert.ok(s, `scope ${scope} exists (have ${r.body.scopes.map((x) => x.name).join(', ')})`);
    return (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
  });
}

function readMemory(dc: DebugClient, args: DebugProtocol.ReadMemoryArguments): Promise<DebugProtocol.ReadMemoryResponse> {
  return dc.send('readMemory', args) as Promise<DebugProtocol.ReadMemoryResponse>;
}

async function topFrame(dc: DebugClient, threadId: number): Promise<DebugProtocol.StackFrame> {
  const st = await dc.stackTraceRequest({ threadId });
  return st.body.stackFrames[0];
}

describe('debug adapter over stdio', function () {
  this.timeout(60000);
  let dc: DebugClient;

  before(function () {
    assert.ok(existsSync(adapter), 'npm test builds dist/debugAdapter.js first');
    assert.ok(existsSync(smpGuest), 'npm test assembles the test guests first');
  });

  beforeEach(async function () {
    dc = new DebugClient('node', adapter, 'bringup');
    dc.defaultTimeout = 30000;
    await dc.start();
  });

  afterEach(async function () {
    await dc.stop().catch(() => {});
  });

  async function launch(args: Record<string, unknown>): Promise<void> {
    await dc.initializeRequest({ adapterID: 'bringup', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await dc.launchRequest({ image: smpGuest, boot: 'bootsector', cpus: 4, ...args } as DebugProtocol.LaunchRequestArguments);
  }

  it('a wrong launch configuration fails with a message naming the field', async function () {
    await dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path' });
    await assert.rejects(dc.launchRequest({ image: '/nonexistent/kernel.elf' } as DebugProtocol.LaunchRequestArguments), /"image" names "\/nonexistent\/kernel.elf", which does not exist/);
    await assert.rejects(dc.launchRequest({ image: smpGuest, cpus: 0 } as DebugProtocol.LaunchRequestArguments), /"cpus" must be an integer from 1 to 255/);
    await assert.rejects(dc.launchRequest({ image: smpGuest, stopOnEvents: ['sipi'] } as DebugProtocol.LaunchRequestArguments), /"stopOnEvents" contains unknown event filter "sipi"/);
  });

  it('stops on entry; threads are vCPUs named with their state; an AP that has not started shows one pseudo frame', async function () {
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()), launch({ stopOnEntry: true }), dc.waitForEvent('stopped')]);
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => t.name), ['vCPU 0 · BSP · real', 'vCPU 1 · APIC 1 · wait-for-SIPI', 'vCPU 2 · APIC 2 · wait-for-SIPI', 'vCPU 3 · APIC 3 · wait-for-SIPI']);
    const ap = await dc.stackTraceRequest({ threadId: 2 });
    assert.equal(ap.body.stackFrames.length, 1);
    assert.equal(ap.body.stackFrames[0].name, 'not started: waiting for a STARTUP IPI');
    const bsp = await topFrame(dc, 1);
    assert.equal(bsp.instructionPointerReference, '0x00007c00');
    const regs = await scopeVariables(dc, bsp.id, 'Registers');
    assert.equal(regs.find((v) => v.name === 'edx')?.value, '0x00000080', 'DL = boot drive');
    const segs = await scopeVariables(dc, bsp.id, 'Segments');
    assert.match(segs.find((v) => v.name === 'cs')!.value, /^0x0000 {2}base 0x00000000 limit 0x0000ffff/);
  });

  it('stops on the STARTUP IPI event, explains it, and steps the AP from its first real-mode instruction', async function () {
    await Promise.all([
      dc.waitForEvent('initialized').then(() => dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'startup-ipi' }] })).then(() => dc.configurationDoneRequest()),
      launch({}),
    ]);
    const stopped = await dc.waitForEvent('stopped');
    assert.equal(stopped.body.reason, 'exception');
    assert.equal(stopped.body.threadId, 1);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'startup-ipi');
    assert.match(info.body.description ?? '', /vCPU 0 sent STARTUP vector 0x09 to all-excluding-self: APIC 1 accepted \(started: real mode at 0900:0000\)/);
    const ap = await topFrame(dc, 2);
    assert.equal(ap.instructionPointerReference, '0x00009000');
    const segs = await scopeVariables(dc, ap.id, 'Segments');
    assert.match(segs.find((v) => v.name === 'cs')!.value, /^0x0900 {2}base 0x00009000 limit 0x0000ffff/);
    const dis = (await dc.send('disassemble', { memoryReference: '0x9000', instructionCount: 3 })) as DebugProtocol.DisassembleResponse;
    assert.deepEqual(dis.body!.instructions.map((i) => i.instruction), ['cli', 'xor ax, ax', 'mov ds, ax']);
    await Promise.all([dc.stepInRequest({ threadId: 2, granularity: 'instruction' }), dc.waitForEvent('stopped')]);
    assert.equal((await topFrame(dc, 2)).instructionPointerReference, '0x00009001');
  });

  it('an instruction breakpoint with a $cpu condition fires on that vCPU only', async function () {
    await Promise.all([
      dc.waitForEvent('initialized').then(() => dc.send('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x9000', condition: '$cpu == 2' }] })).then(() => dc.configurationDoneRequest()),
      launch({}),
    ]);
    const stopped = await dc.waitForEvent('stopped');
    assert.equal(stopped.body.reason, 'breakpoint');
    assert.equal(stopped.body.threadId, 3);
    const ev = await dc.evaluateRequest({ expression: '$apic_id', frameId: (await topFrame(dc, 3)).id });
    assert.equal(ev.body.result, '2');
  });

  it('a write watchpoint reports the vCPU and the old and new values', async function () {
    // ap_count lives in the guest image; find it from the trampoline's LOCK INC [disp16].
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()), launch({ stopOnEntry: true }), dc.waitForEvent('stopped')]);
    // At entry only sector 0 is loaded; find the instruction in the image file (loaded at 0x7C00).
    const bytes = readFileSync(smpGuest).subarray(0x9000 - 0x7c00);
    const at = bytes.indexOf(Buffer.from([0xf0, 0x66, 0xff, 0x06]));
    assert.ok(at >= 0, 'lock inc dword [ap_count] found');
    const apCount = bytes.readUInt16LE(at + 4);
    const info = await dc.dataBreakpointInfoRequest({ name: `0x${apCount.toString(16)}` });
    assert.ok(info.body.dataId);
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]).then(([, stopped]) => {
      assert.equal(stopped.body.reason, 'data breakpoint');
      assert.match(stopped.body.text ?? stopped.body.description ?? '', /vCPU \d wrote 0x[0-9a-f]{8} \(4 bytes\) at EIP 0x[0-9a-f]+: 0x00000000 → 0x00000001/);
    });
  });

  it('evaluates registers, bits, memory, descriptor tables and the local APIC', async function () {
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.setExceptionBreakpointsRequest({ filters: ['cr0-pe'] })).then(() => dc.configurationDoneRequest()), launch({}), dc.waitForEvent('stopped')]);
    const frame = (await topFrame(dc, 1)).id;
    const ev = async (expression: string): Promise<string> => (await dc.evaluateRequest({ expression, frameId: frame, context: 'watch' })).body.result;
    assert.equal(await ev('$cr0.pe'), '1');
    assert.equal(await ev('$cr0.pg'), '0');
    assert.equal(await ev('gdt[1].base'), '0');
    assert.equal(await ev('gdt[1].limit'), '0xffffffff (4294967295)');
    assert.equal(await ev('(eax & 1) == 1'), '1');
    assert.equal(await ev('*(u16*)0x7dfe'), '0xaa55 (43605)');
    assert.equal(await ev('lapic.version'), '0x00060014 (393236)');
    await assert.rejects(dc.evaluateRequest({ expression: 'eax +', frameId: frame }), /expected a value/);
  });

  it('malformed requests get error responses and the session goes on', async function () {
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()), launch({ stopOnEntry: true }), dc.waitForEvent('stopped')]);
    await assert.rejects(dc.stackTraceRequest({ threadId: 99 }), /unknown thread 99/);
    await assert.rejects(readMemory(dc, { memoryReference: 'banana', count: 4 }), /cannot read "banana" as an address/);
    await assert.rejects(readMemory(dc, { memoryReference: '0x0', count: -5 }), /count must be an integer/);
    await assert.rejects(dc.scopesRequest({ frameId: 99_999_999 }), /unknown frame/);
    await assert.rejects(dc.customRequest('bringup/lapic', { vcpu: 17 }), /"vcpu" must be an integer from 0 to 3/);
    await assert.rejects(dc.send('next'), /^Error: next: "threadId" is required \(an integer\)\.$/);
    await assert.rejects(dc.send('scopes'), /^Error: scopes: "frameId" is required \(an integer\)\.$/);
    await assert.rejects(dc.send('setExceptionBreakpoints', { filters: [], filterOptions: 3 }), /^Error: setExceptionBreakpoints: "filterOptions" must be an array of objects \(got 3\)\.$/);
    await assert.rejects(dc.send('setInstructionBreakpoints', { breakpoints: 'x' }), /"breakpoints" must be an array of objects/);
    await assert.rejects(dc.send('evaluate', { expression: 'x'.repeat(10000) }), /expression too long/);
    await assert.rejects(dc.send('bringup/translate', { vcpu: 0, address: 'zz' }), /"address" must be a linear address/);
    const unmapped = await readMemory(dc, { memoryReference: '0xfffff000', count: 16 });
    assert.ok(unmapped.body);
    assert.equal((await dc.threadsRequest()).body.threads.length, 4);
  });

  it('custom requests feed the views: vCPUs, local APIC, IO-APIC, IPI log', async function () {
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.setExceptionBreakpointsRequest({ filters: ['startup-ipi'] })).then(() => dc.configurationDoneRequest()), launch({}), dc.waitForEvent('stopped')]);
    const vcpus = (await dc.customRequest('bringup/vcpus')).body;
    assert.deepEqual(vcpus.vcpus.map((v: { activity: string; mode: string; runState: string }) => `${v.runState}/${v.activity}/${v.mode}`), ['stopped/active/protected', 'stopped/active/real', 'stopped/active/real', 'stopped/active/real']);
    const lapic = (await dc.customRequest('bringup/lapic', { vcpu: 0 })).body;
    assert.equal(lapic.mode, 'xapic');
    assert.equal(lapic.softwareEnabled, true);
    const io = (await dc.customRequest('bringup/ioapic')).body;
    assert.equal(io.entries.length, 24);
    const log = (await dc.customRequest('bringup/ipiLog', { since: 0 })).body;
    assert.deepEqual(log.records.map((r: { deliveryMode: string }) => r.deliveryMode), ['init', 'startup']);
    const gdt = (await dc.customRequest('bringup/descriptorTable', { vcpu: 0, table: 'gdt' })).body;
    assert.match(gdt.entries[1].summary, /32-bit code, execute\/read, base 0x00000000, limit 0xffffffff, DPL 0/);
  });

  it('runs to the end: the exit code is the isa-debug-exit status', async function () {
    let stdout = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.category === 'stdout') stdout += e.body.output;
    });
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()), launch({})]);
    const [exited] = await Promise.all([dc.waitForEvent('exited'), dc.waitForEvent('terminated')]);
    assert.equal(exited.body.exitCode, 33);
    assert.equal(stdout, 'BSP: 4 CPUs in the MADT\nAP 1\nAP 2\nAP 3\nBSP: 3 APs started\n');
  });

  it('guest output is decoded as UTF-8, as a terminal shows `bringup run` output', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'bringup-dap-utf8-'));
    const image = join(dir, 'utf8.img');
    // "→\n" (E2 86 92 0A) to port 0xE9, one byte per OUT, then halt with interrupts off (the machine exits).
    writeFileSync(image, bootSector('mov dx, 0xe9\nmov si, text\nnext: lodsb\nout dx, al\ncmp al, 10\njne next\ncli\nhlt\ntext: db 0xe2, 0x86, 0x92, 10'));
    let stdout = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.category === 'stdout') stdout += e.body.output;
    });
    await Promise.all([
      dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
      dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path' }).then(() => dc.launchRequest({ image, boot: 'bootsector' } as DebugProtocol.LaunchRequestArguments)),
      dc.waitForEvent('terminated'),
    ]);
    assert.equal(stdout, '→\n');
  });

  it('restart re-runs the same boot deterministically: the same event at the same virtual time', async function () {
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.setExceptionBreakpointsRequest({ filters: ['startup-ipi'] })).then(() => dc.configurationDoneRequest()), launch({}), dc.waitForEvent('stopped')]);
    const frame = async (): Promise<number> => (await dc.stackTraceRequest({ threadId: 1, levels: 1 })).body.stackFrames[0].id;
    const first = (await dc.evaluateRequest({ expression: '$time', frameId: await frame() })).body.result;
    const firstCount = (await dc.evaluateRequest({ expression: '$instructions', frameId: await frame() })).body.result;
    await Promise.all([dc.send('restart', {}), dc.waitForEvent('stopped')]);
    assert.equal((await dc.evaluateRequest({ expression: '$time', frameId: await frame() })).body.result, first);
    assert.equal((await dc.evaluateRequest({ expression: '$instructions', frameId: await frame() })).body.result, firstCount);
  });

  it('pause stops a running machine on every vCPU; continue on one vCPU leaves the others where they are', async function () {
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.setExceptionBreakpointsRequest({ filters: ['startup-ipi'] })).then(() => dc.configurationDoneRequest()), launch({}), dc.waitForEvent('stopped')]);
    const eip = async (t: number): Promise<string> => (await dc.stackTraceRequest({ threadId: t, levels: 1 })).body.stackFrames[0].instructionPointerReference!;
    const apBefore = await eip(3);
    // Continue only the BSP: the APs stay put until the BSP is paused.
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    await dc.continueRequest({ threadId: 1, singleThread: true });
    const runStates = ((await dc.customRequest('bringup/vcpus')).body as { vcpus: { runState: string }[] }).vcpus.map((v) => v.runState);
    assert.deepEqual(runStates, ['running', 'stopped', 'stopped', 'stopped'], 'only the continued vCPU runs');
    await new Promise((r) => setTimeout(r, 200));
    const paused = await Promise.all([dc.pauseRequest({ threadId: 1 }), dc.waitForEvent('stopped')]).then(([, e]) => e);
    assert.equal(paused.body.reason, 'pause');
    assert.equal(paused.body.allThreadsStopped, true);
    assert.equal(await eip(3), apBefore, 'vCPU 2 did not run while only vCPU 0 was continued');
  });

  it('machine events can be echoed to the Debug Console (traceEvents) and the console completes names', async function () {
    let console = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.category === 'console') console += e.body.output;
    });
    await Promise.all([dc.waitForEvent('initialized').then(() => dc.setExceptionBreakpointsRequest({ filters: ['startup-ipi'] })).then(() => dc.configurationDoneRequest()), launch({ traceEvents: ['ipi'] }), dc.waitForEvent('stopped')]);
    assert.match(console, /vCPU 0 +ipi +IPI #0 INIT → all-excluding-self/);
    const completions = (await dc.send('completions', { text: '$cr0.p', column: 7 })) as DebugProtocol.CompletionsResponse;
    assert.deepEqual(completions.body.targets.map((t) => t.label).sort(), ['$cr0.pe', '$cr0.pg']);
  });

  it('a guest that triple-faults or executes garbage stops with the full state; the adapter does not crash', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'bringup-dap-bad-'));
    const garbage = join(dir, 'garbage.img');
    writeFileSync(garbage, bootSector('mov ax, 0x1234\nmov bx, 0x5678\nlidt [idtr]\ndb 0x0f, 0xff\nidtr: dw 0\ndd 0'));
    const firstStop = dc.waitForEvent('stopped');
    await Promise.all([
      dc.waitForEvent('initialized').then(() => dc.setExceptionBreakpointsRequest({ filters: ['invalid-opcode', 'triple-fault'] })).then(() => dc.configurationDoneRequest()),
      dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path' }).then(() => dc.launchRequest({ image: garbage, boot: 'bootsector' } as DebugProtocol.LaunchRequestArguments)),
    ]);
    const first = await firstStop;
    assert.equal(first.body.reason, 'exception');
    const undecodable = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(undecodable.body.exceptionId, 'invalid-opcode');
    assert.match(undecodable.body.description ?? '', /undecodable bytes at linear 0x00007c0b: 0f ff/);
    const [, second] = await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    assert.equal(second.body.reason, 'exception');
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'triple-fault');
    assert.match(info.body.details?.stackTrace ?? '', /EAX=00001234 EBX=00005678/);
    assert.match((await dc.threadsRequest()).body.threads[0].name, /shutdown/);
    const regs = await scopeVariables(dc, (await topFrame(dc, 1)).id, 'Registers');
    assert.equal(regs.find((v) => v.name === 'eax')?.value, '0x00001234');
  });

  it('hit counts: a breakpoint that fires from its 3rd hit', async function () {
    const stopped = dc.waitForEvent('stopped');
    await Promise.all([
      dc.waitForEvent('initialized').then(() => dc.send('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x9000', hitCondition: '3' }] })).then(() => dc.configurationDoneRequest()),
      launch({}),
    ]);
    const stop = await stopped;
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(stop.body.threadId, 4, 'the third AP to arrive (round-robin order) is vCPU 3');
  });
});
