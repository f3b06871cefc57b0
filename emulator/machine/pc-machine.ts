/**
 * The whole PC: a Machine (memory, buses, time, COM1, 0xE9, isa-debug-exit)
 * with N vCPUs, their local APICs and the chipset devices, the built-in
 * firmware, the paravirtual interface and a loaded boot image. This is the
 * one place that knows how the parts plug together; the runner and the
 * debug adapter both start machines through it.
 */
import { Cpu } from '../cpu/cpu';
import { DEFAULT_CPUID } from '../cpu/cpuid';

/** CPUID.01H:ECX bit 24: TSC-deadline timer mode of the local APIC. */
const CPUID_ECX_TSC_DEADLINE = 1 << 24;
import { applyBootEntry } from '../boot/apply-boot-entry';
import type { BootModule, BootPlan, BootSelection } from '../boot/boot-plan';
import { loadBootImage } from '../boot/load-boot-image';
import { installPcPlatform, type PcPlatform, type PlatformCpu } from '../devices/pc-platform';
import { BiosServices } from '../firmware/bios-services';
import { BiosTextConsole } from '../firmware/bios-text-console';
import { BootError } from '../boot/boot-error';
import { diskFromBytes, OverlayDisk, type DiskImage } from '../firmware/disk-image';
import type { FirmwareInfo } from '../firmware/install-firmware';
import { BIOS_TRAP_PORT } from '../firmware/platform-layout';
import { ParavirtHypervisor } from '../paravirt/hypervisor';
import { Machine, type MachineHost } from './machine';
import type { SerialIrqGate } from '../devices/uart16550';

export interface PcMachineOptions {
  image: Uint8Array;
  boot: BootSelection;
  cpus: number;
  memorySize: number;
  /** Raw disk image for INT 13h and the ATA controller (primary master). Ignored when `disks` is given. */
  disk?: Uint8Array;
  /**
   * Raw disk images: the first is the primary master (INT 13h drive 80h),
   * the second the primary slave (drive 81h). At most two.
   */
  disks?: Uint8Array[];
  /**
   * Called for every sector the guest writes (disk index as in `disks`,
   * LBA, 512 bytes): `--disk-writable` stores it in the file. Without it,
   * writes stay in a copy-on-write overlay in memory and the bytes given
   * in `disk`/`disks` are never modified.
   */
  diskWriteBack?: (disk: number, lba: number, data: Uint8Array) => void;
  cmdline?: string;
  modules?: BootModule[];
  /** Initial ramdisk (Linux boot protocol ramdisk, first PVH module). */
  initrd?: Uint8Array;
  seed?: number;
  quantum?: number;
  /** The runner ends on a triple fault; the debugger keeps the machine to inspect it. Default true. */
  endOnTripleFault?: boolean;
  /** COM1 interrupt gating: 'none' (QEMU, default) or 'out2' (real PC boards). */
  serialIrqGate?: SerialIrqGate;
}

export interface PcMachine {
  machine: Machine;
  cpus: Cpu[];
  platform: PcPlatform;
  firmware: FirmwareInfo;
  boot: BootPlan;
  /** Why the boot protocol was chosen, one line per finding (--trace boot). */
  bootExplanation: string[];
  hypervisor: ParavirtHypervisor;
  bios: BiosServices;
  /** The attached disks (primary master, slave) with their copy-on-write overlays. */
  disks: OverlayDisk[];
}

export function createPcMachine(options: PcMachineOptions, host: MachineHost): PcMachine {
  const machine = new Machine(
    { cpus: options.cpus, memorySize: options.memorySize, quantum: options.quantum, seed: options.seed, endOnTripleFault: options.endOnTripleFault, serialIrqGate: options.serialIrqGate },
    host,
  );
  // A raw (non-ELF) image booted without --disk is also the BIOS's first hard disk, so a boot sector can read the sectors after it.
  const isElfImage = options.image.length >= 4 && options.image[0] === 0x7f && options.image[1] === 0x45 && options.image[2] === 0x4c && options.image[3] === 0x46;
  const raw: Uint8Array[] = options.disks !== undefined && options.disks.length > 0 ? options.disks : options.disk !== undefined ? [options.disk] : isElfImage ? [] : [options.image];
  if (raw.length > 2) throw new BootError(`at most two disks can be attached (primary master and slave), got ${raw.length}`);
  const writeBack = options.diskWriteBack;
  const disks: OverlayDisk[] = raw.map((bytes, index) => new OverlayDisk(diskFromBytes(bytes), writeBack && ((lba, data) => writeBack(index, lba, data))));
  const cpus: Cpu[] = [];

  // The paravirtual interface sees vCPUs by APIC ID; APIC IDs are 0..N-1 (the firmware's MADT and MP tables say the same).
  const hypervisor = new ParavirtHypervisor({
    memory: machine.memory,
    emit: (details) => machine.events.emit(details),
    cpuByApicId: (apicId) => cpus[apicId],
    cpuStarted: (cpu) => {
      const started = cpus[cpu.index];
      started.state = started.state; // re-derive the CPU's cached views (segment bases, code size, paging) of the new state
    },
  });

  const cpuidHook = (leaf: number, subleaf: number): [number, number, number, number] | undefined => {
    const r = hypervisor.cpuidLeaf(leaf, subleaf);
    return r === undefined ? undefined : [r.eax, r.ebx, r.ecx, r.edx];
  };
  for (let i = 0; i < options.cpus; i++) {
    cpus.push(
      new Cpu(
        i,
        {
          memory: machine.memory,
          io: machine.io,
          clock: machine.clock,
          events: machine.events,
          msrDevices: [],
          hypercall: (cpu) => hypervisor.handleVmcall(cpu),
          cpuidHook,
          currentCpu: machine.currentCpu,
        },
        // The local APIC implements the TSC-deadline timer mode, so CPUID.01H:ECX[24] says so (SDM Vol. 3A 10.5.4.1).
        { isBsp: i === 0, apicId: i, cpuid: { featuresEcx: DEFAULT_CPUID.featuresEcx | CPUID_ECX_TSC_DEADLINE } },
      ),
    );
  }

  const platformCpus: PlatformCpu[] = cpus.map((cpu) => ({
    index: cpu.index,
    apicId: cpu.index,
    isBsp: cpu.index === 0,
    activity: () => cpu.activity,
    describeStart: () => describeStart(cpu),
    currentInstruction: () => (cpu.segBase[1] + cpu.insnEip) >>> 0,
    pins: {
      signalInit: () => cpu.signalInit(),
      signalNmi: () => cpu.signalNmi(),
      signalSmi: () => cpu.signalSmi(),
      signalInterrupt: () => cpu.signalInterrupt(),
      // A STARTUP IPI that reaches an AP waiting for it first consults the paravirtual registrations (docs/paravirt.md).
      signalStartup: (vector: number) => {
        if (cpu.activity === 'wait-for-sipi') {
          const decision = hypervisor.beforeStartup(cpu.index);
          if (decision !== 'default') {
            decision.start(cpu);
            cpu.state = cpu.state;
            return true;
          }
        }
        return cpu.signalStartup(vector);
      },
    },
  }));

  const platform = installPcPlatform({
    memory: machine.memory,
    io: machine.io,
    clock: machine.clock,
    events: machine.events,
    cpus: platformCpus,
    currentCpu: machine.currentCpu,
    disks,
    memorySize: options.memorySize,
    requestReset: (reason: string) => machine.requestExit({ kind: 'reset-requested', reason }),
    setA20: () => {
      // A20 is always enabled on this machine (as on every PC since the PS/2 with fast A20 in firmware); the gate is reported, not emulated.
    },
  });
  machine.com1IrqSink = (level) => platform.irq.setLevel(4, level);
  cpus.forEach((cpu, i) => {
    cpu.platform.interruptController = platform.lapics[i];
    cpu.platform.msrDevices.push(platform.lapics[i]);
    // x87 errors with CR0.NE = 0 reach the interrupt controllers as IRQ 13 (PC/AT compatibility).
    cpu.platform.ferr = (asserted) => platform.coprocessorError.ferr(i, asserted);
  });
  machine.attachCpus(cpus);

  const boot = loadBootImage(
    options.image,
    { boot: options.boot, cmdline: options.cmdline, modules: options.modules, initrd: options.initrd, memorySize: options.memorySize, cpus: options.cpus, disks },
    machine.memory,
  );
  // The firmware leaves mode 3 with a cleared screen (grey on black) and the cursor at the top left, as a PC BIOS does at POST.
  const screen = new BiosTextConsole(machine.memory, platform.vga);
  screen.clear();
  const bios = new BiosServices({
    memory: machine.memory,
    firmware: boot.firmware,
    disks,
    getCpu: () => cpus[machine.currentCpu.index],
    teletype: (byte) => host.serialOutput(byte),
    screen,
    now: () => machine.clock.now,
    report: (message) => machine.events.emit({ kind: 'note', cpu: machine.currentCpu.index, traceClass: 'boot', message: `BIOS: ${message}` }),
  });
  machine.io.register(BIOS_TRAP_PORT, 1, bios);

  const bsp = cpus[0];
  applyBootEntry(bsp, boot.entry);
  bsp.state = bsp.state;
  const bootExplanation = boot.explanation.split(': ').filter((s) => s.length > 0);
  return { machine, cpus, platform, firmware: boot.firmware, boot, bootExplanation, hypervisor, bios, disks };
}

/** Where a vCPU just started, for the IPI log: real-mode CS:IP or the protected-mode entry. */
function describeStart(cpu: Cpu): string {
  const st = cpu.state;
  const cs = st.segments[1];
  const hex = (v: number, w: number): string => (v >>> 0).toString(16).toUpperCase().padStart(w, '0');
  if ((st.cr0 & 1) === 0) return `real mode at ${hex(cs.selector, 4)}:${hex(st.eip, 4)}`;
  return `protected mode${st.cr0 & 0x80000000 ? ' with paging' : ''} at ${hex(cs.selector, 4)}:${hex(st.eip, 8)} (paravirtual startup state)`;
}
