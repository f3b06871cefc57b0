/** Definition, references and rename over stdio. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, LspSession, REPO, find, uriOf } from './lsp-harness';

interface Location { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }
interface TextEdit { range: Location['range']; newText: string }

describe('language server: definition, references, rename', () => {
  let lsp: LspSession;
  const boot = join(FIXTURES, 'nasm/boot.asm');
  const gdtInc = join(FIXTURES, 'nasm/inc/gdt.inc');
  let uri: string;
  before(async () => {
    lsp = await LspSession.start(FIXTURES);
    uri = await lsp.open(boot);
  });
  after(async () => lsp.stop());

  const definition = (u: string, p: { line: number; character: number }): Promise<Location[]> => lsp.request<Location[]>('textDocument/definition', { textDocument: { uri: u }, position: p });

  it('goes to a label defined in an included file', async () => {
    const defs = await definition(uri, find(boot, 'gdtr', 0, 1));
    assert.equal(defs.length, 1);
    assert.equal(defs[0].uri, uriOf(gdtInc));
    assert.equal(defs[0].range.start.line, find(gdtInc, 'gdtr:').line);
  });

  it('resolves a NASM local label under its global label', async () => {
    const defs = await definition(uri, find(boot, 'jmp .spin', 0, 5));
    assert.equal(defs[0].range.start.line, find(boot, '.spin:').line);
  });

  it('goes to equ constants, %define and macros', async () => {
    const consts = join(FIXTURES, 'nasm/inc/consts.inc');
    for (const [needle, target] of [['CODE_SEL:', 'CODE_SEL equ'], ['ICR_LOW]', '%define ICR_LOW'], ['spin_forever', '%macro spin_forever']]) {
      const defs = await definition(uri, find(boot, needle, 0, 1));
      assert.equal(defs[0]?.uri, uriOf(consts), needle);
      assert.equal(defs[0].range.start.line, find(consts, target).line, needle);
    }
  });

  it('resolves GAS numeric local labels 1b / 2f to the nearest instance', async () => {
    const s = join(FIXTURES, 'gas/boot.S');
    const su = await lsp.open(s);
    const back = await definition(su, find(s, 'jmp 1b', 0, 4));
    assert.equal(back[0].range.start.line, find(s, '1:\thlt').line);
    const fwd = await definition(su, find(s, 'jmp 2f', 0, 4));
    assert.equal(fwd[0].range.start.line, find(s, '2:\tnop').line);
  });

  it('finds references across the include graph', async () => {
    const refs = await lsp.request<Location[]>('textDocument/references', { textDocument: { uri }, position: find(boot, 'gdtr', 0, 1), context: { includeDeclaration: true } });
    const where = refs.map((r) => `${r.uri.split('/').pop()}:${r.range.start.line}`).sort();
    assert.deepEqual(where, [`boot.asm:${find(boot, 'lgdt [gdtr]').line}`, `gdt.inc:${find(gdtInc, 'gdtr:').line}`, `gdt.inc:${find(gdtInc, 'dw gdtr').line}`].sort());
  });

  it('renames a global label in every file as a WorkspaceEdit', async () => {
    const prepare = await lsp.request<{ placeholder: string } | null>('textDocument/prepareRename', { textDocument: { uri }, position: find(boot, 'gdtr', 0, 1) });
    assert.equal(prepare?.placeholder, 'gdtr');
    const edit = await lsp.request<{ changes: Record<string, TextEdit[]> }>('textDocument/rename', { textDocument: { uri }, position: find(boot, 'gdtr', 0, 1), newName: 'gdt_pointer' });
    assert.equal(edit.changes[uri].length, 1);
    assert.equal(edit.changes[uriOf(gdtInc)].length, 2);
    assert.ok(Object.values(edit.changes).flat().every((e) => e.newText === 'gdt_pointer'));
  });

  it('renames a local label keeping the short form', async () => {
    const edit = await lsp.request<{ changes: Record<string, TextEdit[]> }>('textDocument/rename', { textDocument: { uri }, position: find(boot, '.spin:', 0, 2), newName: '.halt' });
    const edits = edit.changes[uri];
    assert.equal(edits.length, 2);
    assert.ok(edits.every((e) => e.newText === '.halt'));
  });

  it('refuses to rename to an invalid name', async () => {
    await assert.rejects(lsp.request('textDocument/rename', { textDocument: { uri }, position: find(boot, 'pmode:', 0, 1), newName: '1bad name' }));
  });

  it('navigates the repository guests: labels in lib/*.inc, locals, macros', async () => {
    const guests = await LspSession.start(join(REPO, 'test/guests'));
    try {
      const sipi = join(REPO, 'test/guests/smp-sipi.asm');
      const su = await guests.open(sipi);
      const print = await guests.request<Location[]>('textDocument/definition', { textDocument: { uri: su }, position: find(sipi, 'call print_str32', 0, 6) });
      assert.ok(print[0]?.uri.endsWith('lib/print32.inc'));
      const wait = await guests.request<Location[]>('textDocument/definition', { textDocument: { uri: su }, position: find(sipi, 'jb .wait', 0, 4) });
      assert.equal(wait[0]?.range.start.line, find(sipi, '.wait:').line);
      const macro = await guests.request<Location[]>('textDocument/definition', { textDocument: { uri: su }, position: find(sipi, 'exit_with 3', 0, 2) });
      assert.ok(macro[0]?.uri.endsWith('lib/io.inc'));
      // stage1.inc jumps to stage2 and sizes itself with stage_end, defined in the file that includes it.
      const stage1 = join(REPO, 'test/guests/lib/stage1.inc');
      const s1 = await guests.open(stage1);
      const end = await guests.request<Location[]>('textDocument/definition', { textDocument: { uri: s1 }, position: find(stage1, 'stage_end', 0, 2) });
      // Several guests include stage1.inc and define stage_end; any of them is a right answer, as long as it is a definition.
      assert.ok(end.length > 0);
      const defFile = decodeURIComponent(new URL(end[0].uri).pathname);
      assert.match(readFileSync(defFile, 'utf8').split('\n')[end[0].range.start.line], /^\s*stage_end:/);
    } finally {
      await guests.stop();
    }
  });
});
