/**
 * Specialised handlers for the hottest instruction forms, chosen once per
 * decoded instruction (`specialize`) so the per-execution path does not
 * branch on operand size, register-vs-memory or the ALU operation. Each one
 * does exactly what the generic handler in arith.ts / data.ts / control.ts
 * does for that form (same faults, same flags, same order of effects); the
 * generic handlers remain the reference and handle everything else.
 */
import type { Cpu } from '../cpu';
import type { DecodedInstruction } from '../decoded-instruction';
import type { Handler } from '../opcode-table-types';
import { Reg } from '../cpu-state';

const CF = 0x1, PF = 0x4, ZF = 0x40, SF = 0x80, OF = 0x800;

// ---------------------------------------------------------------------------
// Jcc with a 32-bit operand size (target = EIP + disp, no 16-bit wrap).
// ---------------------------------------------------------------------------

function branch32(cpu: Cpu, insn: DecodedInstruction): void {
  const st = cpu.state;
  const target = (st.eip + insn.imm) >>> 0;
  if (target > cpu.csLimit) cpu.gp(0);
  st.eip = target;
}
const lessThan = (f: number): boolean => ((f & SF) !== 0) !== ((f & OF) !== 0);
const JCC32: Handler[] = [
  (cpu, insn) => { if ((cpu.state.eflags & OF) !== 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & OF) === 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & CF) !== 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & CF) === 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & ZF) !== 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & ZF) === 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & (CF | ZF)) !== 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & (CF | ZF)) === 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & SF) !== 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & SF) === 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & PF) !== 0) branch32(cpu, insn); },
  (cpu, insn) => { if ((cpu.state.eflags & PF) === 0) branch32(cpu, insn); },
  (cpu, insn) => { if (lessThan(cpu.state.eflags)) branch32(cpu, insn); },
  (cpu, insn) => { if (!lessThan(cpu.state.eflags)) branch32(cpu, insn); },
  (cpu, insn) => { const f = cpu.state.eflags; if ((f & ZF) !== 0 || lessThan(f)) branch32(cpu, insn); },
  (cpu, insn) => { const f = cpu.state.eflags; if (!((f & ZF) !== 0 || lessThan(f))) branch32(cpu, insn); },
];

// ---------------------------------------------------------------------------
// 32-bit register forms. `insn.r1` is the destination register, `insn.r2`
// the source register (reg-reg forms).
// ---------------------------------------------------------------------------

function inc32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.inc32(g[insn.r1]);
  st.eflags = alu.flags;
}
function dec32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.dec32(g[insn.r1]);
  st.eflags = alu.flags;
}
function movRegImm32(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.gpr[insn.r1] = insn.imm;
}
function movRegReg32(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  g[insn.r1] = g[insn.r2];
}

// ALU reg, imm (group 1 with a register operand, and eAX,Iz).
function addRI32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.add32(g[insn.r1], insn.imm);
  st.eflags = alu.flags;
}
function orRI32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] | insn.imm);
  st.eflags = alu.flags;
}
function andRI32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] & insn.imm);
  st.eflags = alu.flags;
}
function subRI32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.sub32(g[insn.r1], insn.imm);
  st.eflags = alu.flags;
}
function xorRI32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] ^ insn.imm);
  st.eflags = alu.flags;
}
function cmpRI32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state;
  alu.flags = st.eflags;
  alu.sub32(cpu.gpr[insn.r1], insn.imm);
  st.eflags = alu.flags;
}
/** Indexed by the ALU operation (ADD OR ADC SBB AND SUB XOR CMP); ADC/SBB stay generic. */
const ALU_RI32: (Handler | undefined)[] = [addRI32, orRI32, undefined, undefined, andRI32, subRI32, xorRI32, cmpRI32];

// ALU reg, reg.
function addRR32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.add32(g[insn.r1], g[insn.r2]);
  st.eflags = alu.flags;
}
function orRR32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] | g[insn.r2]);
  st.eflags = alu.flags;
}
function andRR32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] & g[insn.r2]);
  st.eflags = alu.flags;
}
function subRR32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.sub32(g[insn.r1], g[insn.r2]);
  st.eflags = alu.flags;
}
function xorRR32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] ^ g[insn.r2]);
  st.eflags = alu.flags;
}
function cmpRR32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  alu.sub32(g[insn.r1], g[insn.r2]);
  st.eflags = alu.flags;
}
function testRR32(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  alu.logic32(g[insn.r1] & g[insn.r2]);
  st.eflags = alu.flags;
}
const ALU_RR32: (Handler | undefined)[] = [addRR32, orRR32, undefined, undefined, andRR32, subRR32, xorRR32, cmpRR32];

// Shifts of a 32-bit register (SHL/SAL, SHR, SAR); a masked count of 0 changes nothing.
function shlR32One(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.shl32(g[insn.r1], 1);
  st.eflags = alu.flags;
}
function shrR32One(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.shr32(g[insn.r1], 1);
  st.eflags = alu.flags;
}
function sarR32One(cpu: Cpu, insn: DecodedInstruction): void {
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.sar32(g[insn.r1], 1);
  st.eflags = alu.flags;
}
function shlR32Ib(cpu: Cpu, insn: DecodedInstruction): void {
  const count = insn.imm & 0x1f;
  if (count === 0) return;
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.shl32(g[insn.r1], count);
  st.eflags = alu.flags;
}
function shrR32Ib(cpu: Cpu, insn: DecodedInstruction): void {
  const count = insn.imm & 0x1f;
  if (count === 0) return;
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.shr32(g[insn.r1], count);
  st.eflags = alu.flags;
}
function sarR32Ib(cpu: Cpu, insn: DecodedInstruction): void {
  const count = insn.imm & 0x1f;
  if (count === 0) return;
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.sar32(g[insn.r1], count);
  st.eflags = alu.flags;
}
function shlR32Cl(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  const count = g[Reg.ECX] & 0x1f;
  if (count === 0) return;
  const alu = cpu.alu, st = cpu.state;
  alu.flags = st.eflags;
  g[insn.r1] = alu.shl32(g[insn.r1], count);
  st.eflags = alu.flags;
}
function shrR32Cl(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  const count = g[Reg.ECX] & 0x1f;
  if (count === 0) return;
  const alu = cpu.alu, st = cpu.state;
  alu.flags = st.eflags;
  g[insn.r1] = alu.shr32(g[insn.r1], count);
  st.eflags = alu.flags;
}
function sarR32Cl(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  const count = g[Reg.ECX] & 0x1f;
  if (count === 0) return;
  const alu = cpu.alu, st = cpu.state;
  alu.flags = st.eflags;
  g[insn.r1] = alu.sar32(g[insn.r1], count);
  st.eflags = alu.flags;
}

// ---------------------------------------------------------------------------
// 32-bit loads and stores with a ModRM memory operand.
// ---------------------------------------------------------------------------

/**
 * Aligned dword load / store through the vCPU's cached RAM view of the last
 * data page read / written (Cpu.fastReadPage): the segment fast-path bound
 * is checked as read32/write32 do; anything else (limit check failing,
 * another page, unaligned, watchpoints, MMIO, paging miss) takes the full
 * path, which then refills the view.
 */
function load32(cpu: Cpu, seg: number, off: number): number {
  if (off + 3 <= cpu.segReadMax[seg]) {
    const lin = (cpu.segBase[seg] + off) >>> 0;
    if (lin >>> 12 === cpu.fastReadPage && (lin & 3) === 0) return cpu.fastReadView[cpu.fastReadBase + ((lin & 0xfff) >>> 2)];
  }
  return cpu.read32Fill(seg, off);
}
function store32(cpu: Cpu, seg: number, off: number, v: number): void {
  if (off + 3 <= cpu.segWriteMax[seg]) {
    const lin = (cpu.segBase[seg] + off) >>> 0;
    if (lin >>> 12 === cpu.fastWritePage && (lin & 3) === 0) {
      cpu.fastWriteView[cpu.fastWriteBase + ((lin & 0xfff) >>> 2)] = v;
      const phys = cpu.fastWritePhys;
      const mem = cpu.memory;
      if (mem.codePages[phys] !== 0) mem.pageWriteGeneration[phys]++;
      return;
    }
  }
  cpu.write32Fill(seg, off, v);
}

function movR32Mem(cpu: Cpu, insn: DecodedInstruction): void {
  cpu.gpr[insn.r1] = load32(cpu, insn.segment, cpu.ea(insn));
}
function movMemR32(cpu: Cpu, insn: DecodedInstruction): void {
  store32(cpu, insn.segment, cpu.ea(insn), cpu.gpr[insn.r1]);
}
// The same with a 32-bit [base+disp] address (no index): the EA is base + disp.
function movR32MemBase(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  g[insn.r1] = load32(cpu, insn.segment, (g[insn.base] + insn.disp) >>> 0);
}
function movMemR32Base(cpu: Cpu, insn: DecodedInstruction): void {
  const g = cpu.gpr;
  store32(cpu, insn.segment, (g[insn.base] + insn.disp) >>> 0, g[insn.r1]);
}
function movMemImm32(cpu: Cpu, insn: DecodedInstruction): void {
  store32(cpu, insn.segment, cpu.ea(insn), insn.imm);
}

// ALU reg, [mem] (03/0B/23/2B/33/3B with a memory operand): r1 = reg.
function addRM32(cpu: Cpu, insn: DecodedInstruction): void {
  const v = load32(cpu, insn.segment, cpu.ea(insn));
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.add32(g[insn.r1], v);
  st.eflags = alu.flags;
}
function orRM32(cpu: Cpu, insn: DecodedInstruction): void {
  const v = load32(cpu, insn.segment, cpu.ea(insn));
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] | v);
  st.eflags = alu.flags;
}
function andRM32(cpu: Cpu, insn: DecodedInstruction): void {
  const v = load32(cpu, insn.segment, cpu.ea(insn));
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] & v);
  st.eflags = alu.flags;
}
function subRM32(cpu: Cpu, insn: DecodedInstruction): void {
  const v = load32(cpu, insn.segment, cpu.ea(insn));
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.sub32(g[insn.r1], v);
  st.eflags = alu.flags;
}
function xorRM32(cpu: Cpu, insn: DecodedInstruction): void {
  const v = load32(cpu, insn.segment, cpu.ea(insn));
  const alu = cpu.alu, st = cpu.state, g = cpu.gpr;
  alu.flags = st.eflags;
  g[insn.r1] = alu.logic32(g[insn.r1] ^ v);
  st.eflags = alu.flags;
}
function cmpRM32(cpu: Cpu, insn: DecodedInstruction): void {
  const v = load32(cpu, insn.segment, cpu.ea(insn));
  const alu = cpu.alu, st = cpu.state;
  alu.flags = st.eflags;
  alu.sub32(cpu.gpr[insn.r1], v);
  st.eflags = alu.flags;
}
const ALU_RM32: (Handler | undefined)[] = [addRM32, orRM32, undefined, undefined, andRM32, subRM32, xorRM32, cmpRM32];

/** A 32-bit-address memory operand of the form [base+disp] (no index register). */
function baseDisp32(insn: DecodedInstruction): boolean {
  return insn.addrSize === 32 && insn.base >= 0 && insn.index < 0;
}

/**
 * The handler to run for `insn` (its table handler unless a specialised one
 * applies). Also fills insn.r1 / insn.r2 for the specialised handlers.
 */
export function specialize(insn: DecodedInstruction): Handler {
  const generic = insn.entry.execute;
  if (insn.opSize !== 32 || insn.lock) return generic;
  const op = insn.opcode;
  if (op >= 0x40 && op <= 0x4f) {
    insn.r1 = op & 7;
    return op < 0x48 ? inc32 : dec32;
  }
  if (op >= 0xb8 && op <= 0xbf) {
    insn.r1 = op & 7;
    return movRegImm32;
  }
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) return JCC32[op & 0xf];
  if (op < 0x40 && (op & 7) <= 5 && (op & 7) !== 4 && (op & 7) !== 0 && (op & 7) !== 2) {
    // 01/03/05 forms of the eight ALU operations (32-bit only: 00/02/04 are byte forms).
    const aluOp = (op >> 3) & 7;
    const form = op & 7;
    if (form === 5) {
      const h = ALU_RI32[aluOp];
      if (h === undefined) return generic;
      insn.r1 = Reg.EAX;
      return h;
    }
    if (insn.isMemory) {
      if (form !== 3) return generic;
      const hm = ALU_RM32[aluOp];
      if (hm === undefined) return generic;
      insn.r1 = insn.reg;
      return hm;
    }
    const h = ALU_RR32[aluOp];
    if (h === undefined) return generic;
    if (form === 1) {
      insn.r1 = insn.rm;
      insn.r2 = insn.reg;
    } else {
      insn.r1 = insn.reg;
      insn.r2 = insn.rm;
    }
    return h;
  }
  switch (op) {
    case 0x81:
    case 0x83: {
      if (insn.isMemory) return generic;
      const h = ALU_RI32[insn.reg];
      if (h === undefined) return generic;
      insn.r1 = insn.rm;
      return h;
    }
    case 0x85:
      if (insn.isMemory) return generic;
      insn.r1 = insn.rm;
      insn.r2 = insn.reg;
      return testRR32;
    case 0x89:
      if (insn.isMemory) {
        insn.r1 = insn.reg;
        return baseDisp32(insn) ? movMemR32Base : movMemR32;
      }
      insn.r1 = insn.rm;
      insn.r2 = insn.reg;
      return movRegReg32;
    case 0x8b:
      insn.r1 = insn.reg;
      if (insn.isMemory) return baseDisp32(insn) ? movR32MemBase : movR32Mem;
      insn.r2 = insn.rm;
      return movRegReg32;
    case 0xc7:
      if (!insn.isMemory) {
        insn.r1 = insn.rm;
        return movRegImm32;
      }
      return movMemImm32;
    case 0xc1:
    case 0xd1:
    case 0xd3: {
      if (insn.isMemory) return generic;
      const kind = insn.reg; // 4 SHL, 5 SHR, 6 SAL, 7 SAR
      if (kind < 4) return generic;
      insn.r1 = insn.rm;
      if (op === 0xd1) return kind === 5 ? shrR32One : kind === 7 ? sarR32One : shlR32One;
      if (op === 0xc1) return kind === 5 ? shrR32Ib : kind === 7 ? sarR32Ib : shlR32Ib;
      return kind === 5 ? shrR32Cl : kind === 7 ? sarR32Cl : shlR32Cl;
    }
    default:
      return generic;
  }
}
