/**
 * The (virtual) APIC bus: resolves an interrupt message's destination to
 * local APICs (physical, logical flat/cluster, x2APIC logical, shorthands,
 * broadcast; SDM Vol. 3A 10.6.2-10.6.3) and delivers it by mode (10.6.1),
 * recording every IPI with what happened at each target.
 *
 * Delivery is instantaneous: when the sender's ICR write retires, every
 * other vCPU sits at an instruction boundary (vCPUs run one at a time), so
 * INIT and STARTUP take effect there and then, and the log can say what the
 * target's state was and became.
 */
import type { ActivityState } from '../cpu/activity-state';
import type { CpuSignalPins } from '../cpu/platform-interface';
import type { MachineEventBus } from '../events/machine-events';
import type { VirtualClock } from '../time/virtual-clock';
import { DeliveryMode, SVR_FOCUS_DISABLED } from './apic-registers';
import { IpiLog, type IpiDeliveryMode, type IpiRecord, type IpiShorthand, type IpiTargetOutcome } from './ipi-log';
import type { LocalApic } from './local-apic';
import { fromPlain, toPlain, type PlainObject } from '../machine/plain-state';

/** A vCPU as the platform sees it. */
export interface PlatformCpu {
  index: number;
  apicId: number;
  isBsp: boolean;
  activity(): ActivityState;
  pins: CpuSignalPins;
  /** After a STARTUP was acted on: where the vCPU starts ("real mode at 9A00:0000"). */
  describeStart?(): string;
  /** Linear address of the instruction the vCPU is executing (the ICR write, for the IPI log). */
  currentInstruction?(): number;
}

const MODE_NAMES: IpiDeliveryMode[] = ['fixed', 'lowest-priority', 'smi', 'reserved', 'nmi', 'init', 'startup', 'reserved'];
const SHORTHANDS: IpiShorthand[] = ['none', 'self', 'all-including-self', 'all-excluding-self'];

/** An interrupt message as the IO-APIC sends it (82093AA redirection entry fields). */
export interface InterruptMessage {
  vector: number;
  deliveryMode: DeliveryMode;
  logical: boolean;
  destination: number;
  levelTriggered: boolean;
}

export class ApicBus {
  readonly ipiLog = new IpiLog();
  /** Set by the platform: the 8259's INTA for ExtINT messages. */
  extIntAcknowledge: (() => number) | undefined;

  constructor(
    readonly lapics: LocalApic[],
    readonly cpus: PlatformCpu[],
    private readonly clock: VirtualClock,
    private readonly events: MachineEventBus,
  ) {}

  /** The bus's state: the IPI log (the APICs save themselves). */
  save(): PlainObject {
    return { ipiLog: toPlain(this.ipiLog.records) };
  }

  restore(state: PlainObject): void {
    this.ipiLog.records.length = 0;
    this.ipiLog.records.push(...(fromPlain(state.ipiLog) as IpiRecord[]));
  }

  /** Handle an ICR write from `from`. */
  sendIpi(from: LocalApic, icrLow: number, icrHigh: number, via: IpiRecord['via']): IpiRecord {
    const x2 = via !== 'xapic-icr';
    const vector = icrLow & 0xff;
    const modeBits = (icrLow >> 8) & 7;
    const logical = (icrLow & 0x800) !== 0;
    const assert = (icrLow & 0x4000) !== 0;
    const levelTrigger = (icrLow & 0x8000) !== 0;
    const shorthand = SHORTHANDS[(icrLow >> 18) & 3];
    const destination = x2 ? icrHigh >>> 0 : (icrHigh >>> 24) & 0xff;
    let deliveryMode = MODE_NAMES[modeBits];
    // INIT with level de-assert (trigger level, level 0): only resynchronises arbitration IDs; no effect on P6 and later (SDM 10.6.1).
    if (modeBits === DeliveryMode.Init && !assert && levelTrigger) deliveryMode = 'init-deassert';

    const record: Omit<IpiRecord, 'seq'> = {
      time: this.clock.now,
      sender: from.index,
      senderApicId: from.apicId,
      senderEip: this.cpus[from.index]?.currentInstruction?.(),
      via,
      icrLow: icrLow >>> 0,
      icrHigh: icrHigh >>> 0,
      vector,
      deliveryMode,
      destinationMode: logical ? 'logical' : 'physical',
      level: assert ? 'assert' : 'de-assert',
      trigger: levelTrigger ? 'level' : 'edge',
      shorthand,
      destination,
      targets: [],
      dropped: undefined,
    };

    const invalid = invalidCombination(deliveryMode, shorthand, vector);
    if (invalid !== undefined) {
      record.dropped = invalid;
      return this.finish(record);
    }
    const targets = this.resolve(from, shorthand, logical, destination, x2);
    if (targets.length === 0) {
      record.dropped = shorthand === 'none' && !logical
        ? `no vCPU has APIC ID ${destination} (this machine has ${this.cpus.length} vCPU${this.cpus.length === 1 ? '' : 's'}, APIC IDs ${this.idRange()})`
        : 'no APIC matches the logical destination';
      return this.finish(record);
    }
    if (deliveryMode === 'lowest-priority') {
      const chosen = this.lowestPriority(targets, vector);
      record.targets.push(this.deliverTo(chosen, deliveryMode, vector, levelTrigger));
      return this.finish(record);
    }
    for (const target of targets) record.targets.push(this.deliverTo(target, deliveryMode, vector, levelTrigger));
    return this.finish(record);
  }

  /** An interrupt message from the IO-APIC (not logged as an IPI; returns whether any APIC took it). */
  deliverMessage(message: InterruptMessage): boolean {
    const targets = this.resolve(undefined, 'none', message.logical, message.destination, false);
    if (targets.length === 0) return false;
    switch (message.deliveryMode) {
      case DeliveryMode.LowestPriority:
        return this.lowestPriority(targets, message.vector).acceptInterrupt(message.vector, message.levelTriggered).accepted;
      case DeliveryMode.Fixed: {
        let any = false;
        for (const t of targets) any = t.acceptInterrupt(message.vector, message.levelTriggered).accepted || any;
        return any;
      }
      case DeliveryMode.Nmi:
        for (const t of targets) this.cpus[t.index].pins.signalNmi();
        return true;
      case DeliveryMode.Init:
        for (const t of targets) this.init(t);
        return true;
      case DeliveryMode.Smi:
        for (const t of targets) this.cpus[t.index].pins.signalSmi();
        return true;
      case DeliveryMode.ExtInt:
        // ExtINT through the IO-APIC: the CPU's INTA goes to the 8259 (handled by LINT0 routing here).
        for (const t of targets) this.cpus[t.index].pins.signalInterrupt();
        return true;
      default:
        return false;
    }
  }

  private idRange(): string {
    const ids = this.lapics.map((l) => l.apicId).sort((a, b) => a - b);
    return ids.length === 0 ? 'none' : ids.length === 1 ? String(ids[0]) : `${ids[0]}-${ids[ids.length - 1]}`;
  }

  private finish(partial: Omit<IpiRecord, 'seq'>): IpiRecord {
    const record = this.ipiLog.add(partial);
    this.events.emit({ kind: 'ipi', cpu: record.sender, record });
    return record;
  }

  /** Destination resolution (SDM 10.6.2): the APICs that receive the message. */
  resolve(from: LocalApic | undefined, shorthand: IpiShorthand, logical: boolean, destination: number, x2: boolean): LocalApic[] {
    switch (shorthand) {
      case 'self':
        return from === undefined ? [] : [from];
      case 'all-including-self':
        return this.lapics.slice();
      case 'all-excluding-self':
        return this.lapics.filter((l) => l !== from);
      default:
        break;
    }
    const broadcast = x2 ? destination === 0xffffffff : destination === 0xff;
    if (broadcast) return this.lapics.slice();
    if (!logical) return this.lapics.filter((l) => (x2 || l.x2apic ? l.apicId : l.apicId & 0xff) === destination);
    return this.lapics.filter((l) => logicalMatch(l, destination, x2));
  }

  private lowestPriority(targets: LocalApic[], vector: number): LocalApic {
    // Focus processor: an APIC already servicing or holding the vector (SDM 10.6.2.4), unless focus checking is off.
    const focus = targets.find((t) => (t.state.svr & SVR_FOCUS_DISABLED) === 0 && (hasVector(t.state.isr, vector) || hasVector(t.state.irr, vector)));
    if (focus !== undefined) return focus;
    let best = targets[0];
    for (const t of targets) if (t.apr < best.apr || (t.apr === best.apr && t.apicId < best.apicId)) best = t;
    return best;
  }

  private deliverTo(target: LocalApic, mode: IpiDeliveryMode, vector: number, levelTrigger: boolean): IpiTargetOutcome {
    const cpu = this.cpus[target.index];
    const stateBefore = cpu.activity();
    const outcome = (kind: IpiTargetOutcome['outcome'], reason: string): IpiTargetOutcome => ({
      cpu: cpu.index, apicId: target.apicId, outcome: kind, reason, stateBefore, stateAfter: cpu.activity(),
    });
    switch (mode) {
      case 'fixed':
      case 'lowest-priority': {
        const result = target.acceptInterrupt(vector, levelTrigger);
        if (!result.accepted) return outcome('dropped', result.reason);
        return outcome('accepted', stateBefore === 'wait-for-sipi' ? `vector ${vector} pending in IRR; the vCPU waits for STARTUP and does not service it` : `vector ${vector} pending in IRR`);
      }
      case 'nmi':
        if (stateBefore === 'wait-for-sipi') return outcome('dropped', 'target is waiting for STARTUP: NMI is blocked in wait-for-SIPI');
        cpu.pins.signalNmi();
        return outcome('accepted', 'NMI pending');
      case 'smi':
        cpu.pins.signalSmi();
        return outcome('ignored', 'system-management mode is not emulated');
      case 'init':
        this.init(target);
        return outcome('accepted', this.initOutcome(cpu, stateBefore));
      case 'init-deassert':
        return outcome('ignored', 'INIT level de-assert has no effect on P6-family and later processors');
      case 'startup': {
        if (cpu.pins.signalStartup(vector)) {
          const where = cpu.describeStart?.() ?? `real mode at ${((vector << 8) & 0xffff).toString(16).toUpperCase().padStart(4, '0')}:0000`;
          return outcome('accepted', `started: ${where}`);
        }
        const why = stateBefore === 'wait-for-sipi' ? 'INIT has not been taken yet'
          : stateBefore === 'running' || stateBefore === 'halted' ? `not in wait-for-SIPI (${stateBefore}): a STARTUP is acted on only after INIT`
            : `not in wait-for-SIPI (${stateBefore})`;
        return outcome('ignored', why);
      }
      default:
        return outcome('dropped', 'reserved delivery mode');
    }
  }

  private init(target: LocalApic): void {
    target.initReset();
    this.cpus[target.index].pins.signalInit();
  }

  private initOutcome(cpu: PlatformCpu, before: ActivityState): string {
    if (cpu.isBsp) return 'INIT to the BSP: it restarts at the reset vector';
    if (before === 'running' || before === 'halted') return `INIT to a ${before} AP resets it; it now waits for STARTUP`;
    return 'INIT state; waiting for STARTUP';
  }
}

function hasVector(bits: Uint32Array, v: number): boolean {
  return (bits[v >>> 5] & (1 << (v & 31))) !== 0;
}

/** Logical destination match (SDM 10.6.2.2, 10.12.10.2). */
function logicalMatch(l: LocalApic, destination: number, x2: boolean): boolean {
  if (l.x2apic || x2) {
    const ldr = l.logicalId;
    return (ldr >>> 16) === (destination >>> 16) && (ldr & destination & 0xffff) !== 0;
  }
  const ldr = l.logicalId & 0xff;
  const flat = (l.state.dfr >>> 28) === 0xf;
  if (flat) return (ldr & destination) !== 0;
  return (ldr >> 4) === (destination >> 4) && (ldr & destination & 0xf) !== 0;
}

/** ICR combinations the SDM lists as invalid (Table 10-3) or that carry an illegal vector. */
function invalidCombination(mode: IpiDeliveryMode, shorthand: IpiShorthand, vector: number): string | undefined {
  if ((mode === 'fixed' || mode === 'lowest-priority') && vector < 16) return `vector ${vector} is illegal (0-15): send-illegal-vector error in the sender's ESR`;
  if (mode === 'reserved') return 'reserved delivery mode';
  if ((shorthand === 'self' || shorthand === 'all-including-self') && mode !== 'fixed') {
    return `${mode} with the "${shorthand}" shorthand is not a valid ICR combination (SDM Table 10-3)`;
  }
  if (shorthand === 'all-excluding-self' && mode === 'lowest-priority') return 'lowest priority with "all-excluding-self" is not a valid ICR combination (SDM Table 10-3)';
  return undefined;
}
