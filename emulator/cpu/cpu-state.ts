/**
 * Architectural state of one x86 processor as plain typed data. Everything
 * the debugger shows and the loaders set lives here; behaviour lives in
 * functions that operate on it. EFLAGS is always materialized (the ALU
 * writes status flags eagerly), so readers never need an accessor.
 */
import type { ActivityState } from './activity-state';
import type { SegmentCache } from './segment-cache';
import { realModeSegment } from './segment-cache';

/** General registers in ModRM/opcode encoding order (SDM Vol. 2 Table 3-1). */
export const enum Reg {
  EAX = 0,
  ECX = 1,
  EDX = 2,
  EBX = 3,
  ESP = 4,
  EBP = 5,
  ESI = 6,
  EDI = 7,
}

export const GPR_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

/** GDTR / IDTR (SDM Vol. 3A 2.4.1): 32-bit base, 16-bit limit. */
export interface TableRegister {
  base: number;
  limit: number;
}

/**
 * x87 FPU state (SDM Vol. 1 8.1, Figure 8-1) as plain typed data. The eight
 * data registers are physical registers R0-R7 (ST(i) is R((TOP+i) mod 8)),
 * each a sign/exponent word and a 64-bit significand in two 32-bit halves.
 */
export interface X87State {
  controlWord: number;
  /** Status word including TOP (bits 11-13), condition codes and exception flags. */
  statusWord: number;
  /** Full tag word, two bits per physical register (00 valid, 01 zero, 10 special, 11 empty), kept equal to the contents. */
  tagWord: number;
  /** R0-R7 bits 79-64: sign (bit 15) and biased exponent. */
  signExp: Uint16Array;
  /** R0-R7 significand bits 63-32 (bit 31 = J, the integer bit). */
  mantHi: Uint32Array;
  /** R0-R7 significand bits 31-0. */
  mantLo: Uint32Array;
  /** Last instruction opcode: the low 11 bits of the first two opcode bytes (SDM Vol. 1 8.1.9). */
  fop: number;
  /** Last non-control instruction pointer: CS selector and offset (real mode: the linear address, split by FSTENV). */
  fcs: number;
  fip: number;
  /** Last memory operand: segment selector and offset. */
  fds: number;
  fdp: number;
}

export interface CpuState {
  /** EAX..EDI in encoding order, each 0..2^32-1. */
  gpr: Uint32Array;
  eip: number;
  eflags: number;
  /** ES, CS, SS, DS, FS, GS in SegmentRegister order, with their hidden descriptor caches. */
  segments: SegmentCache[];
  ldtr: SegmentCache;
  tr: SegmentCache;
  gdtr: TableRegister;
  idtr: TableRegister;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  /** IA32_EFER (MSR 0xC0000080), low 32 bits (the high half is reserved). */
  efer: number;
  /** DR0..DR7 (DR4/DR5 alias DR6/DR7 when CR4.DE=0). */
  dr: Uint32Array;
  /** Current privilege level (SDM Vol. 3A 5.5: CS.RPL after a far transfer; kept explicitly). */
  cpl: number;
  x87: X87State;
  activity: ActivityState;
}

/**
 * State after power-up or INIT (SDM Vol. 3A 9.1.1, Table 9-1): CS selector
 * F000 with base FFFF0000 so the first fetch is at FFFFFFF0, EIP FFF0,
 * CR0 = 60000010, EFLAGS = 2, EDX = processor signature.
 */
export function createResetState(processorSignature: number): CpuState {
  const segments = [0, 0, 0, 0, 0, 0].map(() => realModeSegment(0));
  segments[1] = { selector: 0xf000, base: 0xffff0000, limit: 0xffff, attributes: 0x9b, usable: true };
  for (const s of segments) if (s !== segments[1]) s.attributes = 0x93;
  const gpr = new Uint32Array(8);
  gpr[Reg.EDX] = processorSignature >>> 0;
  return {
    gpr,
    eip: 0xfff0,
    eflags: 0x2,
    segments,
    ldtr: { selector: 0, base: 0, limit: 0xffff, attributes: 0x82, usable: true },
    tr: { selector: 0, base: 0, limit: 0xffff, attributes: 0x8b, usable: true },
    gdtr: { base: 0, limit: 0xffff },
    idtr: { base: 0, limit: 0xffff },
    cr0: 0x60000010,
    cr2: 0,
    cr3: 0,
    cr4: 0,
    efer: 0,
    dr: Uint32Array.of(0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400),
    cpl: 0,
    x87: createX87PowerUpState(),
    activity: 'running',
  };
}

/**
 * x87 state after power-up (SDM Vol. 3A Table 9-1: FCW 0040H, FSW 0, FTW
 * 5555H, data registers +0.0, pointers 0). INIT leaves it unchanged.
 */
export function createX87PowerUpState(): X87State {
  return {
    controlWord: 0x40,
    statusWord: 0,
    tagWord: 0x5555,
    signExp: new Uint16Array(8),
    mantHi: new Uint32Array(8),
    mantLo: new Uint32Array(8),
    fop: 0,
    fcs: 0,
    fip: 0,
    fds: 0,
    fdp: 0,
  };
}
