/**
 * Prepare guest memory the way a PC BIOS leaves it at the hand-off to a boot
 * loader or kernel: IVT and ROM stubs, BIOS data area and EBDA, MP and ACPI
 * tables, a flat boot GDT. The result says where everything went, so that
 * boot protocols can pass it on (Multiboot's mmap, PVH's rsdp_paddr) and the
 * debugger can show it.
 */
import { BootError } from '../boot/boot-error';
import type { PhysicalMemory } from '../memory/physical-memory';
import { buildAcpiTables } from './acpi-tables';
import { buildBiosDataArea, buildEbda, buildSystemConfigTable } from './bios-data-area';
import { buildInterruptVectorTable, buildResetVector, buildRomStubs } from './bios-rom';
import { BOOT_CODE_SELECTOR, BOOT_DATA_SELECTOR, BOOT_GDT_LIMIT, BOOT_TSS_SELECTOR, buildBootGdt } from './boot-gdt';
import { MINIMUM_MEMORY_SIZE, buildE820, conventionalMemoryKiB, extendedMemoryKiB, type E820Entry } from './e820';
import { buildMpTables, mpTablesPossible } from './mp-tables';
import type { PlacedTable } from './placed-table';
import { BIOS_TRAP_PORT, EBDA_SEGMENT } from './platform-layout';

export interface FirmwareOptions {
  cpus: number;
  memorySize: number;
  /** Number of BIOS hard disks (INT 13h drives 80h..), for the BDA. Default 0. */
  hardDisks?: number;
  /** CPUID.1:EAX the vCPUs report; the MP processor entries repeat it. */
  processorSignature?: number;
  /** CPUID.1:EDX the vCPUs report. */
  featureFlags?: number;
  /** The ACPI PM timer device's port (FADT PM_TMR_BLK). */
  pmTimerPort?: number;
}

export interface BootGdtInfo {
  base: number;
  limit: number;
  codeSelector: number;
  dataSelector: number;
  tssSelector: number;
}

export interface FirmwareInfo {
  e820: E820Entry[];
  /** KiB of conventional memory (BDA 0x413, INT 12h, Multiboot mem_lower). */
  conventionalMemoryKiB: number;
  /** KiB of contiguous RAM from 1 MiB (INT 15h AH=88h, Multiboot mem_upper). */
  extendedMemoryKiB: number;
  rsdpAddress: number;
  /** Undefined when the cpu count cannot be expressed in MP tables (more than 255 APIC IDs). */
  mpFloatingPointer: number | undefined;
  mpConfigTable: number | undefined;
  bootGdt: BootGdtInfo;
  ebdaSegment: number;
  biosTrapPort: number;
  /** Every structure written, in write order, for --trace boot and the debugger. */
  tables: { name: string; address: number; length: number }[];
}

export function installFirmware(memory: PhysicalMemory, options: FirmwareOptions): FirmwareInfo {
  const { cpus, memorySize } = options;
  if (!Number.isInteger(cpus) || cpus < 1) throw new BootError(`the firmware needs at least one processor, got ${cpus}`);
  if (memorySize < MINIMUM_MEMORY_SIZE) {
    throw new BootError(`${memorySize} bytes of RAM is too little: the PC firmware needs at least ${MINIMUM_MEMORY_SIZE / (1024 * 1024)} MiB`);
  }
  if (memorySize > memory.ramSize) throw new Error(`firmware told ${memorySize} bytes of RAM but memory has ${memory.ramSize}`);
  const e820 = buildE820(memorySize);
  const conventionalKiB = conventionalMemoryKiB(e820);
  const acpi = buildAcpiTables({ cpus, pmTimerPort: options.pmTimerPort });
  const mp = mpTablesPossible(cpus)
    ? buildMpTables({ cpus, processorSignature: options.processorSignature, featureFlags: options.featureFlags })
    : [];
  const gdt = buildBootGdt();
  const placed: PlacedTable[] = [
    buildInterruptVectorTable(),
    buildBiosDataArea(conventionalKiB, options.hardDisks ?? 0),
    buildEbda(),
    buildRomStubs(),
    ...buildResetVector(),
    buildSystemConfigTable(),
    gdt,
    ...mp,
    ...acpi.tables,
  ];
  for (const table of placed) memory.writeBytes(table.address, table.bytes);
  return {
    e820,
    conventionalMemoryKiB: conventionalKiB,
    extendedMemoryKiB: extendedMemoryKiB(e820),
    rsdpAddress: acpi.rsdpAddress,
    mpFloatingPointer: mp[0]?.address,
    mpConfigTable: mp[1]?.address,
    bootGdt: {
      base: gdt.address,
      limit: BOOT_GDT_LIMIT,
      codeSelector: BOOT_CODE_SELECTOR,
      dataSelector: BOOT_DATA_SELECTOR,
      tssSelector: BOOT_TSS_SELECTOR,
    },
    ebdaSegment: EBDA_SEGMENT,
    biosTrapPort: BIOS_TRAP_PORT,
    tables: placed.map((t) => ({ name: t.name, address: t.address, length: t.bytes.length })),
  };
}
