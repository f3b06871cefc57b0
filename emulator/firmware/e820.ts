/**
 * The physical memory map the firmware reports (INT 15h E820, the Multiboot
 * mmap, the PVH memmap): usable conventional memory, the EBDA, the legacy
 * 0xA0000-0xFFFFF hole, usable extended memory and the APIC pages.
 */
import {
  EBDA_BASE,
  EBDA_SIZE,
  HIGH_MEMORY_BASE,
  IO_APIC_BASE,
  LEGACY_HOLE_BASE,
  LOCAL_APIC_BASE,
} from './platform-layout';

/** ACPI 6.5 Table 15.1 address range types (the E820 types). */
export const enum E820Type {
  Usable = 1,
  Reserved = 2,
  AcpiReclaimable = 3,
  AcpiNvs = 4,
}

export interface E820Entry {
  base: number;
  length: number;
  type: E820Type;
}

/** Smallest machine the firmware can describe: conventional memory plus 1 MiB of extended memory. */
export const MINIMUM_MEMORY_SIZE = 2 * 1024 * 1024;

/** Address ranges that are never RAM for the guest, whatever the RAM size. */
const MMIO_RESERVATIONS: readonly E820Entry[] = [
  { base: IO_APIC_BASE, length: 0x1000, type: E820Type.Reserved },
  { base: LOCAL_APIC_BASE, length: 0x1000, type: E820Type.Reserved },
];

/** The memory map for a machine with `memorySize` bytes of RAM, sorted by base, non-overlapping. */
export function buildE820(memorySize: number): E820Entry[] {
  const map: E820Entry[] = [
    { base: 0, length: EBDA_BASE, type: E820Type.Usable },
    { base: EBDA_BASE, length: EBDA_SIZE, type: E820Type.Reserved },
    { base: LEGACY_HOLE_BASE, length: HIGH_MEMORY_BASE - LEGACY_HOLE_BASE, type: E820Type.Reserved },
  ];
  // Extended memory, cut around the APIC pages when RAM reaches that high.
  let start = HIGH_MEMORY_BASE;
  for (const hole of MMIO_RESERVATIONS) {
    const end = Math.min(memorySize, hole.base);
    if (end > start) map.push({ base: start, length: end - start, type: E820Type.Usable });
    map.push(hole);
    start = Math.max(start, hole.base + hole.length);
  }
  if (memorySize > start) map.push({ base: start, length: memorySize - start, type: E820Type.Usable });
  return map.sort((a, b) => a.base - b.base);
}

/** KiB of usable RAM from 1 MiB up to the first hole (Multiboot mem_upper, INT 15h AH=88h/E801h). */
export function extendedMemoryKiB(map: readonly E820Entry[]): number {
  const entry = map.find((e) => e.base === HIGH_MEMORY_BASE && e.type === E820Type.Usable);
  return entry === undefined ? 0 : Math.floor(entry.length / 1024);
}

/** KiB of usable conventional memory from 0 (Multiboot mem_lower, INT 12h, BDA 0x413). */
export function conventionalMemoryKiB(map: readonly E820Entry[]): number {
  const entry = map.find((e) => e.base === 0 && e.type === E820Type.Usable);
  return entry === undefined ? 0 : Math.floor(entry.length / 1024);
}

/** True when [start, end) lies entirely inside one usable range of the map. */
export function isUsableRange(map: readonly E820Entry[], start: number, end: number): boolean {
  return map.some((e) => e.type === E820Type.Usable && start >= e.base && end <= e.base + e.length);
}
