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

/** A device with one saved state; method syntax, so each device's own state type is accepted. */
interface SavedDevice {
  save(): object;
  restore(state: never): void;
}

/** The devices the PC has one of, under their names in MachineSnapshot.devices (the local APICs are a list beside them). */
function singleDevices(pc: PcMachine) {
  const p = pc.platform;
  return {
    com1: pc.machine.com1, apicBus: p.bus, ioapic: p.ioapic, pic: p.pic, pit: p.pit, cmos: p.cmos, ata: p.ata, system: p.system,
    acpiPm: p.acpiPm, imcr: p.imcr, vga: p.vga, pci: p.pci, postCode: p.postCode, coprocessorError: p.coprocessorError,
  } satisfies Record<Exclude<keyof MachineSnapshot['devices'], 'lapics'>, SavedDevice>;
}

function saveDevices(pc: PcMachine): Omit<MachineSnapshot['devices'], 'lapics'> {
  const devices = singleDevices(pc);
  const saved: Partial<Record<keyof typeof devices, PlainObject>> = {};
  for (const name of Object.keys(devices) as (keyof typeof devices)[]) saved[name] = devices[name].save() as PlainObject;
  return saved as Omit<MachineSnapshot['devices'], 'lapics'>;
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
    devices: { ...saveDevices(pc), lapics: p.lapics.map((l) => l.save()) },
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
  p.lapics.forEach((l, i) => l.restore(d.lapics[i]));
  const devices = singleDevices(pc);
  for (const name of Object.keys(devices) as (keyof typeof devices)[]) devices[name].restore(d[name] as never);
  pc.disks.forEach((disk, i) => disk.restore(snapshot.disks[i]));
  pc.hypervisor.restore(snapshot.hypervisor);
  pc.bios.restore(snapshot.bios);
  // The xAPIC pages follow the restored APIC bases (mapped, unmapped or moved).
  p.lapics[0]?.env.baseChanged();
  pc.cpus.forEach((cpu, i) => cpu.restore(snapshot.cpus[i]));
}
