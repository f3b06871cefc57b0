/**
 * Every register a debugger can name, read and written on one vCPU, by
 * the names GDB's i386 description and our system feature use (eax..gs,
 * st0-7, fctrl.., xmm0-7, mxcsr, cr0..efer, gdtr_base.., the descriptor
 * caches as es_base/es_limit/es_attr..). Values are unsigned integers
 * (80-bit x87 registers as bigints: sign/exponent << 64 | significand).
 *
 * Writes keep the vCPU's derived state consistent (segment bounds, paging,
 * code size) the way the adapter's Registers scope does, and refuse what
 * cannot be set honestly, with the reason.
 */
import type { Cpu } from '../emulator/cpu/cpu';
import { GPR_NAMES } from '../emulator/cpu/cpu-state';
import { phys, readPhys, writePhys } from '../emulator/cpu/fpu/x87-state';
import type { SegmentCache } from '../emulator/cpu/segment-cache';
import type { LocalApic } from '../emulator/devices/local-apic';

export interface RegisterAccess {
  read(cpu: Cpu, lapic: LocalApic | undefined): bigint;
  /** Returns why the write was refused, or undefined when done. */
  write?(cpu: Cpu, value: bigint): string | undefined;
}

/** gdb's segment order in the core feature (cs ss ds es fs gs) mapped to our ES,CS,SS,DS,FS,GS indexes. */
const SEGMENTS: Record<string, number> = { es: 0, cs: 1, ss: 2, ds: 3, fs: 4, gs: 5 };

/** MXCSR after reset (SDM Vol. 1 10.2.3.1): all exceptions masked. */
const MXCSR_RESET = 0x1f80n;

const u32 = (v: bigint): number => Number(BigInt.asUintN(32, v));

function protectedMode(cpu: Cpu): boolean {
  return (cpu.state.cr0 & 1) !== 0 && (cpu.state.eflags & 0x20000) === 0;
}

function loadSelector(cpu: Cpu, seg: number, selector: number): string | undefined {
  const cache = cpu.state.segments[seg];
  if (!protectedMode(cpu)) {
    // Real and virtual-8086 mode: a segment load sets selector and base = selector × 16 only (SDM Vol. 3A 20.1.1).
    cache.selector = selector;
    cache.base = selector << 4;
    cpu.syncDerivedState();
    return undefined;
  }
  const problem = cpu.loadSegmentFromDescriptorTable(seg, selector);
  cpu.syncDerivedState();
  return problem;
}

function cacheField(get: (cpu: Cpu) => SegmentCache, field: 'selector' | 'base' | 'limit' | 'attributes', mask = 0xffffffff): RegisterAccess {
  return {
    read: (cpu) => BigInt(get(cpu)[field] >>> 0),
    write: (cpu, value) => {
      get(cpu)[field] = (u32(value) & mask) >>> 0;
      cpu.syncDerivedState();
      return undefined;
    },
  };
}

function plain(get: (cpu: Cpu) => number, set?: (cpu: Cpu, v: number) => void): RegisterAccess {
  return {
    read: (cpu) => BigInt(get(cpu) >>> 0),
    write: set === undefined ? undefined : (cpu, value) => {
      set(cpu, u32(value));
      return undefined;
    },
  };
}

function controlRegister(n: 0 | 3 | 4): RegisterAccess {
  return {
    read: (cpu) => BigInt((n === 0 ? cpu.state.cr0 : n === 3 ? cpu.state.cr3 : cpu.state.cr4) >>> 0),
    write: (cpu, value) => {
      cpu.writeControlRegister(n, u32(value));
      cpu.syncDerivedState();
      return undefined;
    },
  };
}

function buildTable(): Map<string, RegisterAccess> {
  const t = new Map<string, RegisterAccess>();
  GPR_NAMES.forEach((name, i) => t.set(name, plain((cpu) => cpu.state.gpr[i], (cpu, v) => (cpu.state.gpr[i] = v))));
  t.set('eip', plain((cpu) => cpu.state.eip, (cpu, v) => (cpu.state.eip = v)));
  t.set('eflags', plain((cpu) => cpu.state.eflags, (cpu, v) => {
    cpu.state.eflags = (v | 2) >>> 0; // bit 1 always reads 1 (SDM Vol. 1 3.4.3)
    cpu.syncDerivedState();
  }));
  for (const [name, seg] of Object.entries(SEGMENTS)) {
    t.set(name, { read: (cpu) => BigInt(cpu.state.segments[seg].selector), write: (cpu, v) => loadSelector(cpu, seg, u32(v) & 0xffff) });
    t.set(`${name}_base`, cacheField((cpu) => cpu.state.segments[seg], 'base'));
    t.set(`${name}_limit`, cacheField((cpu) => cpu.state.segments[seg], 'limit'));
    t.set(`${name}_attr`, cacheField((cpu) => cpu.state.segments[seg], 'attributes', 0xf0ff));
  }
  for (let i = 0; i < 8; i++) {
    t.set(`st${i}`, {
      read: (cpu) => {
        const x = cpu.state.x87;
        const v = readPhys(x, phys(x, i));
        return (BigInt((v.sign << 15) | v.exp) << 64n) | v.mant;
      },
      write: (cpu, value) => {
        const x = cpu.state.x87;
        const se = Number((value >> 64n) & 0xffffn);
        writePhys(x, phys(x, i), { sign: se >> 15, exp: se & 0x7fff, mant: value & 0xffffffffffffffffn });
        return undefined;
      },
    });
  }
  t.set('fctrl', plain((cpu) => cpu.state.x87.controlWord, (cpu, v) => (cpu.state.x87.controlWord = v & 0xffff)));
  t.set('fstat', plain((cpu) => cpu.state.x87.statusWord, (cpu, v) => (cpu.state.x87.statusWord = v & 0xffff)));
  // The tag word follows the registers' contents (x87-state.ts keeps it so); writing it would break that, so it is read-only.
  t.set('ftag', plain((cpu) => cpu.state.x87.tagWord));
  t.set('fiseg', plain((cpu) => cpu.state.x87.fcs, (cpu, v) => (cpu.state.x87.fcs = v & 0xffff)));
  t.set('fioff', plain((cpu) => cpu.state.x87.fip, (cpu, v) => (cpu.state.x87.fip = v)));
  t.set('foseg', plain((cpu) => cpu.state.x87.fds, (cpu, v) => (cpu.state.x87.fds = v & 0xffff)));
  t.set('fooff', plain((cpu) => cpu.state.x87.fdp, (cpu, v) => (cpu.state.x87.fdp = v)));
  t.set('fop', plain((cpu) => cpu.state.x87.fop, (cpu, v) => (cpu.state.x87.fop = v & 0x7ff)));
  // The emulated processor has no SSE (CPUID.01H:EDX.SSE = 0): the registers read as after reset and cannot be written.
  const noSse = 'the emulated processor has no SSE registers';
  for (let i = 0; i < 8; i++) t.set(`xmm${i}`, { read: () => 0n, write: () => noSse });
  t.set('mxcsr', { read: () => MXCSR_RESET, write: () => noSse });
  t.set('cr0', controlRegister(0));
  t.set('cr2', plain((cpu) => cpu.state.cr2, (cpu, v) => (cpu.state.cr2 = v)));
  t.set('cr3', controlRegister(3));
  t.set('cr4', controlRegister(4));
  // CR8 is the task-priority class in 64-bit mode (SDM Vol. 3A 10.8.6.1): TPR[7:4] of this vCPU's local APIC.
  t.set('cr8', { read: (_cpu, lapic) => BigInt(lapic === undefined ? 0 : (lapic.state.tpr >>> 4) & 0xf), write: () => 'CR8 is read-only here (write the local APIC TPR)' });
  t.set('efer', plain((cpu) => cpu.state.efer, (cpu, v) => {
    cpu.state.efer = v;
    cpu.syncDerivedState();
  }));
  t.set('gdtr_base', plain((cpu) => cpu.state.gdtr.base, (cpu, v) => (cpu.state.gdtr.base = v)));
  t.set('gdtr_limit', plain((cpu) => cpu.state.gdtr.limit, (cpu, v) => (cpu.state.gdtr.limit = v & 0xffff)));
  t.set('idtr_base', plain((cpu) => cpu.state.idtr.base, (cpu, v) => (cpu.state.idtr.base = v)));
  t.set('idtr_limit', plain((cpu) => cpu.state.idtr.limit, (cpu, v) => (cpu.state.idtr.limit = v & 0xffff)));
  for (const name of ['ldtr', 'tr'] as const) {
    t.set(name, cacheField((cpu) => cpu.state[name], 'selector', 0xffff));
    t.set(`${name}_base`, cacheField((cpu) => cpu.state[name], 'base'));
    t.set(`${name}_limit`, cacheField((cpu) => cpu.state[name], 'limit'));
    t.set(`${name}_attr`, cacheField((cpu) => cpu.state[name], 'attributes', 0xf0ff));
  }
  return t;
}

export const REGISTER_ACCESS: ReadonlyMap<string, RegisterAccess> = buildTable();
