/**
 * ACPI tables (ACPI Specification 6.5, chapter 5.2): RSDP, RSDT, XSDT, FADT,
 * FACS, an empty DSDT and the MADT, all in the 0xE0000-0xEFFFF BIOS area
 * where the RSDP scan finds them and the E820 map reserves them.
 */
import { ByteWriter } from './byte-writer';
import { AreaAllocator, type PlacedTable } from './placed-table';
import {
  ACPI_AREA_BASE,
  ACPI_AREA_END,
  ACPI_PM1A_CONTROL_BLOCK,
  ACPI_PM1A_EVENT_BLOCK,
  ACPI_PM_TIMER_BLOCK,
  ACPI_SCI_IRQ,
  IO_APIC_BASE,
  LOCAL_APIC_BASE,
  ioApicIdFor,
} from './platform-layout';

export const ACPI_OEM_ID = 'BRNGUP';
export const ACPI_OEM_TABLE_ID = 'BRINGUP';
export const ACPI_CREATOR_ID = 'BRUP';

/** ACPI 6.5 5.2.6: every system description table starts with this 36-byte header. */
export const SDT_HEADER_SIZE = 36;

/** xAPIC IDs are 8 bits and 0xFF is the broadcast ID, so 255 and up need x2APIC entries (ACPI 6.5 5.2.12.12). */
export const FIRST_X2APIC_ONLY_ID = 0xff;

export interface AcpiTables {
  rsdpAddress: number;
  tables: PlacedTable[];
}

export interface AcpiConfig {
  cpus: number;
  /** The ACPI PM timer's I/O port; the FADT's PM_TMR_BLK. */
  pmTimerPort?: number;
}

function sdtHeader(w: ByteWriter, signature: string, revision: number): void {
  w.ascii(0, signature, 4)
    .u32(4, w.bytes.length)
    .u8(8, revision)
    .ascii(10, ACPI_OEM_ID, 6)
    .ascii(16, ACPI_OEM_TABLE_ID, 8)
    .u32(24, 1)
    .ascii(28, ACPI_CREATOR_ID, 4)
    .u32(32, 1);
}

function finishSdt(w: ByteWriter): Uint8Array {
  w.checksum(9);
  return w.bytes;
}

/** ACPI 6.5 5.2.3.2 Generic Address Structure for a system I/O port. */
function ioGas(w: ByteWriter, offset: number, port: number, bitWidth: number, accessSize: number): void {
  w.u8(offset, 1).u8(offset + 1, bitWidth).u8(offset + 2, 0).u8(offset + 3, accessSize).u64(offset + 4, port);
}

/** ACPI 6.5 5.2.9, revision 3 (the ACPI 2.0 layout, 244 bytes): enough for OSPM to find the PM timer and the DSDT. */
export function buildFadt(dsdtAddress: number, facsAddress: number, pmTimerPort: number): Uint8Array {
  const w = new ByteWriter(244);
  sdtHeader(w, 'FACP', 3);
  w.u32(36, facsAddress).u32(40, dsdtAddress);
  w.u16(46, ACPI_SCI_IRQ);
  // SMI_CMD = 0: no SMI command port, the machine is permanently in ACPI mode (5.2.9 Table 5.9).
  w.u32(48, 0);
  w.u32(56, ACPI_PM1A_EVENT_BLOCK).u32(64, ACPI_PM1A_CONTROL_BLOCK).u32(76, pmTimerPort);
  w.u8(88, 4).u8(89, 2).u8(91, 4);
  // P_LVL2_LAT > 100 and P_LVL3_LAT > 1000 say C2 and C3 are not supported.
  w.u16(96, 101).u16(98, 1001);
  // IAPC_BOOT_ARCH (5.2.9.3): LEGACY_DEVICES (COM1, PIT, PIC exist); no 8042 keyboard controller.
  w.u16(109, 0x0001);
  // Flags (Table 5.10): WBINVD, PROC_C1, PWR_BUTTON and SLP_BUTTON as control methods (none), TMR_VAL_EXT (32-bit timer).
  w.u32(112, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5) | (1 << 8));
  // X_FIRMWARE_CTRL stays 0: "If the FIRMWARE_CTRL field contains a non-zero value then this field must
  // be zero" (ACPI 6.4 Table 5.9); with both set Linux installs the FACS twice (as QEMU's pc never does).
  w.u64(140, dsdtAddress);
  ioGas(w, 148, ACPI_PM1A_EVENT_BLOCK, 32, 2);
  ioGas(w, 172, ACPI_PM1A_CONTROL_BLOCK, 16, 2);
  ioGas(w, 208, pmTimerPort, 32, 3);
  return finishSdt(w);
}

/** ACPI 6.5 5.2.10: 64 bytes, no checksum; nothing here uses the waking vector or the global lock. */
export function buildFacs(): Uint8Array {
  const w = new ByteWriter(64);
  w.ascii(0, 'FACS', 4).u32(4, 64).u8(32, 1);
  return w.bytes;
}

/** ACPI 6.5 5.2.11.1: a DSDT with the header only (an empty AML definition block). Revision 2 = 64-bit AML integers. */
export function buildDsdt(): Uint8Array {
  const w = new ByteWriter(SDT_HEADER_SIZE);
  sdtHeader(w, 'DSDT', 2);
  return finishSdt(w);
}

/**
 * ACPI 6.5 5.2.12 MADT: one processor entry per vCPU (APIC ID = index,
 * ACPI UID = index), the IO-APIC with GSI base 0, the ISA IRQ0 -> GSI 2 and
 * SCI overrides, and LINT1 as NMI on every processor.
 */
export function buildMadt(cpus: number): Uint8Array {
  const xapic = Math.min(cpus, FIRST_X2APIC_ONLY_ID);
  const x2apic = cpus - xapic;
  const length = 44 + xapic * 8 + x2apic * 16 + 12 + 10 + 10 + 6 + (x2apic > 0 ? 12 : 0);
  const w = new ByteWriter(length);
  sdtHeader(w, 'APIC', x2apic > 0 ? 3 : 1);
  // 5.2.12 Table 5.19 flags: PCAT_COMPAT, the dual 8259s are present.
  w.u32(36, LOCAL_APIC_BASE).u32(40, 1);
  let o = 44;
  for (let id = 0; id < xapic; id++, o += 8) {
    // 5.2.12.2 Processor Local APIC: UID, APIC ID, flags bit 0 Enabled.
    w.u8(o, 0).u8(o + 1, 8).u8(o + 2, id).u8(o + 3, id).u32(o + 4, 1);
  }
  for (let id = xapic; id < cpus; id++, o += 16) {
    // 5.2.12.12 Processor Local x2APIC.
    w.u8(o, 9).u8(o + 1, 16).u32(o + 4, id).u32(o + 8, 1).u32(o + 12, id);
  }
  // 5.2.12.3 I/O APIC.
  w.u8(o, 1).u8(o + 1, 12).u8(o + 2, ioApicIdFor(cpus)).u32(o + 4, IO_APIC_BASE).u32(o + 8, 0);
  o += 12;
  // 5.2.12.5 Interrupt Source Override: ISA IRQ0 (the PIT) is wired to IO-APIC pin 2; flags 0 = bus defaults.
  w.u8(o, 2).u8(o + 1, 10).u8(o + 2, 0).u8(o + 3, 0).u32(o + 4, 2).u16(o + 8, 0);
  o += 10;
  // The SCI is level-triggered, active high (Table 5.26 MPS INTI flags: polarity 01, trigger 11).
  w.u8(o, 2).u8(o + 1, 10).u8(o + 2, 0).u8(o + 3, ACPI_SCI_IRQ).u32(o + 4, ACPI_SCI_IRQ).u16(o + 8, 0x000d);
  o += 10;
  // 5.2.12.7 Local APIC NMI: UID 0xFF = all processors, LINT1.
  w.u8(o, 4).u8(o + 1, 6).u8(o + 2, 0xff).u16(o + 3, 0).u8(o + 5, 1);
  o += 6;
  if (x2apic > 0) {
    // 5.2.12.13 Local x2APIC NMI for the x2APIC-only processors: UID 0xFFFFFFFF = all.
    w.u8(o, 0x0a).u8(o + 1, 12).u16(o + 2, 0).u32(o + 4, 0xffffffff).u8(o + 8, 1);
    o += 12;
  }
  if (o !== length) throw new Error(`MADT layout mismatch: wrote ${o} of ${length} bytes`);
  return finishSdt(w);
}

function buildRsdt(entries: number[]): Uint8Array {
  const w = new ByteWriter(SDT_HEADER_SIZE + entries.length * 4);
  sdtHeader(w, 'RSDT', 1);
  entries.forEach((address, i) => w.u32(SDT_HEADER_SIZE + i * 4, address));
  return finishSdt(w);
}

function buildXsdt(entries: number[]): Uint8Array {
  const w = new ByteWriter(SDT_HEADER_SIZE + entries.length * 8);
  sdtHeader(w, 'XSDT', 1);
  entries.forEach((address, i) => w.u64(SDT_HEADER_SIZE + i * 8, address));
  return finishSdt(w);
}

/** ACPI 6.5 5.2.5.3: revision 2 RSDP, 36 bytes, with both the ACPI 1.0 checksum (first 20 bytes) and the extended one. */
function buildRsdp(rsdtAddress: number, xsdtAddress: number): Uint8Array {
  const w = new ByteWriter(36);
  w.ascii(0, 'RSD PTR ', 8).ascii(9, ACPI_OEM_ID, 6).u8(15, 2).u32(16, rsdtAddress).u32(20, 36).u64(24, xsdtAddress);
  w.checksum(8, 0, 20);
  // Byte 32 lies outside the first 20 bytes, so setting it keeps the 1.0 checksum valid.
  w.checksum(32, 0, 36);
  return w.bytes;
}

/** Lay out and build every ACPI table for the configuration. */
export function buildAcpiTables(config: AcpiConfig): AcpiTables {
  const pmTimerPort = config.pmTimerPort ?? ACPI_PM_TIMER_BLOCK;
  const area = new AreaAllocator('ACPI', ACPI_AREA_BASE, ACPI_AREA_END);
  const madt = buildMadt(config.cpus);
  const dsdt = buildDsdt();
  const facs = buildFacs();
  const rsdpAddress = area.allocate(36, 16);
  const rsdtAddress = area.allocate(SDT_HEADER_SIZE + 2 * 4, 16);
  const xsdtAddress = area.allocate(SDT_HEADER_SIZE + 2 * 8, 16);
  const fadtAddress = area.allocate(244, 16);
  // 5.2.10: the FACS must be 64-byte aligned.
  const facsAddress = area.allocate(facs.length, 64);
  const dsdtAddress = area.allocate(dsdt.length, 16);
  const madtAddress = area.allocate(madt.length, 16);
  const fadt = buildFadt(dsdtAddress, facsAddress, pmTimerPort);
  const entries = [fadtAddress, madtAddress];
  return {
    rsdpAddress,
    tables: [
      { name: 'RSDP', address: rsdpAddress, bytes: buildRsdp(rsdtAddress, xsdtAddress) },
      { name: 'RSDT', address: rsdtAddress, bytes: buildRsdt(entries) },
      { name: 'XSDT', address: xsdtAddress, bytes: buildXsdt(entries) },
      { name: 'FACP', address: fadtAddress, bytes: fadt },
      { name: 'FACS', address: facsAddress, bytes: facs },
      { name: 'DSDT', address: dsdtAddress, bytes: dsdt },
      { name: 'APIC', address: madtAddress, bytes: madt },
    ],
  };
}
