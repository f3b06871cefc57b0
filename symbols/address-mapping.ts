/**
 * Link-time ↔ run-time addresses of one symbol file: a constant offset for
 * the whole file, and sections mapped to their own run-time address (a
 * trampoline linked in the kernel image but copied to 0x8000 and run there
 * in real mode, where CS:IP is turned into a physical address first).
 */
import type { ElfSection } from './elf/elf-file';

export interface SectionPlacement {
  name: string;
  /** Run-time address of the section's first byte. */
  address: number;
}

interface MappedRange {
  linkLow: number;
  linkHigh: number;
  runLow: number;
}

export class AddressMapping {
  private readonly mapped: MappedRange[] = [];

  /**
   * `addressBits` 32: addresses wrap modulo 2^32 as the CPU's do, so an
   * offset of -0xC0000000 (or 0x40000000) maps a kernel linked at
   * 0xC1000000 to the physical 0x01000000 it runs at before paging.
   */
  constructor(readonly offset: number, sections: ElfSection[], placements: SectionPlacement[] = [], private readonly addressBits: 32 | 64 = 32) {
    for (const p of placements) {
      const s = sections.find((x) => x.name === p.name);
      if (s === undefined) throw new Error(`section ${p.name} is not in the symbol file`);
      this.mapped.push({ linkLow: s.addr, linkHigh: s.addr + s.size, runLow: p.address });
    }
  }

  /** Run-time address → link-time address. Mapped sections first, then the file offset. */
  toLink(runtime: number): number {
    for (const m of this.mapped) if (runtime >= m.runLow && runtime < m.runLow + (m.linkHigh - m.linkLow)) return m.linkLow + (runtime - m.runLow);
    return this.wrap(runtime - this.offset);
  }

  /** Link-time address → run-time address. */
  toRuntime(link: number): number {
    for (const m of this.mapped) if (link >= m.linkLow && link < m.linkHigh) return m.runLow + (link - m.linkLow);
    return this.wrap(link + this.offset);
  }

  private wrap(address: number): number {
    return this.addressBits === 32 ? address >>> 0 : address;
  }
}
