/**
 * The caller's registers as a BIOS service sees them. When the handler runs,
 * the ROM stub has pushed EAX and EDX (bios-rom.ts) and the INT pushed FLAGS,
 * CS, IP; so EAX, EDX and FLAGS are read from and written back to that stack
 * frame (the stub's POPs and IRET restore them), and the other registers
 * live in the CPU. Results follow the BIOS convention: CF=1 and an error
 * code in AH on failure, set by editing the FLAGS image the IRET pops.
 */
import { TRAP_FRAME_EAX, TRAP_FRAME_EDX, TRAP_FRAME_FLAGS } from './bios-rom';
import { Reg, type CpuState } from '../cpu/cpu-state';
import { FLAG_CF, FLAG_ZF } from '../cpu/eflags';
import { SegmentRegister, realModeSegment } from '../cpu/segment-cache';
import type { PhysicalMemory } from '../memory/physical-memory';

export interface BiosRegisters {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
  esi: number;
  edi: number;
  ebp: number;
  es: number;
  ds: number;
  /** The caller's FLAGS (16 bits) as the IRET will restore them. */
  flags: number;
}

export class BiosCall {
  readonly regs: BiosRegisters;
  private readonly frame: number;

  constructor(
    readonly state: CpuState,
    readonly memory: PhysicalMemory,
  ) {
    const ss = state.segments[SegmentRegister.SS];
    this.frame = (ss.base + (state.gpr[Reg.ESP] & 0xffff)) >>> 0;
    this.regs = {
      eax: memory.read32(this.frame + TRAP_FRAME_EAX),
      edx: memory.read32(this.frame + TRAP_FRAME_EDX),
      flags: memory.read16(this.frame + TRAP_FRAME_FLAGS),
      ebx: state.gpr[Reg.EBX],
      ecx: state.gpr[Reg.ECX],
      esi: state.gpr[Reg.ESI],
      edi: state.gpr[Reg.EDI],
      ebp: state.gpr[Reg.EBP],
      es: state.segments[SegmentRegister.ES].selector,
      ds: state.segments[SegmentRegister.DS].selector,
    };
  }

  get ah(): number {
    return (this.regs.eax >>> 8) & 0xff;
  }
  get al(): number {
    return this.regs.eax & 0xff;
  }
  get ax(): number {
    return this.regs.eax & 0xffff;
  }
  get bx(): number {
    return this.regs.ebx & 0xffff;
  }
  get cx(): number {
    return this.regs.ecx & 0xffff;
  }
  get dx(): number {
    return this.regs.edx & 0xffff;
  }
  get dl(): number {
    return this.regs.edx & 0xff;
  }
  get dh(): number {
    return (this.regs.edx >>> 8) & 0xff;
  }

  set ah(v: number) {
    this.regs.eax = ((this.regs.eax & 0xffff00ff) | ((v & 0xff) << 8)) >>> 0;
  }
  set al(v: number) {
    this.regs.eax = ((this.regs.eax & 0xffffff00) | (v & 0xff)) >>> 0;
  }
  set ax(v: number) {
    this.regs.eax = ((this.regs.eax & 0xffff0000) | (v & 0xffff)) >>> 0;
  }
  set bx(v: number) {
    this.regs.ebx = ((this.regs.ebx & 0xffff0000) | (v & 0xffff)) >>> 0;
  }
  set cx(v: number) {
    this.regs.ecx = ((this.regs.ecx & 0xffff0000) | (v & 0xffff)) >>> 0;
  }
  set dx(v: number) {
    this.regs.edx = ((this.regs.edx & 0xffff0000) | (v & 0xffff)) >>> 0;
  }

  /** Real-mode linear address of seg:offset (the caller's ES or DS base as its descriptor cache holds it). */
  linear(segment: 'es' | 'ds', offset: number): number {
    const cache = this.state.segments[segment === 'es' ? SegmentRegister.ES : SegmentRegister.DS];
    const base = this.regs[segment] === cache.selector ? cache.base : this.regs[segment] << 4;
    return (base + (offset & 0xffff)) >>> 0;
  }

  setCarry(on: boolean): void {
    this.regs.flags = on ? this.regs.flags | FLAG_CF : this.regs.flags & ~FLAG_CF;
  }
  setZero(on: boolean): void {
    this.regs.flags = on ? this.regs.flags | FLAG_ZF : this.regs.flags & ~FLAG_ZF;
  }

  /** Success: CF=0, AH=0. */
  ok(): void {
    this.ah = 0;
    this.setCarry(false);
  }

  /** Failure: CF=1, AH=status. */
  fail(status: number): void {
    this.ah = status;
    this.setCarry(true);
  }

  /** Write the results back: EAX, EDX and FLAGS into the stub's frame, the rest into the CPU. */
  commit(): void {
    const { state, memory, regs } = this;
    memory.write32(this.frame + TRAP_FRAME_EAX, regs.eax);
    memory.write32(this.frame + TRAP_FRAME_EDX, regs.edx);
    memory.write16(this.frame + TRAP_FRAME_FLAGS, regs.flags);
    state.gpr[Reg.EBX] = regs.ebx;
    state.gpr[Reg.ECX] = regs.ecx;
    state.gpr[Reg.ESI] = regs.esi;
    state.gpr[Reg.EDI] = regs.edi;
    state.gpr[Reg.EBP] = regs.ebp;
    if (regs.es !== state.segments[SegmentRegister.ES].selector) state.segments[SegmentRegister.ES] = realModeSegment(regs.es);
    if (regs.ds !== state.segments[SegmentRegister.DS].selector) state.segments[SegmentRegister.DS] = realModeSegment(regs.ds);
  }
}
