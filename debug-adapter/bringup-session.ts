/**
 * The Bringup debug adapter: vCPUs as DAP threads, all-stop execution
 * control, instruction/function/data breakpoints, machine-event breakpoints
 * (exception filters), the system-state scopes, evaluate, memory and
 * disassembly, and the custom requests the extension's views use. The
 * machine itself is driven by MachineController (no DAP types there).
 */
import {
  BreakpointEvent, CapabilitiesEvent, ContinuedEvent, ExitedEvent, InitializedEvent, InvalidatedEvent, LoggingDebugSession, OutputEvent, Response, Scope, StoppedEvent, TerminatedEvent, Thread, Event,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../emulator/cpu/cpu';
import type { Watchpoint } from '../emulator/cpu/debug-hooks';
import { formatRegisterDump } from '../emulator/machine/register-snapshot';
import type { ExitReason } from '../emulator/machine/machine';
import { debugExitStatus } from '../emulator/devices/isa-debug-exit';
import { STATE_CHANGED_EVENT, type VcpusResponse } from './custom-protocol';
import { EVENT_FILTERS, EVENT_FILTER_IDS, type EventFilterId } from './event-filters';
import { evaluate, evaluateCondition, formatValue, ExpressionError, type Value } from './expression/evaluator';
import { LaunchConfigError, parseLaunchConfig, type LaunchConfig } from './launch-config';
import { MachineController, type InstructionBreakpoint, type StopInfo } from '../run-control/machine-controller';
import { buildEvalContext } from './eval-context';
import { lapicScope } from './system-state/apic-views';
import { cpuMode } from '../run-control/cpu-inspection';
import { controlSystemScope, registersScope, segmentsScope } from './system-state/cpu-scopes';
import { fpuScope } from './system-state/fpu-scope';
import { hex, type VarNode } from './system-state/var-node';
import { disassembleAround } from './disassembly';
import { handleCustomRequest } from './custom-requests';
import { paravirtScope } from './system-state/paravirt-scope';
import { SymbolBridge } from './symbol-bridge';
import { activityName, threadName } from './vcpu-state';
import { argumentProblem } from './request-arguments';

interface FrameRef {
  cpu: number;
  frame: number;
}

/** Variables handles: scopes and expandable values of the current stop. */
class VarHandles {
  private nodes: (() => VarNode[])[] = [];
  add(children: () => VarNode[]): number {
    this.nodes.push(children);
    return this.nodes.length;
  }
  get(ref: number): (() => VarNode[]) | undefined {
    return this.nodes[ref - 1];
  }
  reset(): void {
    this.nodes = [];
  }
}

const FRAME_STRIDE = 1000;

/** What the host knows before `initialize`: the extension passes the launch configuration's `stopOnEvents`. */
export interface BringupSessionOptions {
  stopOnEvents?: readonly unknown[];
}

/** The exception filters as DAP announces them: a filter in the launch list starts checked. */
function exceptionFilters(launchList: readonly string[]): DebugProtocol.ExceptionBreakpointsFilter[] {
  return EVENT_FILTERS.map((f) => ({
    filter: f.id,
    label: f.label,
    description: f.description,
    default: f.default || launchList.includes(f.id),
    supportsCondition: true,
    conditionDescription: f.conditionDescription,
  }));
}

export class BringupDebugSession extends LoggingDebugSession {
  private controller: MachineController | undefined;
  private config: LaunchConfig | undefined;
  private configurationDone!: Promise<void>;
  private resolveConfigurationDone!: () => void;
  private readonly handles = new VarHandles();
  /** Set on the node lists so setVariable finds the editable node by container + name. */
  private readonly containers = new Map<number, VarNode[]>();
  private lastStop: StopInfo | undefined;
  private selectedCpu = 0;
  private instructionBreakpoints: (DebugProtocol.InstructionBreakpoint & { id: number })[] = [];
  private functionBreakpoints: (DebugProtocol.FunctionBreakpoint & { id: number })[] = [];
  private sourceBreakpoints = new Map<string, (DebugProtocol.SourceBreakpoint & { id: number })[]>();
  /** What each breakpoint id was last reported as, so a change (symbols loaded at launch) can be sent as an event. */
  private reported = new Map<number, string>();
  private dataBreakpoints: DebugProtocol.DataBreakpoint[] = [];
  private eventFilters: { id: EventFilterId; condition?: string }[] = [];
  /** Set once the client has sent setExceptionBreakpoints: from then on its list is the whole truth. */
  private eventFiltersFromClient = false;
  private configured = false;
  /** The launch list the initialize response announced as checked. */
  private readonly announcedStopOnEvents: string[];
  private nextBreakpointId = 1;
  private symbols = new SymbolBridge();

  constructor(options: BringupSessionOptions = {}) {
    super();
    this.announcedStopOnEvents = (Array.isArray(options.stopOnEvents) ? options.stopOnEvents : []).filter((id): id is string => typeof id === 'string');
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configurationDone = new Promise((resolve) => (this.resolveConfigurationDone = resolve));
  }

  /**
   * Arguments of the wrong shape are answered here, naming the request and the argument; requests whose arguments
   * are missing get an empty object, so every handler can check what its fields mean.
   */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const problem = argumentProblem(request.command, request.arguments);
    if (problem !== undefined) return this.sendErrorResponse(new Response(request), { id: 1100, format: problem, showUser: false });
    if (typeof request.arguments !== 'object' || request.arguments === null || Array.isArray(request.arguments)) request.arguments = {};
    // DAP: pathFormat defaults to "path" (the base class refuses a missing one).
    if (request.command === 'initialize' && request.arguments.pathFormat === undefined) request.arguments.pathFormat = 'path';
    super.dispatchRequest(request);
  }

  // ==================================================================
  // Lifecycle
  // ==================================================================

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsDisassembleRequest: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsSetVariable: true,
      supportsExceptionInfoRequest: true,
      supportsExceptionFilterOptions: true,
      supportsSteppingGranularity: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsEvaluateForHovers: true,
      supportsSingleThreadExecutionRequests: true,
      supportsValueFormattingOptions: false,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: ['$', '.'],
      exceptionBreakpointFilters: exceptionFilters(this.announcedStopOnEvents),
    };
    this.sendResponse(response);
    // `initialized` waits for launch: the configuration requests that follow it must see the launch list first.
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured = true;
    this.resolveConfigurationDone();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    let config: LaunchConfig;
    try {
      const raw = args as Record<string, unknown>;
      const cwd = typeof raw.cwd === 'string' ? raw.cwd : process.cwd();
      config = parseLaunchConfig(raw, cwd);
      this.symbols.load(config.symbolFiles, config.image);
    } catch (e) {
      const message = e instanceof LaunchConfigError ? e.message : `cannot launch: ${(e as Error).message}`;
      this.sendErrorResponse(response, { id: 1001, format: message, showUser: true });
      return;
    }
    this.config = config;
    // The launch list is the initial state of the event filters; the client's setExceptionBreakpoints replaces it.
    if (!this.eventFiltersFromClient) this.eventFilters = config.stopOnEvents.map((id) => ({ id }));
    try {
      this.controller = new MachineController(config, {
        stopped: (info) => this.onStopped(info),
        exited: (reason) => this.onExited(reason),
        output: (text, category) => this.sendEvent(new OutputEvent(text, category)),
        condition: (expression, cpu, variables) => evaluateCondition(expression, this.evalContext(cpu, 0, variables)),
        logMessage: (template, cpu) => this.interpolate(template, cpu),
        progress: () => this.sendStateChanged('running'),
        machineEvent: (event) => {
          // A trampoline's symbols (`atStartupVector`) land where the first STARTUP IPI starts the AP.
          if (!this.symbols.awaitsStartupVector || event.kind !== 'ipi' || event.record.deliveryMode !== 'startup') return;
          for (const line of this.symbols.placeAtStartupVector(event.record.vector << 12)) this.sendEvent(new OutputEvent(`Bringup: ${line}\n`, 'console'));
          this.applyAllBreakpoints(true);
        },
      });
    } catch (e) {
      this.sendErrorResponse(response, { id: 1002, format: `cannot start the machine: ${(e as Error).message}`, showUser: true });
      return;
    }
    for (const note of this.symbols.notes) this.sendEvent(new OutputEvent(`Bringup: ${note}\n`, 'console'));
    // A client that did not know the launch list at initialize learns it now, as the filters' checked state.
    const announced = new Set(this.announcedStopOnEvents);
    if (config.stopOnEvents.length !== announced.size || config.stopOnEvents.some((id) => !announced.has(id))) {
      this.sendEvent(new CapabilitiesEvent({ exceptionBreakpointFilters: exceptionFilters(config.stopOnEvents) }));
    }
    this.sendEvent(new InitializedEvent());
    await Promise.race([this.configurationDone, new Promise((r) => setTimeout(r, 2000))]);
    this.applyAllBreakpoints(true);
    this.sendResponse(response);
    this.controller.start();
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse): void {
    const c = this.controller;
    if (c === undefined) return this.fail(response, 'nothing to restart: the session has not launched');
    c.restart();
    this.applyAllBreakpoints();
    this.lastStop = undefined;
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['all']));
    c.start();
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.controller?.terminate();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.controller?.terminate();
    this.sendResponse(response);
  }

  private onStopped(info: StopInfo): void {
    this.lastStop = info;
    this.selectedCpu = info.cpu;
    this.handles.reset();
    this.containers.clear();
    const reason = info.kind === 'event' ? 'exception' : info.kind === 'breakpoint' ? (this.isFunctionBreakpoint(info) ? 'function breakpoint' : 'breakpoint') : info.kind;
    const event = new StoppedEvent(reason, info.cpu + 1, info.description) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = true;
    if (info.breakpointIds !== undefined) event.body.hitBreakpointIds = info.breakpointIds;
    if (info.description !== undefined) event.body.description = info.kind === 'event' ? `Paused on ${EVENT_FILTERS.find((f) => f.id === info.hit?.filter)?.label ?? 'event'}` : info.description;
    this.sendEvent(event);
    this.sendStateChanged('stopped');
  }

  private isFunctionBreakpoint(info: StopInfo): boolean {
    return (info.breakpointIds ?? []).some((id) => this.functionBreakpointIds.has(id));
  }
  private functionBreakpointIds = new Set<number>();

  private onExited(reason: ExitReason): void {
    const code = reason.kind === 'debug-exit' ? debugExitStatus(reason.value) : reason.kind === 'all-halted' ? 0 : reason.kind === 'triple-fault' ? 2 : reason.kind === 'reset-requested' ? 4 : 124;
    this.sendEvent(new OutputEvent(`Bringup: the machine ${describeExit(reason)} (exit status ${code})\n`, 'console'));
    this.sendStateChanged('exited');
    this.sendEvent(new ExitedEvent(code));
    this.sendEvent(new TerminatedEvent());
  }

  private sendStateChanged(reason: 'stopped' | 'running' | 'exited'): void {
    const c = this.controller;
    if (c === undefined) return;
    this.sendEvent(new Event(STATE_CHANGED_EVENT, { reason, time: c.pc.machine.clock.now, ipiCount: c.pc.platform.ipiLog.records.length }));
  }

  /**
   * Every error answer goes out here. A handler that threw (the base class answers 1104 with the stack) is an
   * adapter bug: say so in a sentence naming the request. Messages carry no placeholders: `{...}` in a user's
   * expression must come back as typed.
   */
  protected override sendErrorResponse(response: DebugProtocol.Response, codeOrMessage: number | DebugProtocol.Message, format?: string, variables?: Record<string, unknown>, dest?: number): void {
    if (typeof codeOrMessage === 'number') {
      const thrown = codeOrMessage === 1104 ? String(variables?._exception ?? 'unknown error') : undefined;
      const text = thrown !== undefined ? `${response.command} failed inside the debug adapter (a Bringup bug, please report it): ${thrown}` : format ?? `${response.command} failed`;
      return this.sendErrorResponse(response, { id: codeOrMessage, format: text, showUser: thrown !== undefined || (dest !== undefined && (dest & 1) !== 0) });
    }
    const message = { ...codeOrMessage, variables: {} };
    response.success = false;
    response.message = message.format;
    response.body = { ...(response.body ?? {}), error: message };
    this.sendResponse(response);
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, { id: 2000, format: message, showUser: false });
  }

  /** Validate a thread id from the client. */
  private cpuOf(threadId: unknown): Cpu | undefined {
    const c = this.controller;
    if (c === undefined || typeof threadId !== 'number' || !Number.isInteger(threadId)) return undefined;
    return c.cpus[threadId - 1];
  }

  private running(): boolean {
    return this.controller?.running === true;
  }

  // ==================================================================
  // Threads, stack, scopes, variables
  // ==================================================================

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const c = this.controller;
    response.body = { threads: c === undefined ? [] : c.cpus.map((cpu) => new Thread(cpu.index + 1, threadName(cpu))) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const cpu = this.cpuOf(args.threadId);
    if (cpu === undefined) return this.fail(response, `unknown thread ${JSON.stringify(args.threadId)}: threads are vCPUs 1..${this.controller?.cpus.length ?? 0}`);
    if (this.running()) return this.fail(response, 'the machine is running: pause first');
    if ((args.levels ?? 0) !== 1) this.selectedCpu = cpu.index;
    const frames: DebugProtocol.StackFrame[] = [];
    const activity = cpu.activity;
    if (activity === 'wait-for-sipi' || activity === 'not-started') {
      frames.push({ id: cpu.index * FRAME_STRIDE, name: activity === 'wait-for-sipi' ? 'not started: waiting for a STARTUP IPI' : 'not started', line: 0, column: 0, presentationHint: 'label' });
    } else {
      const unwound = this.symbols.unwind(cpu);
      unwound.slice(0, FRAME_STRIDE - 1).forEach((f, i) => {
        const where = this.symbols.lookup(f.linear);
        const mode = i === 0 ? cpuMode(cpu) : '';
        const pos = cpu.codeSize === 16 && i === 0 ? `${hex(cpu.state.segments[1].selector, 4).slice(2)}:${hex(cpu.state.eip, 4).slice(2)}` : hex(f.linear);
        const frame: DebugProtocol.StackFrame = {
          id: cpu.index * FRAME_STRIDE + i,
          name: `${where?.name ?? pos}${i === 0 && activity !== 'running' ? ` [${activityName(activity)}]` : ''}${i === 0 ? ` (${mode})` : ''}`,
          line: where?.line ?? 0,
          column: where?.column ?? 0,
          instructionPointerReference: hex(f.linear),
        };
        if (where?.file !== undefined) frame.source = { name: where.file.split('/').pop(), path: where.file };
        else frame.presentationHint = 'subtle';
        frames.push(frame);
      });
    }
    const start = args.startFrame ?? 0;
    const levels = args.levels && args.levels > 0 ? args.levels : frames.length;
    response.body = { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
    this.sendResponse(response);
  }

  private frameRef(frameId: unknown): FrameRef | undefined {
    if (typeof frameId !== 'number' || !Number.isInteger(frameId) || frameId < 0) return undefined;
    const cpu = Math.floor(frameId / FRAME_STRIDE);
    if (this.controller === undefined || cpu >= this.controller.cpus.length) return undefined;
    return { cpu, frame: frameId % FRAME_STRIDE };
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const ref = this.frameRef(args.frameId);
    const c = this.controller;
    if (ref === undefined || c === undefined) return this.fail(response, `unknown frame ${JSON.stringify(args.frameId)}`);
    const cpu = c.cpus[ref.cpu];
    const lapic = c.pc.platform.lapics[ref.cpu];
    const scopes: DebugProtocol.Scope[] = [];
    const local = this.symbols.frameVariables(cpu, ref.frame);
    if (local !== undefined) {
      scopes.push(new Scope('Locals', this.handles.add(() => local.locals), false));
      scopes.push(new Scope('Arguments', this.handles.add(() => local.args), false));
    }
    const reg = new Scope('Registers', this.handles.add(() => registersScope(cpu)), false) as DebugProtocol.Scope;
    reg.presentationHint = 'registers';
    scopes.push(reg);
    scopes.push(new Scope('Segments', this.handles.add(() => segmentsScope(cpu, c.pc.machine.memory)), false));
    scopes.push(new Scope('Control & System', this.handles.add(() => controlSystemScope(cpu, lapic.readMsr(0x1b))), false));
    scopes.push(new Scope('FPU', this.handles.add(() => fpuScope(cpu.state.x87)), true));
    scopes.push(new Scope('Local APIC', this.handles.add(() => lapicScope(lapic)), true));
    const pv = paravirtScope(c.pc, lapic.apicId);
    if (pv !== undefined) scopes.push(new Scope('Paravirtual Startup State', this.handles.add(() => pv), false));
    response.body = { scopes };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesRequest extends never ? never : DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const children = this.handles.get(args.variablesReference);
    if (children === undefined) return this.fail(response, `unknown variables reference ${args.variablesReference}`);
    let nodes: VarNode[];
    try {
      nodes = children();
    } catch (e) {
      return this.fail(response, (e as Error).message);
    }
    this.containers.set(args.variablesReference, nodes);
    const start = args.start ?? 0;
    const count = args.count && args.count > 0 ? args.count : nodes.length;
    response.body = {
      variables: nodes.slice(start, start + count).map((n) => {
        const v: DebugProtocol.Variable = { name: n.name, value: n.value, type: n.type, variablesReference: n.children ? this.handles.add(n.children) : 0 };
        if (n.evaluateName !== undefined) v.evaluateName = n.evaluateName;
        if (n.memoryReference !== undefined) v.memoryReference = hex(n.memoryReference);
        if (n.set === undefined) v.presentationHint = { attributes: ['readOnly'] };
        return v;
      }),
    };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    if (this.running()) return this.fail(response, 'the machine is running: pause first');
    const nodes = this.containers.get(args.variablesReference);
    const node = nodes?.find((n) => n.name === args.name);
    if (node === undefined) return this.fail(response, `no variable '${args.name}' here`);
    if (node.set === undefined) return this.fail(response, `${args.name} is read-only here`);
    try {
      const value = node.set(String(args.value));
      response.body = { value };
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables']));
    } catch (e) {
      this.sendErrorResponse(response, { id: 2001, format: (e as Error).message, showUser: true });
    }
  }

  // ==================================================================
  // Execution control
  // ==================================================================

  private locking(): LaunchConfig['schedulerLocking'] {
    return this.config?.schedulerLocking ?? 'step';
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    const c = this.controller;
    if (c === undefined) return this.fail(response, 'not launched');
    if (this.cpuOf(args.threadId) === undefined) return this.fail(response, `unknown thread ${JSON.stringify(args.threadId)}`);
    const only = args.singleThread === true || this.locking() === 'on';
    response.body = { allThreadsContinued: !only };
    this.sendResponse(response);
    if (only) c.continueOnly(args.threadId - 1);
    else c.continue();
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.controller?.pause();
    this.sendResponse(response);
  }

  private step(response: DebugProtocol.Response, threadId: unknown, granularity: DebugProtocol.SteppingGranularity | undefined, singleThread: boolean | undefined, kind: 'in' | 'over' | 'out'): void {
    const c = this.controller;
    const cpu = this.cpuOf(threadId);
    if (c === undefined || cpu === undefined) return this.fail(response, `unknown thread ${JSON.stringify(threadId)}`);
    if (this.running()) return this.fail(response, 'the machine is running: pause first');
    if (c.exited !== undefined) return this.fail(response, 'the machine has exited');
    this.sendResponse(response);
    this.sendEvent(new ContinuedEvent(cpu.index + 1, true));
    const locking = this.locking();
    const single = singleThread === true;
    const lineMode = granularity !== 'instruction' && this.symbols.hasLines(cpu);
    if (kind === 'out') {
      c.stepOut(cpu.index, locking, single, this.symbols.returnAddress(cpu));
      return;
    }
    if (lineMode) {
      // A line step ends on the first instruction of another source line; instructions without line information
      // (code from a file with no DWARF) are stepped through.
      const start = this.symbols.lineKey(cpu);
      c.stepUntil(cpu.index, locking, single, (x) => {
        const key = this.symbols.lineKey(x);
        return key !== undefined && key !== start;
      }, kind === 'over');
      return;
    }
    if (kind === 'over') c.stepOver(cpu.index, locking, single);
    else c.stepInstruction(cpu.index, locking, single);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args.threadId, args.granularity, args.singleThread, 'over');
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args.threadId, args.granularity, args.singleThread, 'in');
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args.threadId, args.granularity, args.singleThread, 'out');
  }

  // ==================================================================
  // Breakpoints
  // ==================================================================

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    if (!Array.isArray(args?.breakpoints)) return this.fail(response, 'setInstructionBreakpoints needs a breakpoints array');
    this.instructionBreakpoints = args.breakpoints.map((bp) => ({ ...bp, id: this.nextBreakpointId++ }));
    response.body = { breakpoints: this.applyAllBreakpoints().instruction };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    if (!Array.isArray(args?.breakpoints)) return this.fail(response, 'setFunctionBreakpoints needs a breakpoints array');
    this.functionBreakpoints = args.breakpoints.map((bp) => ({ ...bp, id: this.nextBreakpointId++ }));
    response.body = { breakpoints: this.applyAllBreakpoints().function };
    this.sendResponse(response);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const path = args?.source?.path;
    if (typeof path !== 'string') return this.fail(response, 'setBreakpoints needs source.path');
    const list = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    this.sourceBreakpoints.set(path, list.map((bp) => ({ ...bp, id: this.nextBreakpointId++ })));
    response.body = { breakpoints: this.applyAllBreakpoints().source.get(path) ?? [] };
    this.sendResponse(response);
  }

  /** Resolve every kind of breakpoint to linear addresses and hand them to the controller. */
  private applyAllBreakpoints(notify = false): { instruction: DebugProtocol.Breakpoint[]; function: DebugProtocol.Breakpoint[]; source: Map<string, DebugProtocol.Breakpoint[]> } {
    const resolved: InstructionBreakpoint[] = [];
    const instruction = this.instructionBreakpoints.map((bp) => {
      const address = parseAddress(bp.instructionReference, this.controller?.cpus[this.selectedCpu], true);
      const id = bp.id;
      if (address === undefined) return { id, verified: false, message: `cannot read "${bp.instructionReference}" as an address (linear 0x..., seg:off, or phys:0x...)` } as DebugProtocol.Breakpoint;
      const linear = (address + (bp.offset ?? 0)) >>> 0;
      const physical = /^\s*phys:/i.test(bp.instructionReference);
      resolved.push({ id, linear, physical, condition: bp.condition, hitCondition: bp.hitCondition, hits: 0 });
      return { id, verified: true, instructionReference: physical ? `phys:${hex(linear)}` : hex(linear) } as DebugProtocol.Breakpoint;
    });
    this.functionBreakpointIds.clear();
    const fn = this.functionBreakpoints.map((bp) => {
      const id = bp.id;
      this.functionBreakpointIds.add(id);
      const address = this.symbols.functionAddress(bp.name) ?? parseAddress(bp.name, this.controller?.cpus[this.selectedCpu]);
      if (address === undefined) return { id, verified: false, message: `no function or address "${bp.name}"${this.symbols.loaded ? '' : ' (no symbol file loaded)'}` } as DebugProtocol.Breakpoint;
      resolved.push({ id, linear: address >>> 0, condition: bp.condition, hitCondition: bp.hitCondition, hits: 0 });
      return { id, verified: true, instructionReference: hex(address) } as DebugProtocol.Breakpoint;
    });
    const source = new Map<string, DebugProtocol.Breakpoint[]>();
    for (const [path, list] of this.sourceBreakpoints) {
      source.set(path, list.map((bp): DebugProtocol.Breakpoint => {
        const id = bp.id;
        const at = this.symbols.addressesForLine(path, bp.line);
        if (at === undefined || at.addresses.length === 0) return { id, verified: false, line: bp.line, message: this.symbols.loaded ? `no code at ${path.split('/').pop()}:${bp.line}` : 'no symbol file with line information is loaded' };
        for (const linear of at.addresses) resolved.push({ id, linear, condition: bp.condition, hitCondition: bp.hitCondition, logMessage: bp.logMessage, hits: 0 });
        return { id, verified: true, line: at.line, instructionReference: hex(at.addresses[0]) };
      }));
    }
    this.controller?.setInstructionBreakpoints(resolved);
    this.controller?.setWatchpoints(this.resolveDataBreakpoints());
    this.controller?.setEventFilters(this.eventFilters);
    // Breakpoints answered before the launch loaded the symbols change verification now: tell the client.
    for (const bp of [...instruction, ...fn, ...[...source.values()].flat()]) {
      const key = JSON.stringify(bp);
      const before = this.reported.get(bp.id!);
      if (before !== undefined && before !== key && notify) this.sendEvent(new BreakpointEvent('changed', bp));
      this.reported.set(bp.id!, key);
    }
    return { instruction, function: fn, source };
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const filters: { id: EventFilterId; condition?: string }[] = [];
    const breakpoints: DebugProtocol.Breakpoint[] = [];
    const add = (id: string, condition?: string): void => {
      if (!(EVENT_FILTER_IDS as readonly string[]).includes(id)) {
        breakpoints.push({ verified: false, message: `unknown event filter "${id}"` });
        return;
      }
      filters.push({ id: id as EventFilterId, condition });
      breakpoints.push({ verified: true });
    };
    for (const id of args?.filters ?? []) add(id);
    for (const o of args?.filterOptions ?? []) add(o.filterId, o.condition);
    // The client's list is complete (VS Code sends what the Breakpoints pane shows checked): nothing is added back.
    // A client that remembers an unticked filter wins over the launch list; say so once, while configuring.
    if (!this.configured) {
      const dropped = (this.config?.stopOnEvents ?? []).filter((id) => !filters.some((f) => f.id === id));
      if (dropped.length > 0) this.sendEvent(new OutputEvent(`Bringup: "stopOnEvents" lists ${dropped.join(', ')}, but the Breakpoints view has ${dropped.length === 1 ? 'it' : 'them'} unticked; tick ${dropped.length === 1 ? 'it' : 'them'} there to stop on ${dropped.length === 1 ? 'that event' : 'those events'}.\n`, 'console'));
    }
    this.eventFiltersFromClient = true;
    this.eventFilters = filters;
    this.controller?.setEventFilters(filters);
    response.body = { breakpoints };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    // Names: an address expression ("0x7000", "[0x7000]", "phys:0x9000", "*(u16*)0x500") or a variable with a memory reference.
    const text = String(args?.name ?? '').trim();
    const physical = /^phys:/i.test(text);
    let address: number | undefined;
    let size = 4;
    // A variable shown in a scope (a C local or global, a register's memory reference): watch the memory it lives in.
    const container = args?.variablesReference !== undefined ? this.containers.get(args.variablesReference) : undefined;
    const node = container?.find((n) => n.name === text);
    if (node !== undefined) {
      if (node.memoryReference === undefined) {
        response.body = { dataId: null, description: `${text} does not live in memory here (register or optimized out)` };
        this.sendResponse(response);
        return;
      }
      const bytes = /\b(char|u8|i8|int8_t|uint8_t|bool)\b/.test(node.type ?? '') ? 1 : /\b(short|u16|i16|int16_t|uint16_t)\b/.test(node.type ?? '') ? 2 : 4;
      response.body = { dataId: `lin:${hex(node.memoryReference)}:${bytes}`, description: `${text} (${bytes} bytes at ${hex(node.memoryReference)})`, accessTypes: ['read', 'write', 'readWrite'], canPersist: false };
      this.sendResponse(response);
      return;
    }
    try {
      const m = /^\*\s*\(\s*(u8|u16|u32|i8|i16|i32|char|short|int)\s*\*\s*\)\s*(.+)$/.exec(text);
      if (m !== null) size = /8|char/.test(m[1]) ? 1 : /16|short/.test(m[1]) ? 2 : 4;
      const expr = physical ? text.slice(5) : m !== null ? m[2] : text.replace(/^\[(.*)\]$/, '$1');
      const v = evaluate(expr, this.evalContext(this.selectedCpu, 0, {}));
      address = v.kind === 'int' ? v.value : v.kind === 'record' ? v.memoryReference : undefined;
    } catch {
      address = undefined;
    }
    if (address === undefined) {
      response.body = { dataId: null, description: `"${text}" is not an address: use 0x7000, [0x7000], *(u16*)0x7000 or phys:0x9000` };
    } else {
      response.body = {
        dataId: `${physical ? 'phys' : 'lin'}:${hex(address)}:${size}`,
        description: `${size} byte${size === 1 ? '' : 's'} at ${physical ? 'physical' : 'linear'} ${hex(address)}`,
        accessTypes: ['read', 'write', 'readWrite'],
        canPersist: true,
      };
    }
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    if (!Array.isArray(args?.breakpoints)) return this.fail(response, 'setDataBreakpoints needs a breakpoints array');
    this.dataBreakpoints = args.breakpoints;
    const watch = this.resolveDataBreakpoints();
    this.controller?.setWatchpoints(watch);
    response.body = {
      breakpoints: args.breakpoints.map((bp) => {
        const ok = parseDataId(bp.dataId) !== undefined;
        return ok ? { verified: true } : { verified: false, message: `unknown data id ${bp.dataId}` };
      }),
    };
    this.sendResponse(response);
  }

  private resolveDataBreakpoints(): Watchpoint[] {
    const out: Watchpoint[] = [];
    this.dataBreakpoints.forEach((bp, i) => {
      const parsed = parseDataId(bp.dataId);
      if (parsed === undefined) return;
      const cpuMatch = /^\s*\$cpu\s*==\s*(\d+)\s*$/.exec(bp.condition ?? '');
      out.push({ id: i + 1, address: parsed.address, size: parsed.size, physical: parsed.physical, kind: bp.accessType ?? 'write', cpu: cpuMatch ? Number(cpuMatch[1]) : undefined });
    });
    return out;
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    const stop = this.lastStop;
    if (stop === undefined || this.cpuOf(args?.threadId) === undefined) return this.fail(response, 'no machine event at this stop');
    const filter = stop.hit?.filter ?? (stop.kind === 'data breakpoint' ? 'data breakpoint' : stop.kind);
    const cpu = this.controller!.cpus[stop.cpu];
    response.body = {
      exceptionId: filter,
      description: stop.description ?? `stopped (${stop.kind})`,
      breakMode: 'always',
      details: { message: stop.description, stackTrace: formatRegisterDump(stop.cpu, cpu.state) },
    };
    this.sendResponse(response);
  }

  // ==================================================================
  // Evaluate, memory, disassembly
  // ==================================================================

  private evalContext(cpuIndex: number, frame: number, variables: Record<string, number | string | boolean>) {
    const c = this.controller!;
    return buildEvalContext(c, cpuIndex, variables, this.symbols, frame);
  }

  private interpolate(template: string, cpu: number): string {
    return template.replace(/\{([^}]+)\}/g, (_, expr: string) => {
      try {
        return formatValue(evaluate(expr, this.evalContext(cpu, 0, {})));
      } catch (e) {
        return `<${(e as Error).message}>`;
      }
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const c = this.controller;
    if (c === undefined) return this.fail(response, 'not launched');
    if (typeof args?.expression !== 'string') return this.fail(response, 'evaluate needs an expression string');
    const ref = args.frameId !== undefined ? this.frameRef(args.frameId) : { cpu: this.selectedCpu, frame: 0 };
    if (ref === undefined) return this.fail(response, `unknown frame ${JSON.stringify(args.frameId)}`);
    let value: Value;
    try {
      value = evaluate(args.expression, this.evalContext(ref.cpu, ref.frame, {}));
    } catch (e) {
      const message = e instanceof ExpressionError ? e.message : `cannot evaluate: ${(e as Error).message}`;
      this.sendErrorResponse(response, { id: 3001, format: message, showUser: false });
      return;
    }
    const body: DebugProtocol.EvaluateResponse['body'] = { result: formatValue(value), variablesReference: 0 };
    if (value.kind === 'record') {
      const fields = value.fields;
      body.variablesReference = this.handles.add(() => Object.entries(fields).map(([name, v]) => ({ name, value: formatValue(v) })));
      if (value.memoryReference !== undefined) body.memoryReference = hex(value.memoryReference);
    } else if (value.kind === 'int' && value.pointer) body.memoryReference = hex(value.value);
    response.body = body;
    this.sendResponse(response);
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    const text = String(args?.text ?? '').slice(0, Math.max(0, (args?.column ?? 1) - 1));
    const m = /[$A-Za-z_][A-Za-z0-9_.]*$/.exec(text);
    const prefix = m === null ? '' : m[0];
    const words = [
      ...['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', 'eip', 'eflags', 'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'cr0', 'cr2', 'cr3', 'cr4', 'efer'].map((r) => `$${r}`),
      '$cpu', '$apic_id', '$time', '$instructions', '$pc', '$cr0.pe', '$cr0.pg', '$cr4.pae', '$cr4.pse', '$eflags.if', '$cs.base', '$cs.limit', '$gs.base',
      'gdt[', 'idt[', 'lapic.icr', 'lapic.svr', 'lapic.tpr', 'lapic.id', 'pagewalk(',
      ...this.symbols.names(),
    ];
    response.body = { targets: words.filter((w) => w.startsWith(prefix) && w !== prefix).slice(0, 200).map((w) => ({ label: w, start: text.length - prefix.length, length: prefix.length })) };
    this.sendResponse(response);
  }

  private memoryCpu(): Cpu | undefined {
    return this.controller?.cpus[this.selectedCpu];
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const cpu = this.memoryCpu();
    const base = parseAddress(args?.memoryReference, cpu, true);
    const count = args?.count;
    if (cpu === undefined || base === undefined) return this.fail(response, `cannot read "${args?.memoryReference}" as an address`);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1 << 20) return this.fail(response, 'count must be an integer from 0 to 1048576');
    const address = (base + (args.offset ?? 0)) >>> 0;
    const physical = /^phys:/i.test(String(args.memoryReference));
    const bytes = physical ? Array.from(this.controller!.pc.machine.memory.readBytes(address, count)) : cpu.readLinear(address, count);
    let readable = 0;
    while (readable < bytes.length && bytes[readable] !== undefined) readable++;
    response.body = { address: hex(address), data: Buffer.from(bytes.slice(0, readable) as number[]).toString('base64'), unreadableBytes: count - readable };
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    const cpu = this.memoryCpu();
    const base = parseAddress(args?.memoryReference, cpu, true);
    if (cpu === undefined || base === undefined || typeof args.data !== 'string') return this.fail(response, 'writeMemory needs a memoryReference and base64 data');
    if (this.running()) return this.fail(response, 'the machine is running: pause first');
    const data = Buffer.from(args.data, 'base64');
    const address = (base + (args.offset ?? 0)) >>> 0;
    const written = cpu.writeLinear(address, new Uint8Array(data));
    response.body = { bytesWritten: written };
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    let cpu = this.memoryCpu();
    const base = parseAddress(args?.memoryReference, cpu, true);
    if (cpu === undefined || base === undefined) return this.fail(response, `cannot read "${args?.memoryReference}" as an address`);
    // Decode as the vCPU that is about to execute there would (its code size), else as the selected vCPU.
    const at = (base + (args.offset ?? 0)) >>> 0;
    cpu = this.controller!.cpus.find((x) => x.activity !== 'wait-for-sipi' && ((x.segBase[1] + x.state.eip) >>> 0) === at) ?? cpu;
    const count = Math.min(Math.max(0, args.instructionCount | 0), 4000);
    const instructions = disassembleAround(cpu, (base + (args.offset ?? 0)) >>> 0, args.instructionOffset ?? 0, count, this.symbols);
    response.body = { instructions };
    this.sendResponse(response);
  }

  // ==================================================================
  // Custom requests for the extension's views
  // ==================================================================

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    const c = this.controller;
    if (c === undefined) return this.fail(response, 'not launched');
    try {
      const body = handleCustomRequest(c, command, args);
      if (body === undefined) return this.fail(response, `unknown request ${command}`);
      if (command === 'bringup/focusThread') {
        if (c.running) return this.fail(response, 'the machine is running: focus a vCPU while stopped');
        const vcpu = (body as { vcpu: number }).vcpu;
        this.selectedCpu = vcpu;
        response.body = body;
        this.sendResponse(response);
        const e = new StoppedEvent('focus', vcpu + 1) as DebugProtocol.StoppedEvent;
        e.body.allThreadsStopped = true;
        e.body.preserveFocusHint = false;
        this.sendEvent(e);
        return;
      }
      response.body = body;
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, (e as Error).message);
    }
  }

  /** For in-process users (tests, the extension): the vCPU summary without a round trip. */
  vcpuSummary(): VcpusResponse | undefined {
    const c = this.controller;
    return c === undefined ? undefined : (handleCustomRequest(c, 'bringup/vcpus', {}) as VcpusResponse);
  }
}

/** "0x1234", "1234" (hex), "seg:off" (real mode), "phys:0x..." (physical; only where allowed). */
export function parseAddress(text: unknown, cpu: Cpu | undefined, allowPhysical = false): number | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  let m = /^phys:\s*(0x[0-9a-f]+|[0-9]+)$/i.exec(t);
  if (m !== null) return allowPhysical ? Number(m[1]) >>> 0 : undefined;
  m = /^([0-9a-f]{1,4}):([0-9a-f]{1,8})$/i.exec(t);
  if (m !== null) return ((parseInt(m[1], 16) << 4) + parseInt(m[2], 16)) >>> 0;
  m = /^(0x)?([0-9a-f]{1,8})$/i.exec(t);
  if (m !== null) return parseInt(m[2], 16) >>> 0;
  void cpu;
  return undefined;
}

function parseDataId(id: unknown): { physical: boolean; address: number; size: number } | undefined {
  if (typeof id !== 'string') return undefined;
  const m = /^(lin|phys):0x([0-9a-f]+):(\d+)$/i.exec(id);
  if (m === null) return undefined;
  const size = Number(m[3]);
  if (size < 1 || size > 4096) return undefined;
  return { physical: m[1] === 'phys', address: parseInt(m[2], 16) >>> 0, size };
}

function describeExit(reason: ExitReason): string {
  switch (reason.kind) {
    case 'debug-exit': return `wrote ${hex(reason.value, 2)} to isa-debug-exit`;
    case 'all-halted': return 'stopped: every vCPU halted with interrupts disabled';
    case 'triple-fault': return `triple-faulted on vCPU ${reason.cpu}`;
    case 'reset-requested': return `requested a reset (${reason.reason})`;
    case 'instruction-limit': return 'reached the instruction limit';
    case 'idle-forever': return 'is idle: every vCPU waits and no timer is armed';
    default: return 'exited';
  }
}
