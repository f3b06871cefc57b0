/**
 * Every diagnostic the server reports on the fixtures is confirmed by the
 * real assembler (nasm, as, gcc for .S) on the same line; clean fixtures
 * assemble without errors. Skipped where the assembler is not installed.
 * Also the on-save run of the assembler, and that it never runs untrusted.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, LspSession, REPO, find } from './lsp-harness';
import { assemblerErrorLines, hasTool } from './assembler';

function fixtureFiles(): string[] {
  const nasm = readdirSync(join(FIXTURES, 'nasm')).filter((f) => f.endsWith('.asm')).map((f) => join(FIXTURES, 'nasm', f));
  const elf = readdirSync(join(FIXTURES, 'nasm-elf')).map((f) => join(FIXTURES, 'nasm-elf', f));
  const gas = readdirSync(join(FIXTURES, 'gas')).filter((f) => /\.[sS]$/.test(f)).map((f) => join(FIXTURES, 'gas', f));
  const guests = readdirSync(join(REPO, 'test/guests')).filter((f) => f.endsWith('.asm')).map((f) => join(REPO, 'test/guests', f));
  return [...nasm, ...elf, ...gas, ...guests];
}

function toolFor(path: string): string {
  return path.endsWith('.asm') ? 'nasm' : path.endsWith('.S') ? 'gcc' : 'as';
}

describe('language server: diagnostics agree with the assemblers', () => {
  for (const path of fixtureFiles()) {
    const rel = path.slice(REPO.length + 1);
    it(`${rel}: each diagnostic is an assembler error on the same line`, async function () {
      if (!hasTool(toolFor(path))) this.skip();
      const lsp = await LspSession.start(join(path, '..'));
      try {
        const uri = await lsp.open(path);
        const ours = (lsp.diagnostics.get(uri) ?? []).filter((d) => d.severity === 1);
        const theirs = assemblerErrorLines(path);
        for (const d of ours) assert.ok(theirs.lines.has(d.range.start.line), `line ${d.range.start.line + 1}: "${d.message}" — the assembler said:\n${theirs.output}`);
        if (ours.length === 0) assert.equal(theirs.lines.size, 0, `we report nothing but the assembler said:\n${theirs.output}`);
      } finally {
        await lsp.stop();
      }
    });
  }
});

describe('language server: assembling on save', () => {
  it('runs nasm on save in a trusted workspace and publishes its errors', async function () {
    if (!hasTool('nasm')) this.skip();
    const lsp = await LspSession.start(FIXTURES, { trusted: true });
    try {
      const path = join(FIXTURES, 'nasm/err-undefined.asm');
      const uri = await lsp.open(path);
      await lsp.notify('textDocument/didSave', { textDocument: { uri } });
      await lsp.waitFor(() => (lsp.diagnostics.get(uri) ?? []).some((d) => d.source === 'nasm'));
      const nasm = lsp.diagnostics.get(uri)!.filter((d) => d.source === 'nasm');
      assert.deepEqual(nasm.map((d) => d.range.start.line), [3, 4, 6]);
      assert.match(nasm[0].message, /nowhere/);
      // Ours are still there beside nasm's.
      assert.equal(lsp.diagnostics.get(uri)!.filter((d) => d.source === 'bringup').length, 3);
    } finally {
      await lsp.stop();
    }
  });

  it('assembles the including file when an %include file is saved', async function () {
    if (!hasTool('nasm')) this.skip();
    const lsp = await LspSession.start(FIXTURES, { trusted: true });
    try {
      const uri = await lsp.open(join(FIXTURES, 'nasm/inc/gdt.inc'));
      await lsp.notify('textDocument/didSave', { textDocument: { uri } });
      await lsp.waitFor(() => lsp.notifications.some((n) => n.method === 'bringup/assembled'));
      assert.deepEqual(lsp.diagnostics.get(uri), []);
    } finally {
      await lsp.stop();
    }
  });

  it('runs as (through gcc for .S) on save', async function () {
    if (!hasTool('as')) this.skip();
    const lsp = await LspSession.start(FIXTURES, { trusted: true });
    try {
      const path = join(FIXTURES, 'gas/errors.s');
      const uri = await lsp.open(path);
      await lsp.notify('textDocument/didSave', { textDocument: { uri } });
      await lsp.waitFor(() => (lsp.diagnostics.get(uri) ?? []).some((d) => d.source === 'as'));
      const lines = lsp.diagnostics.get(uri)!.filter((d) => d.source === 'as').map((d) => d.range.start.line);
      assert.ok(lines.includes(find(path, 'pusha').line), JSON.stringify(lines));
    } finally {
      await lsp.stop();
    }
  });

  it('never runs an assembler when the workspace is not trusted (the default)', async () => {
    const lsp = await LspSession.start(FIXTURES);
    try {
      const uri = await lsp.open(join(FIXTURES, 'nasm/err-undefined.asm'));
      await lsp.notify('textDocument/didSave', { textDocument: { uri } });
      await lsp.hover(uri, 0, 0); // a round trip after the save was handled
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(!lsp.notifications.some((n) => n.method === 'bringup/assembled'));
      assert.ok((lsp.diagnostics.get(uri) ?? []).every((d) => d.source === 'bringup'));
    } finally {
      await lsp.stop();
    }
  });
});
