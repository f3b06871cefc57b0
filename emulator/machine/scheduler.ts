/**
 * Deterministic SMP scheduling: vCPUs run in round-robin quanta of virtual
 * time. In each round every runnable vCPU gets a slice of at most `quantum`
 * instructions; the seed shortens slices pseudo-randomly (by up to a quarter)
 * so that different seeds give different, but reproducible, interleavings.
 * Then virtual time moves on by the longest slice of the round (the vCPUs
 * ran side by side) and due timers fire. When no vCPU
 * can run, time jumps straight to the next timer deadline instead of spinning.
 */
import type { SchedulableCpu } from '../cpu/platform-interface';
import type { VirtualClock } from '../time/virtual-clock';
import { NS_PER_INSTRUCTION } from '../time/virtual-clock';
import { SeededRandom } from './seeded-random';

export interface SchedulerOptions {
  /** Instructions per vCPU per round. Small enough that SMP races show up. */
  quantum: number;
  seed: number;
}

export const DEFAULT_QUANTUM = 200;
export const DEFAULT_SEED = 1;

/** One slice as it happened; the sequence of these is the interleaving. */
export interface SliceRecord {
  round: number;
  cpu: number;
  budget: number;
  retired: number;
}

export interface SchedulerState {
  round: number;
  /** SeededRandom state. */
  random: number;
  stopRound: boolean;
}

export type RoundResult =
  /** Reused by the next round: read `retired` before calling runRound again. */
  | { kind: 'ran'; retired: number }
  /** Nobody could run; time jumped to the next timer deadline. */
  | { kind: 'idle-advanced' }
  /** Nobody can run and no timer will ever fire. */
  | { kind: 'idle-forever' };

export class Scheduler {
  private readonly random: SeededRandom;
  private round = 0;
  /** When set, every slice is recorded (tests, determinism checks). */
  sliceLog: SliceRecord[] | undefined;
  /** Set by the machine between slices: stop the current round early. */
  stopRound = false;
  /** Reused for every 'ran' result (one round per ~quantum instructions; callers read it at once). */
  private readonly ranResult: { kind: 'ran'; retired: number } = { kind: 'ran', retired: 0 };

  constructor(
    private readonly cpus: readonly SchedulableCpu[],
    private readonly clock: VirtualClock,
    readonly options: SchedulerOptions,
  ) {
    if (!Number.isInteger(options.quantum) || options.quantum < 1) throw new RangeError('quantum must be a positive integer');
    this.random = new SeededRandom(options.seed);
  }

  /** Where the interleaving stands: the round number and the seeded generator (snapshots). */
  save(): SchedulerState {
    return { round: this.round, random: this.random.save(), stopRound: this.stopRound };
  }

  restore(state: SchedulerState): void {
    this.round = state.round;
    this.random.restore(state.random);
    this.stopRound = state.stopRound;
  }

  /** Slice length for the next vCPU: the quantum, shortened by the seeded jitter. */
  private sliceBudget(): number {
    const quantum = this.options.quantum;
    const jitter = Math.floor(quantum / 4);
    return jitter > 0 ? quantum - this.random.below(jitter + 1) : quantum;
  }

  runRound(maxInstructions = Infinity): RoundResult {
    this.stopRound = false;
    let retired = 0;
    let longest = 0;
    let anyRan = false;
    for (const cpu of this.cpus) {
      if (this.stopRound) break;
      if (!cpu.isRunnable()) continue;
      const budget = Math.min(this.sliceBudget(), Math.max(1, maxInstructions - retired));
      const done = cpu.runSlice(budget);
      this.sliceLog?.push({ round: this.round, cpu: cpu.index, budget, retired: done });
      retired += done;
      if (done > longest) longest = done;
      anyRan = true;
      if (retired >= maxInstructions) break;
    }
    this.round++;
    if (anyRan) {
      // Not the full quantum: a vCPU's TSC is now + its instructions in the slice, so a shorter round
      // (seeded jitter, a budget cut by the caller's instruction limit) must not make its next slice start
      // later than where it stopped. Linux's pit_calibrate_tsc rejects a TSC that jumps (tscmax > 10 * tscmin).
      this.clock.advanceTo(this.clock.now + Math.max(1, longest) * NS_PER_INSTRUCTION);
      this.ranResult.retired = retired;
      return this.ranResult;
    }
    const deadline = this.clock.nextDeadline();
    if (deadline === Infinity) return { kind: 'idle-forever' };
    this.clock.advanceTo(Math.max(deadline, this.clock.now));
    return { kind: 'idle-advanced' };
  }
}
