/**
 * Linear-to-physical translation by walking the guest's page tables without
 * touching accessed/dirty bits (SDM Vol. 3A 4.3 32-bit paging, 4.4 PAE), so
 * the paravirtual interface can check that a startup EIP is reachable.
 */
import type { PhysicalMemory } from '../memory/physical-memory';

const CR0_PG = 1 << 31;
const CR4_PSE = 1 << 4;
const CR4_PAE = 1 << 5;
const PRESENT = 1;
const PAGE_SIZE_BIT = 1 << 7;

export type Translation = { ok: true; physical: number } | { ok: false; reason: string };

function entryAt(memory: PhysicalMemory, address: number, wide: boolean): { low: number; high: number } | undefined {
  if (!memory.isRam(address)) return undefined;
  return { low: memory.read32(address), high: wide ? memory.read32(address + 4) : 0 };
}

export function translateLinear(memory: PhysicalMemory, cr0: number, cr3: number, cr4: number, linear: number): Translation {
  linear >>>= 0;
  if ((cr0 & CR0_PG) === 0) return { ok: true, physical: linear };
  if ((cr4 & CR4_PAE) !== 0) {
    const pdpte = entryAt(memory, ((cr3 & 0xffffffe0) >>> 0) + (linear >>> 30) * 8, true);
    if (pdpte === undefined || (pdpte.low & PRESENT) === 0) return { ok: false, reason: 'PDPTE not present' };
    if (pdpte.high !== 0) return { ok: false, reason: 'page directory above 4 GiB' };
    const pde = entryAt(memory, ((pdpte.low & 0xfffff000) >>> 0) + ((linear >>> 21) & 0x1ff) * 8, true);
    if (pde === undefined || (pde.low & PRESENT) === 0) return { ok: false, reason: 'PDE not present' };
    if (pde.high !== 0) return { ok: false, reason: 'page above 4 GiB' };
    if ((pde.low & PAGE_SIZE_BIT) !== 0) return { ok: true, physical: (((pde.low & 0xffe00000) | (linear & 0x1fffff)) >>> 0) };
    const pte = entryAt(memory, ((pde.low & 0xfffff000) >>> 0) + ((linear >>> 12) & 0x1ff) * 8, true);
    if (pte === undefined || (pte.low & PRESENT) === 0) return { ok: false, reason: 'PTE not present' };
    if (pte.high !== 0) return { ok: false, reason: 'page above 4 GiB' };
    return { ok: true, physical: (((pte.low & 0xfffff000) | (linear & 0xfff)) >>> 0) };
  }
  const pde = entryAt(memory, ((cr3 & 0xfffff000) >>> 0) + (linear >>> 22) * 4, false);
  if (pde === undefined || (pde.low & PRESENT) === 0) return { ok: false, reason: 'PDE not present' };
  if ((pde.low & PAGE_SIZE_BIT) !== 0 && (cr4 & CR4_PSE) !== 0) {
    // A 4 MiB page; PSE-36 address bits 13-20 would go above 4 GiB, which this machine does not have.
    if ((pde.low & 0x001fe000) !== 0) return { ok: false, reason: 'page above 4 GiB' };
    return { ok: true, physical: (((pde.low & 0xffc00000) | (linear & 0x3fffff)) >>> 0) };
  }
  const pte = entryAt(memory, ((pde.low & 0xfffff000) >>> 0) + ((linear >>> 12) & 0x3ff) * 4, false);
  if (pte === undefined || (pte.low & PRESENT) === 0) return { ok: false, reason: 'PTE not present' };
  return { ok: true, physical: (((pte.low & 0xfffff000) | (linear & 0xfff)) >>> 0) };
}
