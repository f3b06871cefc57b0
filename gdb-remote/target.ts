/**
 * What the stub needs from the machine it debugs, in the protocol's terms
 * (threads, raw register bytes, linear memory, points, resumption) and
 * nothing of how the machine works. server.ts translates packets into
 * these calls; machine-target.ts implements them over run control.
 */
import type { PointType, ResumeAction } from './requests';
import type { RegisterLayout } from './register-layout';

/** A gdb thread id: positive (E.1 thread-id); 0 and -1 are selectors, never ids. */
export type ThreadId = number;

/** The `reason:value` pairs of a T stop reply (E.3 "Stop Reply Packets"). */
export type StopCause =
  | { kind: 'swbreak' }
  | { kind: 'hwbreak' }
  | { kind: 'watch' | 'rwatch' | 'awatch'; address: number }
  | { kind: 'none' };

export type StopReply =
  /** `T AA thread:t; reason` — the machine stopped; signal numbers are gdb's (5 SIGTRAP, 2 SIGINT...); the explanation goes to gdb's console first (`O` packet). */
  | { kind: 'signal'; signal: number; thread: ThreadId; cause: StopCause; explanation?: string }
  /** `W AA` — the machine ended with this exit status. */
  | { kind: 'exited'; status: number }
  /** `X AA` — the machine ended abnormally (triple fault without a debugger to inspect it, reset). */
  | { kind: 'terminated'; signal: number };

/** Why a request was refused, in words (sent as `E.text` where gdb accepts it, logged otherwise). */
export type Refusal = { refused: string };

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}

export interface GdbTarget {
  readonly layout: RegisterLayout;
  /** qXfer:features:read annexes (`target.xml` and what it includes). */
  featureDocument(annex: string): string | undefined;
  threads(): ThreadId[];
  /** qThreadExtraInfo: a short description, e.g. `vCPU 2 (APIC 2): wait-for-SIPI, real mode`. */
  threadExtraInfo(thread: ThreadId): string | undefined;
  /** Register bytes in target order, or undefined for an unknown thread or register. */
  readRegister(thread: ThreadId, regno: number): Uint8Array | undefined;
  writeRegister(thread: ThreadId, regno: number, value: Uint8Array): Refusal | undefined;
  /** Linear memory as `thread` sees it: the bytes up to the first unreadable one (possibly none). */
  readMemory(thread: ThreadId, address: number, length: number): Uint8Array | Refusal;
  writeMemory(thread: ThreadId, address: number, data: Uint8Array): Refusal | undefined;
  /** Z/z packets; `undefined` = done, a refusal = error reply, 'unsupported' = empty reply. */
  insertPoint(type: PointType, address: number, length: number): Refusal | 'unsupported' | undefined;
  removePoint(type: PointType, address: number, length: number): Refusal | 'unsupported' | undefined;
  /**
   * Resume as the actions say (already resolved: every action names a
   * thread or applies to the rest). `stopped` is called once, later, with
   * the stop to report; a refusal is returned at once instead.
   */
  resume(actions: ResumeAction[], current: ThreadId, stopped: (stop: StopReply) => void): Refusal | undefined;
  /** 0x03 while running: stop as soon as possible (the pending resume then reports SIGINT). */
  interrupt(): void;
  /** `?`: why the machine is stopped now. */
  haltReason(): StopReply;
  /** qRcmd: the command's output text. */
  monitor(command: string): string;
  /** gdb detached (`D`) or the connection ended: let the machine go on without it. */
  detach(): void;
  /** `k`: end the machine. */
  kill(): void;
}
