/**
 * The same gdb batch session against the sample kernel twice: once under
 * `bringup run --gdb --gdb-wait` and once under qemu-system-i386's gdbstub
 * (`-S`, same image through QEMU's Multiboot loader, same vCPU count), and
 * what both answer compared where both have it:
 *
 * - the first AP at the trampoline's far jump (real mode, CR0.PE just set),
 *   one stepi into protected mode, then ap_main: the stop, the thread, every
 *   register both stubs expose (`maint print raw-registers`), the segment
 *   descriptor caches, GDTR, IDTR, LDTR and TR (ours as registers, QEMU's
 *   from `monitor info registers`), its local APIC (`monitor info lapic`),
 *   code bytes, disassembly, globals, a stepi, and a write watchpoint that
 *   stops on the vCPU that took the console lock.
 *
 * Every difference is asserted, not skipped, each with why:
 * - by design: the machine before the kernel (QEMU runs SeaBIOS first and
 *   stops at the reset vector; Bringup loads Multiboot images itself and
 *   stops at the entry point, the APs never having left wait-for-SIPI),
 *   thread names and ids, the register sets (QEMU adds k_gs_base, Bringup
 *   adds GDTR/IDTR/LDTR/TR and the descriptor caches), the CPU model
 *   (EDX after INIT is the processor signature, SDM Vol. 3A 9.1.4), the
 *   monitor commands each knows, and what `kill` leaves as exit status;
 * - where the two disagree about the architecture: the x87 control and
 *   tag words after power-up, and the code segment descriptor's accessed
 *   bit (see the assertions for which answer the SDM gives).
 *
 * Which vCPU first hits ap_main is the same in both: the BSP starts the APs
 * one at a time and waits for each to check in (smp.c).
 */
import { strict as assert } from 'node:assert';
import { DEFAULT_PROCESSOR_SIGNATURE } from '../../emulator/firmware/platform-layout';
import { killStub, marked, qemuMachineArgs, requireTool, runGdbBatch, sampleElf, section, startBringupStub, startQemuStub, symbolAddress, trampolineElf, type StubProcess } from './gdb-harness';

const CPUS = 4;

/** One session, the same for both stubs; `monitor` lines each stub answers or refuses. */
function session(port: number, farJump: number): string[] {
  return [
    `file ${sampleElf}`,
    'set pagination off',
    'set confirm off',
    `target remote 127.0.0.1:${port}`,
    ...marked('start', 'info threads', 'p/x $pc'),
    `break *0x${farJump.toString(16)}`,
    'continue',
    ...marked('farjump', 'thread', 'maint print raw-registers', 'monitor cpu 1', 'monitor info registers', 'set architecture i8086', 'x/1i $cs*16+$eip', 'set architecture i386'),
    'stepi',
    ...marked('protected', 'maint print raw-registers', 'monitor info registers'),
    'delete',
    'break ap_main',
    'continue',
    ...marked('apmain', 'thread', 'info threads', 'maint print raw-registers', 'monitor info registers'),
    ...marked('lapic', 'monitor info lapic 1'),
    ...marked('code', 'x/16xb $pc', 'x/4i $pc'),
    ...marked('globals', 'p cpus_online', 'p/x ap_start_path', 'p machine.ncpus', 'x/8xb (char *)&gdt + 8', 'x/8xb (char *)&gdt + 16'),
    ...marked('bsp', 'thread 1', 'bt', 'thread 2'),
    'stepi',
    ...marked('stepi', 'maint print raw-registers', 'x/xw $esp'),
    'delete',
    'watch print_lock',
    'continue',
    ...marked('watch', 'thread', 'p/x $eip', 'p/x $gs', 'p/x $gs_base', 'p print_lock', 'p/x &percpu[1]'),
    'delete',
    ...marked('monitor', 'monitor gdt', 'monitor why'),
    'kill',
  ];
}

/** `maint print raw-registers`: name → raw value (pseudo-registers and gdb's unnamed slots left out). */
function rawRegisters(text: string): Map<string, bigint> {
  const regs = new Map<string, bigint>();
  for (const m of text.matchAll(/^ (\w+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\S+\s+(0x[0-9a-f]+)$/gm)) regs.set(m[1], BigInt(m[2]));
  return regs;
}

interface RegisterComparison {
  /** Registers both expose with different values, each as `name ours/qemu`. */
  differ: string[];
  onlyOurs: string[];
  onlyQemu: string[];
  same: number;
}

function compareRegisters(ours: Map<string, bigint>, qemu: Map<string, bigint>): RegisterComparison {
  const hex = (v: bigint | undefined): string => `0x${(v ?? 0n).toString(16)}`;
  const differ: string[] = [];
  let same = 0;
  for (const [name, value] of ours) {
    if (!qemu.has(name)) continue;
    if (qemu.get(name) === value) same++;
    else differ.push(`${name} ${hex(value)}/${hex(qemu.get(name))}`);
  }
  return { differ, onlyOurs: [...ours.keys()].filter((n) => !qemu.has(n)), onlyQemu: [...qemu.keys()].filter((n) => !ours.has(n)), same };
}

interface Segment { selector: number; base: number; limit: number; attr: number }

/**
 * QEMU's `info registers` segment lines (`CS =0008 00000000 ffffffff
 * 00cf9a00 ...`: selector, base, limit, the descriptor's high dword) and
 * GDT/IDT lines, as ours names them; the attribute is bits 8-23 of the
 * high dword without limit 19:16, as our `*_attr` registers pack it.
 */
function qemuSystemState(text: string): Map<string, Segment> {
  const names: Record<string, string> = { ES: 'es', CS: 'cs', SS: 'ss', DS: 'ds', FS: 'fs', GS: 'gs', LDT: 'ldtr', TR: 'tr' };
  const state = new Map<string, Segment>();
  for (const m of text.matchAll(/^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-f]{4}) ([0-9a-f]{8}) ([0-9a-f]{8}) ([0-9a-f]{8})/gm)) {
    state.set(names[m[1]], { selector: parseInt(m[2], 16), base: parseInt(m[3], 16), limit: parseInt(m[4], 16), attr: (parseInt(m[5], 16) >>> 8) & 0xf0ff });
  }
  for (const m of text.matchAll(/^(GDT|IDT)=\s+([0-9a-f]{8}) ([0-9a-f]{8})/gm)) state.set(m[1] === 'GDT' ? 'gdtr' : 'idtr', { selector: 0, base: parseInt(m[2], 16), limit: parseInt(m[3], 16), attr: 0 });
  return state;
}

/** The same state from our registers; differences as `name.field ours/qemu`. */
function compareSystemState(ours: Map<string, bigint>, qemu: Map<string, Segment>): string[] {
  const differ: string[] = [];
  assert.equal(qemu.size, 10, `QEMU's info registers has the 8 segment lines, GDT and IDT: ${[...qemu.keys()]}`);
  for (const [name, q] of qemu) {
    const mine: Segment = {
      selector: name === 'gdtr' || name === 'idtr' ? 0 : Number(ours.get(name)),
      base: Number(ours.get(`${name}_base`)),
      limit: Number(ours.get(`${name}_limit`)),
      attr: name === 'gdtr' || name === 'idtr' ? 0 : Number(ours.get(`${name}_attr`)),
    };
    for (const field of ['selector', 'base', 'limit', 'attr'] as const) {
      if (Number.isNaN(mine[field])) throw new Error(`our registers have no ${name} ${field}`);
      if (mine[field] !== q[field]) differ.push(`${name}.${field} 0x${mine[field].toString(16)}/0x${q[field].toString(16)}`);
    }
  }
  return differ;
}

/** `monitor info lapic 1`, the registers both print, by the SDM's names. */
function lapicRegisters(text: string, qemu: boolean): Record<string, number> {
  const pick = (pattern: RegExp): number => {
    const m = pattern.exec(text);
    if (m === null) throw new Error(`no ${pattern} in:\n${text}`);
    return parseInt(m[1], 16);
  };
  if (qemu) {
    return {
      lint0: pick(/^LVT0\s+0x([0-9a-f]+)/m), lint1: pick(/^LVT1\s+0x([0-9a-f]+)/m), perf: pick(/^LVTPC\s+0x([0-9a-f]+)/m),
      error: pick(/^LVTERR\s+0x([0-9a-f]+)/m), thermal: pick(/^LVTTHMR\s+0x([0-9a-f]+)/m), timer: pick(/^LVTT\s+0x([0-9a-f]+)/m),
      svr: pick(/^SPIV\s+0x([0-9a-f]+)/m), icrLow: pick(/^ICR\s+0x([0-9a-f]+)/m), icrHigh: pick(/^ICR2\s+0x([0-9a-f]+)/m), esr: pick(/^ESR\s+0x([0-9a-f]+)/m),
      tpr: pick(/TPR 0x([0-9a-f]+)/), ppr: pick(/PPR 0x([0-9a-f]+)/), divide: pick(/DCR=0x([0-9a-f]+)/), initial: pick(/initial_count = ([0-9]+)/), current: pick(/current_count = ([0-9]+)/),
    };
  }
  return {
    lint0: pick(/LVT LINT0\s+0x([0-9a-f]+)/), lint1: pick(/LVT LINT1\s+0x([0-9a-f]+)/), perf: pick(/LVT performance\s+0x([0-9a-f]+)/),
    error: pick(/LVT error\s+0x([0-9a-f]+)/), thermal: pick(/LVT thermal\s+0x([0-9a-f]+)/), timer: pick(/LVT timer\s+0x([0-9a-f]+)/),
    svr: pick(/SVR\s+0x([0-9a-f]+)/), icrLow: pick(/ICR_LOW\s+0x([0-9a-f]+)/), icrHigh: pick(/ICR_HIGH\s+0x([0-9a-f]+)/), esr: pick(/ESR\s+0x([0-9a-f]+)/),
    tpr: pick(/TPR\s+0x([0-9a-f]+)/), ppr: pick(/PPR\s+0x([0-9a-f]+)/), divide: pick(/TIMER_DIVIDE\s+0x([0-9a-f]+)/), initial: pick(/TIMER_INITIAL\s+0x([0-9a-f]+)/), current: pick(/TIMER_CURRENT\s+0x([0-9a-f]+)/),
  };
}

describe('gdb: the same session against bringup run --gdb and QEMU\'s gdbstub (smp-demo, 4 vCPUs)', function () {
  this.timeout(240_000);
  let ours: StubProcess | undefined;
  let qemu: StubProcess | undefined;
  let oursOut = '';
  let qemuOut = '';

  before(async function () {
    requireTool(this, 'gdb', 'the comparison drives Debian\'s gdb');
    requireTool(this, 'qemu-system-i386', 'the comparison runs the sample under QEMU\'s gdbstub');
    const farJump = symbolAddress(trampolineElf, 'tramp_pm') - 8; // jmp dword 0x08:tramp_pm: 66 EA + 4 + 2 bytes
    // One after the other: the sessions need no timing, but two emulators on a shared 2-core host only slow each other.
    qemu = await startQemuStub([...qemuMachineArgs(CPUS), '-kernel', sampleElf]);
    const q = await runGdbBatch(session(qemu.port, farJump));
    qemuOut = q.output;
    ours = await startBringupStub([sampleElf, '--cpus', String(CPUS), '--gdb', '0', '--gdb-wait', '--timeout', '150']);
    const b = await runGdbBatch(session(ours.port, farJump));
    oursOut = b.output;
    if (process.env.GDB_TEST_DUMP) console.log(`---- QEMU\n${qemuOut}\n---- Bringup\n${oursOut}`);
  });

  after(function () {
    killStub(ours);
    killStub(qemu);
  });

  it('before the kernel: QEMU stops at the reset vector under SeaBIOS, Bringup at the Multiboot entry (by design)', function () {
    const q = section(qemuOut, 'start');
    const b = section(oursOut, 'start');
    // Both have every vCPU as a thread from the start.
    assert.equal((q.match(/^[* ] +\d+ +Thread /gm) ?? []).length, CPUS, q);
    assert.equal((b.match(/^[* ] +\d+ +Thread /gm) ?? []).length, CPUS, b);
    // QEMU: the BSP at F000:FFF0 (gdb's $pc is EIP), the APs halted; thread ids are multiprocess (p1.N), named CPU#N [state].
    assert.match(q, /\* 1 +Thread 1\.1 \(CPU#0 \[running\]\) 0x0000fff0 in \?\? \(\)/);
    for (let cpu = 1; cpu < CPUS; cpu++) assert.match(q, new RegExp(`Thread 1\\.${cpu + 1} \\(CPU#${cpu} \\[halted \\]\\) 0x0000fff0`));
    assert.match(q, /\$\d+ = 0xfff0\n/);
    // Bringup: no firmware runs before a Multiboot image; the BSP is at its entry in protected mode, the APs wait for SIPI.
    assert.match(b, /\* 1 +Thread 1 \(vCPU 0 BSP APIC 0: running, protected mode\) start_multiboot \(\)/);
    assert.equal((b.match(/wait-for-sipi, real mode\) +0x0000fff0/g) ?? []).length, CPUS - 1, b);
    assert.match(b, new RegExp(`\\$\\d+ = 0x${symbolAddress(sampleElf, 'start_multiboot').toString(16)}\\n`));
  });

  it('the trampoline\'s far jump in real mode: the same stop, disassembly and registers but the CPU model and the x87 power-up words', function () {
    // Both stop thread 2 (vCPU 1) with a plain SIGTRAP: gdb cannot match EIP 0x1f to the linear breakpoint. Bringup says where first.
    for (const out of [qemuOut, oursOut]) assert.match(out, /Thread 2 received signal SIGTRAP, Trace\/breakpoint trap\.\n(\[Switching to Thread (1\.)?2\]\n)?0x0000001f in \?\? \(\)/);
    assert.match(oursOut, /Bringup: vCPU 1 stopped at the breakpoint at linear 0x801f \(CS:EIP 0800:1f; gdb's \$pc is EIP\)/);
    assert.doesNotMatch(qemuOut, /stopped at the breakpoint at linear/);
    const q = section(qemuOut, 'farjump');
    const b = section(oursOut, 'farjump');
    assert.match(q, /Current thread is 2 \(Thread 1\.2\)/);
    assert.match(b, /Current thread is 2 \(Thread 2\)/);
    const ljmp = (text: string): string => /^\s*0x801f:\s+ljmp.*$/m.exec(text)?.[0] ?? `no ljmp in:\n${text}`;
    assert.equal(ljmp(b), ljmp(q));
    const registers = compareRegisters(rawRegisters(b), rawRegisters(q));
    assertRegisterDifferences(registers, rawRegisters(b), rawRegisters(q));
    assert.equal(rawRegisters(b).get('cr0'), 0x60000011n, 'CD NW ET after INIT, PE set by the trampoline');
    assert.equal(rawRegisters(b).get('cs'), 0x800n);
    // Real-mode descriptor caches after STARTUP: base = selector*16, limit 0xffff, data 0x93 (table 9-1's "present, R/W, accessed"),
    // CS 0x9b (the same as a code type), LDTR 0x82, TR 0x8b; GDTR as the BSP loaded it, IDTR as after INIT. Equal in both.
    assert.deepEqual(compareSystemState(rawRegisters(b), qemuSystemState(q)), []);
    // QEMU's monitor commands are not ours.
    assert.match(b, /unknown monitor command 'cpu'/);
    assert.match(b, /unknown: info registers/);
  });

  it('one stepi across the far jump into protected mode: the same state but CS\'s accessed bit', function () {
    const q = section(qemuOut, 'protected');
    const b = section(oursOut, 'protected');
    const ourRegs = rawRegisters(b);
    assert.equal(ourRegs.get('eip'), BigInt(symbolAddress(trampolineElf, 'tramp_pm')));
    assert.equal(ourRegs.get('cs'), 0x8n);
    assertRegisterDifferences(compareRegisters(ourRegs, rawRegisters(q)), ourRegs, rawRegisters(q));
    // The far jump loads CS from the kernel GDT, whose code descriptor is written with type 0x9a (accessed clear, desc.c).
    // SDM Vol. 3A 3.4.5.1: the processor sets the accessed bit when it loads the selector into a segment register;
    // Bringup does (0x9b, in the cache and in the GDT), QEMU TCG leaves it clear for CS (it sets it for data segments).
    assert.deepEqual(compareSystemState(ourRegs, qemuSystemState(q)), ['cs.attr 0xc09b/0xc09a']);
  });

  it('ap_main on vCPU 1: the same thread, registers, local APIC, code bytes, disassembly and globals', function () {
    for (const out of [qemuOut, oursOut]) assert.match(out, /Thread 2 hit Breakpoint 2, ap_main \(cpu=1\) at smp\.c:121/);
    const q = section(qemuOut, 'apmain');
    const b = section(oursOut, 'apmain');
    assert.match(q, /Current thread is 2 \(Thread 1\.2\)/);
    assert.match(b, /Current thread is 2 \(Thread 2\)/);
    assert.match(q, /\* 2 +Thread 1\.2 \(CPU#1 \[running\]\) ap_main \(cpu=1\) at smp\.c:121/);
    assert.match(b, /\* 2 +Thread 2 \(vCPU 1 APIC 1: running, protected\+paging mode\) +ap_main \(cpu=1\) at smp\.c:121/);
    // vCPUs 2 and 3: under QEMU SeaBIOS's own SMP probe already woke them and they halt in the BIOS; under Bringup they never left wait-for-SIPI.
    assert.equal((q.match(/CPU#[23] \[halted \]\) 0x000f[0-9a-f]{4} in \?\? \(\)/g) ?? []).length, 2, q);
    assert.equal((b.match(/vCPU [23] APIC [23]: wait-for-sipi, real mode\) +0x0000fff0 in \?\? \(\)/g) ?? []).length, 2, b);

    const ourRegs = rawRegisters(b);
    const qemuRegs = rawRegisters(q);
    assertRegisterDifferences(compareRegisters(ourRegs, qemuRegs), ourRegs, qemuRegs);
    // What the trampoline and ap_entry fix: EAX = ESI+1 (sipi), EBX = the CPU, EBP 0, ESP = its stack top - 8, flat selectors, paging on.
    const expect: Record<string, bigint> = { eax: 1n, ebx: 1n, ecx: 0n, ebp: 0n, esi: 0n, edi: 0n, eip: BigInt(symbolAddress(sampleElf, 'ap_main')), eflags: 0x46n, cs: 8n, ss: 0x10n, ds: 0x10n, es: 0x10n, fs: 0x10n, gs: 0x10n, cr0: 0xe0010011n, cr3: BigInt(symbolAddress(sampleElf, 'page_dir')), cr4: 0x10n, efer: 0n };
    for (const [name, value] of Object.entries(expect)) {
      assert.equal(ourRegs.get(name), value, `Bringup ${name}`);
      assert.equal(qemuRegs.get(name), value, `QEMU ${name}`);
    }
    assert.equal(ourRegs.get('esp'), qemuRegs.get('esp'));
    assert.deepEqual(compareSystemState(ourRegs, qemuSystemState(q)), ['cs.attr 0xc09b/0xc09a']);
    assert.equal(ourRegs.get('idtr_limit'), 0xffffn, 'ap_main has not loaded the IDT yet: IDTR as after INIT');

    // The AP's local APIC after INIT (SDM Vol. 3A 10.4.7.1): every LVT masked, SVR 0xff (software-disabled), the same in both.
    const ql = lapicRegisters(section(qemuOut, 'lapic'), true);
    const bl = lapicRegisters(section(oursOut, 'lapic'), false);
    assert.deepEqual(bl, ql);
    assert.equal(bl.svr, 0xff);
    assert.equal(bl.lint0, 0x10000);
    // Each stub's own wording; only Bringup implements the CMCI LVT (version 0x14, 7 entries).
    assert.match(section(oursOut, 'lapic'), /vCPU 1 local APIC: APIC ID 1, xapic, software-disabled/);
    assert.match(section(qemuOut, 'lapic'), /dumping local APIC state for CPU 1/);

    // Code bytes and disassembly: gdb's own text, identical.
    assert.equal(section(oursOut, 'code'), section(qemuOut, 'code'));
    assert.match(section(oursOut, 'code'), /=> 0x[0-9a-f]+ <ap_main>:\s+push\s+%ebp/);
  });

  it('globals and the GDT in memory: the same but the code descriptor\'s accessed bit', function () {
    const q = section(qemuOut, 'globals');
    const b = section(oursOut, 'globals');
    for (const text of [q, b]) {
      assert.match(text, /\$\d+ = 1\n/, 'cpus_online: only the BSP has checked in');
      assert.match(text, /\$\d+ = \{0x0, 0x1, 0x0 <repeats 14 times>\}/, 'ap_start_path: vCPU 1 came via sipi');
      assert.match(text, /\$\d+ = 4\n/, 'machine.ncpus from the MADT');
      assert.match(text, /<gdt\+16>:\s+0xff\s+0xff\s+0x00\s+0x00\s+0x00\s+0x93\s+0xcf\s+0x00/, 'data descriptor: accessed set by both (loaded into DS..GS)');
    }
    // The code descriptor: byte 5 is P DPL S type; see the stepi test for why 0x9b is the SDM's answer.
    assert.match(b, /<gdt\+8>:\s+0xff\s+0xff\s+0x00\s+0x00\s+0x00\s+0x9b\s+0xcf\s+0x00/);
    assert.match(q, /<gdt\+8>:\s+0xff\s+0xff\s+0x00\s+0x00\s+0x00\s+0x9a\s+0xcf\s+0x00/);
    assert.equal(b.replace('0x9b', '0x9a'), q);
  });

  it('the BSP meanwhile waits in smp_boot_aps in both (where exactly is host-timed under QEMU)', function () {
    for (const out of [qemuOut, oursOut]) {
      const bt = section(out, 'bsp');
      assert.match(bt, /smp_boot_aps \(mode=<optimized out>\) at smp\.c:\d+/, bt);
      assert.match(bt, /kmain \(.*\) at main\.c:\d+/, bt);
    }
  });

  it('stepi at ap_main: push %ebp in both', function () {
    const q = section(qemuOut, 'stepi');
    const b = section(oursOut, 'stepi');
    const ourRegs = rawRegisters(b);
    const qemuRegs = rawRegisters(q);
    assertRegisterDifferences(compareRegisters(ourRegs, qemuRegs), ourRegs, qemuRegs);
    assert.equal(ourRegs.get('eip'), BigInt(symbolAddress(sampleElf, 'ap_main') + 1));
    const words = (text: string): string => /0x[0-9a-f]+ <ap_stacks\+\d+>:\s+0x[0-9a-f]+/.exec(text)?.[0] ?? `no stack word in:\n${text}`;
    assert.equal(words(b), words(q));
    assert.match(words(b), /:\s+0x00000000$/, 'EBP 0 pushed');
  });

  it('a write watchpoint on the console lock: the same vCPU, EIP and per-CPU GS in both', function () {
    for (const out of [qemuOut, oursOut]) assert.match(out, /Thread 2 hit Hardware watchpoint 3: print_lock\s+Old value = 0\s+New value = 1/);
    const q = section(qemuOut, 'watch');
    const b = section(oursOut, 'watch');
    // gdb's `Current thread is 2 (Thread 1.2)` vs `(Thread 2)` aside, the answers are gdb's text of the same values.
    assert.equal(b.replace('(Thread 2)', '(Thread 1.2)'), q);
    const percpu1 = symbolAddress(sampleElf, 'percpu') + 0x20;
    assert.match(b, new RegExp(`\\$\\d+ = 0x20\\n\\$\\d+ = 0x${percpu1.toString(16)}\\n\\$\\d+ = 1\\n\\$\\d+ = 0x${percpu1.toString(16)}`), 'GS = vCPU 1\'s per-CPU selector, based at percpu[1]');
  });

  it('monitor commands each stub knows, and what kill leaves', async function () {
    const q = section(qemuOut, 'monitor');
    const b = section(oursOut, 'monitor');
    assert.match(b, /vCPU 1 GDTR base 0x[0-9a-f]+ limit 0x0097\n\s+\[0x0000\] 0x00000000:0x00000000\s+null descriptor/);
    assert.match(b, /\[0x0008\] 0x00cf9b00:0x0000ffff\s+32-bit code, execute\/read/);
    // `monitor why`: the write that stopped it, at the writing instruction's EIP (gdb's $pc is after it, in both).
    const why = /vCPU 1 wrote 0x([0-9a-f]{8}) \(4 bytes\) at EIP 0x([0-9a-f]{8}): 0x00000000 → 0x00000001/.exec(b);
    assert.ok(why !== null, b);
    assert.equal(parseInt(why[1], 16), symbolAddress(sampleElf, 'print_lock'));
    const stopEip = parseInt(/\$\d+ = 0x([0-9a-f]+)/.exec(section(oursOut, 'watch'))![1], 16);
    assert.ok(parseInt(why[2], 16) < stopEip && parseInt(why[2], 16) >= stopEip - 15, `the writer precedes the stop: ${why[2]} / ${stopEip.toString(16)}`);
    assert.match(q, /unknown command: 'gdt'/);
    assert.match(q, /unknown command: 'why'/);
    // QEMU's gdbstub exits QEMU with status 0 on kill; bringup run with 124 (docs/gdb.md).
    assert.equal(await qemu!.exit, 0, qemu!.stderr());
    assert.match(qemu!.stderr(), /Terminated via GDBstub/);
    assert.equal(await ours!.exit, 124, ours!.stderr());
    // Both ran the same kernel up to here (QEMU's Multiboot loader puts the file name in front of the command line).
    assert.match(qemu!.stdout(), /smp-demo: 4 CPUs \(MADT\), boot via multiboot, ap=sipi/);
    assert.match(ours!.stdout(), /smp-demo: 4 CPUs \(MADT\), boot via multiboot, ap=sipi/);
  });
});

/**
 * The registers both stubs expose agree but for three, every time:
 * - edx: after INIT, EDX holds the processor signature (SDM Vol. 3A 9.1.4,
 *   table 9-1): each emulates a different model (QEMU's qemu32 is family 6
 *   model 6 stepping 3; Bringup reports DEFAULT_PROCESSOR_SIGNATURE).
 *   By design.
 * - fctrl, ftag: for P6-family and later processors table 9-1 gives the
 *   x87 control word 0040H and tag word 5555H after power-up and reset,
 *   and 9.1 says INIT leaves the x87 state unchanged (an AP is only ever
 *   INITed). Bringup answers that. QEMU resets its FPU to the FINIT state
 *   (control word 037FH, which 9.2 says differs from the reset state) and
 *   its gdbstub always sends 0 for ftag, which in gdb's full tag-word
 *   format means every register valid (its own monitor says FTW=00,
 *   abridged: every register empty).
 * The register sets differ by design: QEMU's 32-bit description adds
 * k_gs_base (a 64-bit MSR), Bringup's adds the system registers.
 */
function assertRegisterDifferences(c: RegisterComparison, ours: Map<string, bigint>, qemu: Map<string, bigint>): void {
  assert.deepEqual(c.differ, [`edx 0x${DEFAULT_PROCESSOR_SIGNATURE.toString(16)}/0x663`, 'fctrl 0x40/0x37f', 'ftag 0x5555/0x0'], `registers that differ (ours/QEMU's)`);
  assert.ok(c.same >= 40, `at least the i386 core, x87, SSE and control registers compared: ${c.same}`);
  assert.deepEqual(c.onlyQemu, ['k_gs_base']);
  assert.equal(qemu.get('k_gs_base'), 0n);
  const system = ['gdtr_base', 'gdtr_limit', 'idtr_base', 'idtr_limit', 'ldtr', 'ldtr_base', 'ldtr_limit', 'ldtr_attr', 'tr', 'tr_base', 'tr_limit', 'tr_attr'];
  for (const s of ['es', 'cs', 'ss', 'ds', 'fs', 'gs']) system.push(`${s}_limit`, `${s}_attr`, ...(s === 'fs' || s === 'gs' ? [] : [`${s}_base`]));
  assert.deepEqual([...c.onlyOurs].sort(), system.sort());
  for (const name of ['cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'efer', 'fs_base', 'gs_base', 'mxcsr', 'xmm0', 'st0']) assert.ok(ours.has(name) && qemu.has(name), `both expose ${name}`);
}
