/**
 * Debian's gdb against `bringup run --gdb` on the sample kernel, in batch
 * mode, the session a kernel developer would have: the vCPUs as threads
 * with their state, a breakpoint on one AP only, the system registers,
 * disassembly, an instruction step across the real-to-protected far jump,
 * a watchpoint on the console spinlock that stops on the vCPU that wrote
 * it, a monitor command, and a detach after which the guest finishes.
 */
import { strict as assert } from 'node:assert';
import { marked, requireTool, runGdbBatch, sampleElf, section, startBringupStub, symbolAddress, trampolineElf, type StubProcess } from './gdb-harness';

describe('gdb against bringup run --gdb (smp-demo, 4 vCPUs)', function () {
  this.timeout(180_000);
  let stub: StubProcess | undefined;

  before(function () {
    requireTool(this, 'gdb', 'the GDB remote protocol tests drive Debian\'s gdb');
  });

  afterEach(function () {
    if (stub !== undefined && stub.child.exitCode === null) stub.child.kill('SIGKILL');
    stub = undefined;
  });

  it('threads, a per-vCPU breakpoint, system registers, x/i, stepi into protected mode, a watchpoint, monitor, detach', async function () {
    const farJump = symbolAddress(trampolineElf, 'tramp_pm') - 8; // jmp dword 0x08:tramp_pm is 66 EA + 4 + 2 bytes
    const trampPm = symbolAddress(trampolineElf, 'tramp_pm');
    const printLock = symbolAddress(sampleElf, 'print_lock');
    stub = await startBringupStub([sampleElf, '--cpus', '4', '--gdb', '0', '--gdb-wait', '--timeout', '150']);
    const run = await runGdbBatch([
      `file ${sampleElf}`,
      'set pagination off',
      'set confirm off',
      `target remote 127.0.0.1:${stub.port}`,
      ...marked('threads', 'info threads'),
      // The first AP at the trampoline's far jump (real mode: linear = CS*16 + IP).
      `break *0x${farJump.toString(16)}`,
      'continue',
      ...marked('realmode', 'p/x $cs', 'p/x $eip', 'p/x $cr0', 'set architecture i8086', 'x/1i $cs*16+$eip', 'set architecture i386'),
      'stepi',
      ...marked('protected', 'p/x $cs', 'p/x $eip', 'p/x $cr0', 'p/x $cs_base', 'p/x $cs_attr'),
      'delete',
      'break ap_main if $_thread == 3',
      'continue',
      ...marked('apmain', 'thread'),
      'thread 3',
      ...marked('registers', 'info registers'),
      ...marked('disassembly', 'x/4i $pc'),
      'delete',
      'watch print_lock',
      'continue',
      ...marked('watch', 'thread', 'p/x $eip', 'monitor why'),
      'delete',
      ...marked('lapic', 'monitor info lapic 2'),
      'detach',
    ]);
    const out = run.output;
    if (process.env.GDB_TEST_DUMP) console.log(out);

    const threads = section(out, 'threads');
    for (let cpu = 0; cpu < 4; cpu++) assert.match(threads, new RegExp(`Thread ${cpu + 1} \\(vCPU ${cpu}\\b`), `thread ${cpu + 1} is vCPU ${cpu}:\n${threads}`);
    assert.match(threads, /vCPU 0 BSP APIC 0: running, protected mode/);
    assert.equal((threads.match(/wait-for-sipi, real mode/g) ?? []).length, 3, threads);

    const real = section(out, 'realmode');
    assert.match(real, /\$\d+ = 0x800\n/, 'the AP runs at CS 0x0800 (STARTUP vector 0x08)');
    assert.match(real, new RegExp(`\\$\\d+ = 0x${(farJump - 0x8000).toString(16)}\n`));
    assert.match(real, new RegExp(`0x${farJump.toString(16)}:\\s+ljmp`), `i8086 disassembly at CS*16+EIP is the far jump:\n${real}`);

    const prot = section(out, 'protected');
    assert.match(prot, /\$\d+ = 0x8\n/, 'CS reloaded from the GDT');
    assert.match(prot, new RegExp(`\\$\\d+ = 0x${trampPm.toString(16)}\n`), 'stepi lands on tramp_pm');
    assert.match(prot, /\$\d+ = 0xc09b\n/, 'the descriptor cache holds a 32-bit code segment');
    const cr0 = /\$\d+ = (0x[0-9a-f]+)\n\$\d+ = 0x0\n\$\d+ = 0xc09b/.exec(prot);
    assert.ok(cr0 !== null && (Number(cr0[1]) & 1) === 1, `CR0.PE is set:\n${prot}`);

    assert.match(section(out, 'apmain'), /Current thread is 3 /);
    assert.match(out, /Thread 3 hit Breakpoint 2, ap_main \(cpu=2\)/);

    const regs = section(out, 'registers');
    assert.match(regs, /^eip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <ap_main>/m);
    assert.match(regs, /^cr0\s+0x[0-9a-f]+\s+\[ PE .*PG \]/m);
    assert.match(regs, /^efer\s+0x0\s/m);
    assert.match(regs, /^gdtr_base\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <gdt>/m);
    assert.match(regs, /^gs_base\s+0x[0-9a-f]+/m);

    const dis = section(out, 'disassembly');
    assert.match(dis, /=> 0x[0-9a-f]+ <ap_main>:\s+push\s+%ebp/);
    assert.equal((dis.match(/<ap_main\+?\d*>:/g) ?? []).length, 4, dis);

    const watch = section(out, 'watch');
    const current = /Current thread is (\d+) /.exec(watch);
    const writer = /vCPU (\d+) wrote 0x([0-9a-f]+)/.exec(watch);
    assert.ok(current !== null && writer !== null, watch);
    assert.equal(Number(current[1]), Number(writer[1]) + 1, 'gdb stops on the thread of the vCPU that wrote the lock');
    assert.equal(parseInt(writer[2], 16), printLock);
    assert.match(out, /Hardware watchpoint 3: print_lock\s+Old value = 0\s+New value = 1/);

    const lapic = section(out, 'lapic');
    assert.match(lapic, /vCPU 2 local APIC: APIC ID 2, xapic, software-enabled/);
    assert.match(lapic, /ICR_LOW/);

    assert.match(out, /\[Inferior 1 \(Remote target\) detached\]/);
    // Detached, the guest runs to its self-check and ends as without a debugger (isa-debug-exit 0 → status 1).
    assert.equal(await stub.exit, 1, stub.stderr());
    assert.match(stub.stdout(), /smp-demo: all checks passed/);
  });
});
