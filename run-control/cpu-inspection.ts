/**
 * Questions about one vCPU's system state that every front end asks (the
 * DAP adapter's scopes and requests, the GDB stub's monitor commands and
 * thread info): its operating mode, and descriptor-table entries read
 * through its own linear address translation.
 */
import type { Cpu } from '../emulator/cpu/cpu';

export function cpuMode(cpu: Cpu): 'real' | 'v86' | 'protected' | 'protected+paging' | 'protected+pae' {
  const st = cpu.state;
  if ((st.cr0 & 1) === 0) return 'real';
  if (st.eflags & 0x20000) return 'v86'; // virtual-8086 mode (SDM Vol. 3B ch. 20)
  if ((st.cr0 & 0x80000000) === 0) return 'protected';
  return st.cr4 & 0x20 ? 'protected+pae' : 'protected+paging';
}

/** Entries of a descriptor table as the vCPU sees it (linear base, limit). */
export function tableEntries(cpu: Cpu, base: number, limit: number, idt: boolean, max = 256): { index: number; low: number; high: number; address: number }[] {
  const out: { index: number; low: number; high: number; address: number }[] = [];
  const count = Math.min(max, Math.floor(((limit >>> 0) + 1) / 8));
  for (let i = 0; i < count; i++) {
    const address = (base + i * 8) >>> 0;
    const bytes = cpu.readLinear(address, 8);
    if (bytes.some((b) => b === undefined)) break;
    out.push({
      index: i,
      low: (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0,
      high: (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0,
      address,
    });
  }
  void idt;
  return out;
}
