/**
 * The paravirtual interface as the machine sees it: CPUID leaves
 * 0x40000000-0x40000001, the VMCALL functions, and the hook the STARTUP IPI
 * delivery consults. The machine constructs one and wires:
 *   - CPUID: leaves for which cpuidLeaf() returns a result;
 *   - VMCALL: handleVmcall(cpu) (arguments and result in the caller's registers);
 *   - STARTUP IPI acted on by an AP in wait-for-SIPI: beforeStartup(apicId).
 */
import {
  PV_ABI_VERSION,
  PV_CPUID_BASE,
  PV_CPUID_FEATURES,
  PV_CPUID_MAX_LEAF,
  PV_ERROR_NAMES,
  PV_FEATURES,
  PV_SIGNATURE,
  PvError,
  PvFunction,
} from './paravirt-abi';
import { applyStartupState } from './apply-startup-state';
import { decodeStartupState, type StartupState } from './startup-state';
import { findStaleEntries, validateStartupState, type ValidatedStartup } from './startup-validation';
import { Reg, type CpuState } from '../cpu/cpu-state';
import type { EventDetails, MachineEvent, PvRefusedEvent } from '../events/machine-events';
import type { PhysicalMemory } from '../memory/physical-memory';
import { fromPlain, toPlain, type PlainObject } from '../machine/plain-state';

/** What the hypervisor needs from a vCPU. */
export interface ParavirtCpu {
  readonly index: number;
  readonly state: CpuState;
}

export interface ParavirtHost {
  readonly memory: PhysicalMemory;
  emit(details: EventDetails<MachineEvent>): void;
  /** The vCPU whose local APIC has this ID, or undefined. */
  cpuByApicId(apicId: number): ParavirtCpu | undefined;
  /**
   * VCPU_UP has put the vCPU into its new state with activity 'running':
   * the machine clears any pending INIT/SIPI state and schedules it.
   */
  cpuStarted(cpu: ParavirtCpu): void;
}

export interface CpuidResult {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

/** A SET_AP_STARTUP_STATE registration waiting for its STARTUP IPI (shown in the debugger). */
export interface StartupRegistration {
  apicId: number;
  statePointer: number;
  /** The state as decoded at registration (the guest may reuse its buffer afterwards). */
  state: StartupState;
  validated: ValidatedStartup;
  registeredBy: number;
}

export type StartupDecision = 'default' | { start: (cpu: ParavirtCpu) => void };

function signatureWord(i: number): number {
  let word = 0;
  for (let b = 0; b < 4; b++) word |= PV_SIGNATURE.charCodeAt(i * 4 + b) << (b * 8);
  return word >>> 0;
}

/** Activities in which an AP has not been started since its last INIT (SDM Vol. 3A 8.4.1, 10.6.1). */
function waitsForStartup(cpu: ParavirtCpu): boolean {
  return cpu.state.activity === 'wait-for-sipi' || cpu.state.activity === 'not-started';
}

export class ParavirtHypervisor {
  /** Registered startup states by APIC ID. */
  readonly registrations = new Map<number, StartupRegistration>();

  constructor(private readonly host: ParavirtHost) {}

  /** The interface's state: the startup registrations (docs/snapshots.md). */
  save(): PlainObject {
    return { registrations: toPlain(this.registrations) };
  }

  restore(state: PlainObject): void {
    this.registrations.clear();
    for (const [k, v] of fromPlain(state.registrations) as Map<number, StartupRegistration>) this.registrations.set(k, v);
  }

  /** CPUID for the hypervisor range, or undefined for leaves that are not ours. */
  cpuidLeaf(leaf: number, _subleaf: number): CpuidResult | undefined {
    if (leaf === PV_CPUID_BASE) return { eax: PV_CPUID_MAX_LEAF, ebx: signatureWord(0), ecx: signatureWord(1), edx: signatureWord(2) };
    if (leaf === PV_CPUID_FEATURES) return { eax: PV_ABI_VERSION, ebx: PV_FEATURES, ecx: 0, edx: 0 };
    return undefined;
  }

  /** VMCALL: function in EAX, arguments in EBX, ECX, ...; result (0 or a negative PvError) in EAX. */
  handleVmcall(cpu: ParavirtCpu): void {
    const gpr = cpu.state.gpr;
    const fn = gpr[Reg.EAX];
    let result: number;
    if (cpu.state.cpl !== 0) {
      result = this.refuse(cpu.index, fnName(fn), gpr[Reg.EBX], gpr[Reg.ECX], undefined, PvError.Permission, `VMCALL from CPL ${cpu.state.cpl}; the interface is for ring 0`);
    } else if (fn === PvFunction.SetApStartupState) {
      result = this.setApStartupState(cpu, gpr[Reg.EBX], gpr[Reg.ECX]);
    } else if (fn === PvFunction.VcpuUp) {
      result = this.vcpuUp(cpu, gpr[Reg.EBX], gpr[Reg.ECX]);
    } else {
      result = this.refuse(cpu.index, 'UNKNOWN_FUNCTION', undefined, undefined, undefined, PvError.UnknownFunction, `VMCALL function ${fn} is not defined (ABI version ${PV_ABI_VERSION})`);
    }
    gpr[Reg.EAX] = result >>> 0;
  }

  /**
   * Consulted when a STARTUP IPI is about to be acted on by the AP with this
   * APIC ID (it is in wait-for-SIPI). A registered state is consumed: it is
   * re-validated against the GDT as it is now, and either starts the AP or
   * is refused, in which case the AP takes the architectural path.
   */
  beforeStartup(apicId: number): StartupDecision {
    const registration = this.registrations.get(apicId);
    if (registration === undefined) return 'default';
    this.registrations.delete(apicId);
    const target = this.host.cpuByApicId(apicId);
    const targetIndex = target?.index;
    const { memory } = this.host;
    const stale = findStaleEntries(memory, registration.validated);
    if (stale.length > 0) {
      this.host.emit({ kind: 'pv-stale-state', cpu: targetIndex, apicId, changes: stale.map((c) => ({ selector: c.selector, usedBy: c.usedBy, before: c.before, after: c.after })), state: registration.state });
    }
    const validation = validateStartupState(memory, registration.state);
    if (!validation.ok) {
      this.refuse(targetIndex, 'STARTUP_IPI', apicId, registration.statePointer, registration.state, validation.code, `${validation.reason}; the AP starts in real mode at the STARTUP vector instead`);
      return 'default';
    }
    return {
      start: (cpu: ParavirtCpu) => {
        applyStartupState(cpu.state, validation.startup, memory);
        this.host.emit({ kind: 'pv-startup-state', cpu: cpu.index, action: 'started', apicId, statePointer: registration.statePointer, state: registration.state });
      },
    };
  }

  private setApStartupState(caller: ParavirtCpu, apicId: number, statePointer: number): number {
    const op = 'SET_AP_STARTUP_STATE';
    const checked = this.decodeAndValidate(caller, op, apicId, statePointer);
    if (typeof checked === 'number') return checked;
    this.registrations.set(apicId, { apicId, statePointer, state: checked.state, validated: checked, registeredBy: caller.index });
    this.host.emit({ kind: 'pv-startup-state', cpu: caller.index, action: 'registered', apicId, statePointer, state: checked.state });
    return 0;
  }

  private vcpuUp(caller: ParavirtCpu, apicId: number, statePointer: number): number {
    const op = 'VCPU_UP';
    const checked = this.decodeAndValidate(caller, op, apicId, statePointer);
    if (typeof checked === 'number') return checked;
    const target = this.host.cpuByApicId(apicId)!;
    if (!waitsForStartup(target)) {
      return this.refuse(caller.index, op, apicId, statePointer, checked.state, PvError.CpuRunning, `the vCPU with APIC ID ${apicId} is ${target.state.activity}, not waiting for startup`);
    }
    // A VCPU_UP start supersedes a registration for the same AP.
    this.registrations.delete(apicId);
    applyStartupState(target.state, checked, this.host.memory);
    this.host.emit({ kind: 'pv-vcpu-up', cpu: caller.index, apicId, statePointer, state: checked.state });
    this.host.cpuStarted(target);
    return 0;
  }

  private decodeAndValidate(caller: ParavirtCpu, op: PvRefusedEvent['operation'], apicId: number, statePointer: number): ValidatedStartup | number {
    if (this.host.cpuByApicId(apicId) === undefined) return this.refuse(caller.index, op, apicId, statePointer, undefined, PvError.BadApicId, `no vCPU has APIC ID ${apicId}`);
    const decoded = decodeStartupState(this.host.memory, statePointer);
    if (!decoded.ok) return this.refuse(caller.index, op, apicId, statePointer, undefined, PvError.BadAddress, decoded.reason);
    const validation = validateStartupState(this.host.memory, decoded.state);
    if (!validation.ok) return this.refuse(caller.index, op, apicId, statePointer, decoded.state, validation.code, validation.reason);
    return validation.startup;
  }

  private refuse(
    cpu: number | undefined,
    operation: PvRefusedEvent['operation'],
    apicId: number | undefined,
    statePointer: number | undefined,
    state: StartupState | undefined,
    code: PvError,
    reason: string,
  ): number {
    this.host.emit({ kind: 'pv-refused', cpu, operation, apicId, statePointer, errorCode: code, errorName: PV_ERROR_NAMES[code], reason, state });
    return code;
  }
}

function fnName(fn: number): PvRefusedEvent['operation'] {
  return fn === PvFunction.SetApStartupState ? 'SET_AP_STARTUP_STATE' : fn === PvFunction.VcpuUp ? 'VCPU_UP' : 'UNKNOWN_FUNCTION';
}
