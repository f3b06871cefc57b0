/**
 * Control-register writes with their side effects (SDM Vol. 3A 2.5, 4.10.4):
 * MMU/TLB updates, real/protected mode transitions and 'mode-switch' events.
 */
import type { Cpu } from './cpu';
import { FLAG_VM } from './eflags';

const CR0_PE = 1 << 0;
const CR0_MP = 1 << 1;
const CR0_EM = 1 << 2;
const CR0_TS = 1 << 3;
const CR0_ET = 1 << 4;
const CR0_NE = 1 << 5;
const CR0_WP = 1 << 16;
const CR0_AM = 1 << 18;
const CR0_NW = 1 << 29;
const CR0_CD = 1 << 30;
const CR0_PG = 1 << 31;
/** Bits of CR0 that exist on this processor; others read as written-zero. */
export const CR0_WRITABLE = (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG) >>> 0;

/** CR4 bits this core supports: VME(0) PVI(1) TSD(2) DE(3) PSE(4) PAE(5) MCE(6) PGE(7) PCE(8) OSFXSR(9) OSXMMEXCPT(10). */
export const CR4_SUPPORTED = 0x7ff & ~0x3; // VME/PVI are not emulated (virtual-8086.ts): CPUID.VME = 0, setting them is #GP(0)

const CR0_NAMES: ReadonlyArray<readonly [number, string, string, string]> = [
  [CR0_PE, 'PE', 'protected mode', 'real mode'],
  [CR0_PG, 'PG', 'paging on', 'paging off'],
  [CR0_WP, 'WP', 'supervisor writes honour read-only pages', 'supervisor writes ignore read-only pages'],
];
const CR4_NAMES: ReadonlyArray<readonly [number, string, string, string]> = [
  [0x10, 'PSE', '4 MiB pages enabled', '4 MiB pages disabled'],
  [0x20, 'PAE', 'PAE paging', '32-bit paging'],
  [0x80, 'PGE', 'global pages enabled', 'global pages disabled'],
];

/** True when the value is acceptable for MOV CRn (else the caller raises #GP(0)). */
export function controlRegisterWriteValid(cpu: Cpu, n: number, value: number): boolean {
  if (n === 0) {
    if (value & CR0_PG && (value & CR0_PE) === 0) return false; // SDM MOV CR: PG without PE
    if (value & CR0_NW && (value & CR0_CD) === 0) return false;
    return true;
  }
  if (n === 4) return (value & ~CR4_SUPPORTED) === 0;
  void cpu;
  return true;
}

export function writeControlRegister(cpu: Cpu, n: number, value: number): void {
  const st = cpu.state;
  switch (n) {
    case 0: {
      const old = st.cr0;
      value = ((value & CR0_WRITABLE) | CR0_ET) >>> 0; // ET is hardwired to 1 (SDM 2.5)
      st.cr0 = value;
      cpu.mmu.writeCr0(value);
      reportChanges(cpu, 'cr0', old, value, CR0_NAMES);
      if ((old ^ value) & CR0_PE) {
        cpu.protectedMode = (value & CR0_PE) !== 0 && (st.eflags & FLAG_VM) === 0;
        // The descriptor caches are kept (SDM 9.9); only how they are checked changes.
        for (let s = 0; s < 6; s++) cpu.refreshSegment(s);
      }
      cpu.pagingChanged();
      return;
    }
    case 2:
      st.cr2 = value >>> 0;
      return;
    case 3:
      st.cr3 = value >>> 0;
      cpu.mmu.writeCr3(value >>> 0);
      cpu.pagingChanged();
      return;
    case 4: {
      const old = st.cr4;
      st.cr4 = value >>> 0;
      cpu.mmu.writeCr4(value >>> 0);
      reportChanges(cpu, 'cr4', old, value >>> 0, CR4_NAMES);
      cpu.pagingChanged();
      return;
    }
    default:
      cpu.internalError(`control register ${n} does not exist`);
  }
}

function reportChanges(cpu: Cpu, register: string, old: number, value: number, names: ReadonlyArray<readonly [number, string, string, string]>): void {
  const changed = (old ^ value) >>> 0;
  if (changed === 0) return;
  const parts: string[] = [];
  for (const [bit, name, on, off] of names) {
    if (changed & bit) parts.push(`${register.toUpperCase()}.${name} ${value & bit ? '0→1' : '1→0'}: ${value & bit ? on : off}`);
  }
  if (parts.length === 0) return;
  cpu.platform.events.emit({ kind: 'mode-switch', cpu: cpu.index, register, oldValue: old >>> 0, newValue: value >>> 0, description: parts.join('; ') });
}
