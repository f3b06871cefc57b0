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
  /** Who armed it, e.g. 'pit.irq0', 'lapic.3.timer' (see timerOwner); snapshots rebuild the callback from it. */
  owner: string | undefined;
  callback: (now: VirtualNanoseconds) => void;
}

/** A pending timer as data (docs/snapshots.md). */
export interface SavedTimer {
  id: number;
  at: VirtualNanoseconds;
  owner: string;
}

export interface VirtualClockState {
  now: VirtualNanoseconds;
  latestCounterRead: VirtualNanoseconds;
  nextId: number;
  /** In firing order, (at, id). */
  timers: SavedTimer[];
}

/** Rebuilds the callback of a saved timer: the owner that armed it for `at`. */
export type TimerRebuilder = (at: VirtualNanoseconds) => (now: VirtualNanoseconds) => void;

export class VirtualClock {
  private current: VirtualNanoseconds = 0;
  /** The latest instant any vCPU has read from its TSC (see observeCounter). */
  private latestCounterRead: VirtualNanoseconds = 0;
  private nextId = 1;
  /** Sorted by (at, id): ties fire in scheduling order, deterministically. */
  private timers: PendingTimer[] = [];
  /** How each timer owner rebuilds its callback on restore (devices register themselves). */
  private readonly owners = new Map<string, TimerRebuilder>();

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
  schedule(at: VirtualNanoseconds, callback: (now: VirtualNanoseconds) => void, owner?: string): TimerHandle {
    const timer: PendingTimer = { id: this.nextId++, at, owner, callback };
    this.insert(timer);
    return { id: timer.id };
  }

  private insert(timer: PendingTimer): void {
    const at = timer.at;
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.timers[mid];
      if (other.at < at || (other.at === at && other.id < timer.id)) low = mid + 1;
      else high = mid;
    }
    this.timers.splice(low, 0, timer);
  }

  /**
   * Register how timers armed by `owner` (a key unique in the machine, such
   * as 'pit.irq0') are rebuilt by restore(). A device that schedules timers
   * registers once and passes the same key to schedule() (a later
   * registration of the same key replaces the earlier one).
   */
  registerTimerOwner(owner: string, rebuild: TimerRebuilder): void {
    this.owners.set(owner, rebuild);
  }

  /** Virtual time and the pending timers as data; every pending timer must have an owner. */
  save(): VirtualClockState {
    return {
      now: this.current,
      latestCounterRead: this.latestCounterRead,
      nextId: this.nextId,
      timers: this.timers.map((t) => {
        if (t.owner === undefined) throw new Error(`timer ${t.id} at ${t.at} has no owner and cannot be saved`);
        return { id: t.id, at: t.at, owner: t.owner };
      }),
    };
  }

  /**
   * Replace time and the pending timers by a saved state. Each timer keeps its
   * id (devices keep the TimerHandle they saved) and its (at, id) place, so
   * timers due at the same instant fire in the same order as before the save.
   */
  restore(state: VirtualClockState, resolve?: (owner: string, at: VirtualNanoseconds) => (now: VirtualNanoseconds) => void): void {
    const rebuild = resolve ?? ((owner: string, at: VirtualNanoseconds) => {
      const r = this.owners.get(owner);
      if (r === undefined) throw new Error(`no timer owner ${owner} on this machine`);
      return r(at);
    });
    this.current = state.now;
    this.latestCounterRead = state.latestCounterRead;
    this.nextId = state.nextId;
    this.timers = [];
    for (const t of state.timers) this.insert({ id: t.id, at: t.at, owner: t.owner, callback: rebuild(t.owner, t.at) });
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
