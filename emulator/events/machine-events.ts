/**
 * Machine events: what the emulator reports about the guest. One typed
 * record per event; the CLI's --trace, its --json summary and the debugger's
 * event breakpoints are all views of this stream. Subsystems add their kinds
 * to MachineEvent below.
 */
import type { VirtualNanoseconds } from '../time/virtual-clock';
import type { StartupState } from '../paravirt/startup-state';
import type { IpiRecord } from '../devices/ipi-log';

interface EventBase {
  /** Virtual time of the event. */
  time: VirtualNanoseconds;
  /** vCPU index the event belongs to, or undefined for machine-wide events. */
  cpu: number | undefined;
}

/** Which trace class (--trace ipi,modes,exceptions,...) an event belongs to. */
export type TraceClass = 'ipi' | 'modes' | 'exceptions' | 'io' | 'memory' | 'boot' | 'paravirt' | 'run';

export interface UnbackedAccessEvent extends EventBase {
  kind: 'unbacked-access';
  address: number;
  size: number;
  write: boolean;
}

export interface DebugExitEvent extends EventBase {
  kind: 'debug-exit';
  value: number;
}

export interface ModeSwitchEvent extends EventBase {
  kind: 'mode-switch';
  /** The control register that changed, e.g. "cr0". */
  register: string;
  oldValue: number;
  newValue: number;
  /** Human-readable description, e.g. "CR0.PE 0→1: protected mode". */
  description: string;
}

export interface ExceptionEvent extends EventBase {
  kind: 'exception';
  vector: number;
  errorCode: number | undefined;
  eip: number;
  description: string;
}

export interface TripleFaultEvent extends EventBase {
  kind: 'triple-fault';
  description: string;
}

export interface InvalidOpcodeEvent extends EventBase {
  kind: 'invalid-opcode';
  linearAddress: number;
  bytes: number[];
}

export interface ResetEvent extends EventBase {
  kind: 'reset';
  description: string;
}

/** A free-form note from a subsystem that has no typed kind yet (boot-protocol choice, firmware). */
export interface NoteEvent extends EventBase {
  kind: 'note';
  traceClass: TraceClass;
  message: string;
}

/**
 * Paravirtual AP startup (docs/paravirt.md). `cpu` is the vCPU that made the
 * VMCALL, or the AP itself for events at STARTUP IPI delivery.
 */
export interface PvStartupStateEvent extends EventBase {
  kind: 'pv-startup-state';
  /** 'registered': SET_AP_STARTUP_STATE accepted; 'started': a STARTUP IPI started the AP in it. */
  action: 'registered' | 'started';
  apicId: number;
  statePointer: number;
  state: StartupState;
}

export interface PvVcpuUpEvent extends EventBase {
  kind: 'pv-vcpu-up';
  apicId: number;
  statePointer: number;
  state: StartupState;
}

export interface PvRefusedEvent extends EventBase {
  kind: 'pv-refused';
  /** The VMCALL function, or STARTUP_IPI when a registered state failed re-validation at delivery. */
  operation: 'SET_AP_STARTUP_STATE' | 'VCPU_UP' | 'STARTUP_IPI' | 'UNKNOWN_FUNCTION';
  apicId: number | undefined;
  statePointer: number | undefined;
  /** The negative result code returned in EAX, and its PV_E_* name. */
  errorCode: number;
  errorName: string;
  reason: string;
  /** The decoded state, when it could be read. */
  state: StartupState | undefined;
}

export interface PvStaleStateEvent extends EventBase {
  kind: 'pv-stale-state';
  apicId: number;
  /** GDT entries used by the registered state whose contents changed before the STARTUP IPI. */
  changes: { selector: number; usedBy: string[]; before: { low: number; high: number }; after: { low: number; high: number } }[];
  state: StartupState;
}

/** An IPI as the APIC bus resolved and delivered it (devices/ipi-log.ts). `cpu` is the sender. */
export interface IpiEvent extends EventBase {
  kind: 'ipi';
  record: IpiRecord;
}

export type MachineEvent =
  | IpiEvent
  | UnbackedAccessEvent
  | DebugExitEvent
  | ModeSwitchEvent
  | ExceptionEvent
  | TripleFaultEvent
  | InvalidOpcodeEvent
  | ResetEvent
  | NoteEvent
  | PvStartupStateEvent
  | PvVcpuUpEvent
  | PvRefusedEvent
  | PvStaleStateEvent;

export type MachineEventKind = MachineEvent['kind'];

/** Distributive Omit, so each union member keeps its own fields. */
export type EventDetails<E> = E extends MachineEvent ? Omit<E, 'time'> : never;

export type MachineEventListener = (event: MachineEvent) => void;

export class MachineEventBus {
  private readonly listeners: MachineEventListener[] = [];

  constructor(private readonly now: () => VirtualNanoseconds) {}

  subscribe(listener: MachineEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  emit(details: EventDetails<MachineEvent>): void {
    const event = { ...details, time: this.now() } as MachineEvent;
    for (const listener of this.listeners) listener(event);
  }

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }
}

/** Which --trace class an event is printed under. */
export function traceClassOf(event: MachineEvent): TraceClass {
  switch (event.kind) {
    case 'mode-switch':
      return 'modes';
    case 'exception':
    case 'triple-fault':
    case 'invalid-opcode':
      return 'exceptions';
    case 'unbacked-access':
      return 'memory';
    case 'debug-exit':
    case 'reset':
      return 'run';
    case 'note':
      return event.traceClass;
    case 'ipi':
      return 'ipi';
    case 'pv-startup-state':
    case 'pv-vcpu-up':
    case 'pv-refused':
    case 'pv-stale-state':
      return 'paravirt';
  }
}
