/** Completion over stdio: mnemonics for the bitness, directives, registers, labels, macros. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { FIXTURES, LspSession, find } from './lsp-harness';

interface Item { label: string; kind: number; detail?: string }

describe('language server: completion', () => {
  let lsp: LspSession;
  const boot = join(FIXTURES, 'nasm/boot.asm');
  let uri: string;
  before(async () => {
    lsp = await LspSession.start(FIXTURES);
    uri = await lsp.open(boot);
  });
  after(async () => lsp.stop());

  const complete = async (u: string, line: number, character: number): Promise<Item[]> => {
    const r = await lsp.request<Item[] | { items: Item[] }>('textDocument/completion', { textDocument: { uri: u }, position: { line, character } });
    return Array.isArray(r) ? r : r.items;
  };
  const labels = (items: Item[]): string[] => items.map((i) => i.label);

  it('offers opcode-table mnemonics, directives and macros at the start of a statement', async () => {
    const p = find(boot, '    cli');
    const items = await complete(uri, p.line, 4);
    const names = labels(items);
    for (const n of ['lgdt', 'mov', 'cpuid', 'wrmsr', 'pushad', 'cwde', 'times', 'bits', '%define', 'spin_forever']) assert.ok(names.includes(n), n);
    assert.ok(!names.includes('swapgs'));
    assert.equal(items.find((i) => i.label === 'lgdt')?.detail, 'Load GDTR (limit, base; 24-bit base with 16-bit operand size)');
  });

  it('offers registers, labels, constants and local labels in operands', async () => {
    const p = find(boot, 'jmp .spin');
    const names = labels(await complete(uri, p.line, p.character + 4));
    for (const n of ['eax', 'cr0', 'es', 'gdtr', 'start', 'CODE_SEL', 'ICR_LOW', '.spin', 'start.again']) assert.ok(names.includes(n), `${n} missing`);
    assert.ok(!names.includes('rax'), '64-bit registers are not offered in 32-bit code');
  });

  it('offers GAS directives and %registers', async () => {
    const s = join(FIXTURES, 'gas/boot.S');
    const su = await lsp.open(s);
    const p = find(s, '\tcli');
    const names = labels(await complete(su, p.line, 1));
    for (const n of ['.code16', '.section', '.quad', 'lgdt', 'spin']) assert.ok(names.includes(n), n);
    const r = find(s, 'xorw %ax', 0, 6);
    assert.ok(labels(await complete(su, r.line, r.character)).includes('ax'));
  });
});
