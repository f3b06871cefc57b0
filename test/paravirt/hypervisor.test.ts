import { strict as assert } from 'node:assert';
import { PhysicalMemory } from '../../emulator/memory/physical-memory';
import { createResetState, Reg, type CpuState } from '../../emulator/cpu/cpu-state';
import type { MachineEvent } from '../../emulator/events/machine-events';
import { ParavirtHypervisor, type ParavirtCpu } from '../../emulator/paravirt/hypervisor';
import { PvError } from '../../emulator/paravirt/paravirt-abi';
import { encodeStartupState, STARTUP_STATE_LAYOUT, STARTUP_STATE_SIZE, decodeStartupState, type StartupState } from '../../emulator/paravirt/startup-state';

const MiB = 1024 * 1024;
const GDT = 0x1000;
const STATE = 0x2000;
const TSS = 0x3000;
const CODE = 0x5000;

// Descriptors written by hand from SDM Vol. 3A Figure 3-8 (high dword, low dword).
const DESCRIPTORS: Record<number, [number, number]> = {
  0x08: [0x00cf9a00, 0x0000ffff], // 32-bit code, base 0, 4 GiB, not yet accessed
  0x10: [0x00cf9200, 0x0000ffff], // 32-bit data, read/write
  0x18: [0x00008900, (TSS << 16) | 0x67], // available 32-bit TSS at 0x3000, limit 0x67
  0x20: [0x00008200, 0x0000ffff], // LDT
  0x28: [0x00cffa00, 0x0000ffff], // ring-3 code
  0x30: [0x00cf1a00, 0x0000ffff], // code, not present
  0x38: [0x00409a00, 0x0000ffff], // 32-bit code with a 64 KiB limit
};
const GDT_LIMIT = 0x40 - 1;

interface Rig {
  memory: PhysicalMemory;
  hv: ParavirtHypervisor;
  cpus: ParavirtCpu[];
  events: MachineEvent[];
  started: number[];
}

function rig(): Rig {
  const memory = new PhysicalMemory(16 * MiB);
  for (const [sel, [high, low]] of Object.entries(DESCRIPTORS)) {
    memory.write32(GDT + Number(sel), low);
    memory.write32(GDT + Number(sel) + 4, high);
  }
  const cpus: ParavirtCpu[] = [0, 1, 2].map((index) => {
    const state = createResetState(0x6f1);
    state.activity = index === 0 ? 'running' : 'wait-for-sipi';
    return { index, state };
  });
  const events: MachineEvent[] = [];
  const started: number[] = [];
  const hv = new ParavirtHypervisor({
    memory,
    emit: (e) => events.push({ ...e, time: 0 } as MachineEvent),
    cpuByApicId: (id) => cpus[id],
    cpuStarted: (cpu) => started.push(cpu.index),
  });
  return { memory, hv, cpus, events, started };
}

const GOOD: Partial<StartupState> = {
  cr0: 0x11,
  gdtrBase: GDT,
  gdtrLimit: GDT_LIMIT,
  cs: 0x08,
  ss: 0x10,
  ds: 0x10,
  es: 0x10,
  fs: 0,
  gs: 0x10,
  tr: 0x18,
  eip: CODE,
  esp: 0x9000,
  eflags: 0x2,
  eax: 0x11111111,
  ebx: 0x22222222,
  edi: 0x77777777,
};

function vmcall(r: Rig, fn: number, apicId: number, pointer: number, fields?: Partial<StartupState>, caller = 0): number {
  if (fields !== undefined) r.memory.writeBytes(pointer, encodeStartupState(fields));
  const cpu = r.cpus[caller];
  cpu.state.gpr[Reg.EAX] = fn;
  cpu.state.gpr[Reg.EBX] = apicId;
  cpu.state.gpr[Reg.ECX] = pointer;
  r.hv.handleVmcall(cpu);
  return cpu.state.gpr[Reg.EAX] | 0;
}

function snapshot(state: CpuState): string {
  return JSON.stringify({ ...state, gpr: [...state.gpr], dr: [...state.dr] });
}

describe('paravirt startup state layout', () => {
  it('has non-overlapping fields that fill the structure', () => {
    let expected = 0;
    for (const [, offset, size] of STARTUP_STATE_LAYOUT) {
      assert.equal(offset, expected);
      expected += size;
    }
    assert.equal(expected, STARTUP_STATE_SIZE);
  });

  it('decodes what it encodes', () => {
    const memory = new PhysicalMemory(MiB);
    memory.writeBytes(0x100, encodeStartupState(GOOD));
    const decoded = decodeStartupState(memory, 0x100);
    assert.ok(decoded.ok);
    assert.equal(decoded.state.version, 1);
    assert.equal(decoded.state.eax, 0x11111111);
    assert.equal(decoded.state.gdtrLimit, GDT_LIMIT);
    assert.equal(decoded.state.tr, 0x18);
    assert.equal(memory.read16(0x100 + 0x28), 0x08, 'CS selector at offset 0x28');
  });
});

describe('paravirt hypervisor', () => {
  it('identifies itself through CPUID 0x40000000', () => {
    const { hv } = rig();
    const leaf = hv.cpuidLeaf(0x40000000, 0)!;
    const text = [leaf.ebx, leaf.ecx, leaf.edx].map((w) => String.fromCharCode(w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, w >>> 24)).join('');
    assert.equal(text, 'BringupPVirt');
    assert.equal(leaf.eax, 0x40000001);
    assert.deepEqual(hv.cpuidLeaf(0x40000001, 0), { eax: 1, ebx: 3, ecx: 0, edx: 0 });
    assert.equal(hv.cpuidLeaf(0x40000002, 0), undefined);
  });

  it('starts an AP in a registered state at its STARTUP IPI, loading descriptors from the GDT', () => {
    const r = rig();
    assert.equal(vmcall(r, 1, 1, STATE, GOOD), 0);
    assert.equal(r.events[0].kind, 'pv-startup-state');
    assert.ok(r.hv.registrations.has(1));
    assert.equal(r.hv.beforeStartup(2), 'default', 'other APs are unaffected');
    const decision = r.hv.beforeStartup(1);
    assert.notEqual(decision, 'default');
    if (decision === 'default') return;
    const ap = r.cpus[1];
    decision.start(ap);
    const s = ap.state;
    assert.equal(s.activity, 'running');
    assert.equal(s.eip, CODE);
    assert.equal(s.gpr[Reg.ESP], 0x9000);
    assert.equal(s.gpr[Reg.EAX], 0x11111111);
    assert.equal(s.gpr[Reg.EDI], 0x77777777);
    assert.equal(s.cr0, 0x11);
    assert.deepEqual(s.gdtr, { base: GDT, limit: GDT_LIMIT });
    assert.deepEqual(s.segments[1], { selector: 0x08, base: 0, limit: 0xffffffff, attributes: 0xc09a, usable: true });
    assert.equal(s.segments[4].usable, false, 'null FS is unusable');
    assert.equal(s.tr.base, TSS);
    assert.equal(s.tr.attributes & 0xf, 0xb, 'TR busy');
    assert.equal(s.cpl, 0);
    // The loads' side effects on the GDT: accessed bits, TSS busy.
    assert.equal((r.memory.read32(GDT + 0x08 + 4) >> 8) & 1, 1);
    assert.equal((r.memory.read32(GDT + 0x10 + 4) >> 8) & 1, 1);
    assert.equal((r.memory.read32(GDT + 0x18 + 4) >> 8) & 0xf, 0xb);
    assert.equal(r.events.at(-1)!.kind, 'pv-startup-state');
    assert.equal(r.hv.registrations.size, 0, 'a registration is used once');
    assert.equal(r.hv.beforeStartup(1), 'default');
  });

  it('VCPU_UP starts a waiting AP at once', () => {
    const r = rig();
    assert.equal(vmcall(r, 2, 2, STATE, { ...GOOD, eip: 0x1234 }), 0);
    assert.equal(r.cpus[2].state.activity, 'running');
    assert.equal(r.cpus[2].state.eip, 0x1234);
    assert.deepEqual(r.started, [2]);
    assert.equal(r.events[0].kind, 'pv-vcpu-up');
  });

  it('accepts a real-mode state and a paged state with EIP mapped', () => {
    const r = rig();
    assert.equal(vmcall(r, 2, 1, STATE, { cr0: 0x10, cs: 0x0800, ss: 0x0900, eip: 0x100, eflags: 2 }), 0);
    assert.equal(r.cpus[1].state.segments[1].base, 0x8000);
    // 32-bit paging: page directory at 0x10000, page table at 0x11000 mapping linear 0x400000 -> physical 0x6000.
    r.memory.write32(0x10000 + 1 * 4, 0x11000 | 3);
    r.memory.write32(0x11000, 0x6000 | 3);
    assert.equal(vmcall(r, 2, 2, STATE, { ...GOOD, cr0: 0x80000011, cr3: 0x10000, eip: 0x400010 }), 0);
  });

  const refusals: [string, Partial<StartupState>, PvError][] = [
    ['paging without protection', { cr0: 0x80000000 }, PvError.ControlRegisters],
    ['long mode', { efer: 0x100 }, PvError.ControlRegisters],
    ['CS beyond the GDT limit', { cs: 0x48 }, PvError.CodeSegment],
    ['not-present CS', { cs: 0x30 }, PvError.CodeSegment],
    ['data descriptor as CS', { cs: 0x10 }, PvError.CodeSegment],
    ['null CS', { cs: 0 }, PvError.CodeSegment],
    ['ring-3 CS with RPL 0', { cs: 0x28 }, PvError.CodeSegment],
    ['null SS', { ss: 0 }, PvError.DataSegment],
    ['code segment as SS', { ss: 0x08 }, PvError.DataSegment],
    ['TR that is not a TSS', { tr: 0x10 }, PvError.SystemSegment],
    ['LDTR that is not an LDT', { ldtr: 0x18 }, PvError.SystemSegment],
    ['LDT selector', { ds: 0x0c }, PvError.DescriptorTable],
    ['GDT outside RAM', { gdtrBase: 0x7fff0000 }, PvError.DescriptorTable],
    ['EIP outside RAM', { eip: 0x10000000 }, PvError.BadEip],
    ['EIP beyond the CS limit', { cs: 0x38, eip: 0x10000 }, PvError.BadEip],
    ['EIP on an unmapped page', { cr0: 0x80000011, cr3: 0x10000, eip: 0x800000 }, PvError.BadEip],
    ['virtual-8086 EFLAGS', { eflags: 0x20002 }, PvError.Eflags],
    ['unknown layout version', { version: 2 }, PvError.BadVersion],
  ];
  for (const [name, change, code] of refusals) {
    it(`refuses ${name} and changes nothing`, () => {
      const r = rig();
      const before = snapshot(r.cpus[1].state);
      const gdtBefore = r.memory.readBytes(GDT, GDT_LIMIT + 1);
      assert.equal(vmcall(r, 1, 1, STATE, { ...GOOD, ...change }), code);
      assert.equal(vmcall(r, 2, 1, STATE), code);
      assert.equal(snapshot(r.cpus[1].state), before);
      assert.deepEqual(r.memory.readBytes(GDT, GDT_LIMIT + 1), gdtBefore);
      assert.equal(r.hv.registrations.size, 0);
      assert.deepEqual(r.events.map((e) => e.kind), ['pv-refused', 'pv-refused']);
      const event = r.events[0];
      assert.ok(event.kind === 'pv-refused' && event.errorCode === code && event.reason.length > 0 && event.state !== undefined);
    });
  }

  it('refuses bad APIC IDs, unreadable states, running APs, ring 3 and unknown functions', () => {
    const r = rig();
    assert.equal(vmcall(r, 1, 9, STATE, GOOD), PvError.BadApicId);
    assert.equal(vmcall(r, 1, 1, 0x7ffffff0), PvError.BadAddress);
    assert.equal(vmcall(r, 2, 0, STATE, GOOD), PvError.CpuRunning, 'the BSP is running');
    r.cpus[0].state.cpl = 3;
    assert.equal(vmcall(r, 1, 1, STATE, GOOD), PvError.Permission);
    r.cpus[0].state.cpl = 0;
    assert.equal(vmcall(r, 7, 1, STATE), PvError.UnknownFunction);
    assert.ok(r.events.every((e) => e.kind === 'pv-refused'));
    assert.equal(r.events.length, 5);
  });

  it('reports GDT entries that changed between registration and STARTUP, then uses them as they are', () => {
    const r = rig();
    assert.equal(vmcall(r, 1, 1, STATE, GOOD), 0);
    // Setting the accessed bit (as the BSP's own loads do) is not a change.
    r.memory.write32(GDT + 0x10 + 4, 0x00cf9300);
    // The code descriptor's base moves to 0x100000.
    r.memory.write32(GDT + 0x08, 0x0000ffff);
    r.memory.write32(GDT + 0x08 + 4, 0x00cf9a10);
    const decision = r.hv.beforeStartup(1);
    const stale = r.events.find((e) => e.kind === 'pv-stale-state');
    assert.ok(stale && stale.kind === 'pv-stale-state');
    assert.equal(stale.changes.length, 1);
    assert.equal(stale.changes[0].selector, 0x08);
    assert.deepEqual(stale.changes[0].usedBy, ['cs']);
    assert.notEqual(decision, 'default');
    if (decision !== 'default') decision.start(r.cpus[1]);
    assert.equal(r.cpus[1].state.segments[1].base, 0x100000);
  });

  it('refuses a registered state whose CS descriptor became unusable, leaving the AP to the real-mode path', () => {
    const r = rig();
    assert.equal(vmcall(r, 1, 1, STATE, GOOD), 0);
    r.memory.write32(GDT + 0x08 + 4, 0x00cf1a00); // present bit cleared
    assert.equal(r.hv.beforeStartup(1), 'default');
    assert.deepEqual(r.events.map((e) => e.kind), ['pv-startup-state', 'pv-stale-state', 'pv-refused']);
    const refused = r.events[2];
    assert.ok(refused.kind === 'pv-refused' && refused.operation === 'STARTUP_IPI' && refused.errorCode === PvError.CodeSegment);
  });
});
