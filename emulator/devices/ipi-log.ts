/**
 * The record of every inter-processor interrupt: what the sender wrote to
 * its ICR, how the APIC decoded it, which APICs it resolved to and what
 * happened at each of them. Plain data, queryable (the runner's --trace ipi
 * and --json, the debugger's IPI timeline).
 */
import type { ActivityState } from '../cpu/activity-state';

export type IpiDeliveryMode = 'fixed' | 'lowest-priority' | 'smi' | 'nmi' | 'init' | 'init-deassert' | 'startup' | 'reserved';
export type IpiShorthand = 'none' | 'self' | 'all-including-self' | 'all-excluding-self';
export type IpiOutcomeKind = 'accepted' | 'ignored' | 'dropped';

/** What happened at one destination APIC (SDM Vol. 3A 10.6.1, 8.4.4). */
export interface IpiTargetOutcome {
  /** vCPU index of the target. */
  cpu: number;
  apicId: number;
  outcome: IpiOutcomeKind;
  /** Why, in words a kernel developer recognises ("not in wait-for-SIPI: running"). */
  reason: string;
  stateBefore: ActivityState;
  stateAfter: ActivityState;
}

export interface IpiRecord {
  /** Sequence number, from 0, in sending order. */
  seq: number;
  /** Virtual time (ns). */
  time: number;
  /** vCPU index of the sender. */
  sender: number;
  senderApicId: number;
  /** Linear address of the instruction that wrote the ICR (undefined when not known). */
  senderEip?: number;
  /** How the IPI was written: the xAPIC ICR (two MMIO writes), the x2APIC ICR MSR, or the x2APIC SELF IPI MSR. */
  via: 'xapic-icr' | 'x2apic-icr' | 'x2apic-self-ipi';
  /** Raw ICR as written: low dword and high dword. */
  icrLow: number;
  icrHigh: number;
  vector: number;
  deliveryMode: IpiDeliveryMode;
  destinationMode: 'physical' | 'logical';
  level: 'assert' | 'de-assert';
  trigger: 'edge' | 'level';
  shorthand: IpiShorthand;
  /** Destination field (8-bit xAPIC, 32-bit x2APIC), meaningful when shorthand is 'none'. */
  destination: number;
  /** The resolved set, one entry per targeted vCPU. */
  targets: IpiTargetOutcome[];
  /** When no vCPU matched, or the IPI itself was invalid (illegal vector): why nothing was delivered. */
  dropped: string | undefined;
}

export class IpiLog {
  readonly records: IpiRecord[] = [];

  add(record: Omit<IpiRecord, 'seq'>): IpiRecord {
    const full: IpiRecord = { seq: this.records.length, ...record };
    this.records.push(full);
    return full;
  }

  /** IPIs sent by a vCPU. */
  sentBy(cpu: number): IpiRecord[] {
    return this.records.filter((r) => r.sender === cpu);
  }

  /** IPIs that reached (or tried to reach) a vCPU. */
  targeting(cpu: number): IpiRecord[] {
    return this.records.filter((r) => r.targets.some((t) => t.cpu === cpu));
  }

  ofMode(mode: IpiDeliveryMode): IpiRecord[] {
    return this.records.filter((r) => r.deliveryMode === mode);
  }

  clear(): void {
    this.records.length = 0;
  }
}

function hex(v: number, width: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(width, '0');
}

/** One readable line for --trace ipi. */
export function describeIpi(r: IpiRecord): string {
  const mode = r.deliveryMode === 'startup' ? `STARTUP vector ${hex(r.vector, 2)} (CS:IP ${hex(r.vector << 8, 4)}:0000)`
    : r.deliveryMode === 'init' ? 'INIT'
      : r.deliveryMode === 'init-deassert' ? 'INIT level de-assert'
        : `${r.deliveryMode.toUpperCase()} vector ${hex(r.vector, 2)}`;
  const dest = r.shorthand !== 'none' ? r.shorthand : `${r.destinationMode} ${hex(r.destination, r.via === 'xapic-icr' ? 2 : 8)}`;
  const outcomes = r.targets.map((t) => `APIC ${t.apicId} ${t.outcome}${t.reason ? ` (${t.reason})` : ''}`);
  if (r.dropped !== undefined) outcomes.push(`dropped: ${r.dropped}`);
  return `IPI #${r.seq} ${mode} → ${dest} [ICR ${hex(r.icrHigh, 8)}:${hex(r.icrLow, 8)}]: ${outcomes.join('; ')}`;
}
