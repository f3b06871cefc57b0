/**
 * The Disassembly view: instructions around an address as the vCPU sees
 * them (its code size, its linear memory), with symbols and source lines.
 * Going backwards from an address is ambiguous on x86; we decode forward
 * from earlier start points until one lands exactly on the address.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../emulator/cpu/cpu';
import { disassemble, type DisassembledInstruction } from '../emulator/cpu/disassembler';
import type { SymbolBridge } from './symbol-bridge';

function decodeAt(cpu: Cpu, linear: number): DisassembledInstruction {
  return disassemble((i) => {
    const b = cpu.readLinear((linear + i) >>> 0, 1)[0];
    if (b === undefined) throw new RangeError('unmapped');
    return b;
  }, linear, cpu.codeSize, 'intel');
}

/** Addresses of the `count` instructions that end exactly at `target`, or undefined. */
function instructionsBefore(cpu: Cpu, target: number, count: number): number[] | undefined {
  for (let slack = 0; slack < 16; slack++) {
    let at = (target - count * 8 - slack) >>> 0;
    if (at > target) at = 0;
    const seen: number[] = [];
    while (at < target && seen.length < count * 16) {
      seen.push(at);
      at = (at + decodeAt(cpu, at).length) >>> 0;
    }
    if (at === target && seen.length >= count) return seen.slice(seen.length - count);
  }
  return undefined;
}

export function disassembleAround(cpu: Cpu, address: number, instructionOffset: number, count: number, symbols: SymbolBridge): DebugProtocol.DisassembledInstruction[] {
  const out: DebugProtocol.DisassembledInstruction[] = [];
  let start = address >>> 0;
  let pad = 0;
  if (instructionOffset < 0) {
    const before = instructionsBefore(cpu, start, -instructionOffset);
    if (before !== undefined) start = before[0];
    else pad = -instructionOffset;
  } else {
    for (let i = 0; i < instructionOffset; i++) start = (start + decodeAt(cpu, start).length) >>> 0;
  }
  for (let i = 0; i < pad && out.length < count; i++) {
    out.push({ address: `0x${((address - (pad - i)) >>> 0).toString(16).padStart(8, '0')}`, instruction: '??', presentationHint: 'invalid' });
  }
  let at = start;
  let lastLine = '';
  while (out.length < count) {
    const bytesOk = cpu.readLinear(at, 1)[0] !== undefined;
    if (!bytesOk) {
      out.push({ address: `0x${at.toString(16).padStart(8, '0')}`, instruction: '(not mapped)', presentationHint: 'invalid' });
      at = (at + 1) >>> 0;
      continue;
    }
    const d = decodeAt(cpu, at);
    const insn: DebugProtocol.DisassembledInstruction = {
      address: `0x${at.toString(16).padStart(8, '0')}`,
      instructionBytes: d.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' '),
      instruction: d.text + (d.target !== undefined && symbols.symbolize(d.target) !== undefined ? `  <${symbols.symbolize(d.target)}>` : ''),
    };
    const sym = symbols.symbolize(at);
    if (sym !== undefined && !sym.includes('+')) insn.symbol = sym;
    const loc = symbols.lookup(at);
    if (loc?.file !== undefined && loc.line !== undefined) {
      const key = `${loc.file}:${loc.line}`;
      if (key !== lastLine) {
        insn.location = { name: loc.file.split('/').pop(), path: loc.file };
        insn.line = loc.line;
        lastLine = key;
      }
    }
    if (!d.valid) insn.presentationHint = 'invalid';
    out.push(insn);
    at = (at + d.length) >>> 0;
  }
  return out;
}
