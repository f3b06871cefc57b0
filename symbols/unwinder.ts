/**
 * Stack unwinding: from the registers of the innermost frame, each caller's
 * registers by the CFI row for the frame's pc (DWARF 5 section 6.4.4), or,
 * where no FDE covers the pc, by the frame-pointer chain of the i386 and
 * x86-64 ABIs ([ebp] = caller's ebp, [ebp + word] = return address). The
 * caller's stack pointer is the CFA (x86 psABI: the CFA is the stack
 * pointer before the call). Registers without a rule keep their value.
 */
import { evaluateLocation, type EvaluationEnvironment } from './dwarf/location-expression';
import { frameRowAt, type FrameTable, type RegisterRule } from './dwarf/call-frame';

/** DWARF register numbers of the i386 and x86-64 psABIs. */
export const I386_REGISTERS = { eax: 0, ecx: 1, edx: 2, ebx: 3, esp: 4, ebp: 5, esi: 6, edi: 7, eip: 8 } as const;
export const X86_64_REGISTERS = { rax: 0, rdx: 1, rcx: 2, rbx: 3, rsi: 4, rdi: 5, rbp: 6, rsp: 7, rip: 16 } as const;

export interface Architecture {
  addressSize: 4 | 8;
  pc: number;
  sp: number;
  fp: number;
}

export const I386: Architecture = { addressSize: 4, pc: 8, sp: 4, fp: 5 };
export const X86_64: Architecture = { addressSize: 8, pc: 16, sp: 7, fp: 6 };

export type RegisterSet = Map<number, number>;

export interface UnwoundFrame {
  pc: number;
  cfa: number | undefined;
  registers: RegisterSet;
  /** How this frame's caller was found. */
  method: 'cfi' | 'frame-pointer' | 'none';
}

export type ReadMemory = (address: number, size: number) => Uint8Array | undefined;

/** Finds the FDE table and link↔run-time mapping for a run-time pc (several symbol files may be loaded). */
export type FrameTableLookup = (runtimePc: number) => { table: FrameTable; toLink(a: number): number } | undefined;

const MAX_FRAMES = 256;

function readWord(readMemory: ReadMemory, address: number, size: number): number | undefined {
  const b = readMemory(address, size);
  if (b === undefined || b.length < size) return undefined;
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + b[i];
  return v;
}

export function unwindStack(arch: Architecture, registers: RegisterSet, readMemory: ReadMemory, lookup: FrameTableLookup, maxFrames = MAX_FRAMES): UnwoundFrame[] {
  const frames: UnwoundFrame[] = [];
  let regs = new Map(registers);
  for (let depth = 0; depth < maxFrames; depth++) {
    const pc = regs.get(arch.pc);
    if (pc === undefined) break;
    const frame: UnwoundFrame = { pc, cfa: undefined, registers: regs, method: 'none' };
    frames.push(frame);
    if (pc === 0) break;
    // A return address points after the call: look up the call instruction itself for caller frames.
    const lookupPc = depth === 0 ? pc : pc - 1;
    const caller = callerByCfi(arch, regs, readMemory, lookup, lookupPc, frame) ?? callerByFramePointer(arch, regs, readMemory, frame);
    if (caller === undefined) break;
    const callerPc = caller.get(arch.pc);
    const callerSp = caller.get(arch.sp);
    const sp = regs.get(arch.sp);
    // Stop on a loop: the stack must grow towards the caller.
    if (callerPc === undefined || callerPc === 0 || (callerSp !== undefined && sp !== undefined && callerSp <= sp && callerPc === pc)) break;
    if (callerSp !== undefined && sp !== undefined && callerSp < sp) break;
    if (arch.addressSize === 4) for (const [k, v] of caller) caller.set(k, v >>> 0);
    regs = caller;
  }
  return frames;
}

function callerByCfi(arch: Architecture, regs: RegisterSet, readMemory: ReadMemory, lookup: FrameTableLookup, pc: number, frame: UnwoundFrame): RegisterSet | undefined {
  const found = lookup(pc);
  if (found === undefined) return undefined;
  const fde = found.table.find(found.toLink(pc));
  if (fde === undefined) return undefined;
  const row = frameRowAt(fde, found.toLink(pc));
  const env: EvaluationEnvironment = { readRegister: (n) => regs.get(n), readMemory };
  let cfa: number | undefined;
  if (row.cfa.kind === 'registerOffset') {
    const base = regs.get(row.cfa.register);
    cfa = base === undefined ? undefined : base + row.cfa.offset;
  } else {
    const r = evaluateLocation(row.cfa.expression, env, { addressSize: arch.addressSize });
    cfa = r.kind === 'memory' ? r.address : undefined;
  }
  if (cfa === undefined) return undefined;
  frame.cfa = cfa;
  frame.method = 'cfi';
  const caller: RegisterSet = new Map();
  for (const [reg, value] of regs) if (reg !== arch.pc) caller.set(reg, value);
  caller.set(arch.sp, cfa);
  for (const [reg, rule] of row.registers) {
    const v = applyRule(rule, reg, cfa, regs, readMemory, arch);
    if (v === undefined) caller.delete(reg);
    else caller.set(reg, v);
  }
  const ra = row.registers.get(fde.cie.returnAddressRegister);
  const returnAddress = ra === undefined ? undefined : applyRule(ra, fde.cie.returnAddressRegister, cfa, regs, readMemory, arch);
  if (returnAddress === undefined) return undefined; // undefined RA: the outermost frame (6.4.4)
  caller.set(arch.pc, returnAddress);
  return caller;
}

function applyRule(rule: RegisterRule, reg: number, cfa: number, regs: RegisterSet, readMemory: ReadMemory, arch: Architecture): number | undefined {
  const env: EvaluationEnvironment = { readRegister: (n) => regs.get(n), readMemory, cfa };
  switch (rule.kind) {
    case 'undefined': return undefined;
    case 'sameValue': return regs.get(reg);
    case 'offset': return readWord(readMemory, cfa + rule.offset, arch.addressSize);
    case 'valOffset': return cfa + rule.offset;
    case 'register': return regs.get(rule.register);
    case 'expression': {
      // 6.4.1: the CFA is pushed before the expression runs; the result is an address.
      const r = evaluateLocation(withCfaPushed(rule.expression), env, { addressSize: arch.addressSize });
      return r.kind === 'memory' ? readWord(readMemory, r.address, arch.addressSize) : undefined;
    }
    case 'valExpression': {
      const r = evaluateLocation(withCfaPushed(rule.expression), env, { addressSize: arch.addressSize });
      return r.kind === 'memory' ? r.address : r.kind === 'value' ? Number(r.value) : undefined;
    }
  }
}

/** DW_OP_call_frame_cfa followed by the expression: the same as starting with the CFA on the stack. */
function withCfaPushed(expression: Uint8Array): Uint8Array {
  const out = new Uint8Array(expression.length + 1);
  out[0] = 0x9c;
  out.set(expression, 1);
  return out;
}

function callerByFramePointer(arch: Architecture, regs: RegisterSet, readMemory: ReadMemory, frame: UnwoundFrame): RegisterSet | undefined {
  const fp = regs.get(arch.fp);
  if (fp === undefined || fp === 0) return undefined;
  const savedFp = readWord(readMemory, fp, arch.addressSize);
  const returnAddress = readWord(readMemory, fp + arch.addressSize, arch.addressSize);
  if (savedFp === undefined || returnAddress === undefined) return undefined;
  const cfa = fp + 2 * arch.addressSize;
  frame.cfa = cfa;
  frame.method = 'frame-pointer';
  const caller: RegisterSet = new Map(regs);
  caller.set(arch.fp, savedFp);
  caller.set(arch.sp, cfa);
  caller.set(arch.pc, returnAddress);
  return caller;
}
