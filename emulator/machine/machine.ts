/**
 * A machine: physical memory, buses, virtual time, vCPUs and the devices
 * every Bringup machine has (COM1, the 0xE9 debug console, isa-debug-exit).
 * The CPU model and the rest of the PC platform are plugged in by the
 * caller (see pc-machine.ts), so this file knows only the seams.
 */
import { IoBus } from '../bus/io-bus';
import type { SchedulableCpu } from '../cpu/platform-interface';
import { DebugConsole, DEBUG_CONSOLE_PORT } from '../devices/debug-console';
import { IsaDebugExit, ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_SIZE, debugExitStatus } from '../devices/isa-debug-exit';
import { COM1_BASE, Uart16550, type SerialIrqGate } from '../devices/uart16550';
import { MachineEventBus } from '../events/machine-events';
import { PhysicalMemory } from '../memory/physical-memory';
import { VirtualClock } from '../time/virtual-clock';
import { DEFAULT_QUANTUM, DEFAULT_SEED, Scheduler } from './scheduler';

/** What the machine needs from each vCPU beyond scheduling. */
export interface MachineCpu extends SchedulableCpu {
  readonly instructionsRetired: number;
  interruptsEnabled(): boolean;
  requestStop(): void;
}

export interface MachineConfig {
  cpus: number;
  memorySize: number;
  quantum?: number;
  seed?: number;
  /** End the run when a vCPU triple-faults (the runner); a debugger keeps the machine to inspect it. Default true. */
  endOnTripleFault?: boolean;
  /** Whether COM1's interrupt is gated by MCR.OUT2 ('out2', real hardware) or not ('none', QEMU; the default). */
  serialIrqGate?: SerialIrqGate;
}

/** Host side of the machine: where guest output goes. */
export interface MachineHost {
  /** Bytes the guest sends on COM1. */
  serialOutput(byte: number): void;
  /** Bytes the guest writes to port 0xE9. */
  debugConsoleOutput(byte: number): void;
}

export type ExitReason =
  | { kind: 'debug-exit'; value: number; status: number }
  | { kind: 'triple-fault'; cpu: number }
  /** Every vCPU is halted with interrupts disabled (or was never started). */
  | { kind: 'all-halted' }
  /** Every vCPU waits for an interrupt and no timer will ever fire. */
  | { kind: 'idle-forever' }
  | { kind: 'instruction-limit' }
  | { kind: 'reset-requested'; reason: string };

export type RunResult = { kind: 'exited'; reason: ExitReason } | { kind: 'budget-spent' } | { kind: 'stopped' };

export const MAX_CPUS = 255;

export interface MachineRunState {
  exitReason: ExitReason | null;
  stopRequested: boolean;
  reportedPorts: number[];
  currentCpu: number;
}

export class Machine {
  readonly memory: PhysicalMemory;
  readonly io = new IoBus();
  readonly clock = new VirtualClock();
  readonly events: MachineEventBus;
  readonly com1: Uart16550;
  readonly cpus: MachineCpu[] = [];
  /** Which vCPU is executing right now (per-CPU MMIO such as the xAPIC page routes on it). */
  readonly currentCpu = { index: 0 };
  scheduler!: Scheduler;
  private exitReason: ExitReason | undefined;
  private stopRequested = false;
  /** Ports without a device that were already reported (once each). */
  private readonly reportedPorts = new Set<number>();
  /** Raised COM1 interrupt line; the PC platform connects it to the interrupt controllers. */
  com1IrqSink: (level: boolean) => void = () => {};

  constructor(
    readonly config: MachineConfig,
    host: MachineHost,
  ) {
    if (!Number.isInteger(config.cpus) || config.cpus < 1 || config.cpus > MAX_CPUS) {
      throw new RangeError(`cpus must be an integer from 1 to ${MAX_CPUS}`);
    }
    this.memory = new PhysicalMemory(config.memorySize);
    this.events = new MachineEventBus(() => this.clock.now);
    this.memory.onUnbackedAccess = (access) => {
      this.events.emit({ kind: 'unbacked-access', cpu: this.currentCpu.index, address: access.address, size: access.size, write: access.write });
    };
    this.com1 = new Uart16550((byte) => host.serialOutput(byte), (level) => this.com1IrqSink(level), {
      clock: this.clock,
      irqGate: config.serialIrqGate,
      report: (message) => this.events.emit({ kind: 'note', cpu: undefined, traceClass: 'io', message }),
    });
    this.io.register(COM1_BASE, 8, this.com1);
    // A kernel probing for a device this PC does not have (COM2, LPT1, a floppy controller) reads all-ones, as on
    // real hardware; say so once per port so that a misread 0xFF can be traced to its cause.
    const reportedPorts = this.reportedPorts;
    this.io.onUnclaimed = (port, size, write) => {
      if (reportedPorts.has(port)) return;
      reportedPorts.add(port);
      const what = write ? 'write ignored' : `read returns 0x${(size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff).toString(16).toUpperCase()}`;
      this.events.emit({ kind: 'note', cpu: this.currentCpu.index, traceClass: 'io', message: `I/O port 0x${port.toString(16).padStart(4, '0')} has no device on this machine: ${what} (as on a PC without it)` });
    };
    this.io.register(DEBUG_CONSOLE_PORT, 1, new DebugConsole((byte) => host.debugConsoleOutput(byte)));
    this.io.register(ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_SIZE, new IsaDebugExit((value) => this.debugExit(value)));
    if (config.endOnTripleFault ?? true) {
      this.events.subscribe((event) => {
        if (event.kind === 'triple-fault') this.requestExit({ kind: 'triple-fault', cpu: event.cpu ?? 0 });
      });
    }
  }

  /** Add the vCPUs (in index order) once they are built; creates the scheduler. */
  attachCpus(cpus: MachineCpu[]): void {
    if (cpus.length !== this.config.cpus) throw new Error(`expected ${this.config.cpus} vCPUs, got ${cpus.length}`);
    this.cpus.push(...cpus);
    this.scheduler = new Scheduler(this.cpus, this.clock, {
      quantum: this.config.quantum ?? DEFAULT_QUANTUM,
      seed: this.config.seed ?? DEFAULT_SEED,
    });
  }

  /** The machine's own run state (snapshots; the parts save themselves, see machine-snapshot.ts). */
  save(): MachineRunState {
    return { exitReason: this.exitReason === undefined ? null : { ...this.exitReason }, stopRequested: this.stopRequested, reportedPorts: [...this.reportedPorts], currentCpu: this.currentCpu.index };
  }

  restore(state: MachineRunState): void {
    this.exitReason = state.exitReason === null ? undefined : { ...state.exitReason };
    this.stopRequested = state.stopRequested;
    this.reportedPorts.clear();
    for (const port of state.reportedPorts) this.reportedPorts.add(port);
    this.currentCpu.index = state.currentCpu;
  }

  get exited(): ExitReason | undefined {
    return this.exitReason;
  }

  get totalInstructions(): number {
    let total = 0;
    for (const cpu of this.cpus) total += cpu.instructionsRetired;
    return total;
  }

  /** End the run at the next instruction boundary with this reason (first reason wins). */
  requestExit(reason: ExitReason): void {
    this.exitReason ??= reason;
    this.scheduler.stopRound = true;
    for (const cpu of this.cpus) cpu.requestStop();
  }

  /** Stop at the next instruction boundary without ending the run (debugger pause, breakpoints). */
  requestStop(): void {
    this.stopRequested = true;
    this.scheduler.stopRound = true;
    for (const cpu of this.cpus) cpu.requestStop();
  }

  private debugExit(value: number): void {
    this.events.emit({ kind: 'debug-exit', cpu: this.currentCpu.index, value });
    this.requestExit({ kind: 'debug-exit', value, status: debugExitStatus(value) });
  }

  /**
   * Run scheduler rounds until the machine exits, a stop is requested, or
   * about `budget` instructions have been retired (the caller then yields to
   * the host event loop and calls again).
   */
  run(budget: number, totalLimit = Infinity): RunResult {
    this.stopRequested = false;
    let retired = 0;
    while (this.exitReason === undefined) {
      if (this.stopRequested) return { kind: 'stopped' };
      const remainingTotal = totalLimit - this.totalInstructions;
      if (remainingTotal <= 0) {
        this.exitReason = { kind: 'instruction-limit' };
        break;
      }
      if (retired >= budget) return { kind: 'budget-spent' };
      const round = this.scheduler.runRound(Math.min(budget - retired, remainingTotal));
      if (round.kind === 'ran') {
        retired += round.retired;
        continue;
      }
      if (this.allHaltedWithInterruptsDisabled()) {
        this.exitReason = { kind: 'all-halted' };
        break;
      }
      if (round.kind === 'idle-forever') {
        this.exitReason = { kind: 'idle-forever' };
        break;
      }
    }
    if (this.stopRequested && this.exitReason === undefined) return { kind: 'stopped' };
    return { kind: 'exited', reason: this.exitReason! };
  }

  /**
   * True when no vCPU can ever run again by itself: each is halted with
   * EFLAGS.IF=0, never started, waiting for a SIPI nobody will send, or
   * shut down. (An NMI could still wake one, but nothing left can send it.)
   */
  private allHaltedWithInterruptsDisabled(): boolean {
    return this.cpus.every((cpu) => {
      switch (cpu.activity) {
        case 'halted':
          return !cpu.interruptsEnabled();
        case 'not-started':
        case 'wait-for-sipi':
        case 'shutdown':
          return true;
        case 'running':
          return false;
      }
    });
  }
}
