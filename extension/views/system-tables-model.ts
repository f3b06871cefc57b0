/**
 * Documents and tables for the commands: GDT/IDT/LDT decoded, a linear
 * address translated level by level, the paravirtual startup state, and
 * disassembly text (no vscode import).
 */
import type { DescriptorTableView, DescriptorView, PvStartupStateView, TranslationView } from '../../debug-adapter/custom-protocol';
import { alignColumns, escapeXml, hex, hex64 } from './format';

export type TableName = 'gdt' | 'idt' | 'ldt';

export const TABLE_TITLES: Record<TableName, string> = { gdt: 'GDT', idt: 'IDT', ldt: 'LDT' };

export interface TableModel {
  title: string;
  caption: string;
  columns: string[];
  rows: { cells: string[]; present: boolean; summary: string }[];
}

function baseOrTarget(d: DescriptorView): string {
  if (d.offset !== undefined || d.targetSelector !== undefined) {
    const sel = d.targetSelector !== undefined ? hex(d.targetSelector, 4) : '';
    const off = d.offset !== undefined ? hex(d.offset, 8) : '';
    return sel && off ? `${sel}:${off}` : sel || off;
  }
  return d.base !== undefined ? hex(d.base, 8) : '';
}

/** A decoded descriptor table (GDT/LDT: selector, base, limit; IDT: vector, target). */
export function descriptorTableModel(view: DescriptorTableView): TableModel {
  const isIdt = view.table === 'idt';
  const columns = [isIdt ? 'Vector' : 'Selector', 'Raw', 'Type', isIdt ? 'Target' : 'Base', 'Limit', 'DPL', 'P', 'Flags', 'Meaning'];
  const rows = view.entries.map((d) => ({
    present: d.present,
    summary: d.summary,
    cells: [
      isIdt ? hex(d.selectorOrVector, 2) : hex(d.selectorOrVector, 4),
      d.raw,
      d.kind,
      baseOrTarget(d),
      d.limit !== undefined ? hex(d.limit, 5) : '',
      String(d.dpl),
      d.present ? 'P' : '-',
      d.flags,
      d.summary,
    ],
  }));
  return {
    title: `${TABLE_TITLES[view.table]} of vCPU ${view.vcpu}`,
    caption: `${TABLE_TITLES[view.table]}R base ${hex64(view.base, 8)}, limit ${hex(view.limit, 4)} (${view.entries.length} entr${view.entries.length === 1 ? 'y' : 'ies'})`,
    columns,
    rows,
  };
}

/** The table as an aligned text document. */
export function descriptorTableText(view: DescriptorTableView): string {
  const m = descriptorTableModel(view);
  const lines = [`; ${m.title}`, `; ${m.caption}`, ''];
  lines.push(...alignColumns([m.columns, ...m.rows.map((r) => r.cells)]));
  if (m.rows.length === 0) lines.push('(empty)');
  return lines.join('\n') + '\n';
}

/** The table as an HTML fragment (escaped) for the decoded-table panel. */
export function descriptorTableHtml(view: DescriptorTableView): string {
  const m = descriptorTableModel(view);
  const head = m.columns.map((c) => `<th scope="col">${escapeXml(c)}</th>`).join('');
  const body = m.rows.map((r) => `<tr class="${r.present ? 'present' : 'not-present'}">${r.cells.map((c, i) => (i === 0 ? `<th scope="row">${escapeXml(c)}</th>` : `<td>${escapeXml(c)}</td>`)).join('')}</tr>`).join('');
  return `<h1>${escapeXml(m.title)}</h1><p>${escapeXml(m.caption)}</p><table><thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${m.columns.length}">Empty</td></tr>`}</tbody></table>`;
}

/** Parse what a user types as a linear address: 0x…, decimal, or seg:off (real mode). */
export function parseAddress(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '');
  const segOff = /^(?:0x)?([0-9a-f]{1,4}):(?:0x)?([0-9a-f]{1,8})$/i.exec(t);
  if (segOff) return parseInt(segOff[1], 16) * 16 + parseInt(segOff[2], 16);
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  if (/^[0-9a-f]+h$/i.test(t)) return parseInt(t.slice(0, -1), 16);
  if (/^[0-9]+$/.test(t)) return parseInt(t, 10);
  if (/^[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  return undefined;
}

export function translationText(view: TranslationView): string {
  const lines = [`; Linear ${hex64(view.linear, 8)} on vCPU ${view.vcpu}`, `; Paging: ${view.pagingMode === 'none' ? 'off (linear = physical)' : view.pagingMode}`, ''];
  if (view.steps.length > 0) {
    lines.push(...alignColumns([['Level', 'Entry at', 'Entry', 'Decoded'], ...view.steps.map((s) => [s.level, hex64(s.entryAddress, 8), s.entry, s.decoded])]));
    lines.push('');
  }
  if (view.physical !== undefined) lines.push(`Physical: ${hex64(view.physical, 8)}`);
  if (view.fault) lines.push(`Fault: ${view.fault}`);
  return lines.join('\n') + '\n';
}

export function translationSummary(view: TranslationView): string {
  if (view.fault) return `${hex64(view.linear, 8)} → fault: ${view.fault}`;
  return `${hex64(view.linear, 8)} → physical ${view.physical !== undefined ? hex64(view.physical, 8) : '?'} (${view.pagingMode === 'none' ? 'paging off' : `${view.steps.length} level${view.steps.length === 1 ? '' : 's'}`})`;
}

export function pvStartupText(view: PvStartupStateView): string {
  const lines = [`; Paravirtual startup state for vCPU ${view.vcpu} (APIC ${view.apicId})`, ''];
  if (!view.registered) {
    lines.push('No startup state is registered for this APIC ID.');
  } else {
    lines.push(...alignColumns(view.fields.map((f) => [f.name, f.value])));
  }
  if (view.problems.length > 0) {
    lines.push('', 'Problems:');
    for (const p of view.problems) lines.push(`  ! ${p}`);
  } else if (view.registered) {
    lines.push('', 'Consistent with the GDT as the emulator sees it.');
  }
  return lines.join('\n') + '\n';
}

/** DAP `disassemble` response → text for the bringup-disasm language. */
export interface DisassembledInstructionLike {
  address: string;
  instructionBytes?: string;
  instruction: string;
  symbol?: string;
  location?: { name?: string; path?: string };
  line?: number;
}

export function disassemblyText(instructions: readonly DisassembledInstructionLike[], header: string, current?: string): string {
  const lines = [`; ${header}`, ''];
  let lastSymbol: string | undefined;
  let lastLine: string | undefined;
  for (const ins of instructions) {
    if (ins.symbol && ins.symbol !== lastSymbol && !ins.symbol.includes('+')) {
      lines.push('', `${ins.symbol}:`);
    }
    lastSymbol = ins.symbol?.split('+')[0] ?? lastSymbol;
    const src = ins.location?.name && ins.line !== undefined ? `${ins.location.name}:${ins.line}` : undefined;
    if (src && src !== lastLine) lines.push(`    ; ${src}`);
    lastLine = src ?? lastLine;
    const marker = current !== undefined && ins.address.toLowerCase() === current.toLowerCase() ? '=>' : '  ';
    lines.push(`${marker}${ins.address.padEnd(12)}  ${(ins.instructionBytes ?? '').padEnd(20)}  ${ins.instruction}`);
  }
  return lines.join('\n') + '\n';
}
