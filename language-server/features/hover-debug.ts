/** Hover while a Bringup debug session is stopped: register values per vCPU, label addresses from the ELF symbol table. */
import { registerInfo } from '../knowledge/registers';
import { hex } from '../knowledge/numbers';
import type { DebugSession } from '../debug/debug-state';

function registerValue(regs: Record<string, number>, name: string): number | undefined {
  const lower: Record<string, number> = {};
  for (const [k, v] of Object.entries(regs)) lower[k.toLowerCase()] = v;
  if (lower[name] !== undefined) return lower[name];
  const info = registerInfo(name);
  if (info?.container === undefined) return undefined;
  const whole = lower[info.container];
  if (whole === undefined) return undefined;
  const mask = info.size === 8 ? 0xff : info.size === 16 ? 0xffff : 0xffffffff;
  return ((whole >>> (info.shift ?? 0)) & mask) >>> 0;
}

export function registerDebugHover(session: DebugSession, word: string): string | undefined {
  if (!session.state.stopped) return undefined;
  const name = word.toLowerCase().replace(/^%/, '');
  const info = registerInfo(name);
  if (info === undefined) return undefined;
  const width = info.size === 0 ? (info.kind === 'segment' ? 4 : 8) : info.size / 4;
  const rows: string[] = [];
  for (const vcpu of session.state.vcpus) {
    const value = registerValue(vcpu.registers, name);
    if (value !== undefined) rows.push(`| vCPU ${vcpu.index} | \`${hex(value >>> 0, width)}\` | ${value >>> 0} |`);
  }
  if (rows.length === 0) return undefined;
  return [`**${name}** (stopped)`, '', '| vCPU | hex | decimal |', '| --- | --- | --- |', ...rows].join('\n');
}

export function labelDebugHover(session: DebugSession, name: string): string | undefined {
  if (!session.state.stopped) return undefined;
  const symbols = session.symbol(name);
  if (symbols.length === 0) return undefined;
  const lines = symbols.map((s) => {
    const where = `${s.section !== '' ? `${s.section} ` : ''}in ${s.file.split(/[\\/]/).pop()}`;
    return s.runtime === s.link ? `- address \`${hex(s.link, 8)}\` (${where})` : `- link address \`${hex(s.link, 8)}\`, runs at \`${hex(s.runtime, 8)}\` (${where})`;
  });
  const here = session.state.vcpus.filter((v) => symbols.some((s) => (v.linearEip >>> 0) === s.runtime)).map((v) => `vCPU ${v.index}`);
  if (here.length > 0) lines.push(`- ${here.join(', ')} ${here.length > 1 ? 'are' : 'is'} stopped here`);
  return [`**${name}** (ELF symbol table)`, ...lines].join('\n');
}
