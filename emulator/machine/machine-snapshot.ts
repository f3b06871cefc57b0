/**
 * The whole PC's state as one plain, JSON-safe value (docs/snapshots.md):
 * virtual time and its pending timers, the scheduler, RAM, every vCPU, every
 * device, the disks' copy-on-write overlays, the paravirtual interface and
 * the BIOS services. The snapshot holds no references: it can be
 * JSON-serialised and restored into a fresh machine created with the same
 * options (same image, disks, CPU count, memory size, seed and quantum).
 */
import type { CpuSaved } from '../cpu/cpu';
import type { PhysicalMemoryState } from '../memory/physical-memory';
import type { VirtualClockState } from '../time/virtual-clock';
import type { MachineRunState } from './machine';
import type { PcMachine } from './pc-machine';
import type { PlainObject } from './plain-state';
import type { SchedulerState } from './scheduler';

export const MACHINE_SNAPSHOT_VERSION = 1;

export interface MachineSnapshot {
  version: number;
  cpuCount: number;
  memorySize: number;
  run: MachineRunState;
  clock: VirtualClockState;
  scheduler: SchedulerState;
  memory: PhysicalMemoryState;
  cpus: CpuSaved[];
  devices: {
    com1: PlainObject;
    lapics: PlainObject[];
    apicBus: PlainObject;
    ioapic: PlainObject;
    pic: PlainObject;
    pit: PlainObject;
    cmos: PlainObject;
    ata: PlainObject;
    system: PlainObject;
    acpiPm: PlainObject;
    imcr: PlainObject;
    vga: PlainObject;
    pci: PlainObject;
    postCode: PlainObject;
    coprocessorError: PlainObject;
  };
  disks: PlainObject[];
  hypervisor: PlainObject;
  bios: { tickOffset: number };
}

/** Save the machine between scheduler rounds (not from inside a device or instruction callback). */
export function saveMachine(pc: PcMachine): MachineSnapshot {
  const { machine, platform: p } = pc;
  return {
    version: MACHINE_SNAPSHOT_VERSION,
    cpuCount: pc.cpus.length,
    memorySize: machine.memory.ramSize,
    run: machine.save(),
    clock: machine.clock.save(),
    scheduler: machine.scheduler.save(),
    memory: machine.memory.save(),
    cpus: pc.cpus.map((cpu) => cpu.save()),
    devices: {
      com1: machine.com1.save(),
      lapics: p.lapics.map((l) => l.save()),
      apicBus: p.bus.save(),
      ioapic: p.ioapic.save(),
      pic: p.pic.save(),
      pit: p.pit.save() as unknown as PlainObject,
      cmos: p.cmos.save(),
      ata: p.ata.save(),
      system: p.system.save(),
      acpiPm: p.acpiPm.save(),
      imcr: p.imcr.save(),
      vga: p.vga.save(),
      pci: p.pci.save() as unknown as PlainObject,
      postCode: p.postCode.save(),
      coprocessorError: p.coprocessorError.save(),
    },
    disks: pc.disks.map((d) => d.save()),
    hypervisor: pc.hypervisor.save(),
    bios: pc.bios.save(),
  };
}

/**
 * Put a machine into a saved state. The machine must have been created with
 * the same options as the one saved (a fresh one, or the same one later).
 */
export function restoreMachine(pc: PcMachine, snapshot: MachineSnapshot): void {
  const { machine, platform: p } = pc;
  if (snapshot.version !== MACHINE_SNAPSHOT_VERSION) throw new Error(`machine snapshot version ${snapshot.version}, expected ${MACHINE_SNAPSHOT_VERSION}`);
  if (snapshot.cpuCount !== pc.cpus.length || snapshot.memorySize !== machine.memory.ramSize) {
    throw new Error(`snapshot of ${snapshot.cpuCount} vCPUs and ${snapshot.memorySize} bytes does not fit a machine of ${pc.cpus.length} vCPUs and ${machine.memory.ramSize} bytes`);
  }
  if (snapshot.disks.length !== pc.disks.length) throw new Error(`snapshot has ${snapshot.disks.length} disks, this machine ${pc.disks.length}`);
  const d = snapshot.devices;
  machine.memory.restore(snapshot.memory);
  // Timer callbacks are rebuilt from their owners (each device registered its own); ids and (at, id) order are kept.
  machine.clock.restore(snapshot.clock);
  machine.scheduler.restore(snapshot.scheduler);
  machine.restore(snapshot.run);
  machine.com1.restore(d.com1);
  p.lapics.forEach((l, i) => l.restore(d.lapics[i]));
  p.bus.restore(d.apicBus);
  p.ioapic.restore(d.ioapic);
  p.pic.restore(d.pic);
  p.pit.restore(d.pit as never);
  p.cmos.restore(d.cmos);
  p.ata.restore(d.ata);
  p.system.restore(d.system);
  p.acpiPm.restore(d.acpiPm);
  p.imcr.restore(d.imcr);
  p.vga.restore(d.vga);
  p.pci.restore(d.pci as never);
  p.postCode.restore(d.postCode);
  p.coprocessorError.restore(d.coprocessorError);
  pc.disks.forEach((disk, i) => disk.restore(snapshot.disks[i]));
  pc.hypervisor.restore(snapshot.hypervisor);
  pc.bios.restore(snapshot.bios);
  // The xAPIC pages follow the restored APIC bases (mapped, unmapped or moved).
  p.lapics[0]?.env.baseChanged();
  pc.cpus.forEach((cpu, i) => cpu.restore(snapshot.cpus[i]));
}
