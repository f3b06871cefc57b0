/**
 * Where the PC platform puts things, as the firmware describes it to the
 * guest (E820, MP and ACPI tables) and as the machine maps its devices. One
 * file so that the tables, the memory map and the device wiring agree.
 */

/** SDM Vol. 3A 10.4.1: the default local APIC base (IA32_APIC_BASE after reset). */
export const LOCAL_APIC_BASE = 0xfee00000;
/** 82093AA IO-APIC datasheet 3.0: the default IOREGSEL/IOWIN base on a PC. */
export const IO_APIC_BASE = 0xfec00000;
/** IO-APIC version register value we describe (82093AA-compatible, 24 redirection entries). */
export const IO_APIC_VERSION = 0x20;
export const IO_APIC_PINS = 24;
/** Local APIC version reported in the MP table (integrated APIC, SDM Vol. 3A 10.4.8). */
export const LOCAL_APIC_VERSION = 0x14;

/**
 * The IO-APIC's ID: the first ID after the processors' local APIC IDs
 * (0..cpus-1), so that no two APICs share an ID on the (virtual) APIC bus.
 */
export function ioApicIdFor(cpus: number): number {
  return cpus;
}

/** Conventional memory ends where the EBDA starts (639 KiB usable, the usual PC value). */
export const EBDA_BASE = 0x9fc00;
export const EBDA_SIZE = 0x400;
export const EBDA_SEGMENT = EBDA_BASE >>> 4;
/** Legacy VGA window, option ROMs and the system BIOS: reserved on every PC. */
export const LEGACY_HOLE_BASE = 0xa0000;
export const HIGH_MEMORY_BASE = 0x100000;

/** ACPI 6.5 5.2.5.1: the RSDP is found by scanning 0xE0000-0xFFFFF on 16-byte boundaries. */
export const ACPI_AREA_BASE = 0xe0000;
export const ACPI_AREA_END = 0xf0000;

/** The system BIOS segment F000: MP tables, the boot GDT, ROM stubs. */
export const BIOS_SEGMENT = 0xf000;
export const BIOS_AREA_BASE = 0xf0000;
/** MP spec 1.4 4.0: the floating pointer may live in the BIOS ROM area 0xF0000-0xFFFFF. */
export const MP_FLOATING_POINTER_ADDRESS = 0xf0000;
/** A flat GDT for protected-mode boot protocols (see boot-gdt.ts). */
export const BOOT_GDT_ADDRESS = 0xf0010;
/** INT 15h AH=C0h system configuration table. */
export const SYSTEM_CONFIG_TABLE_ADDRESS = 0xf0040;
export const MP_CONFIG_TABLE_ADDRESS = 0xf0100;
/** 16-byte ROM stubs, one per interrupt vector, at F000:8000 + vector*16. */
export const ROM_STUBS_OFFSET = 0x8000;
export const ROM_STUB_SIZE = 16;

/**
 * The private I/O port the ROM stubs write to so the TypeScript BIOS can act
 * (see bios-services.ts). 0x4F0 is unused on PCs and by QEMU's PIIX/Q35 models.
 */
export const BIOS_TRAP_PORT = 0x4f0;

/**
 * ACPI fixed-hardware register blocks, in I/O space at QEMU's PIIX4 PM base
 * (PM1a event 0x600, PM1a control 0x604, PM timer 0x608). The PM timer port
 * must match the device model's port.
 */
export const ACPI_PM_BASE = 0x600;
export const ACPI_PM1A_EVENT_BLOCK = ACPI_PM_BASE;
export const ACPI_PM1A_CONTROL_BLOCK = ACPI_PM_BASE + 4;
export const ACPI_PM_TIMER_BLOCK = ACPI_PM_BASE + 8;
/** ISA IRQ used for the ACPI SCI (PIIX4 convention). */
export const ACPI_SCI_IRQ = 9;

/** Signature the MP table and CPUID report when the caller gives none (family 6, model 15, stepping 1). */
export const DEFAULT_PROCESSOR_SIGNATURE = 0x000006f1;
/** CPUID.1:EDX bits the MP processor entries report by default: FPU, TSC, MSR, APIC, CX8. */
export const DEFAULT_FEATURE_FLAGS = (1 << 0) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9);
