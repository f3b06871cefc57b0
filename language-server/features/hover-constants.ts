/**
 * Hover on numbers and names that mean something to the hardware: GDT
 * descriptor literals in dq/.quad, local APIC register addresses and
 * offsets, MSR numbers, CR0/CR4/EFER bit masks.
 */
import type { Dialect } from '../model';
import { apicRegister, decodeIcrLow, DEFAULT_APIC_BASE } from '../knowledge/apic';
import { describeDescriptor } from '../knowledge/gdt-descriptor';
import { hex } from '../knowledge/numbers';
import { bitByName, CR0, CR4, decodeBits, EFER, msrInfo, type ControlRegister } from '../knowledge/system-registers';

export interface NumberContext {
  dialect: Dialect;
  /** The source line and a few lines around it (lower case), for context clues. */
  line: string;
  nearby: string;
  /** The line is a qword data directive (dq / .quad). */
  qwordData: boolean;
  /** Name of the constant being defined or read, when hovering a constant. */
  name?: string;
}

function apicText(offset: number, absolute: boolean): string | undefined {
  const reg = apicRegister(offset);
  if (reg === undefined) return undefined;
  return `**Local APIC ${reg.name}** (offset ${hex(offset, 3)}${absolute ? ` from the default base ${hex(DEFAULT_APIC_BASE)}` : ''})\n\n${reg.meaning} — SDM Vol. 3A 10.4.1 Table 10-1`;
}

function bitsText(reg: ControlRegister, value: number): string | undefined {
  const set = decodeBits(reg, value);
  if (set.length === 0) return undefined;
  const rows = set.map((b) => `- bit ${b.bit} **${b.name}**: ${b.meaning}${((reg.emulated >>> b.bit) & 1) === 1 ? '' : ' _(not emulated by Bringup)_'}`);
  return [`**${reg.name}** bits in \`${hex(value)}\`:`, ...rows].join('\n');
}

export function numberHover(value: bigint, ctx: NumberContext): string | undefined {
  const parts: string[] = [];
  const v = Number(value & 0xffffffffn) >>> 0;
  const name = (ctx.name ?? '').toLowerCase();
  if (ctx.qwordData && value <= 0xffffffffffffffffn) parts.push(describeDescriptor(value).join('\n'));
  if (value >= BigInt(DEFAULT_APIC_BASE) && value < BigInt(DEFAULT_APIC_BASE + 0x400)) {
    const t = apicText(v - DEFAULT_APIC_BASE, true);
    if (t !== undefined) parts.push(t);
  } else if (value < 0x400n && ((ctx.line.includes('[') && /apic|0xfee00000|fee00000h/.test(ctx.nearby)) || /apic|icr|svr|lvt|tpr|eoi/.test(name))) {
    // An offset counts as an APIC register only in a memory operand near an APIC base, or in a constant named like one.
    const t = apicText(v, false);
    if (t !== undefined) parts.push(t);
  }
  const apicHit = parts.length > 0;
  if (!apicHit && (/icr/.test(name) || /0xfee00300|\bicr/.test(ctx.line))) {
    if (value < 0x100000000n && value > 0xffn) parts.push(`ICR low value: ${decodeIcrLow(v)} — SDM Vol. 3A 10.6.1`);
  }
  const msr = msrInfo(v);
  const msrContext = /\becx\b|%ecx|\bmsr/.test(ctx.line) || /rdmsr|wrmsr/.test(ctx.nearby) || /msr/.test(name);
  if (msr !== undefined && value < 0x100000000n && (msrContext || v >= 0xc0000000)) {
    parts.push(`**MSR ${hex(v)} ${msr.name}**: ${msr.meaning}${msr.emulated ? '' : ' _(not emulated by Bringup: #GP)_'} — SDM Vol. 4 Table 2-2`);
  }
  const controls: ControlRegister[] = [];
  // Control-register bits are set through a general register (or eax, X / mov cr0, eax), never a memory operand.
  if (apicHit || ctx.line.includes('[')) return parts.length > 0 ? parts.join('\n\n---\n\n') : undefined;
  if (/\bcr0\b|%cr0/.test(ctx.nearby) || /cr0/.test(name)) controls.push(CR0);
  if (/\bcr4\b|%cr4/.test(ctx.nearby) || /cr4/.test(name)) controls.push(CR4);
  if (/efer|0xc0000080/.test(ctx.nearby) || /efer/.test(name)) controls.push(EFER);
  for (const reg of controls) {
    const t = bitsText(reg, v);
    if (t !== undefined && !parts.some((p) => p.startsWith('**Segment descriptor'))) parts.push(t);
  }
  return parts.length > 0 ? parts.join('\n\n---\n\n') : undefined;
}

/** Names like CR0_PG, CR4_PAE, EFER_LME. */
export function bitNameHover(name: string): string | undefined {
  const hit = bitByName(name);
  if (hit === undefined) return undefined;
  return `**${hit.reg.name}.${hit.bit.name}** (bit ${hit.bit.bit}, mask ${hex(2 ** hit.bit.bit)}): ${hit.bit.meaning}${((hit.reg.emulated >>> hit.bit.bit) & 1) === 1 ? '' : ' _(not emulated by Bringup)_'} — SDM Vol. 3A 2.5`;
}
