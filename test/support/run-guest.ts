/**
 * Run a guest image through the whole PC machine, as `bringup run` would,
 * and return its serial output (COM1 and port 0xE9 interleaved as written)
 * and how it ended. For guest-level tests.
 */
import { readFileSync } from 'node:fs';
import type { BootModule, BootSelection } from '../../emulator/boot/boot-plan';
import type { MachineEvent } from '../../emulator/events/machine-events';
import { createPcMachine, type PcMachine } from '../../emulator/machine/pc-machine';

export interface RunGuestOptions {
  cpus?: number;
  maxInstructions?: number;
  boot?: string;
  cmdline?: string;
  seed?: number;
  memorySize?: number;
  /** Raw disk for INT 13h / ATA. */
  disk?: Uint8Array;
  quantum?: number;
  /** Multiboot / PVH modules (`--module FILE[,STRING]`). */
  modules?: BootModule[];
  /** Initial ramdisk (`--initrd`). */
  initrd?: Uint8Array;
  /** Called with every machine event, subscribed before the first instruction. */
  onEvent?: (event: MachineEvent) => void;
  /** Inspect the machine after the run. */
  inspect?: (pc: PcMachine) => void;
}

export interface GuestRun {
  serial: string;
  /** The process exit status `bringup run` would give (isa-debug-exit: (v << 1) | 1). */
  exitStatus: number;
  exitReason: string;
  instructions: number;
}

const STATUS: Record<string, number> = { 'all-halted': 0, 'triple-fault': 2, 'reset-requested': 4, 'instruction-limit': 124, 'idle-forever': 124 };

export async function runGuestImage(imagePath: string, options: RunGuestOptions = {}): Promise<GuestRun> {
  return runGuestBytes(readFileSync(imagePath), options);
}

export async function runGuestBytes(image: Uint8Array, options: RunGuestOptions = {}): Promise<GuestRun> {
  const out: number[] = [];
  const pc = createPcMachine(
    {
      image,
      boot: (options.boot ?? 'auto') as BootSelection,
      cpus: options.cpus ?? 1,
      memorySize: options.memorySize ?? 128 * 1024 * 1024,
      cmdline: options.cmdline,
      seed: options.seed,
      quantum: options.quantum,
      disk: options.disk,
      modules: options.modules,
      initrd: options.initrd,
    },
    { serialOutput: (b) => out.push(b), debugConsoleOutput: (b) => out.push(b) },
  );
  const onEvent = options.onEvent;
  if (onEvent !== undefined) pc.machine.events.subscribe(onEvent);
  const limit = options.maxInstructions ?? 50_000_000;
  for (;;) {
    const result = pc.machine.run(2_000_000, limit);
    if (result.kind === 'exited') {
      options.inspect?.(pc);
      const reason = result.reason;
      const exitStatus = reason.kind === 'debug-exit' ? reason.status & 0xff : STATUS[reason.kind];
      return { serial: Buffer.from(out).toString('latin1'), exitStatus, exitReason: reason.kind, instructions: pc.machine.totalInstructions };
    }
    await new Promise((r) => setImmediate(r));
  }
}
