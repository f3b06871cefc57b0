/**
 * Intel MultiProcessor Specification 1.4 tables: the MP floating pointer
 * structure (4.1) and the MP configuration table (4.2, 4.3) describing the
 * processors, the ISA bus, the IO-APIC and how the ISA IRQs and the local
 * interrupt pins are wired. Older kernels (and the SMP bring-up paths people
 * debug here) still read these instead of the MADT.
 */
import { ByteWriter } from './byte-writer';
import type { PlacedTable } from './placed-table';
import {
  ACPI_SCI_IRQ,
  DEFAULT_FEATURE_FLAGS,
  DEFAULT_PROCESSOR_SIGNATURE,
  IO_APIC_BASE,
  IO_APIC_VERSION,
  LOCAL_APIC_BASE,
  LOCAL_APIC_VERSION,
  MP_CONFIG_TABLE_ADDRESS,
  MP_FLOATING_POINTER_ADDRESS,
  ioApicIdFor,
} from './platform-layout';

export interface MpConfig {
  cpus: number;
  processorSignature?: number;
  featureFlags?: number;
}

/** MP spec 4.3 Table 4-3 entry types. */
export const enum MpEntryType {
  Processor = 0,
  Bus = 1,
  IoApic = 2,
  IoInterrupt = 3,
  LocalInterrupt = 4,
}

/** MP spec 4.3.4 Table 4-9 interrupt types. */
export const enum MpInterruptType {
  Int = 0,
  Nmi = 1,
  Smi = 2,
  ExtInt = 3,
}

/** Polarity active high (01) and level trigger (11), MP spec Table 4-10. */
const LEVEL_ACTIVE_HIGH = 0x000d;
/** MP spec 4.3.4: destination local APIC ID 0xFF means every local APIC. */
const ALL_LOCAL_APICS = 0xff;

/** APIC IDs in the MP table are 8 bits and 0xFF means "all": 255 processors at most. */
export function mpTablesPossible(cpus: number): boolean {
  return cpus <= 0xff && ioApicIdFor(cpus) <= 0xff;
}

/** The ISA IRQ -> IO-APIC pin wiring (IRQ2 is the 8259 cascade and never raised; the PIT's IRQ0 is on pin 2). */
export function isaIrqPin(irq: number): number | undefined {
  if (irq === 2) return undefined;
  return irq === 0 ? 2 : irq;
}

export function buildMpTables(config: MpConfig): PlacedTable[] {
  const { cpus } = config;
  if (!mpTablesPossible(cpus)) throw new Error(`MP tables cannot describe ${cpus} processors`);
  const ioApicId = ioApicIdFor(cpus);
  const isaIrqs = Array.from({ length: 16 }, (_, irq) => irq).filter((irq) => isaIrqPin(irq) !== undefined);
  const entryCount = cpus + 1 + 1 + 1 + isaIrqs.length + 2;
  const length = 44 + cpus * 20 + 8 + 8 + (1 + isaIrqs.length) * 8 + 2 * 8;
  const w = new ByteWriter(length);
  w.ascii(0, 'PCMP', 4).u16(4, length).u8(6, 4).ascii(8, 'BRINGUP', 8).ascii(16, 'VIRTUAL PC', 12);
  w.u16(34, entryCount).u32(36, LOCAL_APIC_BASE);
  let o = 44;
  for (let id = 0; id < cpus; id++, o += 20) {
    // 4.3.1: CPU flags bit 0 EN (usable), bit 1 BP (the bootstrap processor).
    const flags = 1 | (id === 0 ? 2 : 0);
    w.u8(o, MpEntryType.Processor).u8(o + 1, id).u8(o + 2, LOCAL_APIC_VERSION).u8(o + 3, flags);
    w.u32(o + 4, config.processorSignature ?? DEFAULT_PROCESSOR_SIGNATURE).u32(o + 8, config.featureFlags ?? DEFAULT_FEATURE_FLAGS);
  }
  w.u8(o, MpEntryType.Bus).u8(o + 1, 0).ascii(o + 2, 'ISA', 6);
  o += 8;
  w.u8(o, MpEntryType.IoApic).u8(o + 1, ioApicId).u8(o + 2, IO_APIC_VERSION).u8(o + 3, 1).u32(o + 4, IO_APIC_BASE);
  o += 8;
  // The 8259's output reaches IO-APIC pin 0 as ExtINT (virtual wire through the IO-APIC, 3.6.2.2).
  o = ioInterrupt(w, o, MpInterruptType.ExtInt, 0, 0, ioApicId, 0);
  for (const irq of isaIrqs) {
    o = ioInterrupt(w, o, MpInterruptType.Int, irq === ACPI_SCI_IRQ ? LEVEL_ACTIVE_HIGH : 0, irq, ioApicId, isaIrqPin(irq)!);
  }
  // 5.1 default configuration: LINT0 ExtINT, LINT1 NMI on every local APIC.
  o = localInterrupt(w, o, MpInterruptType.ExtInt, 0);
  o = localInterrupt(w, o, MpInterruptType.Nmi, 1);
  if (o !== length) throw new Error(`MP table layout mismatch: wrote ${o} of ${length} bytes`);
  w.checksum(7);

  const pointer = new ByteWriter(16);
  // 4.1: length in 16-byte units, spec revision 4 (1.4), feature byte 1 = 0 (a configuration table is present),
  // feature byte 2 bit 7 IMCRP = 0 (virtual wire mode, no IMCR).
  pointer.ascii(0, '_MP_', 4).u32(4, MP_CONFIG_TABLE_ADDRESS).u8(8, 1).u8(9, 4);
  pointer.checksum(10);
  return [
    { name: 'MP floating pointer', address: MP_FLOATING_POINTER_ADDRESS, bytes: pointer.bytes },
    { name: 'MP configuration table', address: MP_CONFIG_TABLE_ADDRESS, bytes: w.bytes },
  ];
}

function ioInterrupt(w: ByteWriter, o: number, type: MpInterruptType, flags: number, irq: number, ioApicId: number, pin: number): number {
  w.u8(o, MpEntryType.IoInterrupt).u8(o + 1, type).u16(o + 2, flags).u8(o + 4, 0).u8(o + 5, irq).u8(o + 6, ioApicId).u8(o + 7, pin);
  return o + 8;
}

function localInterrupt(w: ByteWriter, o: number, type: MpInterruptType, lint: number): number {
  w.u8(o, MpEntryType.LocalInterrupt).u8(o + 1, type).u16(o + 2, 0).u8(o + 4, 0).u8(o + 5, 0).u8(o + 6, ALL_LOCAL_APICS).u8(o + 7, lint);
  return o + 8;
}
