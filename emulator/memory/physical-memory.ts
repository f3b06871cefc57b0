/**
 * Guest physical address space: sparse RAM plus MMIO regions.
 *
 * RAM is allocated lazily in 64 KiB chunks, so a 4 GiB guest costs only what
 * it touches. MMIO regions are registered per 4 KiB page; a page map makes the
 * "is this MMIO?" question one array load on the hot path.
 *
 * Accesses that hit neither RAM nor MMIO behave as an unbacked bus: reads
 * return all-ones, writes are dropped, and the access is reported.
 */

/** A physical address, 0 .. 2^32-1 (PAE's 36-bit addresses are folded in later). */
export type PhysicalAddress = number;
export type AccessSize = 1 | 2 | 4;

export interface MmioDevice {
  readonly name: string;
  /** offset is relative to the region base. */
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
}

export interface UnbackedAccess {
  address: PhysicalAddress;
  size: AccessSize;
  write: boolean;
}

import { decodeBase64, encodeBase64 } from '../machine/plain-state';

const CHUNK_SHIFT = 16;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;
const PAGE_SHIFT = 12;
const PAGE_COUNT = 1 << 20;

/** Aligned 32-bit RAM accesses go through a Uint32Array view when the host is little-endian (as the guest is). */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Stands in (read-only) for untouched RAM chunks in ramPageView32. */
const ZERO_CHUNK32 = new Uint32Array(CHUNK_SIZE / 4);

interface MmioRegion {
  base: PhysicalAddress;
  length: number;
  device: MmioDevice;
}

export interface PhysicalMemoryState {
  ramSize: number;
  chunkSize: number;
  /** [chunk index, base64 contents] of every allocated chunk; the others are zero. */
  chunks: [number, string][];
}

export class PhysicalMemory {
  /** RAM chunks, allocated on first write (reads of untouched RAM are zero). */
  private readonly chunks: (Uint8Array | undefined)[];
  /** Uint32Array views of the same chunks (aligned dword fast path). */
  private readonly chunks32: (Uint32Array | undefined)[];
  /** 0 = RAM or unbacked, otherwise 1 + index into mmioRegions. */
  private readonly pageMmio = new Uint16Array(PAGE_COUNT);
  private readonly mmioRegions: MmioRegion[] = [];
  /**
   * Write generation per 4 KiB page, bumped on every write that reaches RAM
   * through this object. Decoded-instruction caches compare it to detect
   * self-modifying code from any vCPU, a loader or the debugger.
   */
  readonly pageWriteGeneration = new Uint32Array(PAGE_COUNT);
  /** Pages whose writes must bump pageWriteGeneration (those with cached code). */
  readonly codePages = new Uint8Array(PAGE_COUNT);
  onUnbackedAccess: ((access: UnbackedAccess) => void) | undefined;
  /**
   * Called when the MMIO map changes or a RAM chunk is allocated (vCPUs drop
   * the direct RAM views they cache per page, see ramPageView32).
   */
  readonly layoutListeners: (() => void)[] = [];

  constructor(readonly ramSize: number) {
    if (!Number.isInteger(ramSize) || ramSize <= 0 || ramSize > 0x1_0000_0000) {
      throw new RangeError(`RAM size must be between 1 byte and 4 GiB, got ${ramSize}`);
    }
    this.chunks = new Array<Uint8Array | undefined>(Math.ceil(ramSize / CHUNK_SIZE)).fill(undefined);
    this.chunks32 = new Array<Uint32Array | undefined>(this.chunks.length).fill(undefined);
  }

  /** The RAM contents as plain data: every allocated 64 KiB chunk, base64 (docs/snapshots.md). MMIO is the devices'. */
  save(): PhysicalMemoryState {
    const chunks: [number, string][] = [];
    this.chunks.forEach((chunk, index) => {
      if (chunk !== undefined) chunks.push([index, encodeBase64(chunk)]);
    });
    return { ramSize: this.ramSize, chunkSize: CHUNK_SIZE, chunks };
  }

  /**
   * Replace the RAM contents by saved ones. Every page's write generation
   * moves on, so no vCPU keeps instructions decoded from the old contents,
   * and the vCPUs drop their direct RAM views (layout listeners).
   */
  restore(state: PhysicalMemoryState): void {
    if (state.ramSize !== this.ramSize || state.chunkSize !== CHUNK_SIZE) throw new Error(`memory snapshot of ${state.ramSize} bytes does not fit this machine's ${this.ramSize}`);
    const saved = new Map(state.chunks);
    for (let index = 0; index < this.chunks.length; index++) {
      const data = saved.get(index);
      if (data === undefined) {
        this.chunks[index]?.fill(0);
        continue;
      }
      const bytes = decodeBase64(data);
      if (bytes.length !== CHUNK_SIZE) throw new Error(`memory snapshot chunk ${index} has ${bytes.length} bytes`);
      let chunk = this.chunks[index];
      if (chunk === undefined) {
        chunk = new Uint8Array(CHUNK_SIZE);
        this.chunks[index] = chunk;
        this.chunks32[index] = new Uint32Array(chunk.buffer);
      }
      chunk.set(bytes);
    }
    for (let i = 0; i < PAGE_COUNT; i++) this.pageWriteGeneration[i]++;
    this.layoutChanged();
  }

  /** Register an MMIO device over [base, base+length); both 4 KiB aligned. */
  mapMmio(base: PhysicalAddress, length: number, device: MmioDevice): void {
    if (base % 4096 !== 0 || length % 4096 !== 0 || length <= 0) {
      throw new RangeError(`MMIO region for ${device.name} must be 4 KiB aligned`);
    }
    for (let page = base >>> PAGE_SHIFT; page < (base + length) / 4096; page++) {
      if (this.pageMmio[page] !== 0) {
        throw new Error(`MMIO region for ${device.name} overlaps ${this.mmioRegions[this.pageMmio[page] - 1].device.name}`);
      }
    }
    this.mmioRegions.push({ base, length, device });
    const id = this.mmioRegions.length;
    for (let page = base >>> PAGE_SHIFT; page < (base + length) / 4096; page++) this.pageMmio[page] = id;
    this.layoutChanged();
  }

  /** Remove a device's mapping (an APIC base relocation, for example). */
  unmapMmio(device: MmioDevice): void {
    const index = this.mmioRegions.findIndex((r) => r.device === device);
    if (index < 0) return;
    const region = this.mmioRegions[index];
    for (let page = region.base >>> PAGE_SHIFT; page < (region.base + region.length) / 4096; page++) this.pageMmio[page] = 0;
    // Keep indices stable: leave a tombstone that is never referenced again.
    this.mmioRegions[index] = { base: 0, length: 0, device: region.device };
    this.layoutChanged();
  }

  private layoutChanged(): void {
    for (const l of this.layoutListeners) l();
  }

  /**
   * The Uint32Array view of the RAM chunk holding the whole 4 KiB page at
   * pageBase (4 KiB aligned), if that page is plain RAM (inside RAM, no MMIO)
   * and the host is little-endian. An untouched chunk is allocated when
   * `allocate` (writes); otherwise (reads) a shared all-zero view stands in
   * for it, valid until the chunk is allocated (which notifies
   * layoutListeners). The page's dwords start at index (pageBase & 0xffff) >>> 2.
   * For vCPU fast paths: aligned dword accesses through it behave exactly as
   * read32 / write32 do (the writer still bumps pageWriteGeneration for code pages).
   */
  ramPageView32(pageBase: PhysicalAddress, allocate: boolean): Uint32Array | undefined {
    pageBase >>>= 0;
    if (!HOST_LITTLE_ENDIAN || (pageBase & 0xfff) !== 0 || pageBase + 0x1000 > this.ramSize || this.pageMmio[pageBase >>> PAGE_SHIFT] !== 0) return undefined;
    const index = pageBase >>> CHUNK_SHIFT;
    if (this.chunks32[index] === undefined) {
      if (!allocate) return ZERO_CHUNK32;
      this.ramChunk(pageBase);
    }
    return this.chunks32[index];
  }

  isMmio(address: PhysicalAddress): boolean {
    return this.pageMmio[address >>> PAGE_SHIFT] !== 0;
  }

  isRam(address: PhysicalAddress): boolean {
    return address < this.ramSize && this.pageMmio[address >>> PAGE_SHIFT] === 0;
  }

  /** The RAM chunk holding address, allocating it; undefined beyond RAM. For fast paths. */
  ramChunk(address: PhysicalAddress): Uint8Array | undefined {
    if (address >= this.ramSize) return undefined;
    const index = address >>> CHUNK_SHIFT;
    let chunk = this.chunks[index];
    if (chunk === undefined) {
      chunk = new Uint8Array(CHUNK_SIZE);
      this.chunks[index] = chunk;
      this.chunks32[index] = new Uint32Array(chunk.buffer);
      this.layoutChanged();
    }
    return chunk;
  }

  read8(address: PhysicalAddress): number {
    address >>>= 0;
    const mmio = this.pageMmio[address >>> PAGE_SHIFT];
    if (mmio !== 0) return this.mmioRead(mmio, address, 1);
    if (address >= this.ramSize) return this.unbacked(address, 1, false);
    const chunk = this.chunks[address >>> CHUNK_SHIFT];
    return chunk === undefined ? 0 : chunk[address & CHUNK_MASK];
  }

  read16(address: PhysicalAddress): number {
    address >>>= 0;
    if ((address & CHUNK_MASK) <= CHUNK_MASK - 1) {
      const mmio = this.pageMmio[address >>> PAGE_SHIFT];
      if (mmio !== 0 && ((address + 1) >>> PAGE_SHIFT) === address >>> PAGE_SHIFT) return this.mmioRead(mmio, address, 2);
      if (mmio === 0 && address + 1 < this.ramSize && this.pageMmio[(address + 1) >>> PAGE_SHIFT] === 0) {
        const chunk = this.chunks[address >>> CHUNK_SHIFT];
        if (chunk === undefined) return 0;
        const o = address & CHUNK_MASK;
        return chunk[o] | (chunk[o + 1] << 8);
      }
    }
    if (this.whollyUnbacked(address, 2)) return this.unbacked(address, 2, false);
    return this.read8(address) | (this.read8((address + 1) >>> 0) << 8);
  }

  read32(address: PhysicalAddress): number {
    address >>>= 0;
    // Aligned dword in RAM: one page, one chunk, one view load.
    if ((address & 3) === 0 && HOST_LITTLE_ENDIAN && address + 3 < this.ramSize && this.pageMmio[address >>> PAGE_SHIFT] === 0) {
      const view = this.chunks32[address >>> CHUNK_SHIFT];
      return view === undefined ? 0 : view[(address & CHUNK_MASK) >>> 2];
    }
    if ((address & CHUNK_MASK) <= CHUNK_MASK - 3) {
      const mmio = this.pageMmio[address >>> PAGE_SHIFT];
      if (mmio !== 0 && ((address + 3) >>> PAGE_SHIFT) === address >>> PAGE_SHIFT) return this.mmioRead(mmio, address, 4) >>> 0;
      if (mmio === 0 && address + 3 < this.ramSize && this.pageMmio[(address + 3) >>> PAGE_SHIFT] === 0) {
        const chunk = this.chunks[address >>> CHUNK_SHIFT];
        if (chunk === undefined) return 0;
        const o = address & CHUNK_MASK;
        return (chunk[o] | (chunk[o + 1] << 8) | (chunk[o + 2] << 16) | (chunk[o + 3] << 24)) >>> 0;
      }
    }
    if (this.whollyUnbacked(address, 4)) return this.unbacked(address, 4, false);
    return (this.read16(address) | (this.read16((address + 2) >>> 0) << 16)) >>> 0;
  }

  write8(address: PhysicalAddress, value: number): void {
    address >>>= 0;
    const mmio = this.pageMmio[address >>> PAGE_SHIFT];
    if (mmio !== 0) {
      this.mmioWrite(mmio, address, 1, value & 0xff);
      return;
    }
    if (address >= this.ramSize) {
      this.unbacked(address, 1, true);
      return;
    }
    const chunk = this.ramChunk(address)!;
    chunk[address & CHUNK_MASK] = value;
    if (this.codePages[address >>> PAGE_SHIFT] !== 0) this.pageWriteGeneration[address >>> PAGE_SHIFT]++;
  }

  write16(address: PhysicalAddress, value: number): void {
    address >>>= 0;
    const mmio = this.pageMmio[address >>> PAGE_SHIFT];
    if (mmio !== 0 && (address & 0xfff) <= 0xffe) {
      this.mmioWrite(mmio, address, 2, value & 0xffff);
      return;
    }
    if (this.whollyUnbacked(address, 2)) {
      this.unbacked(address, 2, true);
      return;
    }
    this.write8(address, value);
    this.write8((address + 1) >>> 0, value >>> 8);
  }

  write32(address: PhysicalAddress, value: number): void {
    address >>>= 0;
    if ((address & 3) === 0 && HOST_LITTLE_ENDIAN && address + 3 < this.ramSize && this.pageMmio[address >>> PAGE_SHIFT] === 0) {
      let view = this.chunks32[address >>> CHUNK_SHIFT];
      if (view === undefined) {
        this.ramChunk(address);
        view = this.chunks32[address >>> CHUNK_SHIFT]!;
      }
      view[(address & CHUNK_MASK) >>> 2] = value;
      if (this.codePages[address >>> PAGE_SHIFT] !== 0) this.pageWriteGeneration[address >>> PAGE_SHIFT]++;
      return;
    }
    const mmio = this.pageMmio[address >>> PAGE_SHIFT];
    if (mmio !== 0 && (address & 0xfff) <= 0xffc) {
      this.mmioWrite(mmio, address, 4, value >>> 0);
      return;
    }
    if ((address & CHUNK_MASK) <= CHUNK_MASK - 3 && mmio === 0 && address + 3 < this.ramSize && this.pageMmio[(address + 3) >>> PAGE_SHIFT] === 0) {
      const chunk = this.ramChunk(address)!;
      const o = address & CHUNK_MASK;
      chunk[o] = value;
      chunk[o + 1] = value >>> 8;
      chunk[o + 2] = value >>> 16;
      chunk[o + 3] = value >>> 24;
      if (this.codePages[address >>> PAGE_SHIFT] !== 0) this.pageWriteGeneration[address >>> PAGE_SHIFT]++;
      if (this.codePages[(address + 3) >>> PAGE_SHIFT] !== 0) this.pageWriteGeneration[(address + 3) >>> PAGE_SHIFT]++;
      return;
    }
    if (this.whollyUnbacked(address, 4)) {
      this.unbacked(address, 4, true);
      return;
    }
    this.write16(address, value);
    this.write16((address + 2) >>> 0, value >>> 16);
  }

  /** Copy bytes out (loaders, debugger). Goes through the same paths as guest accesses. */
  readBytes(address: PhysicalAddress, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.read8((address + i) >>> 0);
    return out;
  }

  /** Copy bytes in (loaders, debugger); bumps write generations like guest writes. */
  writeBytes(address: PhysicalAddress, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.write8((address + i) >>> 0, data[i]);
  }

  private mmioRead(id: number, address: PhysicalAddress, size: AccessSize): number {
    const region = this.mmioRegions[id - 1];
    return region.device.read(address - region.base, size);
  }

  private mmioWrite(id: number, address: PhysicalAddress, size: AccessSize, value: number): void {
    const region = this.mmioRegions[id - 1];
    region.device.write(address - region.base, size, value);
  }

  /** The whole access misses RAM and MMIO: report it once, as one bus cycle, not byte by byte. */
  private whollyUnbacked(address: PhysicalAddress, size: AccessSize): boolean {
    const last = address + size - 1;
    return address >= this.ramSize && last <= 0xffffffff && this.pageMmio[address >>> PAGE_SHIFT] === 0 && this.pageMmio[last >>> PAGE_SHIFT] === 0;
  }

  private unbacked(address: PhysicalAddress, size: AccessSize, write: boolean): number {
    this.onUnbackedAccess?.({ address, size, write });
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
}
