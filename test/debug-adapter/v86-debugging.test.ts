/**
 * Debugging inside a virtual-8086 task through MachineController (no DAP):
 * the `v86` event filter stops on entry and exit, the vCPU is named `v86`,
 * the disassembler decodes 16-bit code there, a seg:off breakpoint (the V86
 * address rule seg * 16 + off) fires, and a step stays in V86 mode.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MachineController, type StopInfo } from '../../run-control/machine-controller';
import { parseLaunchConfig } from '../../debug-adapter/launch-config';
import { parseAddress } from '../../debug-adapter/bringup-session';
import { cpuMode } from '../../run-control/cpu-inspection';
import { threadName } from '../../debug-adapter/vcpu-state';
import { disassemble } from '../../emulator/cpu/disassembler';
import { sysImage } from '../cpu/sys-guest';

const V86_CODE = [0x90, 0xb8, 0x34, 0x12, 0x40, 0x90, 0xf4]; // nop; mov ax, 1234h; inc ax; nop; hlt

function waitForStop(c: MachineController, stops: StopInfo[], count: number): Promise<StopInfo> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (stops.length >= count) {
        clearInterval(poll);
        resolve(stops[count - 1]);
      } else if (Date.now() - started > 20_000) {
        clearInterval(poll);
        reject(new Error('no stop'));
      }
    }, 5);
    c.continue();
  });
}

describe('debugging in virtual-8086 mode (machine controller)', function () {
  this.timeout(60_000);

  it('v86 filter stops on entry and exit; mode v86; 16-bit disassembly; seg:off breakpoint; stepping stays in V86', async function () {
    const image = sysImage(`
    expect_fault fin
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0x6000
    push dword 0x23002
    push dword 0
    push dword vd_main
    iretd
fin:
`, `
bits 16
vd_main:
    db ${V86_CODE.join(', ')}
bits 32
`);
    const at = Buffer.from(image).indexOf(Buffer.from(V86_CODE));
    assert.ok(at > 0);
    const main = 0x7c00 + at;
    const dir = mkdtempSync(join(tmpdir(), 'bringup-v86-'));
    const file = join(dir, 'guest.img');
    writeFileSync(file, image);
    const stops: StopInfo[] = [];
    const c = new MachineController(parseLaunchConfig({ image: file, boot: 'bootsector' }, dir), {
      stopped: (s) => stops.push(s), exited: () => {}, output: () => {}, condition: () => true, logMessage: (t) => t,
    });
    c.setEventFilters([{ id: 'v86' }]);
    const cpu = c.cpus[0];
    const linear = (): number => (cpu.segBase[1] + cpu.state.eip) >>> 0;

    const entry = await waitForStop(c, stops, 1);
    assert.equal(entry.hit?.filter, 'v86');
    assert.equal(entry.hit?.variables.$entering, true);
    assert.equal(linear(), main);
    assert.equal(cpuMode(cpu), 'v86');
    assert.match(threadName(cpu), /· v86$/);
    assert.equal(cpu.codeSize, 16);
    const second = disassemble((i) => cpu.readLinear(main + 1 + i, 1)[0] ?? 0, main + 1, cpu.codeSize, 'intel');
    assert.equal(second.length, 3, 'mov ax, imm16 is 3 bytes in 16-bit code');
    assert.match(second.text, /mov\s+ax,\s*0x1234/i);

    // seg:off in V86 mode: 07C0:(main + 4 - 7C00h) is linear main + 4 (the INC AX).
    const bp = parseAddress(`07c0:${(main + 4 - 0x7c00).toString(16)}`, cpu);
    assert.equal(bp, main + 4);
    c.setInstructionBreakpoints([{ id: 1, linear: bp!, hits: 0 }]);
    const hit = await waitForStop(c, stops, 2);
    assert.equal(hit.kind, 'breakpoint');
    assert.equal(linear(), main + 4);
    assert.equal(cpu.gpr[0] & 0xffff, 0x1234);
    c.setInstructionBreakpoints([]);

    c.stepInstruction(0, 'step');
    assert.equal(linear(), main + 5);
    assert.equal(cpu.gpr[0] & 0xffff, 0x1235);
    assert.equal(cpuMode(cpu), 'v86');

    // NOP, then HLT is #GP(0) at CPL 3: the exit stop is at the #GP handler in protected mode.
    const exit = await waitForStop(c, stops, 4);
    assert.equal(exit.hit?.filter, 'v86');
    assert.equal(exit.hit?.variables.$entering, false);
    assert.match(exit.hit?.description ?? '', /left virtual-8086 mode/);
    assert.equal(cpuMode(cpu), 'protected');
  });
});
