import { strict as assert } from 'node:assert';
import type { DescriptorTableView, PvStartupStateView, RegisterSnapshotResponse, TranslationView } from '../../debug-adapter/custom-protocol';
import { descriptorTableHtml, descriptorTableModel, descriptorTableText, disassemblyText, parseAddress, pvStartupText, translationSummary, translationText, type DisassembledInstructionLike } from '../../extension/views/system-tables-model';
import { alignColumns, formatTime, hex64, vectorList } from '../../extension/views/format';
import { recorded } from './fixtures';

describe('extension: system tables, translation, paravirt state, disassembly (recorded adapter responses)', () => {
  it('GDT of the test guest: null, 32-bit code/data, 16-bit code/data', () => {
    const gdt = recorded<DescriptorTableView>('sipi-first-startup.gdt-vcpu0');
    const m = descriptorTableModel(gdt);
    assert.equal(m.title, 'GDT of vCPU 0');
    assert.equal(m.caption, `GDTR base ${hex64(gdt.base, 8)}, limit 0x0027 (5 entries)`);
    assert.deepEqual(m.rows.map((r) => r.cells[0]), ['0x0000', '0x0008', '0x0010', '0x0018', '0x0020']);
    assert.deepEqual(m.rows[1].cells.slice(2, 7), ['code', '0x00000000', '0xffffffff', '0', 'P']);
    assert.equal(m.rows[0].present, false);
    const text = descriptorTableText(gdt);
    assert.match(text, /^; GDT of vCPU 0\n/);
    assert.match(text, /\n0x0008 +00CF9B000000FFFF +code +0x00000000 +0xffffffff +0 +P +accessed G D +32-bit code, execute\/read/);
  });

  it('GDT of an AP at ap_main and the IDT (vectors, gate targets)', () => {
    const gdt = recorded<DescriptorTableView>('smp-demo-ap-main.gdt-vcpu1');
    assert.ok(descriptorTableModel(gdt).rows.length >= 3);
    const idt = recorded<DescriptorTableView>('smp-demo-ap-main.idt-vcpu1');
    const m = descriptorTableModel(idt);
    assert.equal(m.columns[0], 'Vector');
    assert.equal(m.columns[3], 'Target');
    if (m.rows.length > 0) assert.match(m.rows[0].cells[0], /^0x[0-9a-f]{2}$/);
    const html = descriptorTableHtml(gdt);
    assert.match(html, /^<h1>GDT of vCPU 1<\/h1>/);
    assert.doesNotMatch(html, /<script/);
  });

  it('translation: paging off (test guest) and one 4 MiB PDE (smp-demo)', () => {
    const off = recorded<TranslationView>('sipi-first-startup.translate-vcpu0-7c00');
    assert.equal(translationSummary(off), '0x00007c00 → physical 0x00007c00 (paging off)');
    assert.match(translationText(off), /; Paging: off \(linear = physical\)/);
    const on = recorded<TranslationView>('smp-demo-ap-main.translate-vcpu1-100000');
    const text = translationText(on);
    assert.match(text, /Level +Entry at +Entry +Decoded\nPDE +0x00108000 +0x000000e3 +P RW A D PS/);
    assert.match(text, /Physical: 0x00100000/);
    assert.equal(translationSummary(on), '0x00100000 → physical 0x00100000 (1 level)');
    assert.match(translationSummary({ ...on, physical: undefined, fault: 'PDE not present' }), /fault: PDE not present/);
  });

  it('address input: hex, decimal, seg:off, NASM-style h suffix', () => {
    assert.equal(parseAddress('0x7c00'), 0x7c00);
    assert.equal(parseAddress('31744'), 31744);
    assert.equal(parseAddress('0800:0000'), 0x8000);
    assert.equal(parseAddress('0900:0010'), 0x9010);
    assert.equal(parseAddress('c0100000h'), 0xc0100000);
    assert.equal(parseAddress('0xC010_0000'), 0xc0100000);
    assert.equal(parseAddress('eax'), undefined);
  });

  it('paravirtual startup state: not registered, registered (ap=hook), and with problems', () => {
    const none = recorded<PvStartupStateView>('smp-demo-ap-main.pv-vcpu1');
    assert.match(pvStartupText(none), /No startup state is registered for this APIC ID\./);
    const hook = recorded<PvStartupStateView>('smp-demo-ap-hook-pv-event.pv-vcpu1');
    const hookText = pvStartupText(hook);
    assert.match(hookText, /^; Paravirtual startup state for vCPU 1 \(APIC 1\)\n/);
    assert.match(hookText, /\nregistered by +vCPU 0\n/);
    assert.match(hookText, /\neip +0x[0-9a-f]{8}\n/);
    assert.match(hookText, /\ngs descriptor now +32-bit data, read\/write, base 0x[0-9a-f]{8}/);
    assert.match(hookText, /Consistent with the GDT as the emulator sees it\.\n$/);
    const some: PvStartupStateView = { ...none, registered: true, fields: [{ name: 'CS', value: '0x0008' }, { name: 'GS base', value: '0x00109c60' }], problems: ['GS selector 0x18 no longer matches GDT entry 3'] };
    const text = pvStartupText(some);
    assert.match(text, /CS +0x0008\nGS base +0x00109c60/);
    assert.match(text, /Problems:\n  ! GS selector 0x18/);
  });

  it('register snapshot is the adapter text (copied as is)', () => {
    const snap = recorded<RegisterSnapshotResponse>('smp-demo-ap-main.snapshot-vcpu1');
    const frame = recorded<{ frame: { instructionPointerReference: string } }>('smp-demo-ap-main.disassemble').frame;
    assert.match(snap.text, /^vCPU 1 /);
    assert.ok(snap.text.includes(`EIP=${frame.instructionPointerReference.slice(2)}`), 'the stopped EIP');
  });

  it('disassembly document: symbol labels, current instruction marker', () => {
    const d = recorded<{ frame: { instructionPointerReference: string }; response: { instructions: DisassembledInstructionLike[] } }>('smp-demo-ap-main.disassemble');
    const ip = d.frame.instructionPointerReference;
    const text = disassemblyText(d.response.instructions, 'vCPU 1, ap_main', ip);
    assert.match(text, /\nap_main:\n    ; smp\.c:121\n  0x[0-9a-f]{8} +55 +push ebp\n  0x[0-9a-f]{8} +89 e5 +mov ebp, esp\n/);
    assert.equal(text.split('\n').filter((l) => l.startsWith('=>')).length, 1);
    assert.ok(text.includes(`=>${ip}`));
    assert.match(text, /call 0x[0-9a-f]+  <lapic_enable>/);
    const withSource = disassemblyText([{ address: '0x1000', instruction: 'nop', instructionBytes: '90', location: { name: 'main.c' }, line: 12 }], 'h');
    assert.match(withSource, /    ; main.c:12\n  0x1000 /);
  });

  it('format helpers', () => {
    assert.equal(vectorList([0x31, 0x40, 0x41, 0x42, 0xef]), '0x31, 0x40-0x42, 0xef');
    assert.equal(vectorList([]), 'none');
    assert.equal(formatTime(200), '200 ns');
    assert.equal(formatTime(10_000_000), '10.0 ms');
    assert.deepEqual(alignColumns([['a', 'bb'], ['ccc', 'd']]), ['a    bb', 'ccc  d']);
  });
});
