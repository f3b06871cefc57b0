/** Diagnostics published over stdio for the fixtures: the errors we expect, and none on clean code. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, LspSession, REPO, uriOf } from './lsp-harness';

const EXPECTED: Record<string, { lines: number[]; match: RegExp[] }> = {
  'nasm/err-undefined.asm': { lines: [3, 4, 6], match: [/nowhere/, /missing_var/, /start\.elsewhere/] },
  'nasm/err-duplicate.asm': { lines: [4], match: [/entry.*already defined on line 3/] },
  'nasm/err-bits.asm': { lines: [2, 3, 6, 7, 8], match: [/rax exists only in 64-bit mode/, /swapgs exists only in 64-bit/, /pusha is not valid in 64-bit/, /push cs/, /aaa/] },
  'nasm/err-size.asm': { lines: [2, 3, 4, 5, 6], match: [/different sizes/, /mismatch in operand sizes/, /operation size not specified/, /segment register/, /control\/debug/] },
  'gas/errors.s': { lines: [3, 4, 5, 6, 8, 9], match: [/%bx is not 32-bit/, /operand type mismatch/, /rax exists only in 64-bit/, /no local label 7/, /pusha/, /aaa/] },
  'gas/errors-dup.s': { lines: [4], match: [/entry/] },
};

describe('language server: diagnostics', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = await LspSession.start(FIXTURES);
  });
  after(async () => lsp.stop());

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`reports ${file}`, async () => {
      const uri = await lsp.open(join(FIXTURES, file));
      const diags = lsp.diagnostics.get(uri) ?? [];
      assert.deepEqual(diags.map((d) => d.range.start.line), expected.lines, JSON.stringify(diags.map((d) => d.message)));
      diags.forEach((d, i) => assert.match(d.message, expected.match[i]));
      assert.ok(diags.every((d) => d.source === 'bringup' && d.severity === 1));
    });
  }

  for (const file of ['nasm/boot.asm', 'nasm/inc/consts.inc', 'nasm/inc/gdt.inc', 'gas/boot.S', 'gas/defs.s', 'nasm-elf/isr-stubs.asm', 'nasm-elf/cmdline-defines.asm']) {
    it(`reports nothing on clean ${file}`, async () => {
      const uri = await lsp.open(join(FIXTURES, file));
      assert.deepEqual(lsp.diagnostics.get(uri), []);
    });
  }

  it('reports nothing on the repository guests (test/guests/*.asm, lib/*.inc)', async () => {
    const dir = join(REPO, 'test/guests');
    const guests = await LspSession.start(dir);
    try {
      const files = [...readdirSync(dir).filter((f) => f.endsWith('.asm')), ...readdirSync(join(dir, 'lib')).map((f) => `lib/${f}`)];
      assert.ok(files.length >= 6);
      for (const f of files) {
        const uri = await guests.open(join(dir, f));
        assert.deepEqual(guests.diagnostics.get(uri), [], f);
      }
    } finally {
      await guests.stop();
    }
  });

  it('re-reads an included file that changed on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lsp-watch-'));
    try {
      writeFileSync(join(dir, 'main.asm'), '%include "defs.inc"\nbits 32\n    jmp target\n');
      writeFileSync(join(dir, 'defs.inc'), 'other:\n');
      const watched = await LspSession.start(dir);
      try {
        const uri = await watched.open(join(dir, 'main.asm'));
        assert.equal(watched.diagnostics.get(uri)?.length, 1);
        writeFileSync(join(dir, 'defs.inc'), 'target:\n');
        await watched.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(join(dir, 'defs.inc')), type: 2 }] });
        await watched.waitFor(() => watched.diagnostics.get(uri)?.length === 0);
      } finally {
        await watched.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('updates diagnostics as the document changes', async () => {
    const uri = await lsp.open(join(FIXTURES, 'nasm/boot.asm'));
    await lsp.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } }, text: '    jmp not_there\n' }] });
    await lsp.waitFor(() => (lsp.diagnostics.get(uri) ?? []).length === 1);
    assert.match(lsp.diagnostics.get(uri)![0].message, /not_there/);
    assert.equal(lsp.diagnostics.get(uri)![0].range.start.line, 6);
  });
});
