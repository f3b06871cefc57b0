/**
 * The Registers, Segments and Control & System scopes edit registers
 * through run control's register table, the one the GDB stub's P/G packets
 * use: the same rules in both front ends (EFLAGS bit 1 forced, a selector
 * load reads the descriptor in protected mode, derived state refreshed).
 */
import { strict as assert } from 'node:assert';
import type { Cpu } from '../../emulator/cpu/cpu';
import { SegmentRegister } from '../../emulator/cpu/segment-cache';
import { controlSystemScope, registersScope, segmentsScope } from '../../debug-adapter/system-state/cpu-scopes';
import type { VarNode } from '../../debug-adapter/system-state/var-node';
import { REGISTER_ACCESS } from '../../run-control/register-access';
import { bootSector } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';

// Protected mode with a flat GDT: 0x08 code, 0x10 data, 0x18 a data segment based at 0x12340, then HLT.
const GUEST = `
  cli
  xor ax, ax
  mov ds, ax
  lgdt [gdtr]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp dword 0x08:pm
bits 32
pm:
  mov ax, 0x10
  mov ds, ax
  mov ss, ax
  mov al, 0
  out 0xf4, al
gdt: dq 0
  dq 0x00cf9a000000ffff
  dq 0x00cf92000000ffff
  dq 0x0040920123400fff
gdtr: dw 31
  dd gdt
`;

function node(nodes: VarNode[], name: string): VarNode {
  const n = nodes.find((x) => x.name === name);
  assert.ok(n, `${name} in ${nodes.map((x) => x.name).join(' ')}`);
  return n;
}

const viaTable = (cpu: Cpu, name: string): bigint => REGISTER_ACCESS.get(name)!.read(cpu, undefined);

describe('register edits in the Variables view go through run control', function () {
  let cpu: Cpu;
  before(async () => {
    await runGuestBytes(bootSector(GUEST), { cpus: 1, boot: 'bootsector', inspect: (pc) => (cpu = pc.cpus[0]) });
    assert.equal(cpu.state.cr0 & 1, 1, 'the guest reached protected mode');
  });

  it('general registers and EIP: the value the table reads back is the one shown', () => {
    assert.equal(node(registersScope(cpu), 'eax').set!('0x1234abcd'), '0x1234abcd');
    assert.equal(viaTable(cpu, 'eax'), 0x1234abcdn);
    assert.throws(() => node(registersScope(cpu), 'ebx').set!('0x100000000'), /does not fit in 32 bits/);
  });

  it('EFLAGS: bit 1 always reads 1 (SDM Vol. 1 3.4.3), bit children edit one flag', () => {
    assert.equal(node(registersScope(cpu), 'eflags').set!('0'), '0x00000002');
    const eflags = node(registersScope(cpu), 'eflags');
    node(eflags.children!(), 'CF').set!('1');
    assert.equal(viaTable(cpu, 'eflags'), 3n);
  });

  it('a selector written in protected mode loads its descriptor into the hidden cache', () => {
    const es = node(segmentsScope(cpu, cpu.memory), 'es');
    es.set!('0x18');
    const cache = cpu.state.segments[SegmentRegister.ES];
    assert.deepEqual([cache.selector, cache.base, cache.limit], [0x18, 0x12340, 0xfff]);
    assert.equal(viaTable(cpu, 'es_base'), 0x12340n);
    assert.throws(() => node(segmentsScope(cpu, cpu.memory), 'es').set!('0x28'), /faults: vector 13 error code 0x28/, 'a selector past the GDT limit is refused with the #GP the CPU would raise');
    assert.equal(cpu.state.segments[SegmentRegister.ES].selector, 0x18, 'and the refused load changes nothing');
  });

  it('CR2 and CR0 through the table; EFER stays read-only in the view', () => {
    const sys = controlSystemScope(cpu, undefined);
    assert.equal(node(sys, 'cr2').set!('0xdeadbeef'), '0xdeadbeef');
    assert.equal(viaTable(cpu, 'cr2'), 0xdeadbeefn);
    node(sys, 'cr0').set!(String(cpu.state.cr0 | 0x20));
    assert.equal(Number(viaTable(cpu, 'cr0')) & 0x20, 0x20, 'CR0.NE set');
    assert.equal(node(sys, 'efer').set, undefined);
  });
});
