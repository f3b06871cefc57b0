/**
 * The seams between a CPU core and the machine around it. The core depends
 * only on these interfaces; the machine, the LAPIC and tests implement them.
 */
import type { ActivityState } from './activity-state';

/** What the scheduler needs from a vCPU. */
export interface SchedulableCpu {
  readonly index: number;
  readonly activity: ActivityState;
  /**
   * Retire up to budget instructions and return how many were retired.
   * Returns early on HLT, shutdown, leaving wait-for-SIPI state changes to
   * the platform, or when a stop was requested (breakpoint, machine event).
   */
  runSlice(budget: number): number;
  /** True when the vCPU would make progress if given a slice (running, or halted with a wake-up pending). */
  isRunnable(): boolean;
}

/**
 * The local interrupt controller as the CPU core sees it (SDM Vol. 3A 10.8):
 * the core asks whether a maskable interrupt is deliverable and, when it takes
 * one (EFLAGS.IF=1, no interrupt shadow), acknowledges it to get the vector.
 */
export interface InterruptController {
  /** A maskable interrupt would be delivered if the CPU accepted one now. */
  hasPendingInterrupt(): boolean;
  /** INTA cycle: move the interrupt to in-service and return its vector. */
  acknowledgeInterrupt(): number;
}

/**
 * Signals the interrupt controllers drive into a core (SDM Vol. 3A 10.6.1).
 * Each is an event the core takes at an instruction boundary.
 */
export interface CpuSignalPins {
  /** NMI: taken at the next boundary unless NMIs are blocked (until IRET). */
  signalNmi(): void;
  /** INIT: the core goes to the INIT state and (APs and BSP alike) to wait-for-SIPI or reset. */
  signalInit(): void;
  /** STARTUP with an 8-bit vector: acted on only in wait-for-SIPI. Returns whether it was acted on. */
  signalStartup(vector: number): boolean;
  signalSmi(): void;
  /** A maskable interrupt became pending: wakes a halted core. */
  signalInterrupt(): void;
}

/**
 * Model-specific registers that live outside the core (LAPIC base, x2APIC
 * registers 0x800-0x8FF, ...). undefined / false means "not handled here":
 * the core then tries its own MSRs and raises #GP for unknown ones.
 */
export interface MsrDevice {
  readMsr(index: number): bigint | undefined;
  /** Returns false when the write must raise #GP (reserved bits, bad mode transition). */
  writeMsr(index: number, value: bigint): boolean | undefined;
  handlesMsr(index: number): boolean;
}
