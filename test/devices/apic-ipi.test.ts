/**
 * Local APIC, APIC bus and IO-APIC on a real PcMachine: IPIs are written to
 * the BSP's ICR by the test (as the guest would), then the machine runs and
 * the vCPUs' states, the IPI log and guest memory are checked. Covers the
 * bring-up cases hypervisors got wrong (SDM Vol. 3A 8.4, 10.6).
 */
import { strict as assert } from 'node:assert';
import { createPcMachine, type PcMachine } from '../../emulator/machine/pc-machine';
import { bootSector, nasm } from '../support/nasm';
import type { IpiRecord } from '../../emulator/devices/ipi-log';

const ICR_LOW = 0x300;
const ICR_HIGH = 0x310;
const COUNTER = 0x700;

/** BSP spins; the AP trampoline at 0x9000 counts in COUNTER + 4*apicId. */
function machine(cpus: number): PcMachine {
  const pc = createPcMachine(
    { image: bootSector('spin: pause\njmp spin'), boot: 'bootsector', cpus, memorySize: 32 << 20 },
    { serialOutput: () => {}, debugConsoleOutput: () => {} },
  );
  const trampoline = nasm(`bits 16
    org 0
    xor ax, ax
    mov ds, ax
    mov eax, 1
    cpuid
    shr ebx, 24
    shl bx, 2
    again: lock inc dword [bx + ${COUNTER}]
    jmp again`);
  pc.machine.memory.writeBytes(0x9000, trampoline);
  return pc;
}

function icr(pc: PcMachine, high: number, low: number, from = 0): IpiRecord {
  const lapic = pc.platform.lapics[from];
  lapic.writeRegister(ICR_HIGH, high);
  const before = pc.platform.ipiLog.records.length;
  lapic.writeRegister(ICR_LOW, low);
  assert.equal(pc.platform.ipiLog.records.length, before + 1, 'one IPI record per ICR write');
  return pc.platform.ipiLog.records[before];
}

function runFor(pc: PcMachine, instructions: number): void {
  const result = pc.machine.run(instructions);
  assert.notEqual(result.kind, 'exited', `machine exited unexpectedly: ${JSON.stringify(result)}`);
}

function counter(pc: PcMachine, apicId: number): number {
  return pc.machine.memory.read32(COUNTER + 4 * apicId);
}

const INIT = 0x4500;
const SIPI_9 = 0x4609;
const ALL_EXCLUDING_SELF = 3 << 18;

describe('IPIs: INIT, STARTUP and the bring-up hard cases', function () {
  it('INIT then STARTUP to an AP that has never run starts it in real mode at VV00:0000', function () {
    const pc = machine(2);
    assert.equal(pc.cpus[1].activity, 'wait-for-sipi');
    const init = icr(pc, 1 << 24, INIT);
    assert.deepEqual(init.targets.map((t) => [t.apicId, t.outcome, t.stateAfter]), [[1, 'accepted', 'wait-for-sipi']]);
    const sipi = icr(pc, 1 << 24, SIPI_9);
    assert.equal(sipi.targets[0].outcome, 'accepted');
    assert.equal(sipi.targets[0].reason, 'started: real mode at 0900:0000');
    assert.equal(pc.cpus[1].state.segments[1].selector, 0x0900);
    assert.equal(pc.cpus[1].state.segments[1].base, 0x9000);
    runFor(pc, 20_000);
    assert.ok(counter(pc, 1) > 100, 'the AP runs its trampoline');
  });

  it('INIT and STARTUP with the all-excluding-self shorthand start every AP once and leave the BSP alone', function () {
    const pc = machine(4);
    runFor(pc, 1000);
    const bspEip = pc.cpus[0].state.eip;
    const init = icr(pc, 0, INIT | ALL_EXCLUDING_SELF);
    assert.deepEqual(init.targets.map((t) => t.apicId), [1, 2, 3]);
    const first = icr(pc, 0, SIPI_9 | ALL_EXCLUDING_SELF);
    const second = icr(pc, 0, SIPI_9 | ALL_EXCLUDING_SELF);
    assert.deepEqual(first.targets.map((t) => t.outcome), ['accepted', 'accepted', 'accepted']);
    assert.deepEqual(second.targets.map((t) => t.outcome), ['ignored', 'ignored', 'ignored']);
    assert.match(second.targets[0].reason, /not in wait-for-SIPI \(running\)/);
    assert.equal(pc.cpus[0].activity, 'running');
    assert.equal(pc.cpus[0].state.eip, bspEip, 'the BSP was not touched');
    runFor(pc, 30_000);
    for (const id of [1, 2, 3]) assert.ok(counter(pc, id) > 100, `AP ${id} runs`);
  });

  it('an IPI to an APIC ID no vCPU has is dropped and recorded: a 2-vCPU guest cannot start a third', function () {
    const pc = machine(2);
    const init = icr(pc, 2 << 24, INIT);
    const sipi = icr(pc, 2 << 24, SIPI_9);
    for (const r of [init, sipi]) {
      assert.equal(r.targets.length, 0);
      assert.equal(r.dropped, 'no vCPU has APIC ID 2 (this machine has 2 vCPUs, APIC IDs 0-1)');
    }
    runFor(pc, 10_000);
    assert.equal(pc.cpus[1].activity, 'wait-for-sipi');
    assert.equal(pc.cpus.length, 2);
  });

  it('INIT to a running AP resets it to wait-for-SIPI; a new STARTUP restarts it from the vector', function () {
    const pc = machine(2);
    icr(pc, 1 << 24, INIT);
    icr(pc, 1 << 24, SIPI_9);
    runFor(pc, 20_000);
    assert.equal(pc.cpus[1].activity, 'running');
    pc.cpus[1].state.gpr[0] = 0xdeadbeef;
    const init = icr(pc, 1 << 24, INIT);
    assert.equal(init.targets[0].stateBefore, 'running');
    assert.equal(init.targets[0].stateAfter, 'wait-for-sipi');
    assert.equal(init.targets[0].reason, 'INIT to a running AP resets it; it now waits for STARTUP');
    const st = pc.cpus[1].state;
    assert.equal(st.gpr[0], 0, 'EAX = 0 after INIT (SDM Table 9-1)');
    assert.equal(st.cr0 & 0x60000011, 0x60000010, 'CR0 = 60000010h after INIT');
    assert.equal(pc.platform.lapics[1].apicId, 1, 'INIT keeps the APIC ID');
    const frozen = counter(pc, 1);
    runFor(pc, 20_000);
    assert.equal(counter(pc, 1), frozen, 'the AP does nothing while waiting for STARTUP');
    const sipi = icr(pc, 1 << 24, SIPI_9);
    assert.equal(sipi.targets[0].outcome, 'accepted');
    runFor(pc, 20_000);
    assert.ok(counter(pc, 1) > frozen);
  });

  it('a second STARTUP after the AP started is ignored: the AP is not restarted', function () {
    const pc = machine(2);
    icr(pc, 1 << 24, INIT);
    icr(pc, 1 << 24, SIPI_9);
    runFor(pc, 20_000);
    const eipBefore = pc.cpus[1].state.eip;
    const progress = counter(pc, 1);
    const again = icr(pc, 1 << 24, SIPI_9);
    assert.equal(again.targets[0].outcome, 'ignored');
    assert.equal(again.targets[0].reason, 'not in wait-for-SIPI (running): a STARTUP is acted on only after INIT');
    assert.equal(pc.cpus[1].state.eip, eipBefore);
    runFor(pc, 20_000);
    assert.ok(counter(pc, 1) > progress, 'the count goes on (no restart from the vector)');
  });

  it('STARTUP without a preceding INIT: acted on after power-on (wait-for-SIPI), ignored by a halted AP', function () {
    const pc = machine(3);
    const sipi = icr(pc, 1 << 24, SIPI_9);
    assert.equal(sipi.targets[0].outcome, 'accepted', 'after power-on reset an AP already waits for STARTUP');
    // AP 2 runs HLT code; a STARTUP without INIT must not restart it.
    pc.machine.memory.writeBytes(0xa000, nasm('bits 16\ncli\nhlt\njmp $-1'));
    icr(pc, 2 << 24, INIT);
    icr(pc, 2 << 24, 0x460a);
    runFor(pc, 10_000);
    assert.equal(pc.cpus[2].activity, 'halted');
    const ignored = icr(pc, 2 << 24, SIPI_9);
    assert.equal(ignored.targets[0].outcome, 'ignored');
    assert.match(ignored.targets[0].reason, /not in wait-for-SIPI \(halted\)/);
    assert.equal(pc.cpus[2].activity, 'halted');
  });

  it('INIT to the BSP restarts it at the reset vector', function () {
    const pc = machine(2);
    runFor(pc, 1000);
    const r = icr(pc, 1 << 24, INIT, 0);
    assert.equal(r.targets[0].apicId, 1);
    // Now AP 1's APIC sends INIT to the BSP.
    const fromAp = icr(pc, 0, INIT, 1);
    assert.equal(fromAp.targets[0].reason, 'INIT to the BSP: it restarts at the reset vector');
    const st = pc.cpus[0].state;
    assert.equal(st.segments[1].selector, 0xf000);
    assert.equal(st.eip, 0xfff0);
    assert.equal(st.segments[1].base >>> 0, 0xffff0000);
  });

  it('INIT level de-assert is recorded and has no effect', function () {
    const pc = machine(2);
    icr(pc, 1 << 24, INIT);
    icr(pc, 1 << 24, SIPI_9);
    const r = icr(pc, 1 << 24, 0x8500); // INIT, level trigger, de-assert
    assert.equal(r.deliveryMode, 'init-deassert');
    assert.equal(r.targets[0].outcome, 'ignored');
    assert.equal(pc.cpus[1].activity, 'running');
  });
});

describe('IPIs: fixed, logical destinations, lowest priority, NMI, errors', function () {
  function enabled(cpus: number): PcMachine {
    const pc = machine(cpus);
    for (const l of pc.platform.lapics) l.writeRegister(0xf0, 0x1ff);
    return pc;
  }
  const irrHas = (pc: PcMachine, cpu: number, v: number): boolean => (pc.platform.lapics[cpu].state.irr[v >> 5] & (1 << (v & 31))) !== 0;

  it('fixed IPI in physical mode sets the vector in the target IRR only', function () {
    const pc = enabled(3);
    const r = icr(pc, 2 << 24, 0x4041);
    assert.equal(r.targets[0].outcome, 'accepted');
    assert.ok(irrHas(pc, 2, 0x41));
    assert.ok(!irrHas(pc, 1, 0x41));
  });

  it('logical flat model: the destination is a bit mask over LDR[31:24]', function () {
    const pc = enabled(4);
    pc.platform.lapics.forEach((l, i) => l.writeRegister(0xd0, (1 << i) << 24));
    const r = icr(pc, 0x0a << 24, 0x4842); // logical, dest 1010b → CPUs 1 and 3
    assert.deepEqual(r.targets.map((t) => t.apicId), [1, 3]);
  });

  it('logical cluster model: cluster in bits 7:4, members in bits 3:0', function () {
    const pc = enabled(4);
    const ldrs = [0x11, 0x12, 0x21, 0x22];
    pc.platform.lapics.forEach((l, i) => {
      l.writeRegister(0xe0, 0x0fffffff);
      l.writeRegister(0xd0, ldrs[i] << 24);
    });
    const r = icr(pc, 0x23 << 24, 0x4843);
    assert.deepEqual(r.targets.map((t) => t.apicId), [2, 3]);
  });

  it('lowest priority picks the APIC with the lowest task priority', function () {
    const pc = enabled(4);
    pc.platform.lapics.forEach((l, i) => l.writeRegister(0xd0, 0xff000000));
    pc.platform.lapics[1].writeRegister(0x80, 0x40);
    pc.platform.lapics[2].writeRegister(0x80, 0x10);
    pc.platform.lapics[3].writeRegister(0x80, 0x30);
    pc.platform.lapics[0].writeRegister(0x80, 0x20);
    const r = icr(pc, 0x0e << 24, 0x4944); // lowest priority, logical, CPUs 1-3
    assert.deepEqual(r.targets.map((t) => t.apicId), [2]);
  });

  it('a fixed IPI with vector < 16 is not sent and sets send-illegal-vector in the ESR after the ESR write', function () {
    const pc = enabled(2);
    const r = icr(pc, 1 << 24, 0x4005);
    assert.match(r.dropped ?? '', /vector 5 is illegal/);
    const lapic = pc.platform.lapics[0];
    assert.equal(lapic.readRegister(0x280), 0, 'ESR reads its last latched value until written');
    lapic.writeRegister(0x280, 0);
    assert.equal(lapic.readRegister(0x280), 0x20);
    lapic.writeRegister(0x280, 0);
    assert.equal(lapic.readRegister(0x280), 0);
  });

  it('NMI IPI is delivered through the IDT vector 2 (guest handler runs)', function () {
    const pc = machine(2);
    // AP: real mode, IVT[2] → handler that writes a mark; the main loop spins.
    pc.machine.memory.writeBytes(0xb000, nasm(`bits 16
      org 0
      xor ax, ax
      mov ds, ax
      mov word [2*4], nmi
      mov word [2*4+2], 0x0b00
      spin: jmp spin
      nmi: mov dword [0x780], 0x4e4d49
      iret`));
    icr(pc, 1 << 24, INIT);
    icr(pc, 1 << 24, 0x460b);
    runFor(pc, 5000);
    const r = icr(pc, 1 << 24, 0x4400);
    assert.equal(r.targets[0].outcome, 'accepted');
    runFor(pc, 5000);
    assert.equal(pc.machine.memory.read32(0x780), 0x4e4d49);
  });
});

describe('Local APIC registers, timer and x2APIC', function () {
  it('version, reset values, SVR software enable masks the LVT when cleared', function () {
    const pc = machine(1);
    const l = pc.platform.lapics[0];
    assert.equal(l.readRegister(0x30), 0x00060014);
    assert.equal(l.readRegister(0xe0), 0xffffffff);
    assert.equal(l.readRegister(0xf0), 0xff);
    l.writeRegister(0xf0, 0x1ff);
    l.writeRegister(0x320, 0x20030);
    assert.equal(l.readRegister(0x320), 0x20030);
    l.writeRegister(0xf0, 0x0ff);
    assert.equal(l.readRegister(0x320), 0x30030, 'software disable sets every LVT mask');
  });

  it('reserved bits and illegal register accesses are ignored as the SDM says and reported as machine events', function () {
    const pc = machine(1);
    const notes: string[] = [];
    pc.machine.events.subscribe((e) => {
      if (e.kind === 'note') notes.push(e.message);
    });
    const l = pc.platform.lapics[0];
    l.writeRegister(0xf0, 0x1ff);
    l.writeRegister(0x350, 0xfff00030);
    assert.equal(l.readRegister(0x350), 0x30, 'only the writable LVT bits are kept (vector 0x30, fixed, unmasked)');
    assert.ok(notes.some((n) => /reserved bits fff00000 written to the LINT0 LVT entry were ignored/.test(n)), notes.join('\n'));
    l.mmioWrite(0x3f0, 4, 1);
    assert.ok(notes.some((n) => /error \(illegal register address\) latched in the ESR/.test(n)));
  });

  it('timer: one-shot counts down in virtual time, periodic reloads, divide configuration applies', function () {
    const pc = machine(1);
    const l = pc.platform.lapics[0];
    const clock = pc.machine.clock;
    l.writeRegister(0xf0, 0x1ff);
    l.writeRegister(0x3e0, 0x3); // divide by 16
    l.writeRegister(0x320, 0x00040); // one-shot, vector 0x40
    l.writeRegister(0x380, 1000);
    clock.advanceTo(clock.now + 1600);
    assert.equal(l.readRegister(0x390), 900);
    clock.advanceTo(clock.now + 16000);
    assert.equal(l.readRegister(0x390), 0);
    assert.equal(l.acknowledgeInterrupt(), 0x40);
    l.writeRegister(0xb0, 0);
    l.writeRegister(0x320, 0x20041); // periodic
    l.writeRegister(0x3e0, 0xb); // divide by 1
    l.writeRegister(0x380, 100);
    let fired = 0;
    for (let t = 0; t < 10; t++) {
      clock.advanceTo(clock.now + 100);
      if (l.hasPendingInterrupt()) {
        assert.equal(l.acknowledgeInterrupt(), 0x41);
        l.writeRegister(0xb0, 0);
        fired++;
      }
    }
    assert.equal(fired, 10);
  });

  it('timer: TSC-deadline mode fires when the TSC reaches IA32_TSC_DEADLINE', function () {
    const pc = machine(1);
    const l = pc.platform.lapics[0];
    const clock = pc.machine.clock;
    l.writeRegister(0xf0, 0x1ff);
    l.writeRegister(0x320, 0x40042);
    assert.equal(l.writeMsr(0x6e0, BigInt(clock.now + 5000)), true);
    clock.advanceTo(clock.now + 4999);
    assert.equal(l.hasPendingInterrupt(), false);
    clock.advanceTo(clock.now + 1);
    assert.equal(l.acknowledgeInterrupt(), 0x42);
    assert.equal(l.readMsr(0x6e0), 0n, 'the deadline clears when it fires');
  });

  it('x2APIC mode transitions follow SDM 10.12.5 and the MSR interface #GPs where it must', function () {
    const pc = machine(2);
    const l = pc.platform.lapics[1];
    const base = 0xfee00000n;
    assert.equal(l.readMsr(0x802), undefined, 'x2APIC MSRs #GP in xAPIC mode');
    assert.equal(l.writeMsr(0x1b, base | 0x400n), false, 'EN=0 EXTD=1 is invalid');
    assert.equal(l.writeMsr(0x1b, base | 0xc00n), true, 'xAPIC → x2APIC');
    assert.equal(l.readMsr(0x802), 1n, 'x2APIC ID');
    assert.equal(l.readMsr(0x80d), 0x00000002n, 'logical ID: cluster 0, bit 1');
    assert.equal(l.writeMsr(0x80b, 1n), false, 'non-zero EOI write #GPs');
    assert.equal(l.readMsr(0x80b), undefined, 'EOI is write-only');
    assert.equal(l.writeMsr(0x802, 5n), false, 'ID is read-only');
    assert.equal(l.writeMsr(0x1b, base | 0x800n), false, 'x2APIC → xAPIC directly is illegal');
    assert.equal(l.writeMsr(0x1b, base), true, 'x2APIC → disabled');
    assert.equal(l.writeMsr(0x1b, base | 0xc00n), false, 'disabled → x2APIC is illegal');
    assert.equal(l.writeMsr(0x1b, base | 0x800n), true, 'disabled → xAPIC');
  });

  it('x2APIC ICR: one 64-bit write with a 32-bit destination; SELF IPI', function () {
    const pc = machine(2);
    for (const l of pc.platform.lapics) {
      l.writeMsr(0x1b, 0xfee00c00n);
      l.writeMsr(0x80f, 0x1ffn);
    }
    const before = pc.platform.ipiLog.records.length;
    assert.equal(pc.platform.lapics[0].writeMsr(0x830, (1n << 32n) | 0x4050n), true);
    const r = pc.platform.ipiLog.records[before];
    assert.equal(r.via, 'x2apic-icr');
    assert.equal(r.destination, 1);
    assert.equal(r.targets[0].apicId, 1);
    assert.equal(pc.platform.lapics[0].writeMsr(0x83f, 0x51n), true);
    assert.equal(pc.platform.ipiLog.records[before + 1].targets[0].apicId, 0);
    assert.equal(pc.platform.lapics[0].writeMsr(0x830, 0x1000n | 0x50n), false, 'reserved ICR bit 12 #GPs');
  });
});

describe('IO-APIC routing', function () {
  it('edge-triggered pin delivers on the rising edge to the programmed APIC', function () {
    const pc = machine(2);
    for (const l of pc.platform.lapics) l.writeRegister(0xf0, 0x1ff);
    const io = pc.platform.ioapic;
    io.write(0, 4, 0x10 + 4 * 2 + 1);
    io.write(0x10, 4, 1 << 24);
    io.write(0, 4, 0x10 + 4 * 2);
    io.write(0x10, 4, 0x61);
    pc.platform.irq.setLevel(4, true);
    const l1 = pc.platform.lapics[1];
    assert.equal(l1.acknowledgeInterrupt(), 0x61);
    l1.writeRegister(0xb0, 0);
    pc.platform.irq.setLevel(4, true);
    assert.equal(l1.hasPendingInterrupt(), false, 'no new edge');
  });

  it('level-triggered pin: remote IRR until the EOI broadcast, then redelivered while asserted', function () {
    const pc = machine(1);
    const l = pc.platform.lapics[0];
    l.writeRegister(0xf0, 0x1ff);
    const io = pc.platform.ioapic;
    io.write(0, 4, 0x10 + 10 * 2);
    io.write(0x10, 4, 0x8062);
    pc.platform.irq.setLevel(10, true);
    io.write(0, 4, 0x10 + 10 * 2);
    assert.ok(io.read(0x10, 4) & 0x4000, 'remote IRR set');
    assert.equal(l.acknowledgeInterrupt(), 0x62);
    assert.ok(l.state.tmr[0x62 >> 5] & (1 << (0x62 & 31)), 'TMR marks the level-triggered vector');
    l.writeRegister(0xb0, 0);
    assert.ok(l.hasPendingInterrupt(), 'still asserted: delivered again after EOI');
    assert.equal(l.acknowledgeInterrupt(), 0x62);
    pc.platform.irq.setLevel(10, false);
    l.writeRegister(0xb0, 0);
    io.write(0, 4, 0x10 + 10 * 2);
    assert.equal(io.read(0x10, 4) & 0x4000, 0, 'remote IRR cleared by the EOI');
    assert.equal(l.hasPendingInterrupt(), false);
  });

  it('ID and version registers', function () {
    const pc = machine(4);
    const io = pc.platform.ioapic;
    io.write(0, 4, 0);
    assert.equal(io.read(0x10, 4), 4 << 24);
    io.write(0, 4, 1);
    assert.equal(io.read(0x10, 4), 0x00170020);
  });
});
