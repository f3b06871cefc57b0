/**
 * Debugger awareness over stdio: the `bringup/debugState` notification,
 * label hovers with link and run-time addresses from the ELF symbol table,
 * register values per vCPU, and `bringup/currentLines`.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, LspSession, find } from './lsp-harness';
import { hasTool } from './assembler';

describe('language server: debugger awareness', () => {
  const source = join(FIXTURES, 'elf/kernel.asm');
  let lsp: LspSession;
  let uri: string;
  let tmp: string;
  let elf: string;

  before(async function () {
    if (!hasTool('nasm') || !hasTool('ld')) this.skip();
    tmp = mkdtempSync(join(tmpdir(), 'lsp-debug-'));
    elf = join(tmp, 'kernel.elf');
    const nasm = spawnSync('nasm', ['-f', 'elf32', '-o', join(tmp, 'kernel.o'), source], { encoding: 'utf8' });
    assert.equal(nasm.status, 0, nasm.stderr);
    const ld = spawnSync('ld', ['-m', 'elf_i386', '-e', 'kmain', '-Ttext=0x100000', '--section-start=.trampoline=0x101000', '-o', elf, join(tmp, 'kernel.o')], { encoding: 'utf8' });
    assert.equal(ld.status, 0, ld.stderr);
    lsp = await LspSession.start(join(FIXTURES, 'elf'));
    uri = await lsp.open(source);
  });
  after(async () => {
    await lsp?.stop();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  const hoverOn = (needle: string, offset = 1, nth = 0): Promise<string> => {
    const p = find(source, needle, nth, offset);
    return lsp.hover(uri, p.line, p.character);
  };

  const stopped = (eip0: number, eip1: number) => ({
    stopped: true,
    vcpus: [
      { index: 0, registers: { eax: 0x12345678, ebx: 2 }, linearEip: eip0, csEip: `0008:${eip0.toString(16)}` },
      { index: 1, registers: { EAX: 0xdeadbeef, ebx: 0 }, linearEip: eip1, csEip: '0800:0001' },
    ],
    symbolFiles: [{ path: elf, sections: { '.trampoline': 0x8000 } }],
  });

  it('shows no addresses or values while no session is stopped', async () => {
    assert.doesNotMatch(await hoverOn('tramp_start:'), /address/);
    assert.doesNotMatch(await hoverOn('add eax', 5), /vCPU/);
    assert.deepEqual(await lsp.request('bringup/currentLines', { uri }), []);
  });

  it('hovers a label with its ELF address, and a relocated label with where it runs', async () => {
    await lsp.notify('bringup/debugState', stopped(0x10000a, 0x8001));
    assert.match(await hoverOn('kmain:'), /address `0x00100000`/);
    assert.match(await hoverOn('.loop:', 2), /kmain\.loop.*`0x0010000a`.*vCPU 0 is stopped here/s);
    assert.match(await hoverOn('tramp_start:'), /link address `0x00101000`, runs at `0x00008000` \(\.trampoline/);
  });

  it('hovers a register with its value on every vCPU (sub-registers too)', async () => {
    const eax = await hoverOn('add eax', 5);
    assert.match(eax, /vCPU 0 \| `0x12345678`/);
    assert.match(eax, /vCPU 1 \| `0xdeadbeef`/);
    const ax = await hoverOn('xor ax', 5);
    assert.match(ax, /vCPU 0 \| `0x5678`/);
    assert.match(ax, /vCPU 1 \| `0xbeef`/);
  });

  it('maps each vCPU to its current source line (bringup/currentLines)', async () => {
    await lsp.notify('bringup/debugState', stopped(0x10000c, 0x8001));
    const lines = await lsp.request<{ vcpu: number; line: number; exact: boolean }[]>('bringup/currentLines', { uri });
    assert.deepEqual(lines, [
      { vcpu: 0, line: find(source, 'jmp .loop').line, exact: true },
      { vcpu: 1, line: find(source, 'xor ax, ax').line, exact: true },
    ]);
  });

  it('applies a whole-image offset when the symbol file is relocated', async () => {
    await lsp.notify('bringup/debugState', { stopped: true, vcpus: [], symbolFiles: [{ path: elf, offset: 0x1000 }] });
    assert.match(await hoverOn('kmain:'), /link address `0x00100000`, runs at `0x00101000`/);
  });

  it('forgets values when the session continues', async () => {
    await lsp.notify('bringup/debugState', { stopped: false, vcpus: [], symbolFiles: [] });
    assert.doesNotMatch(await hoverOn('add eax', 5), /vCPU/);
    assert.deepEqual(await lsp.request('bringup/currentLines', { uri }), []);
  });
});
