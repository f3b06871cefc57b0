/**
 * Linear → physical translation shown step by step (SDM Vol. 3A 4.3 32-bit
 * paging with PSE, 4.4 PAE paging), read from physical memory without side
 * effects (no accessed/dirty bits, no TLB).
 */
import type { PhysicalMemory } from '../emulator/memory/physical-memory';
import { hex } from './hex';

export interface PageWalkStep {
  level: string;
  entryAddress: number;
  entry: string;
  decoded: string;
}

export interface PageWalk {
  linear: number;
  pagingMode: 'none' | '32-bit' | 'pae';
  steps: PageWalkStep[];
  physical?: number;
  fault?: string;
}

function flags(e: number): string {
  const f: string[] = [];
  f.push(e & 1 ? 'P' : 'not present');
  if (e & 2) f.push('RW');
  if (e & 4) f.push('US');
  if (e & 8) f.push('PWT');
  if (e & 0x10) f.push('PCD');
  if (e & 0x20) f.push('A');
  if (e & 0x40) f.push('D');
  if (e & 0x80) f.push('PS');
  if (e & 0x100) f.push('G');
  return f.join(' ');
}

export function pageWalk(memory: PhysicalMemory, cr0: number, cr3: number, cr4: number, linear: number): PageWalk {
  linear >>>= 0;
  if ((cr0 & 0x80000000) === 0) return { linear, pagingMode: 'none', steps: [], physical: linear };
  const steps: PageWalkStep[] = [];
  if (cr4 & 0x20) {
    const pdptAddr = ((cr3 & 0xffffffe0) + ((linear >>> 30) & 3) * 8) >>> 0;
    const pdpte = memory.read32(pdptAddr);
    steps.push({ level: 'PDPTE', entryAddress: pdptAddr, entry: hex(memory.read32(pdptAddr + 4)) + hex(pdpte).slice(2), decoded: flags(pdpte & 0x19) });
    if ((pdpte & 1) === 0) return { linear, pagingMode: 'pae', steps, fault: 'PDPTE not present' };
    const pdAddr = ((pdpte & 0xfffff000) + ((linear >>> 21) & 0x1ff) * 8) >>> 0;
    const pde = memory.read32(pdAddr);
    const pdeHigh = memory.read32(pdAddr + 4);
    steps.push({ level: 'PDE', entryAddress: pdAddr, entry: hex(pdeHigh) + hex(pde).slice(2), decoded: flags(pde) + (pdeHigh & 0x80000000 ? ' XD' : '') });
    if ((pde & 1) === 0) return { linear, pagingMode: 'pae', steps, fault: 'PDE not present' };
    if (pde & 0x80) return { linear, pagingMode: 'pae', steps, physical: ((pde & 0xffe00000) + (linear & 0x1fffff)) >>> 0 };
    const ptAddr = ((pde & 0xfffff000) + ((linear >>> 12) & 0x1ff) * 8) >>> 0;
    const pte = memory.read32(ptAddr);
    const pteHigh = memory.read32(ptAddr + 4);
    steps.push({ level: 'PTE', entryAddress: ptAddr, entry: hex(pteHigh) + hex(pte).slice(2), decoded: flags(pte) + (pteHigh & 0x80000000 ? ' XD' : '') });
    if ((pte & 1) === 0) return { linear, pagingMode: 'pae', steps, fault: 'PTE not present' };
    return { linear, pagingMode: 'pae', steps, physical: ((pte & 0xfffff000) + (linear & 0xfff)) >>> 0 };
  }
  const pdAddr = ((cr3 & 0xfffff000) + (linear >>> 22) * 4) >>> 0;
  const pde = memory.read32(pdAddr);
  steps.push({ level: 'PDE', entryAddress: pdAddr, entry: hex(pde), decoded: flags(pde) });
  if ((pde & 1) === 0) return { linear, pagingMode: '32-bit', steps, fault: 'PDE not present' };
  if ((pde & 0x80) && (cr4 & 0x10)) return { linear, pagingMode: '32-bit', steps, physical: ((pde & 0xffc00000) + (linear & 0x3fffff)) >>> 0 };
  const ptAddr = ((pde & 0xfffff000) + ((linear >>> 12) & 0x3ff) * 4) >>> 0;
  const pte = memory.read32(ptAddr);
  steps.push({ level: 'PTE', entryAddress: ptAddr, entry: hex(pte), decoded: flags(pte) });
  if ((pte & 1) === 0) return { linear, pagingMode: '32-bit', steps, fault: 'PTE not present' };
  return { linear, pagingMode: '32-bit', steps, physical: ((pte & 0xfffff000) + (linear & 0xfff)) >>> 0 };
}

export function describePageWalk(w: PageWalk): string {
  if (w.pagingMode === 'none') return `paging off: linear ${hex(w.linear)} = physical ${hex(w.linear)}`;
  const parts = w.steps.map((s) => `${s.level}@${hex(s.entryAddress)}=${s.entry} [${s.decoded}]`);
  return `${parts.join(' → ')} → ${w.physical !== undefined ? `physical ${hex(w.physical)}` : `fault: ${w.fault}`}`;
}
