/** documentSymbol and workspace/symbol over stdio, on the NASM/GAS fixtures and test/guests. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { FIXTURES, LspSession, REPO, uriOf } from './lsp-harness';

interface DocSymbol { name: string; detail?: string; kind: number; children?: DocSymbol[] }
interface SymInfo { name: string; kind: number; location: { uri: string; range: { start: { line: number } } }; containerName?: string }

describe('language server: symbols', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = await LspSession.start(FIXTURES);
  });
  after(async () => lsp.stop());

  it('outlines a NASM file: global labels with their local labels, macros, constants', async () => {
    const uri = await lsp.open(join(FIXTURES, 'nasm/boot.asm'));
    const symbols = await lsp.request<DocSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    const start = symbols.find((s) => s.name === 'start');
    assert.ok(start, JSON.stringify(symbols.map((s) => s.name)));
    assert.deepEqual(start.children?.map((c) => c.name), ['.again']);
    assert.deepEqual(symbols.find((s) => s.name === 'pmode')?.children?.map((c) => c.name), ['.spin']);
    const consts = await lsp.open(join(FIXTURES, 'nasm/inc/consts.inc'));
    const constSymbols = await lsp.request<DocSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: consts } });
    assert.deepEqual(constSymbols.map((s) => `${s.name}:${s.detail}`), ['CODE_SEL:0x08', 'DATA_SEL:0x10', 'CR0_PE:1', 'APIC_BASE:0xfee00000', 'ICR_LOW:0x300', 'spin_forever:macro']);
  });

  it('outlines a GAS file: sections, labels, #define and .set constants, macros', async () => {
    const uri = await lsp.open(join(FIXTURES, 'gas/boot.S'));
    const names = (await lsp.request<DocSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } })).map((s) => s.name);
    for (const n of ['KERNEL_CS', '.text', '_start', 'protected', 'gdt', 'gdt_desc']) assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
    const defs = await lsp.open(join(FIXTURES, 'gas/defs.s'));
    const defNames = (await lsp.request<DocSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: defs } })).map((s) => s.name);
    assert.deepEqual(defNames, ['CR0_PE_BIT', 'APIC_DEFAULT', 'spin']);
  });

  it('finds symbols across the workspace, including files reached by %include', async () => {
    const gdtr = await lsp.request<SymInfo[]>('workspace/symbol', { query: 'gdtr' });
    assert.ok(gdtr.some((s) => s.name === 'gdtr' && s.location.uri === uriOf(join(FIXTURES, 'nasm/inc/gdt.inc'))), JSON.stringify(gdtr));
    const local = await lsp.request<SymInfo[]>('workspace/symbol', { query: 'pmode.spin' });
    assert.equal(local[0]?.name, 'pmode.spin');
    assert.equal(local[0]?.containerName, 'pmode');
  });

  it('indexes the repository test guests (test/guests/*.asm and lib/*.inc)', async () => {
    const guests = await LspSession.start(join(REPO, 'test/guests'));
    try {
      const found = await guests.request<SymInfo[]>('workspace/symbol', { query: 'print_str32' });
      assert.ok(found.some((s) => s.location.uri.endsWith('lib/print32.inc')), JSON.stringify(found));
      const macros = await guests.request<SymInfo[]>('workspace/symbol', { query: 'enter_pm32' });
      assert.ok(macros.some((s) => s.location.uri.endsWith('lib/pm32.inc') && s.kind === 12));
      const inMacro = await guests.request<SymInfo[]>('workspace/symbol', { query: 'pm32_gdtr' });
      assert.ok(inMacro.some((s) => s.name === 'pm32_gdtr'), 'labels defined in a macro body are workspace symbols');
    } finally {
      await guests.stop();
    }
  });
});
