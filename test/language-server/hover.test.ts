/** Hover over stdio: instructions from the opcode table per bitness, system constants, GDT descriptors. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { FIXTURES, LspSession, find } from './lsp-harness';

describe('language server: hover', () => {
  let lsp: LspSession;
  const boot = join(FIXTURES, 'nasm/boot.asm');
  let uri: string;
  before(async () => {
    lsp = await LspSession.start(FIXTURES);
    uri = await lsp.open(boot);
  });
  after(async () => lsp.stop());
  const at = (needle: string, offset = 1, nth = 0): Promise<string> => {
    const p = find(boot, needle, nth, offset);
    return lsp.hover(uri, p.line, p.character);
  };

  it('describes an instruction from the opcode table for 16-bit code', async () => {
    const text = await at('lgdt');
    assert.match(text, /16-bit code/);
    assert.match(text, /0F 01 \/2/);
    assert.match(text, /LGDT m16&24/);
  });

  it('uses the 32-bit operand size after [BITS 32]', async () => {
    const cwde = await at('cwde');
    assert.match(cwde, /32-bit code/);
    assert.match(cwde, /`98` \| CWDE/);
    const mov = await at('mov ax, DATA_SEL');
    assert.match(mov, /MOV r\/m32, r32/);
    const mov16 = await at('mov ds, ax');
    assert.match(mov16, /MOV r\/m16, r16/);
  });

  it('decodes a GDT descriptor literal', async () => {
    const gdt = join(FIXTURES, 'nasm/inc/gdt.inc');
    const gu = await lsp.open(gdt);
    const p = find(gdt, '0x00cf9a000000ffff', 0, 4);
    const text = await lsp.hover(gu, p.line, p.character);
    for (const line of ['base: `0x00000000`', 'limit: `0xfffff` × 4 KiB → `0xffffffff` (4 GiB)', 'type: 10 (code, execute/read)', 'DPL: 0', 'P: 1', 'D/B: 1 (32-bit)', 'G: 1', 'L: 0', 'AVL: 0']) assert.ok(text.includes(line), `${line} in\n${text}`);
    const data = find(gdt, '0x00cf92000000ffff', 0, 4);
    assert.match(await lsp.hover(gu, data.line, data.character), /type: 2 \(data, read\/write\)/);
  });

  it('names local APIC registers by address and by offset next to an APIC base', async () => {
    assert.match(await at('0xfee00300', 3), /Local APIC ICR low/);
    assert.match(await at('0xfee000f0', 3), /Local APIC SVR/);
    assert.match(await at('esi + 0x300', 8), /Local APIC ICR low.*offset 0x300/s);
    assert.match(await at('ICR_LOW'), /ICR_LOW.*0x300.*Local APIC ICR low/s);
    assert.match(await at('0x000c4500', 3), /delivery INIT.*all excluding self/);
  });

  it('names MSRs and CR0/CR4 bits', async () => {
    assert.match(await at('0x1b', 2), /IA32_APIC_BASE/);
    assert.match(await at('CR0_PE'), /CR0\.PE.*Protection Enable/s);
    const cr4 = await at('or eax, 0x30', 9);
    assert.match(cr4, /CR4.*PSE.*PAE/s);
  });

  it('hovers GAS: AT&T mnemonics with suffixes, .quad descriptors', async () => {
    const s = join(FIXTURES, 'gas/boot.S');
    const su = await lsp.open(s);
    const movw = find(s, 'movw %ax, %ds', 0, 2);
    assert.match(await lsp.hover(su, movw.line, movw.character), /16-bit code.*MOV Sreg, r\/m16/s);
    const rdmsr = find(s, 'rdmsr', 0, 1);
    assert.match(await lsp.hover(su, rdmsr.line, rdmsr.character), /32-bit code.*0F 32.*Read MSR/s);
    const quad = find(s, '0x00cf9a', 0, 4);
    assert.match(await lsp.hover(su, quad.line, quad.character), /D\/B: 1 \(32-bit\)/);
    const msr = find(s, '$0x1b', 0, 3);
    assert.match(await lsp.hover(su, msr.line, msr.character), /IA32_APIC_BASE/);
  });
});
