/**
 * A GdbTarget over run control (run-control/machine-controller.ts): gdb
 * thread N is vCPU N-1; memory is linear, as the selected vCPU translates
 * it (no side effects); Z0/Z1 are run control's instruction breakpoints and
 * Z2/Z3/Z4 its watchpoints, owned by 'gdb' so a debug adapter session on
 * the same machine keeps its own. Stops come back through `stopped` and
 * `exited`, which whoever owns the controller's callbacks forwards here.
 */
import type { WatchKind, Watchpoint } from '../emulator/cpu/debug-hooks';
import type { ExitReason } from '../emulator/machine/machine';
import type { InstructionBreakpoint, MachineController, StopInfo } from '../run-control/machine-controller';
import { REGISTER_ACCESS } from '../run-control/register-access';
import { fromLittleEndian, littleEndian } from './hex';
import { signalForEvent } from './machine-signals';
import { runMonitorCommand, type MonitorContext } from './monitor-commands';
import { i386Layout, type RegisterLayout } from './register-layout';
import type { PointType, ResumeAction } from './requests';
import { GdbSignal } from './stop-reply';
import type { GdbTarget, Refusal, StopReply, ThreadId } from './target';
import { targetXml } from './target-xml';
import { cpuMode } from '../run-control/cpu-inspection';

export interface MachineTargetOptions {
  /** The process exit status gdb's `W` reply reports for a machine that ended. */
  exitStatus(reason: ExitReason): number;
  /** Whether gdb may change the machine now (false while a debug adapter session runs it: read-only). */
  mayControl(): boolean;
  /** gdb asked to end the machine (`k`). */
  kill(): void;
  /** gdb went away: what the machine does next is the owner's choice (the CLI lets it run). */
  detached(): void;
  /** The machine was resumed by gdb (a debug adapter session shows it running). */
  resumed?(): void;
  /** Event filters on when gdb attaches (`monitor events on|off` changes them). */
  seed: number;
  quantum: number | undefined;
}

const WATCH_KINDS: Record<2 | 3 | 4, WatchKind> = { 2: 'write', 3: 'read', 4: 'readWrite' };

export class MachineTarget implements GdbTarget {
  readonly layout: RegisterLayout = i386Layout();
  private readonly xml = targetXml(this.layout);
  private breakpoints: (InstructionBreakpoint & { type: 0 | 1 })[] = [];
  private watchpoints: Watchpoint[] = [];
  private nextId = 1;
  private pending: ((stop: StopReply) => void) | undefined;
  private lastStop: StopReply;
  private lastExplanation = 'the machine has not stopped for gdb yet';

  constructor(private readonly controller: MachineController, private readonly options: MachineTargetOptions) {
    this.lastStop = { kind: 'signal', signal: GdbSignal.TRAP, thread: 1, cause: { kind: 'none' } };
  }

  /** The machine stopped (forwarded from the controller's `stopped` callback). */
  stopped(info: StopInfo): void {
    this.lastStop = this.stopReplyOf(info);
    const pending = this.pending;
    this.pending = undefined;
    pending?.(this.lastStop);
  }

  /** The machine ended (forwarded from the controller's `exited` callback). */
  exited(reason: ExitReason): void {
    this.lastExplanation = `the machine ended: ${reason.kind}`;
    this.lastStop = { kind: 'exited', status: this.options.exitStatus(reason) & 0xff };
    const pending = this.pending;
    this.pending = undefined;
    pending?.(this.lastStop);
  }

  private stopReplyOf(info: StopInfo): StopReply {
    const thread = info.cpu + 1;
    const explain = (text: string): string => {
      this.lastExplanation = text;
      return text;
    };
    switch (info.kind) {
      case 'breakpoint': {
        const cpu = this.controller.cpus[info.cpu];
        const at = (cpu.segBase[1] + cpu.state.eip) >>> 0;
        const hw = this.breakpoints.some((b) => b.linear === at && b.type === 1);
        if (at !== cpu.state.eip >>> 0) {
          // gdb's $pc is EIP, and Z0 addresses are linear: with a CS base (real mode: CS*16) gdb would not recognise its
          // breakpoint in a swbreak stop and would resume silently, so it gets a plain SIGTRAP with the where in words.
          const cs = cpu.state.segments[1].selector;
          const text = explain(`Bringup: vCPU ${info.cpu} stopped at the breakpoint at linear 0x${at.toString(16)} (CS:EIP ${cs.toString(16).padStart(4, '0')}:${cpu.state.eip.toString(16)}; gdb's $pc is EIP)`);
          return { kind: 'signal', signal: GdbSignal.TRAP, thread, cause: { kind: 'none' }, explanation: text };
        }
        explain(`vCPU ${info.cpu} hit a breakpoint at linear 0x${at.toString(16)}`);
        return { kind: 'signal', signal: GdbSignal.TRAP, thread, cause: { kind: hw ? 'hwbreak' : 'swbreak' } };
      }
      case 'data breakpoint': {
        const w = info.watch!;
        const kind = w.watchpoint.kind === 'write' ? 'watch' : w.watchpoint.kind === 'read' ? 'rwatch' : 'awatch';
        // gdb matches the address against its watch ranges: an access that starts below the range reports the range's start.
        const address = Math.max(w.address, w.watchpoint.address) >>> 0;
        explain(info.description ?? `vCPU ${info.cpu} accessed 0x${address.toString(16)}`);
        return { kind: 'signal', signal: GdbSignal.TRAP, thread, cause: { kind, address } };
      }
      case 'event': {
        const hit = info.hit!;
        const text = explain(`Bringup: ${hit.filter}: ${hit.description}`);
        return { kind: 'signal', signal: signalForEvent(hit.filter, hit.variables), thread, cause: { kind: 'none' }, explanation: `${text} (monitor why)` };
      }
      case 'pause':
        explain(`interrupted on vCPU ${info.cpu}`);
        return { kind: 'signal', signal: GdbSignal.INT, thread, cause: { kind: 'none' } };
      case 'step':
      case 'entry':
      case 'goto':
        explain(info.kind === 'step' ? `vCPU ${info.cpu} stepped` : info.description ?? info.kind);
        return { kind: 'signal', signal: GdbSignal.TRAP, thread, cause: { kind: 'none' } };
    }
  }

  featureDocument(annex: string): string | undefined {
    return annex === 'target.xml' ? this.xml : undefined;
  }

  threads(): ThreadId[] {
    return this.controller.cpus.map((_, i) => i + 1);
  }

  private cpuOf(thread: ThreadId): MachineController['cpus'][number] | undefined {
    return Number.isInteger(thread) && thread >= 1 ? this.controller.cpus[thread - 1] : undefined;
  }

  threadExtraInfo(thread: ThreadId): string | undefined {
    const cpu = this.cpuOf(thread);
    if (cpu === undefined) return undefined;
    const lapic = this.controller.pc.platform.lapics[cpu.index];
    // The architectural state in the SDM's words (gdb shows it next to each thread in `info threads`).
    const state = cpu.activity === 'running' ? 'running' : cpu.activity;
    return `vCPU ${cpu.index}${cpu.config.isBsp ? ' BSP' : ''} APIC ${lapic?.apicId ?? cpu.config.apicId}: ${state}, ${cpuMode(cpu)} mode`;
  }

  readRegister(thread: ThreadId, regno: number): Uint8Array | undefined {
    const cpu = this.cpuOf(thread);
    const r = this.layout[regno];
    const access = r === undefined ? undefined : REGISTER_ACCESS.get(r.name);
    if (cpu === undefined || access === undefined) return undefined;
    return littleEndian(access.read(cpu, this.controller.pc.platform.lapics[cpu.index]), r.bitsize / 8);
  }

  writeRegister(thread: ThreadId, regno: number, value: Uint8Array): Refusal | undefined {
    const control = this.controlRefusal();
    if (control !== undefined) return control;
    const cpu = this.cpuOf(thread);
    const r = this.layout[regno];
    const access = r === undefined ? undefined : REGISTER_ACCESS.get(r.name);
    if (cpu === undefined || access === undefined) return { refused: 'no such thread or register' };
    if (access.write === undefined) return { refused: `${r.name} is read-only` };
    const problem = access.write(cpu, fromLittleEndian(value));
    return problem === undefined ? undefined : { refused: problem };
  }

  readMemory(thread: ThreadId, address: number, length: number): Uint8Array | Refusal {
    const cpu = this.cpuOf(thread);
    if (cpu === undefined) return { refused: 'no such thread' };
    const bytes = cpu.readLinear(address >>> 0, Math.min(length, 0x100000000 - address));
    const readable = bytes.indexOf(undefined);
    return Uint8Array.from((readable < 0 ? bytes : bytes.slice(0, readable)) as number[]);
  }

  writeMemory(thread: ThreadId, address: number, data: Uint8Array): Refusal | undefined {
    const control = this.controlRefusal();
    if (control !== undefined) return control;
    const cpu = this.cpuOf(thread);
    if (cpu === undefined) return { refused: 'no such thread' };
    if (address + data.length > 0x100000000) return { refused: 'the range wraps past 4 GiB' };
    // All or nothing: probe the whole range before the first byte is written.
    for (let i = 0; i < data.length; i++) if (cpu.probeLinear(address + i) < 0) return { refused: `linear 0x${(address + i).toString(16)} is not mapped` };
    cpu.writeLinear(address, data);
    return undefined;
  }

  insertPoint(type: PointType, address: number, length: number): Refusal | 'unsupported' | undefined {
    const control = this.controlRefusal();
    if (control !== undefined) return control;
    if (type === 0 || type === 1) {
      if (!this.breakpoints.some((b) => b.linear === address && b.type === type)) this.breakpoints.push({ id: this.nextId++, linear: address >>> 0, hits: 0, type });
      this.controller.setInstructionBreakpoints(this.breakpoints, 'gdb');
      return undefined;
    }
    if (length < 1 || length > 4096) return { refused: `watch length ${length} (1 to 4096 bytes)` };
    const kind = WATCH_KINDS[type];
    if (!this.watchpoints.some((w) => w.address === address && w.size === length && w.kind === kind)) {
      this.watchpoints.push({ id: this.nextId++, address: address >>> 0, size: length, kind, physical: false });
    }
    this.controller.setWatchpoints(this.watchpoints, 'gdb');
    return undefined;
  }

  removePoint(type: PointType, address: number, length: number): Refusal | 'unsupported' | undefined {
    const control = this.controlRefusal();
    if (control !== undefined) return control;
    if (type === 0 || type === 1) {
      this.breakpoints = this.breakpoints.filter((b) => !(b.linear === address && b.type === type));
      this.controller.setInstructionBreakpoints(this.breakpoints, 'gdb');
      return undefined;
    }
    const kind = WATCH_KINDS[type];
    this.watchpoints = this.watchpoints.filter((w) => !(w.address === address && w.size === length && w.kind === kind));
    this.controller.setWatchpoints(this.watchpoints, 'gdb');
    return undefined;
  }

  private controlRefusal(): Refusal | undefined {
    if (this.controller.exited !== undefined) return { refused: 'the machine has ended' };
    if (this.controller.running || !this.options.mayControl()) return { refused: 'the machine is running under the debug adapter session: gdb has read-only access until it stops' };
    return undefined;
  }

  resume(actions: ResumeAction[], _current: ThreadId, stopped: (stop: StopReply) => void): Refusal | undefined {
    const control = this.controlRefusal();
    if (control !== undefined) return control;
    if (actions.some((a) => a.verb === 'stop' && a.thread === undefined && actions.length === 1)) return { refused: 'vCont;t alone resumes nothing' };
    // E.2 vCont: the leftmost action that matches a thread applies to it.
    const verbOf = new Map<ThreadId, ResumeAction['verb']>();
    for (const a of actions) {
      for (const thread of this.threads()) {
        if (verbOf.has(thread)) continue;
        if (a.thread === undefined || a.thread.kind === 'all' || (a.thread.kind === 'thread' && a.thread.id === thread) || (a.thread.kind === 'any' && thread === this.currentThread())) verbOf.set(thread, a.verb);
      }
    }
    const stepping = [...verbOf].filter(([, v]) => v === 'step').map(([t]) => t);
    const continuing = [...verbOf].filter(([, v]) => v === 'continue').map(([t]) => t);
    if (stepping.length > 1) return { refused: 'one thread steps at a time (all-stop)' };
    if (stepping.length === 0 && continuing.length === 0) return { refused: 'no thread to resume' };
    this.pending = stopped;
    this.options.resumed?.();
    const c = this.controller;
    if (stepping.length === 1) {
      // vCont;s:N;c is scheduler-locking off (the others run one instruction too); vCont;s:N alone is locked.
      c.stepInstruction(stepping[0] - 1, continuing.length > 0 ? 'off' : 'on', continuing.length === 0);
    } else if (continuing.length === this.threads().length) c.continue();
    else c.continueOnly(continuing.map((t) => t - 1));
    return undefined;
  }

  private currentThread(): ThreadId {
    return this.lastStop.kind === 'signal' ? this.lastStop.thread : 1;
  }

  interrupt(): void {
    this.controller.pause();
  }

  haltReason(): StopReply {
    return this.lastStop;
  }

  monitor(command: string): string {
    const context: MonitorContext = {
      controller: this.controller,
      currentCpu: this.currentThread() - 1,
      why: () => this.lastExplanation,
      seed: this.options.seed,
      quantum: this.options.quantum,
    };
    return runMonitorCommand(command, context);
  }

  detach(): void {
    this.pending = undefined;
    this.breakpoints = [];
    this.watchpoints = [];
    if (this.controller.exited === undefined) {
      this.controller.setInstructionBreakpoints([], 'gdb');
      this.controller.setWatchpoints([], 'gdb');
    }
    this.options.detached();
  }

  kill(): void {
    this.pending = undefined;
    this.options.kill();
  }
}
