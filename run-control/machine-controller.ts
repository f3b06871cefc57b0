/**
 * Run control for debuggers: runs a PcMachine with continue, pause,
 * instruction steps (with GDB-style scheduler locking), breakpoints with
 * conditions, hit counts and log messages, watchpoints and machine-event
 * breakpoints, and reports stops as plain data through callbacks. It knows
 * neither DAP nor the GDB remote protocol: the debug adapter and the GDB
 * stub are both translators over it, and may drive the same controller
 * (each owns its own breakpoints and watchpoints, see `owner`).
 *
 * All-stop: when one vCPU stops, every vCPU stops (they run one at a time,
 * so the others are already at an instruction boundary).
 */
import type { Cpu } from '../emulator/cpu/cpu';
import { DebugHookTable, type Watchpoint, type WatchHit } from '../emulator/cpu/debug-hooks';
import { decodeInstruction } from '../emulator/cpu/decoder';
import { DecodedInstruction } from '../emulator/cpu/decoded-instruction';
import { traceClassOf, type MachineEvent } from '../emulator/events/machine-events';
import { formatTraceLine } from '../cli/trace-format';
import type { ExitReason } from '../emulator/machine/machine';
import { createPcMachine, type PcMachine } from '../emulator/machine/pc-machine';
import type { BootSelection } from '../emulator/boot/boot-plan';
import { matchEvent, matchPortAccess, type EventFilterId, type EventHit } from './event-filters';

/** GDB's `set scheduler-locking`: whether other vCPUs run while one steps or runs to a location. */
export type SchedulerLocking = 'off' | 'step' | 'on';

/**
 * The machine to build (and rebuild on restart) and how to run it. The
 * adapter's LaunchConfig is one; `bringup run --gdb` builds one from its
 * options.
 */
export interface RunControlConfig {
  imageBytes: Uint8Array;
  boot: string;
  cpus: number;
  memorySize: number;
  disk?: Uint8Array;
  disks?: Uint8Array[];
  /** `--disk-writable`: where guest sector writes go (otherwise an in-memory overlay). */
  diskWriteBack?: (disk: number, lba: number, data: Uint8Array) => void;
  cmdline?: string;
  modules: { data: Uint8Array; string: string }[];
  initrd?: Uint8Array;
  seed: number;
  quantum?: number;
  serialIrqGate: 'none' | 'out2';
  stopOnEntry: boolean;
  /** Machine-event trace classes echoed through `output` (as `bringup run --trace` prints them). */
  traceEvents: readonly string[];
  /** Guest output (COM1, port 0xE9) byte for byte, as `bringup run` writes it; without it, `output` gets UTF-8 text. */
  rawOutput?: (bytes: Uint8Array) => void;
}

/** Who set a breakpoint or watchpoint: the debug adapter's session, or a GDB client attached to the same machine. */
export type BreakpointOwner = 'session' | 'gdb';

export type StopKind = 'entry' | 'breakpoint' | 'step' | 'pause' | 'event' | 'data breakpoint' | 'goto';

export interface StopInfo {
  kind: StopKind;
  cpu: number;
  description?: string;
  hit?: EventHit;
  watch?: WatchHit;
  breakpointIds?: number[];
}

export interface InstructionBreakpoint {
  id: number;
  /** Linear address, or the physical address when `physical` is set. */
  linear: number;
  physical?: boolean;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
  hits: number;
}

export interface ControllerCallbacks {
  stopped(info: StopInfo): void;
  exited(reason: ExitReason): void;
  output(text: string, category: 'stdout' | 'console'): void;
  /** Condition evaluation for breakpoints and events, in the context of a vCPU (the adapter owns the language). */
  condition(expression: string, cpu: number, variables: Record<string, number | string | boolean>): boolean;
  /** Log-point message interpolation ({expr}). */
  logMessage(template: string, cpu: number): string;
  /** Called while running, at most every ~100 ms. */
  progress?(): void;
  /** Every machine event, before it is matched against the armed filters (so a stop it causes already sees what the callback changed). */
  machineEvent?(event: MachineEvent): void;
}

/** Instructions per run() call between yields to the host event loop. */
const CHUNK = 200_000;

export class MachineController {
  pc!: PcMachine;
  readonly hooks = new DebugHookTable();
  running = false;
  exited: ExitReason | undefined;
  private breakpoints = new Map<number, InstructionBreakpoint[]>();
  private readonly armed = new Map<EventFilterId, string | undefined>();
  private pendingHits: EventHit[] = [];
  /** vCPUs that stopped on a breakpoint address since the last resume, in the order they hit. */
  private breakpointCpus: number[] = [];
  private pauseRequested = false;
  /** A temporary breakpoint (step over / step out) for one vCPU, with an optional stack condition. */
  private temporary: { cpu: number; linear: number; minEsp?: number } | undefined;
  private lastProgress = 0;
  private output: number[] = [];
  private readonly outputDecoder = new TextDecoder('utf-8');
  private unsubscribe: (() => void) | undefined;
  /** Paravirtual startup events in order (the IPI timeline shows them on the lanes). */
  readonly paravirtEvents: { seq: number; time: number; cpu: number | undefined; kind: string; apicId: number | undefined; summary: string }[] = [];
  /** Last machine event per vCPU, in words (the vCPUs view). */
  readonly lastEvent = new Map<number, string>();

  constructor(readonly config: RunControlConfig, private readonly callbacks: ControllerCallbacks) {
    this.build();
  }

  private build(): void {
    this.unsubscribe?.();
    const flush = (): void => this.flushOutput();
    this.pc = createPcMachine(
      {
        image: this.config.imageBytes,
        boot: this.config.boot as BootSelection,
        cpus: this.config.cpus,
        memorySize: this.config.memorySize,
        disk: this.config.disk,
        disks: this.config.disks,
        diskWriteBack: this.config.diskWriteBack,
        cmdline: this.config.cmdline,
        modules: this.config.modules.map((m) => ({ data: m.data, string: m.string })),
        initrd: this.config.initrd,
        seed: this.config.seed,
        quantum: this.config.quantum,
        serialIrqGate: this.config.serialIrqGate,
        endOnTripleFault: false,
      },
      {
        serialOutput: (b) => {
          this.output.push(b);
          if (b === 10 || this.output.length > 4096) flush();
        },
        debugConsoleOutput: (b) => {
          this.output.push(b);
          if (b === 10 || this.output.length > 4096) flush();
        },
      },
    );
    this.exited = undefined;
    this.paravirtEvents.length = 0;
    for (const cpu of this.pc.cpus) cpu.debugHooks = this.hooks;
    this.hooks.onStop = (cpu) => {
      if (!this.breakpointCpus.includes(cpu)) this.breakpointCpus.push(cpu);
      this.pc.machine.requestStop();
    };
    this.syncWatchCount();
    this.unsubscribe = this.pc.machine.events.subscribe((event) => this.onEvent(event));
    this.pc.machine.io.observers.length = 0;
    if (this.armed.has('port-io')) this.pc.machine.io.observers.push((access) => this.onPortAccess(access));
  }

  private flushOutput(): void {
    if (this.output.length === 0) return;
    if (this.config.rawOutput !== undefined) {
      this.config.rawOutput(Uint8Array.from(this.output));
      this.output = [];
      return;
    }
    // UTF-8, as a terminal shows `bringup run`'s byte-for-byte output; a sequence cut by a flush waits for its rest.
    const text = this.outputDecoder.decode(Uint8Array.from(this.output), { stream: true });
    this.output = [];
    this.callbacks.output(text, 'stdout');
  }

  get cpus(): Cpu[] {
    return this.pc.cpus;
  }

  // ------------------------------------------------------------------
  // Breakpoints, watchpoints, event filters
  // ------------------------------------------------------------------

  /** Replace `owner`'s instruction breakpoints (the other owner's stay). */
  setInstructionBreakpoints(list: InstructionBreakpoint[], owner: BreakpointOwner = 'session'): void {
    this.breakpointsByOwner.set(owner, list);
    this.breakpoints = new Map();
    this.physicalBreakpoints = new Map();
    for (const bp of [...this.breakpointsByOwner.values()].flat()) {
      const table = bp.physical === true ? this.physicalBreakpoints : this.breakpoints;
      const at = table.get(bp.linear) ?? [];
      at.push(bp);
      table.set(bp.linear, at);
    }
    this.hooks.setPhysicalBreakpoints(this.physicalBreakpoints.keys());
    this.applyBreakpointTable();
  }
  private physicalBreakpoints = new Map<number, InstructionBreakpoint[]>();
  private readonly breakpointsByOwner = new Map<BreakpointOwner, InstructionBreakpoint[]>();
  private readonly watchpointsByOwner = new Map<BreakpointOwner, Watchpoint[]>();

  private applyBreakpointTable(): void {
    const addresses = new Set<number>(this.breakpoints.keys());
    if (this.temporary !== undefined) addresses.add(this.temporary.linear);
    this.hooks.setBreakpoints(addresses);
  }

  /** Replace `owner`'s watchpoints (the other owner's stay). */
  setWatchpoints(list: Watchpoint[], owner: BreakpointOwner = 'session'): void {
    this.watchpointsByOwner.set(owner, list);
    this.hooks.watchpoints = [...this.watchpointsByOwner.values()].flat();
    this.syncWatchCount();
  }

  private syncWatchCount(): void {
    for (const cpu of this.pc.cpus) cpu.watchCount = this.hooks.watchpoints.length;
  }

  setEventFilters(filters: { id: EventFilterId; condition?: string }[]): void {
    this.armed.clear();
    for (const f of filters) this.armed.set(f.id, f.condition);
    this.pc.machine.io.observers.length = 0;
    if (this.armed.has('port-io')) this.pc.machine.io.observers.push((access) => this.onPortAccess(access));
  }

  /** The armed machine-event filters with their conditions. */
  eventFilters(): { id: EventFilterId; condition?: string }[] {
    return [...this.armed].map(([id, condition]) => (condition === undefined ? { id } : { id, condition }));
  }

  private onEvent(event: MachineEvent): void {
    this.callbacks.machineEvent?.(event);
    if (this.config.traceEvents.length > 0 && this.config.traceEvents.includes(traceClassOf(event))) this.callbacks.output(formatTraceLine(event) + '\n', 'console');
    if (event.cpu !== undefined && event.kind !== 'note') this.lastEvent.set(event.cpu, event.kind === 'ipi' ? `IPI #${event.record.seq} ${event.record.deliveryMode}` : event.kind);
    if (event.kind === 'ipi') for (const t of event.record.targets) this.lastEvent.set(t.cpu, `${event.record.deliveryMode} IPI ${t.outcome} from vCPU ${event.record.sender}`);
    if (event.kind === 'pv-startup-state' || event.kind === 'pv-vcpu-up' || event.kind === 'pv-refused' || event.kind === 'pv-stale-state') {
      const summary = matchEvent(event)[0]?.description ?? event.kind;
      this.paravirtEvents.push({ seq: this.paravirtEvents.length, time: event.time, cpu: event.cpu, kind: event.kind === 'pv-startup-state' ? `pv-startup-state:${event.action}` : event.kind, apicId: event.apicId, summary });
    }
    if (this.armed.size === 0) return;
    for (const hit of matchEvent(event)) this.consider(hit);
  }

  private onPortAccess(access: Parameters<typeof matchPortAccess>[0]): void {
    this.consider(matchPortAccess(access, this.pc.machine.currentCpu.index));
  }

  private consider(hit: EventHit): void {
    if (!this.armed.has(hit.filter)) return;
    const condition = this.armed.get(hit.filter);
    if (condition !== undefined && condition.trim() !== '') {
      let ok = false;
      try {
        ok = this.callbacks.condition(condition, hit.cpu, hit.variables);
      } catch (e) {
        this.callbacks.output(`Bringup: condition of the "${hit.filter}" event breakpoint failed: ${(e as Error).message}\n`, 'console');
        ok = true; // a broken condition stops rather than silently passing
      }
      if (!ok) return;
    }
    this.pendingHits.push(hit);
    this.pc.machine.requestStop();
  }

  // ------------------------------------------------------------------
  // Execution control
  // ------------------------------------------------------------------

  private prepareResume(): void {
    const evaluated = new Set(this.breakpointCpus);
    if (this.lastReported !== undefined) evaluated.add(this.lastReported);
    this.pendingHits = [];
    this.breakpointCpus = [];
    this.hooks.lastWatchHit = undefined;
    for (const cpu of this.pc.cpus) cpu.prepareResume(evaluated.has(cpu.index));
    this.lastReported = undefined;
  }
  /** The vCPU the last stop was reported on (it steps over a breakpoint at its current instruction). */
  private lastReported: number | undefined;

  start(): void {
    if (this.config.stopOnEntry) {
      this.callbacks.stopped({ kind: 'entry', cpu: 0, description: 'stopped at the boot entry point' });
      return;
    }
    this.continue();
  }

  /** Event hits from the last stop's instruction that are still to be reported. */
  private queuedHits: EventHit[] = [];

  continue(): void {
    if (this.exited !== undefined || this.running) return;
    const queued = this.queuedHits.shift();
    if (queued !== undefined) {
      this.running = true;
      setImmediate(() => this.report({ kind: 'event', cpu: queued.cpu, hit: queued, description: queued.description }));
      return;
    }
    this.prepareResume();
    this.pauseRequested = false;
    this.running = true;
    setImmediate(() => this.runLoop());
  }

  /**
   * Continue only some vCPUs (scheduler locking "on", DAP singleThread, a
   * gdb `vCont;c:N`); the others stay where they are.
   */
  continueOnly(cpuIndex: number | readonly number[]): void {
    if (this.exited !== undefined || this.running) return;
    const only = typeof cpuIndex === 'number' ? [cpuIndex] : [...cpuIndex];
    if (only.length === 0) return;
    this.prepareResume();
    this.pauseRequested = false;
    this.running = true;
    this.onlyCpus = only;
    setImmediate(() => this.runLoop());
  }
  /** When set, runLoop runs only these vCPUs. */
  private onlyCpus: number[] | undefined;

  /** The debugger's run state of one vCPU (all-stop, except continueOnly). */
  runState(cpuIndex: number): 'stopped' | 'running' {
    return this.running && (this.onlyCpus === undefined || this.onlyCpus.includes(cpuIndex)) ? 'running' : 'stopped';
  }

  pause(): void {
    if (!this.running) return;
    this.pauseRequested = true;
    this.pc.machine.requestStop();
  }

  private runLoop(): void {
    if (!this.running) return;
    let result;
    try {
      result = this.onlyCpus === undefined ? this.pc.machine.run(CHUNK) : this.runOnly(this.onlyCpus);
    } catch (error) {
      this.running = false;
      this.callbacks.output(`Bringup: internal emulator error: ${(error as Error).stack ?? error}\n`, 'console');
      this.exited = { kind: 'idle-forever' };
      this.callbacks.exited(this.exited);
      return;
    }
    this.flushOutput();
    if (result.kind === 'exited') {
      this.running = false;
      this.onlyCpus = undefined;
      this.exited = result.reason;
      this.callbacks.exited(result.reason);
      return;
    }
    if (result.kind === 'stopped') {
      if (this.resolveStop()) return;
      // A breakpoint whose condition was false, or a log point: carry on.
      this.prepareResume();
    }
    const now = Date.now();
    if (this.callbacks.progress !== undefined && now - this.lastProgress > 100) {
      this.lastProgress = now;
      this.callbacks.progress();
    }
    setImmediate(() => this.runLoop());
  }

  /** One chunk of some vCPUs only, in turn, 1,000 instructions at a time; virtual time advances with their instructions. */
  private runOnly(cpuIndexes: readonly number[]): ReturnType<PcMachine['machine']['run']> {
    const machine = this.pc.machine;
    const cpus = cpuIndexes.map((i) => this.pc.cpus[i]);
    let retired = 0;
    while (retired < CHUNK) {
      if (machine.exited !== undefined) return { kind: 'exited', reason: machine.exited };
      const runnable = cpus.filter((cpu) => cpu.isRunnable());
      if (runnable.length === 0) {
        const deadline = machine.clock.nextDeadline();
        if (deadline === Infinity) return { kind: 'exited', reason: { kind: 'idle-forever' } };
        machine.clock.advanceTo(Math.max(deadline, machine.clock.now));
        continue;
      }
      for (const cpu of runnable) {
        machine.currentCpu.index = cpu.index;
        const n = cpu.runSlice(Math.min(1000, CHUNK - retired));
        retired += n;
        machine.clock.advanceTo(machine.clock.now + Math.max(1, n));
        if (this.stopPending()) return { kind: 'stopped' };
      }
    }
    return { kind: 'budget-spent' };
  }

  /** A breakpoint, watchpoint, machine event or pause is waiting to be resolved. */
  private stopPending(): boolean {
    return this.pendingHits.length > 0 || this.breakpointCpus.length > 0 || this.hooks.lastWatchHit !== undefined || this.pauseRequested;
  }

  /** A watchpoint or a machine event stopped a step early: the stop to report instead of the step's (watchpoints first). */
  private earlyStop(): StopInfo | undefined {
    const watch = this.hooks.lastWatchHit;
    if (watch !== undefined) return { kind: 'data breakpoint', cpu: watch.cpu, watch, description: describeWatch(watch) };
    const hit = this.pendingHits[0];
    if (hit !== undefined) return { kind: 'event', cpu: hit.cpu, hit, description: hit.description };
    return undefined;
  }

  /** Decide why the machine stopped; true when the stop is reported (the loop ends). */
  private resolveStop(): boolean {
    const early = this.earlyStop();
    if (early !== undefined) return this.report(early);
    for (const cpuIndex of this.breakpointCpus) {
      const cpu = this.pc.cpus[cpuIndex];
      const linear = (cpu.segBase[1] + cpu.state.eip) >>> 0;
      const t = this.temporary;
      if (t !== undefined && t.linear === linear && t.cpu === cpuIndex && (t.minEsp === undefined || cpu.state.gpr[4] >>> 0 >= t.minEsp)) {
        this.temporary = undefined;
        this.applyBreakpointTable();
        return this.report({ kind: 'step', cpu: cpuIndex });
      }
      const ids = this.breakpointsThatFire(linear, cpuIndex);
      if (ids.length > 0) return this.report({ kind: 'breakpoint', cpu: cpuIndex, breakpointIds: ids });
    }
    if (this.pauseRequested) {
      this.pauseRequested = false;
      return this.report({ kind: 'pause', cpu: this.pc.machine.currentCpu.index });
    }
    return false;
  }

  private breakpointsThatFire(linear: number, cpu: number): number[] {
    const fired: number[] = [];
    const physical = this.physicalBreakpoints.size > 0 ? this.pc.cpus[cpu].probeLinear(linear) : -1;
    for (const bp of [...(this.breakpoints.get(linear) ?? []), ...(this.physicalBreakpoints.get(physical) ?? [])]) {
      if (bp.condition !== undefined && bp.condition.trim() !== '') {
        let ok: boolean;
        try {
          ok = this.callbacks.condition(bp.condition, cpu, {});
        } catch (e) {
          this.callbacks.output(`Bringup: breakpoint condition "${bp.condition}" failed: ${(e as Error).message}\n`, 'console');
          ok = true;
        }
        if (!ok) continue;
      }
      bp.hits++;
      if (bp.hitCondition !== undefined && !hitConditionMet(bp.hitCondition, bp.hits)) continue;
      if (bp.logMessage !== undefined) {
        this.callbacks.output(this.callbacks.logMessage(bp.logMessage, cpu) + '\n', 'console');
        continue;
      }
      fired.push(bp.id);
    }
    return fired;
  }

  private report(info: StopInfo): true {
    this.running = false;
    this.onlyCpus = undefined;
    this.lastReported = info.cpu;
    // Several machine events can happen in one instruction (an undecodable opcode whose #UD then triple-faults):
    // the first is reported now, the others on the next continue, before the machine runs again.
    if (info.kind === 'event') this.queuedHits = this.pendingHits.filter((h) => h !== info.hit);
    this.pendingHits = [];
    this.flushOutput();
    this.callbacks.stopped(info);
    return true;
  }

  /** After an instruction step or a bounded run of steps: the machine's end, a watchpoint or event, or the step itself. */
  private reportStepEnd(cpuIndex: number): void {
    this.flushOutput();
    if (this.pc.machine.exited !== undefined) {
      this.exited = this.pc.machine.exited;
      this.callbacks.exited(this.exited);
      return;
    }
    this.report(this.earlyStop() ?? { kind: 'step', cpu: cpuIndex });
  }

  /**
   * One step round: every other runnable vCPU one instruction (unless
   * `alone`), then `cpu` one instruction, then one tick of virtual time.
   * The single place where stepping advances the clock.
   */
  private stepRound(cpu: Cpu, alone: boolean): void {
    if (!alone) for (const other of this.pc.cpus) if (other !== cpu && other.isRunnable()) this.runOne(other, 1);
    this.runOne(cpu, 1);
    this.pc.machine.clock.advanceTo(this.pc.machine.clock.now + 1);
  }

  /** One instruction on `cpuIndex`; other vCPUs run one instruction each too unless locked. */
  stepInstruction(cpuIndex: number, locking: SchedulerLocking, singleThread = false): void {
    if (this.exited !== undefined) return;
    this.prepareResume();
    try {
      this.stepRound(this.pc.cpus[cpuIndex], locking !== 'off' || singleThread);
    } catch (error) {
      this.callbacks.output(`Bringup: internal emulator error: ${(error as Error).stack ?? error}\n`, 'console');
    }
    this.reportStepEnd(cpuIndex);
  }

  private runOne(cpu: Cpu, n: number): void {
    this.pc.machine.currentCpu.index = cpu.index;
    cpu.prepareResume(true);
    cpu.runSlice(n);
  }

  /**
   * Step over: a CALL, INT n or REP-prefixed instruction runs to the next
   * instruction (temporary breakpoint on this vCPU, with ESP back at least
   * where it was, so recursion does not stop early); anything else is one
   * instruction.
   */
  stepOver(cpuIndex: number, locking: SchedulerLocking, singleThread = false): void {
    const cpu = this.pc.cpus[cpuIndex];
    const insn = this.decodeAt(cpu);
    const op = insn?.opcode ?? -1;
    const isCall = op === 0xe8 || op === 0x9a || (op === 0xff && insn !== undefined && (insn.reg === 2 || insn.reg === 3));
    const isInt = op === 0xcd || op === 0xcc || op === 0xce;
    const isRep = insn !== undefined && insn.rep !== 0 && [0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0x6c, 0x6d, 0x6e, 0x6f].includes(op);
    if (insn === undefined || !(isCall || isInt || isRep) || cpu.activity !== 'running') {
      this.stepInstruction(cpuIndex, locking, singleThread);
      return;
    }
    const next = (cpu.segBase[1] + cpu.state.eip + insn.length) >>> 0;
    this.runToTemporary(cpuIndex, next, cpu.state.gpr[4] >>> 0, locking, singleThread);
  }

  /** Step out: run until this vCPU returns from the current function (return address at [EBP+4], ESP above the frame). */
  stepOut(cpuIndex: number, locking: SchedulerLocking, singleThread = false, returnAddress?: number): void {
    const cpu = this.pc.cpus[cpuIndex];
    let target = returnAddress;
    if (target === undefined) {
      const ebp = cpu.state.gpr[5] >>> 0;
      const bytes = cpu.readLinear((cpu.segBase[2] + ebp + (cpu.codeSize === 32 ? 4 : 2)) >>> 0, cpu.codeSize === 32 ? 4 : 2);
      if (bytes.some((b) => b === undefined)) {
        this.stepInstruction(cpuIndex, locking, singleThread);
        return;
      }
      target = bytes.reduceRight((acc: number, b) => acc * 256 + (b as number), 0);
      if (cpu.codeSize === 16) target = (cpu.segBase[1] + target) >>> 0;
    }
    this.runToTemporary(cpuIndex, target >>> 0, (cpu.state.gpr[4] >>> 0) + 1, locking, singleThread);
  }

  /** Run to a linear address on one vCPU (the others run too unless scheduler locking is "on"). */
  runToTemporary(cpuIndex: number, linear: number, minEsp: number | undefined, locking: SchedulerLocking, singleThread = false): void {
    this.temporary = { cpu: cpuIndex, linear, minEsp };
    this.applyBreakpointTable();
    if (locking === 'on' || singleThread) {
      this.runOnlyUntilTemporary(cpuIndex);
      return;
    }
    this.continue();
  }

  /** Scheduler locking "on": only this vCPU runs until the temporary breakpoint (bounded, then reported as a step). */
  private runOnlyUntilTemporary(cpuIndex: number): void {
    const cpu = this.pc.cpus[cpuIndex];
    const t = this.temporary;
    this.prepareResume();
    if (t !== undefined) this.runOneUntil(cpu, t.linear, t.minEsp ?? 0, true, 5_000_000);
    this.temporary = undefined;
    this.applyBreakpointTable();
    this.reportStepEnd(cpuIndex);
  }

  /** Line stepping: step instructions on one vCPU until `done` says the line changed (bounded). */
  stepUntil(cpuIndex: number, locking: SchedulerLocking, singleThread: boolean, done: (cpu: Cpu) => boolean, stepOverCalls: boolean): void {
    const cpu = this.pc.cpus[cpuIndex];
    const alone = locking !== 'off' || singleThread;
    this.prepareResume();
    for (let i = 0; i < 2_000_000; i++) {
      if (stepOverCalls) {
        const insn = this.decodeAt(cpu);
        if (insn !== undefined && (insn.opcode === 0xe8 || (insn.opcode === 0xff && (insn.reg === 2 || insn.reg === 3)))) {
          const next = (cpu.segBase[1] + cpu.state.eip + insn.length) >>> 0;
          this.runOneUntil(cpu, next, cpu.state.gpr[4] >>> 0, alone);
          if (done(cpu)) break;
          continue;
        }
      }
      const taken = cpu.externalEventsTaken;
      const resumeAt = (cpu.segBase[1] + cpu.state.eip) >>> 0;
      const espBefore = cpu.state.gpr[4] >>> 0;
      this.stepRound(cpu, alone);
      // A line step steps over hardware interrupts: when one was taken at this boundary, run the handler back to where it interrupted.
      if (cpu.externalEventsTaken !== taken && cpu.activity === 'running') this.runOneUntil(cpu, resumeAt, espBefore, alone);
      if (this.pendingHits.length > 0 || this.hooks.lastWatchHit !== undefined || cpu.activity !== 'running' || this.pc.machine.exited !== undefined) break;
      if (done(cpu)) break;
    }
    this.reportStepEnd(cpuIndex);
  }

  /** Step rounds until `cpu` is at `linear` with ESP at least `minEsp`, something stops it, or `limit` rounds. */
  private runOneUntil(cpu: Cpu, linear: number, minEsp: number, alone: boolean, limit = 2_000_000): void {
    for (let i = 0; i < limit; i++) {
      this.stepRound(cpu, alone);
      if ((cpu.segBase[1] + cpu.state.eip) >>> 0 === linear && cpu.state.gpr[4] >>> 0 >= minEsp) return;
      if (this.pendingHits.length > 0 || this.hooks.lastWatchHit !== undefined || cpu.activity !== 'running' || this.pc.machine.exited !== undefined) return;
    }
  }

  decodeAt(cpu: Cpu): DecodedInstruction | undefined {
    const insn = new DecodedInstruction();
    const base = (cpu.segBase[1] + cpu.state.eip) >>> 0;
    try {
      const ok = decodeInstruction(insn, (i) => {
        const b = cpu.readLinear((base + i) >>> 0, 1)[0];
        if (b === undefined) throw new RangeError('unmapped');
        return b;
      }, cpu.codeSize);
      return ok ? insn : undefined;
    } catch {
      return undefined;
    }
  }

  /** Deterministic re-run of the same boot. */
  restart(): void {
    this.running = false;
    this.temporary = undefined;
    this.build();
    this.applyBreakpointTable();
  }

  terminate(): void {
    this.running = false;
    this.unsubscribe?.();
  }
}

function hitConditionMet(condition: string, hits: number): boolean {
  const m = /^\s*(>=|<=|==|>|<|%)?\s*(\d+)\s*$/.exec(condition);
  if (m === null) return true;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=': return hits >= n;
    case '<=': return hits <= n;
    case '>': return hits > n;
    case '<': return hits < n;
    case '%': return n > 0 && hits % n === 0;
    case '==': return hits === n;
    default: return hits >= n; // a bare number: break from the Nth hit on (as GDB's ignore count)
  }
}

function describeWatch(w: WatchHit): string {
  const hex = (v: number, d: number): string => '0x' + (v >>> 0).toString(16).padStart(d, '0');
  return w.access === 'write'
    ? `vCPU ${w.cpu} wrote ${hex(w.address, 8)} (${w.size} byte${w.size === 1 ? '' : 's'}) at EIP ${hex(w.eip, 8)}: ${hex(w.oldValue, w.size * 2)} → ${hex(w.newValue, w.size * 2)}`
    : `vCPU ${w.cpu} read ${hex(w.address, 8)} (${w.size} byte${w.size === 1 ? '' : 's'}) at EIP ${hex(w.eip, 8)}: value ${hex(w.oldValue, w.size * 2)}`;
}
