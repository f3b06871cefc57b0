/**
 * The PC chipset around the vCPUs: one local APIC per vCPU on an APIC bus,
 * the IO-APIC, the 8259 pair, the PIT, CMOS/RTC, the ATA disk, the IMCR,
 * A20/reset ports, the ACPI PM timer, the VGA text display and PCI bus 0, wired as the firmware's MP and
 * ACPI tables describe them (ISA IRQ n → IO-APIC pin n, except IRQ0 → GSI 2).
 */
import type { IoBus, PortDevice } from '../bus/io-bus';
import type { MachineEventBus } from '../events/machine-events';
import type { AccessSize, MmioDevice, PhysicalMemory } from '../memory/physical-memory';
import type { VirtualClock } from '../time/virtual-clock';
import type { DiskImage } from '../firmware/disk-image';
import { ACPI_PM_BASE, IO_APIC_BASE, ioApicIdFor } from '../firmware/platform-layout';
import { ApicBus, type PlatformCpu } from './apic-bus';
import { IoApic } from './io-apic';
import { LocalApic } from './local-apic';
import { DualPic } from './pic8259';
import { Pit8254 } from './pit8254';
import { CmosRtc } from './cmos-rtc';
import { AtaController } from './ata-pio';
import { SystemControlPorts } from './system-control';
import { AcpiPmPorts } from './acpi-pm';
import type { IpiLog } from './ipi-log';
import { VGA_PORT_BASE, VGA_PORT_COUNT, VgaText } from './vga/vga-text';
import { PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA, PciHostBridge } from './pci/pci-host-bridge';
import { POST_CODE_PORT, PostCodePort } from './post-code-port';
import { COPROCESSOR_CLEAR_PORT, CoprocessorErrorLatch, FERR_IRQ } from './coprocessor-error';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export type { PlatformCpu };

export interface PcPlatformOptions {
  memory: PhysicalMemory;
  io: IoBus;
  clock: VirtualClock;
  events: MachineEventBus;
  cpus: PlatformCpu[];
  /** Which vCPU is executing (routes xAPIC MMIO to its own APIC). */
  currentCpu: { index: number };
  /** ATA primary master and slave (INT 13h drives 80h and 81h). */
  disks: DiskImage[];
  memorySize: number;
  requestReset(reason: string): void;
  setA20(enabled: boolean): void;
}

/** ISA interrupt lines as devices drive them. */
export interface IrqLines {
  setLevel(isaIrq: number, level: boolean): void;
}

export interface PcPlatform {
  lapics: LocalApic[];
  bus: ApicBus;
  ipiLog: IpiLog;
  ioapic: IoApic;
  pic: DualPic;
  pit: Pit8254;
  cmos: CmosRtc;
  ata: AtaController;
  system: SystemControlPorts;
  acpiPm: AcpiPmPorts;
  imcr: Imcr;
  irq: IrqLines;
  vga: VgaText;
  pci: PciHostBridge;
  postCode: PostCodePort;
  /** FERR# → IRQ 13 latch; connect each vCPU's CpuPlatform.ferr to it. */
  coprocessorError: CoprocessorErrorLatch;
}

/**
 * IMCR (MP spec 3.6.2.1), ports 0x22/0x23. Register 0x70 bit 0: 0 = PIC
 * mode (the 8259's INTR goes straight to the BSP, bypassing its local APIC),
 * 1 = APIC mode (through LINT0). It starts in APIC mode because the MP
 * table describes virtual-wire mode; a guest that selects PIC mode gets it.
 */
export class Imcr implements PortDevice {
  readonly name = 'imcr';
  private select = 0;
  apicMode = true;
  constructor(private readonly changed: () => void) {}

  /** All of the device's state as plain data (docs/snapshots.md). */
  save(): PlainObject {
    return saveOwnFields(this, ['name']);
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }
  readPort(port: number): number {
    if (port === 0x22) return this.select;
    return this.select === 0x70 ? (this.apicMode ? 1 : 0) : 0xff;
  }
  writePort(port: number, _size: AccessSize, value: number): void {
    if (port === 0x22) this.select = value & 0xff;
    else if (this.select === 0x70) {
      this.apicMode = (value & 1) !== 0;
      this.changed();
    }
  }
}

/** The xAPIC MMIO page at one base address; each access goes to the executing vCPU's own APIC. */
class LapicMmioWindow implements MmioDevice {
  readonly name: string;
  constructor(readonly base: number, private readonly lapics: LocalApic[], private readonly currentCpu: { index: number }, private readonly report: (m: string) => void) {
    this.name = `local-apic@${base.toString(16)}`;
  }
  private target(): LocalApic | undefined {
    const lapic = this.lapics[this.currentCpu.index];
    if (lapic === undefined || !lapic.hardwareEnabled || lapic.x2apic || lapic.mmioBase !== this.base) return undefined;
    return lapic;
  }
  read(offset: number, size: AccessSize): number {
    const lapic = this.target();
    if (lapic === undefined) {
      this.report(`read of APIC page ${this.base.toString(16)} by vCPU ${this.currentCpu.index}, whose xAPIC is not there (disabled, x2APIC or relocated)`);
      return 0xffffffff;
    }
    return lapic.mmioRead(offset, size);
  }
  write(offset: number, size: AccessSize, value: number): void {
    const lapic = this.target();
    if (lapic === undefined) {
      this.report(`write to APIC page ${this.base.toString(16)} by vCPU ${this.currentCpu.index}, whose xAPIC is not there (disabled, x2APIC or relocated)`);
      return;
    }
    lapic.mmioWrite(offset, size, value);
  }
}

/**
 * The top 64 KiB below 4 GiB alias the BIOS segment F000 (as the chipset
 * decodes the boot ROM there), so that a CPU leaving reset or INIT with
 * CS base 0xFFFF0000 fetches the firmware's reset vector at 0xFFFFFFF0.
 * Read-only: writes are ignored, as writes to a ROM are.
 */
export const HIGH_BIOS_ALIAS_BASE = 0xffff0000;
class HighBiosAlias implements MmioDevice {
  readonly name = 'BIOS ROM alias@ffff0000';
  constructor(private readonly memory: PhysicalMemory) {}
  read(offset: number, size: AccessSize): number {
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.memory.read8(0xf0000 + ((offset + i) & 0xffff)) << (8 * i);
    return value >>> 0;
  }
  write(): void {}
}

export function installPcPlatform(o: PcPlatformOptions): PcPlatform {
  const report = (cpu: number | undefined, message: string): void => o.events.emit({ kind: 'note', cpu, traceClass: 'io', message });
  const lapics: LocalApic[] = [];
  const bus = new ApicBus(lapics, o.cpus, o.clock, o.events);
  const bsp = o.cpus.find((c) => c.isBsp) ?? o.cpus[0];
  const signalAll = (): void => {
    for (const c of o.cpus) c.pins.signalInterrupt();
  };

  let ioapic: IoApic | undefined;
  let imcr: Imcr | undefined;
  const pic = new DualPic(() => signalAll());
  const windows = new Map<number, LapicMmioWindow>();
  const refreshMappings = (): void => {
    const wanted = new Set(lapics.filter((l) => l.hardwareEnabled && !l.x2apic).map((l) => l.mmioBase));
    for (const [base, window] of windows) {
      if (!wanted.has(base)) {
        o.memory.unmapMmio(window);
        windows.delete(base);
      }
    }
    for (const base of wanted) {
      if (windows.has(base)) continue;
      if (o.memory.isMmio(base)) {
        report(undefined, `local APIC base ${base.toString(16)} overlaps another device; the APIC page is not mapped there`);
        continue;
      }
      const window = new LapicMmioWindow(base, lapics, o.currentCpu, (m) => report(o.currentCpu.index, m));
      o.memory.mapMmio(base, 4096, window);
      windows.set(base, window);
    }
  };

  for (const cpu of o.cpus) {
    lapics.push(
      new LocalApic({
        clock: o.clock,
        index: cpu.index,
        initialApicId: cpu.apicId,
        isBsp: cpu.isBsp,
        signalInterrupt: () => cpu.pins.signalInterrupt(),
        sendIpi: (from, low, high, via) => bus.sendIpi(from, low, high, via),
        eoiBroadcast: (vector) => ioapic?.eoi(vector),
        extIntPending: () => pic.hasInterrupt(),
        extIntAcknowledge: () => pic.acknowledge(),
        picDirect: () => cpu === bsp && imcr !== undefined && !imcr.apicMode,
        signalNmi: () => cpu.pins.signalNmi(),
        report: (message) => report(cpu.index, message),
        baseChanged: () => refreshMappings(),
      }),
    );
  }
  refreshMappings();

  ioapic = new IoApic(ioApicIdFor(o.cpus.length), (message) => bus.deliverMessage(message), (m) => report(undefined, m));
  o.memory.mapMmio(IO_APIC_BASE, 4096, ioapic);
  if (!o.memory.isMmio(HIGH_BIOS_ALIAS_BASE)) o.memory.mapMmio(HIGH_BIOS_ALIAS_BASE, 0x10000, new HighBiosAlias(o.memory));
  imcr = new Imcr(signalAll);
  o.io.register(0x22, 2, imcr);

  o.io.register(0x20, 2, pic);
  o.io.register(0xa0, 2, pic);
  o.io.register(0x4d0, 2, pic);

  const ioapicRef = ioapic;
  const irq: IrqLines = {
    setLevel(isaIrq: number, level: boolean): void {
      pic.setIrq(isaIrq, level);
      // MADT interrupt source override / MP table: ISA IRQ0 is IO-APIC pin 2; the others map 1:1.
      ioapicRef.setPin(isaIrq === 0 ? 2 : isaIrq, level);
    },
  };

  const pit = new Pit8254(o.clock, (level) => irq.setLevel(0, level));
  o.io.register(0x40, 4, pit);
  o.io.register(0x61, 1, pit);
  const cmos = new CmosRtc({ clock: o.clock, memorySize: o.memorySize, setIrq8: (level) => irq.setLevel(8, level) });
  o.io.register(0x70, 2, cmos);
  const ata = new AtaController(o.disks[0], (level) => irq.setLevel(14, level), o.disks[1]);
  o.io.register(0x1f0, 8, ata);
  o.io.register(0x3f6, 1, ata);
  const system = new SystemControlPorts({ requestReset: o.requestReset, setA20: o.setA20 });
  o.io.register(0x92, 1, system);
  o.io.register(0x60, 1, system);
  o.io.register(0x64, 1, system);
  o.io.register(0xcf9, 1, system);
  const acpiPm = new AcpiPmPorts(o.clock);
  o.io.register(ACPI_PM_BASE, 12, acpiPm);
  // VGA registers; the text buffer at 0xB8000 is plain RAM (text-screen.ts reads it).
  const vga = new VgaText({ now: () => o.clock.now, report: (m) => report(o.currentCpu.index, m) });
  o.io.register(VGA_PORT_BASE, VGA_PORT_COUNT, vga);
  // PCI mechanism #1 around 0xCF9 (the reset control register, registered above).
  const pci = new PciHostBridge();
  o.io.register(PCI_CONFIG_ADDRESS, 1, pci);
  o.io.register(PCI_CONFIG_ADDRESS + 2, 2, pci);
  o.io.register(PCI_CONFIG_DATA, 4, pci);
  const postCode = new PostCodePort();
  o.io.register(POST_CODE_PORT, 1, postCode);
  const coprocessorError = new CoprocessorErrorLatch((level) => irq.setLevel(FERR_IRQ, level));
  o.io.register(COPROCESSOR_CLEAR_PORT, 1, coprocessorError);

  return { lapics, bus, ipiLog: bus.ipiLog, ioapic, pic, pit, cmos, ata, system, acpiPm, imcr, irq, vga, pci, postCode, coprocessorError };
}
