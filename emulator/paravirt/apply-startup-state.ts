/**
 * Put an AP into a validated startup state, with the side effects the
 * equivalent instructions have on the guest's GDT: segment loads set the
 * accessed bit of code and data descriptors (SDM Vol. 3A 3.4.5.1) and LTR
 * marks the TSS descriptor busy (SDM Vol. 3A 7.2.4).
 */
import { DESCRIPTOR_ACCESSED_BIT, TSS_BUSY_BIT } from './descriptors';
import type { ValidatedStartup } from './startup-validation';
import type { CpuState } from '../cpu/cpu-state';
import { Reg } from '../cpu/cpu-state';
import { FLAG_RESERVED_1 } from '../cpu/eflags';
import type { PhysicalMemory } from '../memory/physical-memory';

export function applyStartupState(cpu: CpuState, startup: ValidatedStartup, memory: PhysicalMemory): void {
  const s = startup.state;
  cpu.gpr[Reg.EAX] = s.eax;
  cpu.gpr[Reg.ECX] = s.ecx;
  cpu.gpr[Reg.EDX] = s.edx;
  cpu.gpr[Reg.EBX] = s.ebx;
  cpu.gpr[Reg.ESP] = s.esp;
  cpu.gpr[Reg.EBP] = s.ebp;
  cpu.gpr[Reg.ESI] = s.esi;
  cpu.gpr[Reg.EDI] = s.edi;
  cpu.eip = s.eip >>> 0;
  cpu.eflags = (s.eflags | FLAG_RESERVED_1) >>> 0;
  cpu.cr0 = s.cr0 >>> 0;
  cpu.cr3 = s.cr3 >>> 0;
  cpu.cr4 = s.cr4 >>> 0;
  cpu.efer = s.efer >>> 0;
  cpu.gdtr = { base: s.gdtrBase >>> 0, limit: s.gdtrLimit };
  cpu.idtr = { base: s.idtrBase >>> 0, limit: s.idtrLimit };
  startup.segments.forEach((cache, i) => {
    cpu.segments[i] = { ...cache };
  });
  cpu.ldtr = startup.ldtr === undefined ? { selector: 0, base: 0, limit: 0, attributes: 0, usable: false } : { ...startup.ldtr };
  if (startup.tr !== undefined) cpu.tr = { ...startup.tr };
  cpu.cpl = startup.cpl;
  for (const entry of startup.gdtEntries) {
    const bit = entry.usedBy.includes('tr') ? TSS_BUSY_BIT : entry.usedBy.includes('ldtr') ? 0 : DESCRIPTOR_ACCESSED_BIT;
    const address = (s.gdtrBase + entry.index * 8 + 4) >>> 0;
    const high = memory.read32(address);
    if (bit !== 0 && (high & bit) === 0) memory.write32(address, (high | bit) >>> 0);
  }
  cpu.activity = 'running';
}
