/**
 * `bringup/currentLines`: the source line each vCPU is executing, for
 * inline decorations. The nearest ELF symbol at or below the vCPU's linear
 * EIP gives a label; the emulator's decoder walks the section bytes from the
 * label to EIP, and as many instruction lines are counted in the source.
 */
import { DecodedInstruction } from '../../emulator/cpu/decoded-instruction';
import { decodeInstruction } from '../../emulator/cpu/decoder';
import type { IndexedFile } from '../index/workspace-index';
import { bitsAt } from '../index/workspace-index';
import type { DebugSession, ResolvedSymbol } from './debug-state';

export interface CurrentLine {
  vcpu: number;
  line: number;
  /** False when only the enclosing label's line could be found. */
  exact: boolean;
}

/** Number of instructions between the symbol and eip, or undefined when they do not decode to eip exactly. */
function instructionsBetween(sym: ResolvedSymbol, eip: number, bits: 16 | 32): number | undefined {
  const start = sym.sectionOffset + (sym.link - sym.sectionAddr);
  let address = sym.runtime;
  let count = 0;
  const insn = new DecodedInstruction();
  while (address < eip && count < 10000) {
    const base = start + (address - sym.runtime);
    if (base >= sym.sectionOffset + sym.sectionSize) return undefined;
    try {
      if (!decodeInstruction(insn, (i) => sym.elf.bytes[base + i] ?? 0, bits)) return undefined;
    } catch {
      return undefined;
    }
    address += insn.length;
    count++;
  }
  return address === eip ? count : undefined;
}

export function currentLines(file: IndexedFile, session: DebugSession): CurrentLine[] {
  if (!session.state.stopped) return [];
  const defs = new Map(file.parsed.defs.filter((d) => (d.kind === 'label' || d.kind === 'local') && !d.inMacro).map((d) => [d.name, d]));
  const symbols = session.allSymbols().filter((s) => defs.has(s.name));
  const out: CurrentLine[] = [];
  for (const vcpu of session.state.vcpus) {
    const eip = vcpu.linearEip >>> 0;
    let best: ResolvedSymbol | undefined;
    for (const s of symbols) if (s.runtime <= eip && (best === undefined || s.runtime > best.runtime)) best = s;
    if (best === undefined) continue;
    const def = defs.get(best.name);
    if (def === undefined) continue;
    const instructions = file.parsed.instructions.filter((i) => !i.inMacro && i.line >= def.span.line);
    const bits = bitsAt(file.parsed, file.initialBits, def.span.line);
    const n = bits === 64 ? undefined : instructionsBetween(best, eip, bits);
    // Only count when no macro invocation or data sits between label and target (they expand to unknown sizes).
    const target = n === undefined ? undefined : instructions[n];
    const between = (line: number): boolean => target !== undefined && line > def.span.line && line < target.line;
    const blocked = file.parsed.refs.some((r) => r.viaMacro && between(r.span.line)) || file.parsed.data.some((d) => between(d.line));
    if (target !== undefined && !blocked) out.push({ vcpu: vcpu.index, line: target.line, exact: true });
    else out.push({ vcpu: vcpu.index, line: instructions[0]?.line ?? def.span.line, exact: eip === best.runtime });
  }
  return out;
}
