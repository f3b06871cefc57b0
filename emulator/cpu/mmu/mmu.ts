/**
 * Interim MMU used by the CPU core until the shared one (emulator/cpu/mmu/)
 * lands; same public shape. 32-bit paging with 4 MiB pages (CR4.PSE) and PAE
 * paging (SDM Vol. 3A 4.3, 4.4), accessed/dirty updates, CR0.WP, EFER.NXE,
 * global pages, and a direct-mapped TLB flushed as SDM 4.10.4 describes.
 */
import type { PhysicalMemory } from '../../memory/physical-memory';

export const enum AccessType {
  Read = 0,
  Write = 1,
  Execute = 2,
}

const TLB_SIZE = 1024;
const CR0_PG = 0x80000000;
const CR0_WP = 0x10000;
const CR4_PSE = 0x10;
const CR4_PAE = 0x20;
const CR4_PGE = 0x80;
const EFER_NXE = 0x800;

/** TLB entry permission bits. */
const T_WRITE = 1;
const T_USER = 2;
const T_DIRTY = 4;
const T_GLOBAL = 8;
const T_NX = 16;

export class Mmu {
  private cr0 = 0;
  private cr3 = 0;
  private cr4 = 0;
  private efer = 0;
  pagingEnabled = false;
  faultErrorCode = 0;
  private readonly tlbTag = new Int32Array(TLB_SIZE).fill(-1);
  private readonly tlbFrame = new Float64Array(TLB_SIZE);
  private readonly tlbBits = new Uint8Array(TLB_SIZE);

  constructor(private readonly memory: PhysicalMemory) {}

  writeCr0(v: number): void {
    const changed = (this.cr0 ^ v) >>> 0;
    this.cr0 = v >>> 0;
    this.pagingEnabled = (v & CR0_PG) !== 0;
    // SDM 4.10.4.1: changing CR0.PG or CR0.WP invalidates all TLB entries.
    if (changed & (CR0_PG | CR0_WP)) this.flushAll();
  }
  writeCr3(v: number): void {
    this.cr3 = v >>> 0;
    // SDM 4.10.4.1: MOV to CR3 invalidates non-global entries.
    this.flushNonGlobal();
  }
  writeCr4(v: number): void {
    const changed = (this.cr4 ^ v) >>> 0;
    this.cr4 = v >>> 0;
    if (changed & (CR4_PSE | CR4_PAE | CR4_PGE)) this.flushAll();
  }
  writeEfer(v: number): void {
    const changed = (this.efer ^ v) >>> 0;
    this.efer = v >>> 0;
    if (changed & EFER_NXE) this.flushAll();
  }
  invalidatePage(linear: number): void {
    const page = linear >>> 12;
    const i = page & (TLB_SIZE - 1);
    if (this.tlbTag[i] === page) this.tlbTag[i] = -1;
    // A 2/4 MiB page is cached under whichever 4 KiB page was used; over-flushing is allowed (SDM 4.10.4.1).
    if (this.cr4 & (CR4_PSE | CR4_PAE)) this.flushAll();
  }
  flushAll(): void {
    this.tlbTag.fill(-1);
  }
  private flushNonGlobal(): void {
    const pge = (this.cr4 & CR4_PGE) !== 0;
    for (let i = 0; i < TLB_SIZE; i++) if (!pge || (this.tlbBits[i] & T_GLOBAL) === 0) this.tlbTag[i] = -1;
  }

  translate(linear: number, access: AccessType, user: boolean): number {
    linear >>>= 0;
    if (!this.pagingEnabled) return linear;
    const page = linear >>> 12;
    const i = page & (TLB_SIZE - 1);
    if (this.tlbTag[i] === page) {
      const bits = this.tlbBits[i];
      if (this.allowed(bits, access, user) && (access !== AccessType.Write || bits & T_DIRTY)) return this.tlbFrame[i] + (linear & 0xfff);
    }
    return this.walk(linear, access, user, true);
  }

  probe(linear: number, access: AccessType, user: boolean): number {
    linear >>>= 0;
    if (!this.pagingEnabled) return linear;
    return this.walk(linear, access, user, false);
  }

  private allowed(bits: number, access: AccessType, user: boolean): boolean {
    if (user && (bits & T_USER) === 0) return false;
    if (access === AccessType.Write && (bits & T_WRITE) === 0 && (user || this.cr0 & CR0_WP)) return false;
    if (access === AccessType.Execute && bits & T_NX) return false;
    return true;
  }

  /** Page walk (SDM 4.3 / 4.4.2). Returns the physical address or -1 with faultErrorCode (SDM 4.7). */
  private walk(linear: number, access: AccessType, user: boolean, update: boolean): number {
    const mem = this.memory;
    const pae = (this.cr4 & CR4_PAE) !== 0;
    let writable = true;
    let usr = true;
    let nx = false;
    let entryAddr: number;
    let entry: number;
    let entryHigh = 0;
    const fault = (present: boolean): number => {
      this.faultErrorCode =
        (present ? 1 : 0) | (access === AccessType.Write ? 2 : 0) | (user ? 4 : 0) | (access === AccessType.Execute && this.efer & EFER_NXE && pae ? 0x10 : 0);
      return -1;
    };
    // SDM 4.7: a reserved-bit violation sets P and RSVD; I/D reports a fetch as for any #PF
    // (only when PAE and EFER.NXE are on, as SMEP is not implemented).
    const reserved = (): number => {
      this.faultErrorCode =
        1 | 8 | (access === AccessType.Write ? 2 : 0) | (user ? 4 : 0) | (access === AccessType.Execute && this.efer & EFER_NXE && pae ? 0x10 : 0);
      return -1;
    };
    // SDM 4.4.2 (Table 4-11 .. 4-20): with EFER.NXE = 0 bit 63 (XD) of a PAE PDE/PTE is reserved;
    // bits 62:52 are reserved always (bits MAXPHYADDR..51 too; MAXPHYADDR is 36 here, see cpuid.ts).
    const paeHighReserved = (this.efer & EFER_NXE ? 0x7ff00000 : 0xfff00000) | 0x000ffff0;
    const tables: number[] = [];
    let frame: number;
    let large = false;
    let global = false;
    if (pae) {
      const pdpteAddr = ((this.cr3 & 0xffffffe0) + ((linear >>> 30) & 3) * 8) >>> 0;
      const pdpte = mem.read32(pdpteAddr);
      if ((pdpte & 1) === 0) return fault(false);
      if (pdpte & 0x1e6) return reserved(); // SDM 4.4.1: reserved PDPTE bits
      const pdeAddr = ((pdpte & 0xfffff000) + ((linear >>> 21) & 0x1ff) * 8) >>> 0;
      entry = mem.read32(pdeAddr);
      entryHigh = mem.read32(pdeAddr + 4);
      if ((entry & 1) === 0) return fault(false);
      if (entryHigh & paeHighReserved) return reserved();
      if (entry & 0x80 && entry & 0x1fe000) return reserved(); // 2 MiB page: bits 20:13 reserved
      writable = (entry & 2) !== 0;
      usr = (entry & 4) !== 0;
      nx = (this.efer & EFER_NXE) !== 0 && (entryHigh & 0x80000000) !== 0;
      tables.push(pdeAddr);
      if (entry & 0x80) {
        large = true;
        entryAddr = pdeAddr;
        frame = ((entry & 0xffe00000) + (linear & 0x1ff000)) >>> 0;
      } else {
        const pteAddr = ((entry & 0xfffff000) + ((linear >>> 12) & 0x1ff) * 8) >>> 0;
        entry = mem.read32(pteAddr);
        entryHigh = mem.read32(pteAddr + 4);
        if ((entry & 1) === 0) return fault(false);
        if (entryHigh & paeHighReserved) return reserved();
        writable &&= (entry & 2) !== 0;
        usr &&= (entry & 4) !== 0;
        nx ||= (this.efer & EFER_NXE) !== 0 && (entryHigh & 0x80000000) !== 0;
        entryAddr = pteAddr;
        frame = (entry & 0xfffff000) >>> 0;
      }
    } else {
      const pdeAddr = ((this.cr3 & 0xfffff000) + (linear >>> 22) * 4) >>> 0;
      entry = mem.read32(pdeAddr);
      if ((entry & 1) === 0) return fault(false);
      writable = (entry & 2) !== 0;
      usr = (entry & 4) !== 0;
      tables.push(pdeAddr);
      if (entry & 0x80 && this.cr4 & CR4_PSE) {
        large = true;
        entryAddr = pdeAddr;
        frame = ((entry & 0xffc00000) + (linear & 0x3ff000)) >>> 0;
      } else {
        const pteAddr = ((entry & 0xfffff000) + ((linear >>> 12) & 0x3ff) * 4) >>> 0;
        entry = mem.read32(pteAddr);
        if ((entry & 1) === 0) return fault(false);
        writable &&= (entry & 2) !== 0;
        usr &&= (entry & 4) !== 0;
        entryAddr = pteAddr;
        frame = (entry & 0xfffff000) >>> 0;
      }
    }
    global = (entry & 0x100) !== 0 && (this.cr4 & CR4_PGE) !== 0;
    const bits = (writable ? T_WRITE : 0) | (usr ? T_USER : 0) | (nx ? T_NX : 0) | (global ? T_GLOBAL : 0);
    if (!this.allowed(bits, access, user)) return fault(true);
    if (!update) return frame + (linear & 0xfff);
    // SDM 4.8: set accessed bits on the way down, dirty on the final entry for writes.
    if (!large) {
      const pde = mem.read32(tables[0]);
      if ((pde & 0x20) === 0) mem.write32(tables[0], pde | 0x20);
    }
    let final = mem.read32(entryAddr);
    const want = 0x20 | (access === AccessType.Write ? 0x40 : 0);
    if ((final & want) !== want) {
      final |= want;
      mem.write32(entryAddr, final >>> 0);
    }
    const page = linear >>> 12;
    const i = page & (TLB_SIZE - 1);
    this.tlbTag[i] = page;
    this.tlbFrame[i] = frame;
    this.tlbBits[i] = bits | (final & 0x40 ? T_DIRTY : 0);
    return frame + (linear & 0xfff);
  }
}
