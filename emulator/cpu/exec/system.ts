/**
 * System instructions (SDM Vol. 3A 2.8): descriptor-table registers, control
 * and debug registers, LLDT/LTR, LAR/LSL/VERR/VERW/ARPL, CPUID, MSRs, TSC,
 * SYSENTER/SYSEXIT, VMCALL, UD2. Privileged forms raise #GP(0) at CPL > 0.
 */
import type { Cpu } from '../cpu';
import type { DecodedInstruction } from '../decoded-instruction';
import { Reg } from '../cpu-state';
import { cpuidLeaf } from '../cpuid';
import { FLAG_IF, FLAG_RF, FLAG_VM } from '../eflags';
import { Vector } from '../faults';
import { SegmentRegister } from '../segment-cache';
import { controlRegisterWriteValid } from '../control-registers';
import { readMsr, writeMsr } from '../msr';
import { loadLdt, loadTaskRegister } from '../task-switch';
import { leftVirtual8086Mode } from '../virtual-8086';
import {
  descriptorDpl, descriptorIsCodeData, descriptorLimit, descriptorPresent, descriptorType, readDescriptor, type DescriptorScratch,
} from '../segmentation';

function requireCpl0(cpu: Cpu): void {
  if (cpu.protectedMode && cpu.state.cpl !== 0) cpu.gp(0);
  if (cpu.state.eflags & FLAG_VM) cpu.gp(0);
}
function requireProtected(cpu: Cpu): void {
  if (!cpu.protectedMode) cpu.ud();
}

// --- 0F 01 group 7 ---
/** SGDT / SIDT: 16-bit limit then 32-bit base (the top base byte is 0 with 16-bit operand size on old CPUs; stored in full here). */
export function storeTableRegister(cpu: Cpu, insn: DecodedInstruction): void {
  const t = insn.reg === 0 ? cpu.state.gdtr : cpu.state.idtr;
  const off = cpu.ea(insn);
  const next = insn.addrSize === 32 ? (off + 2) >>> 0 : (off + 2) & 0xffff;
  cpu.write16(insn.segment, off, t.limit);
  cpu.write32(insn.segment, next, t.base);
}
/** LGDT / LIDT: with 16-bit operand size only 24 bits of base are loaded (SDM LGDT). */
export function loadTableRegister(cpu: Cpu, insn: DecodedInstruction): void {
  requireCpl0(cpu);
  const off = cpu.ea(insn);
  const next = insn.addrSize === 32 ? (off + 2) >>> 0 : (off + 2) & 0xffff;
  const limit = cpu.read16(insn.segment, off);
  let base = cpu.read32(insn.segment, next);
  if (insn.opSize === 16) base &= 0xffffff;
  const t = insn.reg === 2 ? cpu.state.gdtr : cpu.state.idtr;
  t.limit = limit;
  t.base = base >>> 0;
}
/** SMSW: low 16 bits of CR0 (register destinations get the full CR0 with 32-bit operand size). */
export function smsw(cpu: Cpu, insn: DecodedInstruction): void {
  if (insn.isMemory) cpu.write16(insn.segment, cpu.ea(insn), cpu.state.cr0);
  else cpu.setReg(insn.rm, insn.opSize, cpu.state.cr0);
}
/** LMSW: loads PE MP EM TS; cannot clear PE (SDM LMSW). */
export function lmsw(cpu: Cpu, insn: DecodedInstruction): void {
  requireCpl0(cpu);
  const v = cpu.readE(insn, 16);
  const cr0 = cpu.state.cr0;
  const next = (cr0 & ~0xe) | (v & 0xf) | (cr0 & 1);
  cpu.writeControlRegister(0, next >>> 0);
}
export function invlpg(cpu: Cpu, insn: DecodedInstruction): void {
  requireCpl0(cpu);
  const lin = (cpu.segBase[insn.segment] + cpu.ea(insn)) >>> 0;
  cpu.mmu.invalidatePage(lin);
  cpu.pagingChanged();
}
/** 0F 01 C1: VMCALL — a hypercall to the platform; #UD when there is none. */
export function vmcall(cpu: Cpu): void {
  const hook = cpu.platform.hypercall;
  if (hook === undefined) cpu.ud();
  hook(cpu);
}

// --- 0F 00 group 6 ---
export function sldt(cpu: Cpu, insn: DecodedInstruction): void {
  requireProtected(cpu);
  storeSelector(cpu, insn, cpu.state.ldtr.selector);
}
export function str(cpu: Cpu, insn: DecodedInstruction): void {
  requireProtected(cpu);
  storeSelector(cpu, insn, cpu.state.tr.selector);
}
function storeSelector(cpu: Cpu, insn: DecodedInstruction, sel: number): void {
  if (insn.isMemory) cpu.write16(insn.segment, cpu.ea(insn), sel);
  else cpu.setReg(insn.rm, insn.opSize, sel);
}
export function lldt(cpu: Cpu, insn: DecodedInstruction): void {
  requireProtected(cpu);
  requireCpl0(cpu);
  loadLdt(cpu, cpu.readE(insn, 16));
}
export function ltr(cpu: Cpu, insn: DecodedInstruction): void {
  requireProtected(cpu);
  requireCpl0(cpu);
  loadTaskRegister(cpu, cpu.readE(insn, 16));
}

const probe: DescriptorScratch = { low: 0, high: 0, address: 0 };

/** Shared visibility rule of LAR/LSL/VERR/VERW: readable descriptor, DPL >= CPL and RPL unless conforming code. */
function visibleDescriptor(cpu: Cpu, selector: number, systemTypesOk: (type: number) => boolean): boolean {
  if ((selector & 0xfffc) === 0) return false;
  if (!readDescriptor(cpu, selector, probe)) return false;
  const type = descriptorType(probe.high);
  if (!descriptorIsCodeData(probe.high)) {
    if (!systemTypesOk(type)) return false;
  } else if ((type & 0xc) === 0xc) return true; // conforming code: no privilege check
  const dpl = descriptorDpl(probe.high);
  return dpl >= cpu.state.cpl && dpl >= (selector & 3);
}
/** 0F 02: LAR Gv,Ew. */
export function lar(cpu: Cpu, insn: DecodedInstruction): void {
  requireProtected(cpu);
  const sel = cpu.readE(insn, 16);
  if (visibleDescriptor(cpu, sel, (t) => [1, 2, 3, 4, 5, 9, 0xb, 0xc].includes(t))) {
    cpu.setReg(insn.reg, insn.opSize, (probe.high & 0x00f0ff00) >>> 0);
    cpu.state.eflags |= 0x40;
  } else cpu.state.eflags &= ~0x40;
}
/** 0F 03: LSL Gv,Ew. */
export function lsl(cpu: Cpu, insn: DecodedInstruction): void {
  requireProtected(cpu);
  const sel = cpu.readE(insn, 16);
  if (visibleDescriptor(cpu, sel, (t) => [1, 2, 3, 9, 0xb].includes(t))) {
    cpu.setReg(insn.reg, insn.opSize, descriptorLimit(probe.low, probe.high));
    cpu.state.eflags |= 0x40;
  } else cpu.state.eflags &= ~0x40;
}
/** 0F 00 /4 VERR, /5 VERW. */
export function verify(cpu: Cpu, insn: DecodedInstruction): void {
  requireProtected(cpu);
  const sel = cpu.readE(insn, 16);
  const write = insn.reg === 5;
  let ok = visibleDescriptor(cpu, sel, () => false);
  if (ok) {
    const type = descriptorType(probe.high);
    ok = write ? (type & 0xa) === 0x2 : (type & 0xa) !== 0x8;
  }
  if (ok) cpu.state.eflags |= 0x40;
  else cpu.state.eflags &= ~0x40;
}
/** 63: ARPL Ew,Gw (#UD in real mode). */
export function arpl(cpu: Cpu, insn: DecodedInstruction): void {
  requireProtected(cpu);
  const dest = cpu.readE(insn, 16);
  const src = cpu.getReg(insn.reg, 16);
  if ((dest & 3) < (src & 3)) {
    cpu.writeE(insn, 16, (dest & ~3) | (src & 3));
    cpu.state.eflags |= 0x40;
  } else cpu.state.eflags &= ~0x40;
}

// --- control / debug registers ---
/** 0F 20: MOV r32, CRn. */
export function movFromCr(cpu: Cpu, insn: DecodedInstruction): void {
  requireCpl0(cpu);
  const st = cpu.state;
  let v: number;
  switch (insn.reg) {
    case 0: v = st.cr0; break;
    case 2: v = st.cr2; break;
    case 3: v = st.cr3; break;
    case 4: v = st.cr4; break;
    default: cpu.ud();
  }
  cpu.gpr[insn.rm] = v;
}
/** 0F 22: MOV CRn, r32 (SDM MOV—Move to/from Control Registers). */
export function movToCr(cpu: Cpu, insn: DecodedInstruction): void {
  requireCpl0(cpu);
  const n = insn.reg;
  if (n !== 0 && n !== 2 && n !== 3 && n !== 4) cpu.ud();
  const v = cpu.gpr[insn.rm];
  if (!controlRegisterWriteValid(cpu, n, v)) cpu.gp(0);
  cpu.writeControlRegister(n, v);
}
/** 0F 21: MOV r32, DRn (DR4/5 alias DR6/7 unless CR4.DE; then #UD). */
export function movFromDr(cpu: Cpu, insn: DecodedInstruction): void {
  requireCpl0(cpu);
  cpu.gpr[insn.rm] = cpu.state.dr[debugRegisterIndex(cpu, insn.reg)];
}
export function movToDr(cpu: Cpu, insn: DecodedInstruction): void {
  requireCpl0(cpu);
  const n = debugRegisterIndex(cpu, insn.reg);
  let v = cpu.gpr[insn.rm];
  if (n === 6) v = (v | 0xffff0ff0) >>> 0;
  if (n === 7) v = ((v | 0x400) & ~0xd000) >>> 0;
  cpu.state.dr[n] = v;
  cpu.updateSlowChecks();
}
function debugRegisterIndex(cpu: Cpu, n: number): number {
  if (n === 4 || n === 5) {
    if (cpu.state.cr4 & 0x8) cpu.ud();
    return n + 2;
  }
  return n;
}
/** 0F 06: CLTS. */
export function clts(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.writeControlRegister(0, cpu.state.cr0 & ~0x8);
}
/** 0F 08 INVD / 0F 09 WBINVD: no caches are modelled; privileged. */
export function invd(cpu: Cpu): void {
  requireCpl0(cpu);
}

// --- identification, MSRs, time ---
export function cpuid(cpu: Cpu): void {
  const g = cpu.gpr;
  const leaf = g[Reg.EAX];
  const subleaf = g[Reg.ECX];
  let r: [number, number, number, number] | undefined;
  if (leaf >= 0x40000000 && leaf <= 0x400000ff) {
    r = cpu.platform.cpuidHook?.(leaf, subleaf) ?? [0, 0, 0, 0];
  } else r = cpuidLeaf(cpu.cpuid, cpu.config.apicId, leaf, subleaf);
  g[Reg.EAX] = r[0];
  g[Reg.EBX] = r[1];
  g[Reg.ECX] = r[2];
  g[Reg.EDX] = r[3];
}
export function rdmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const v = readMsr(cpu, cpu.gpr[Reg.ECX]);
  if (v === undefined) cpu.gp(0);
  cpu.gpr[Reg.EAX] = Number(v & 0xffffffffn);
  cpu.gpr[Reg.EDX] = Number((v >> 32n) & 0xffffffffn);
}
export function wrmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const v = (BigInt(cpu.gpr[Reg.EDX]) << 32n) | BigInt(cpu.gpr[Reg.EAX]);
  if (!writeMsr(cpu, cpu.gpr[Reg.ECX], v)) cpu.gp(0);
}
/** 0F 31: RDTSC; #GP at CPL > 0 when CR4.TSD. */
export function rdtsc(cpu: Cpu): void {
  if (cpu.state.cr4 & 0x4 && (cpu.protectedMode || cpu.virtual8086) && cpu.state.cpl !== 0) cpu.gp(0);
  const t = cpu.readTsc();
  cpu.gpr[Reg.EAX] = Number(t & 0xffffffffn);
  cpu.gpr[Reg.EDX] = Number((t >> 32n) & 0xffffffffn);
}

/** 0F 34: SYSENTER (SDM Vol. 2 SYSENTER): flat CPL 0 CS/SS from IA32_SYSENTER_CS; allowed in V86 mode, which it leaves. */
export function sysenter(cpu: Cpu): void {
  const st = cpu.state;
  if ((st.cr0 & 1) === 0 || (cpu.sysenterCs & 0xfffc) === 0) cpu.gp(0);
  const oldFlags = st.eflags;
  st.eflags &= ~(FLAG_VM | FLAG_IF | FLAG_RF);
  const cs = st.segments[SegmentRegister.CS];
  cs.selector = cpu.sysenterCs & 0xfffc;
  cs.base = 0;
  cs.limit = 0xffffffff;
  cs.attributes = 0xc09b; // G, D, P, DPL 0, code execute/read accessed
  cs.usable = true;
  const ss = st.segments[SegmentRegister.SS];
  ss.selector = (cpu.sysenterCs + 8) & 0xfffc;
  ss.base = 0;
  ss.limit = 0xffffffff;
  ss.attributes = 0xc093;
  ss.usable = true;
  st.cpl = 0;
  cpu.refreshSegment(SegmentRegister.CS);
  cpu.refreshSegment(SegmentRegister.SS);
  cpu.pagingChanged();
  cpu.gpr[Reg.ESP] = cpu.sysenterEsp;
  st.eip = cpu.sysenterEip;
  if (cpu.virtual8086) leftVirtual8086Mode(cpu, 'SYSENTER', oldFlags);
}
/** 0F 35: SYSEXIT to CPL 3: CS = SYSENTER_CS+16, SS = +24, EIP = EDX, ESP = ECX. */
export function sysexit(cpu: Cpu): void {
  const st = cpu.state;
  if (!cpu.protectedMode || st.cpl !== 0 || (cpu.sysenterCs & 0xfffc) === 0) cpu.gp(0);
  const cs = st.segments[SegmentRegister.CS];
  cs.selector = ((cpu.sysenterCs + 16) & 0xfffc) | 3;
  cs.base = 0;
  cs.limit = 0xffffffff;
  cs.attributes = 0xc0fb;
  cs.usable = true;
  const ss = st.segments[SegmentRegister.SS];
  ss.selector = ((cpu.sysenterCs + 24) & 0xfffc) | 3;
  ss.base = 0;
  ss.limit = 0xffffffff;
  ss.attributes = 0xc0f3;
  ss.usable = true;
  st.cpl = 3;
  cpu.refreshSegment(SegmentRegister.CS);
  cpu.refreshSegment(SegmentRegister.SS);
  cpu.pagingChanged();
  cpu.gpr[Reg.ESP] = cpu.gpr[Reg.ECX];
  st.eip = cpu.gpr[Reg.EDX];
}

/** 0F 0B UD2, 0F B9 UD1, 0F FF UD0: the defined invalid opcodes. */
export function ud2(cpu: Cpu): void {
  cpu.fault(Vector.UD);
}
/** F3 90: PAUSE — a spin-loop hint; ends nothing, costs one instruction. */
export function pause(): void {}
