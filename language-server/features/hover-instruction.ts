/** Hover on a mnemonic: operand forms and description from the emulator's opcode table, for the bitness in effect. */
import type { Bits, Dialect } from '../model';
import { formText, instructionForms } from '../knowledge/opcodes';

export function instructionHover(mnemonic: string, dialect: Dialect, bits: Bits): string {
  const forms = instructionForms(mnemonic, dialect, bits);
  const header = `**${mnemonic}** — ${bits}-bit code`;
  if (forms.length === 0) return `${header}\n\nNot in Bringup's opcode table: the emulator raises #UD if it meets this instruction.`;
  const lines = [header, ''];
  if (bits === 64) lines.push('Bringup emulates 16- and 32-bit modes only; forms below are the 32-bit ones.', '');
  const descriptions = new Set(forms.map((f) => f.description));
  if (descriptions.size === 1) lines.push(forms[0].description, '');
  lines.push('| opcode | instruction | description |', '| --- | --- | --- |');
  for (const f of forms) {
    const ops = f.operands.map((o) => formText(o, bits === 64 ? 32 : bits));
    if (dialect === 'gas') ops.reverse(); // AT&T order: source first (GAS manual 9.16.3)
    lines.push(`| \`${f.opcode}\` | ${[f.mnemonic.toUpperCase(), ops.join(', ')].join(' ').trim()} | ${f.description} |`);
  }
  lines.push('', '_From emulator/cpu/opcode-table.ts (SDM Vol. 2 notation)._');
  return lines.join('\n');
}
