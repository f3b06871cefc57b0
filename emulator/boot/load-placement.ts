/**
 * Copying image pieces into guest RAM with the checks every protocol needs:
 * inside usable RAM (not beyond it, not over the legacy hole, the EBDA or the
 * APIC pages), not overlapping anything loaded before. Violations are
 * BootErrors naming the piece and the range.
 */
import { BootError } from './boot-error';
import type { LoadedRegion } from './boot-plan';
import { E820Type, type E820Entry } from '../firmware/e820';
import type { PhysicalMemory } from '../memory/physical-memory';

const FOUR_GIB = 0x1_0000_0000;

export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

export class LoadPlacement {
  readonly loaded: LoadedRegion[] = [];

  constructor(
    private readonly memory: PhysicalMemory,
    private readonly map: readonly E820Entry[],
  ) {}

  /** Check that [start, start+size) may receive `what`; throws BootError otherwise. */
  check(what: string, start: number, size: number): void {
    const end = start + size;
    if (!Number.isSafeInteger(start) || start < 0 || end > FOUR_GIB) {
      throw new BootError(`${what} at ${hex(start)}-${hex(end)} is outside the 32-bit physical address space`);
    }
    const ramEnd = this.memory.ramSize;
    if (end > ramEnd) throw new BootError(`${what} at ${hex(start)}-${hex(end)} is too big for memory: RAM ends at ${hex(ramEnd)}`);
    for (const entry of this.map) {
      if (entry.type === E820Type.Usable) continue;
      if (start < entry.base + entry.length && end > entry.base) {
        throw new BootError(`${what} at ${hex(start)}-${hex(end)} overlaps the reserved range ${hex(entry.base)}-${hex(entry.base + entry.length)}`);
      }
    }
    for (const other of this.loaded) {
      if (start < other.end && end > other.start) {
        throw new BootError(`${what} at ${hex(start)}-${hex(end)} overlaps ${other.what} at ${hex(other.start)}-${hex(other.end)}`);
      }
    }
  }

  /** Load `data` at start and zero the rest up to `size` bytes (ELF p_memsz, a.out bss). */
  place(what: string, start: number, data: Uint8Array, size = data.length): void {
    if (size < data.length) throw new BootError(`${what}: memory size ${hex(size)} is smaller than its file size ${hex(data.length)}`);
    if (size === 0) return;
    this.check(what, start, size);
    this.memory.writeBytes(start, data);
    for (let a = start + data.length; a < start + size; a++) this.memory.write8(a, 0);
    this.loaded.push({ what, start, end: start + size });
  }

  /** End of the highest region loaded so far (0 when nothing was). */
  get highestEnd(): number {
    return this.loaded.reduce((max, r) => Math.max(max, r.end), 0);
  }
}

/**
 * Bump allocator for boot information (Multiboot info, PVH start info,
 * modules, command lines), above everything the kernel occupies.
 */
export class BootInfoArea {
  private next: number;

  constructor(
    private readonly placement: LoadPlacement,
    start: number,
  ) {
    this.next = start;
  }

  /** Place data at the next `alignment`-aligned address and return that address. */
  put(what: string, data: Uint8Array, alignment: number): number {
    const address = Math.ceil(this.next / alignment) * alignment;
    this.placement.place(what, address, data, Math.max(data.length, 1));
    this.next = address + Math.max(data.length, 1);
    return address;
  }
}
