/**
 * MachineController (the adapter's execution engine, no DAP) on small
 * guests: a step steps over a hardware interrupt taken during it.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MachineController, type StopInfo } from '../../run-control/machine-controller';
import { parseLaunchConfig } from '../../debug-adapter/launch-config';
import { nasm } from '../support/nasm';

function controllerFor(image: Uint8Array): { c: MachineController; stops: StopInfo[] } {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-ctl-'));
  const file = join(dir, 'guest.img');
  writeFileSync(file, image);
  const stops: StopInfo[] = [];
  const c = new MachineController(parseLaunchConfig({ image: file, boot: 'bootsector' }, dir), {
    stopped: (s) => stops.push(s),
    exited: () => {},
    output: () => {},
    condition: () => true,
    logMessage: (t) => t,
  });
  return { c, stops };
}

/** Continue the machine and run `check` once it has stopped (the controller reports stops asynchronously). */
function afterFirstStop(c: MachineController, stops: StopInfo[], check: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (stops.length === 0) return;
      clearInterval(poll);
      try {
        check();
        resolve();
      } catch (e) {
        reject(e);
      }
    }, 10);
    c.continue();
  });
}

describe('machine controller', function () {
  it('a step over an instruction during which an interrupt arrives runs the handler and stops after the instruction', function () {
    const image = nasm(`
      %include "lib/stage1.inc"
      %include "lib/pm32.inc"
      bits 16
      enter_pm32 start32
      pm32_gdt
      bits 32
      start32:
      mov esp, 0x90000
      mov eax, handler
      mov [idt + 0x40*8], ax
      mov word [idt + 0x40*8 + 2], 0x08
      mov word [idt + 0x40*8 + 4], 0x8e00
      shr eax, 16
      mov [idt + 0x40*8 + 6], ax
      lidt [idtr]
      mov dword [0xfee000f0], 0x1ff
      sti
      send: mov dword [0xfee00300], 0x00044040   ; fixed IPI to self, vector 0x40
      after: nop
      nop
      hlt
      handler:
      inc dword [0x600]
      mov dword [0xfee000b0], 0                  ; EOI
      iret
      align 8
      idt: times 0x41 dq 0
      idtr: dw 0x41*8-1
            dd idt
      stage_end:`);
    const { c, stops } = controllerFor(image);
    // Run to the ICR write with a breakpoint found from the bytes (C7 05 00 03 E0 FE ...).
    const at = Buffer.from(image).indexOf(Buffer.from([0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe]));
    assert.ok(at > 0);
    const send = 0x7c00 + at;
    c.setInstructionBreakpoints([{ id: 1, linear: send, hits: 0 }]);
    return afterFirstStop(c, stops, () => {
      const cpu = c.cpus[0];
      assert.equal((cpu.segBase[1] + cpu.state.eip) >>> 0, send);
      c.setInstructionBreakpoints([]);
      const stepOnce = (): void => {
        const start = (cpu.segBase[1] + cpu.state.eip) >>> 0;
        c.stepUntil(0, 'step', false, (x) => ((x.segBase[1] + x.state.eip) >>> 0) !== start, false);
      };
      // The store to the ICR makes the IPI pending; it is taken at the next instruction boundary (SDM 6.8).
      stepOnce();
      assert.equal((cpu.segBase[1] + cpu.state.eip) >>> 0, send + 10);
      assert.equal(c.pc.machine.memory.read32(0x600), 0, 'not taken yet');
      // The next step takes the interrupt: the handler runs to its IRET and the step ends after the NOP.
      stepOnce();
      assert.equal(c.pc.machine.memory.read32(0x600), 1, 'the handler ran');
      assert.equal((cpu.segBase[1] + cpu.state.eip) >>> 0, send + 11, 'the step stopped at the next instruction, not in the handler');
    });
  });
});

describe('machine controller: physical instruction breakpoints', function () {
  it('a breakpoint on a physical address fires where paging maps it (linear 0x400000 → physical 0x20000)', function () {
    const image = nasm(`
      %include "lib/stage1.inc"
      %include "lib/pm32.inc"
      bits 16
      enter_pm32 start32
      pm32_gdt
      bits 32
      start32:
      mov esp, 0x90000
      ; code for the mapped page: copy 'target' to physical 0x20000
      mov esi, target
      mov edi, 0x20000
      mov ecx, target_end - target
      rep movsb
      ; page directory at 0x30000: PDE 0 = 4 MiB identity (PSE), PDE 1 → page table at 0x31000 whose entry 0 maps 0x400000 → 0x20000
      mov dword [0x30000], 0x83
      mov dword [0x30004], 0x31003
      mov dword [0x31000], 0x20003
      mov eax, cr4
      or eax, 0x10
      mov cr4, eax
      mov eax, 0x30000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80000000
      mov cr0, eax
      jmp 0x400000
      target:
      mov eax, 0x1234
      hlt
      target_end:
      stage_end:`);
    const { c, stops } = controllerFor(image);
    c.setInstructionBreakpoints([{ id: 7, linear: 0x20000, physical: true, hits: 0 }]);
    return afterFirstStop(c, stops, () => {
      assert.equal(stops[0].kind, 'breakpoint');
      assert.deepEqual(stops[0].breakpointIds, [7]);
      const cpu = c.cpus[0];
      assert.equal((cpu.segBase[1] + cpu.state.eip) >>> 0, 0x400000);
    });
  });
});
