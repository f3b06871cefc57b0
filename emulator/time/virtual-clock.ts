/**
 * Virtual time. The machine never reads the host clock: time advances only
 * as vCPUs retire instructions (one nanosecond per instruction, a 1 GHz
 * machine with one instruction per cycle) or when every vCPU is idle and the
 * scheduler jumps to the next timer deadline. That makes runs reproducible.
 */

export type VirtualNanoseconds = number;

/** Virtual nanoseconds per retired instruction; also the TSC rate (1 GHz). */
export const NS_PER_INSTRUCTION = 1;
export const TSC_HZ = 1_000_000_000;

export interface TimerHandle {
  readonly id: number;
}

interface PendingTimer {
  id: number;
  at: VirtualNanoseconds;
  callback: (now: VirtualNanoseconds) => void;
}

export class VirtualClock {
  private current: VirtualNanoseconds = 0;
  /** The latest instant any vCPU has read from its TSC (see observeCounter). */
  private latestCounterRead: VirtualNanoseconds = 0;
  private nextId = 1;
  /** Sorted by (at, id): ties fire in scheduling order, deterministically. */
  private timers: PendingTimer[] = [];

  get now(): VirtualNanoseconds {
    return this.current;
  }

  /**
   * The instant a vCPU sees when it reads a free-running counter (the TSC)
   * at \`instant\` = clock.now plus what it has retired in its slice. vCPUs of
   * one scheduling round all start at the same clock.now, so a vCPU later in
   * the round would read an earlier time than one that already ran its slice
   * and published the value (through a lock, say): time would run backwards
   * across CPUs, which Linux's check_tsc_warp (arch/x86/kernel/tsc_sync.c)
   * reports as "TSC warp" and then stops trusting the TSC. On hardware the
   * TSCs of one package are synchronised (SDM Vol. 3B 17.17.1, invariant TSC),
   * so a reading is never below one any CPU made before it: clamp to the
   * latest reading. Each vCPU's own readings stay monotonic and the clamp
   * lasts at most one slice, since clock.now then passes every reading.
   */
  observeCounter(instant: VirtualNanoseconds): VirtualNanoseconds {
    if (instant > this.latestCounterRead) this.latestCounterRead = instant;
    return this.latestCounterRead;
  }

  /** Run callback when virtual time reaches at (or at once on the next advance if at <= now). */
  schedule(at: VirtualNanoseconds, callback: (now: VirtualNanoseconds) => void): TimerHandle {
    const timer: PendingTimer = { id: this.nextId++, at, callback };
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.timers[mid];
      if (other.at < at || (other.at === at && other.id < timer.id)) low = mid + 1;
      else high = mid;
    }
    this.timers.splice(low, 0, timer);
    return { id: timer.id };
  }

  cancel(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const index = this.timers.findIndex((t) => t.id === handle.id);
    if (index >= 0) this.timers.splice(index, 1);
  }

  /** Deadline of the earliest pending timer, or Infinity. */
  nextDeadline(): VirtualNanoseconds {
    return this.timers.length > 0 ? this.timers[0].at : Infinity;
  }

  /** Move time forward to t, firing every timer due on the way, in order. */
  advanceTo(t: VirtualNanoseconds): void {
    if (t < this.current) throw new Error(`virtual time cannot go back (${t} < ${this.current})`);
    while (this.timers.length > 0 && this.timers[0].at <= t) {
      const timer = this.timers.shift()!;
      this.current = Math.max(this.current, timer.at);
      timer.callback(this.current);
    }
    this.current = t;
  }

  /** Forget all timers and go back to time zero (machine reset / restart). */
  reset(): void {
    this.current = 0;
    this.latestCounterRead = 0;
    this.timers = [];
  }
}
