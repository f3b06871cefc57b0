/** The tables behind the hovers: descriptor decoding, number literals, opcode forms per bitness. */
import { strict as assert } from 'node:assert';
import { decodeDescriptor } from '../../language-server/knowledge/gdt-descriptor';
import { parseNumber } from '../../language-server/knowledge/numbers';
import { instructionForms, lookupInstruction } from '../../language-server/knowledge/opcodes';
import { apicRegister } from '../../language-server/knowledge/apic';
import { msrInfo, bitByName } from '../../language-server/knowledge/system-registers';
import { modeProblem } from '../../language-server/knowledge/modes';

describe('language server knowledge tables', () => {
  it('decodes code, data, 64-bit and system descriptors (SDM Vol. 3A 3.4.5)', () => {
    const code16 = decodeDescriptor(0x00009a000000ffffn);
    assert.deepEqual([code16.base, code16.effectiveLimit, code16.db, code16.g], [0, 0xffff, 0, 0]);
    const long = decodeDescriptor(0x00af9a000000ffffn);
    assert.equal(long.l, 1);
    const tss = decodeDescriptor(0x0000890a12340067n);
    assert.deepEqual([tss.s, tss.type, tss.typeText, tss.base, tss.limit], [0, 9, '32-bit TSS (available)', 0x0a1234, 0x67]);
    const user = decodeDescriptor(0x00cff2000000ffffn);
    assert.equal(user.dpl, 3);
    const based = decodeDescriptor(0x12cf9a345678ffffn);
    assert.equal(based.base, 0x12345678);
  });

  it('reads NASM and GAS number literals', () => {
    for (const [text, value] of [['0x1F', 31n], ['1Fh', 31n], ['0h1f', 31n], ['$1f', 31n], ['1010b', 10n], ['0b1010', 10n], ['17q', 15n], ['0o17', 15n], ['1_000', 1000n], ['0d99', 99n]] as const) {
      assert.equal(parseNumber(text, 'nasm'), value, text);
    }
    assert.equal(parseNumber('017', 'gas'), 15n);
    assert.equal(parseNumber('0x10', 'gas'), 16n);
  });

  it('finds opcode-table entries by Intel, AT&T and alias spellings', () => {
    assert.ok(lookupInstruction('jz', 'nasm').some((l) => l.entry.mnemonic === 'je'));
    assert.ok(lookupInstruction('movl', 'gas').some((l) => l.entry.mnemonic === 'mov'));
    assert.ok(lookupInstruction('movzbl', 'gas').some((l) => l.entry.mnemonic === 'movzx'));
    assert.ok(lookupInstruction('ljmp', 'gas').some((l) => l.opcode === 'EA'));
    assert.equal(lookupInstruction('vmovdqa', 'nasm').length, 0);
    const push16 = instructionForms('pusha', 'nasm', 16);
    const push32 = instructionForms('pusha', 'nasm', 32);
    assert.equal(push16[0].mnemonic, 'pusha');
    assert.equal(push32[0].mnemonic, 'pushad');
  });

  it('names APIC registers, MSRs and control-register bits from the emulator constants', () => {
    assert.equal(apicRegister(0x300)?.name, 'ICR low');
    assert.equal(apicRegister(0x210)?.name, 'IRR[1]');
    assert.equal(msrInfo(0xc0000080)?.name, 'IA32_EFER');
    assert.equal(msrInfo(0x830)?.name, 'x2APIC register 0x300');
    assert.equal(bitByName('CR4_PAE')?.bit.bit, 5);
    assert.equal(bitByName('EFER_LME')?.bit.bit, 8);
  });

  it('knows what is invalid in which mode (SDM Vol. 2 Appendix A i64/o64)', () => {
    assert.match(modeProblem('pusha', [], 64) ?? '', /not valid in 64-bit/);
    assert.match(modeProblem('jmp', ['0x08:start'], 64) ?? '', /far/);
    assert.equal(modeProblem('jmp', ['0x08:start'], 32), undefined);
    assert.match(modeProblem('swapgs', [], 32) ?? '', /only in 64-bit/);
  });
});
