import { strict as assert } from 'node:assert';
import type { ActivityState } from '../../emulator/cpu/activity-state';
import type { SchedulableCpu } from '../../emulator/cpu/platform-interface';
import { Scheduler, type SliceRecord } from '../../emulator/machine/scheduler';
import { VirtualClock } from '../../emulator/time/virtual-clock';

/** A CPU that retires whatever budget it gets, until it has done `work` instructions; then it halts. */
class CountingCpu implements SchedulableCpu {
  activity: ActivityState = 'running';
  done = 0;
  constructor(readonly index: number, private readonly work: number) {}
  isRunnable(): boolean {
    return this.activity === 'running';
  }
  runSlice(budget: number): number {
    const n = Math.min(budget, this.work - this.done);
    this.done += n;
    if (this.done >= this.work) this.activity = 'halted';
    return n;
  }
}

function run(seed: number, quantum = 200): { log: SliceRecord[]; now: number } {
  const clock = new VirtualClock();
  const cpus = [new CountingCpu(0, 5000), new CountingCpu(1, 3000), new CountingCpu(2, 7000), new CountingCpu(3, 100)];
  const scheduler = new Scheduler(cpus, clock, { quantum, seed });
  scheduler.sliceLog = [];
  for (let i = 0; i < 1000; i++) if (scheduler.runRound().kind === 'idle-forever') break;
  return { log: scheduler.sliceLog, now: clock.now };
}

describe('Scheduler', () => {
  it('gives the same interleaving for the same seed', () => {
    assert.deepEqual(run(7), run(7));
  });

  it('gives a different interleaving for a different seed', () => {
    assert.notDeepEqual(run(7).log, run(8).log);
  });

  it('runs vCPUs round-robin in index order with slices of at most one quantum', () => {
    const { log } = run(1, 100);
    assert.deepEqual(log.slice(0, 4).map((s) => s.cpu), [0, 1, 2, 3]);
    for (const s of log) {
      assert.ok(s.budget <= 100 && s.budget >= 75, `budget ${s.budget}`);
      assert.ok(s.retired <= s.budget);
    }
  });

  it('stops scheduling halted vCPUs and reports idle-forever when nothing can run and no timer is armed', () => {
    const clock = new VirtualClock();
    const cpu = new CountingCpu(0, 10);
    const scheduler = new Scheduler([cpu], clock, { quantum: 50, seed: 1 });
    assert.equal(scheduler.runRound().kind, 'ran');
    assert.equal(scheduler.runRound().kind, 'idle-forever');
  });

  it('jumps virtual time to the next timer when every vCPU is idle, and the timer can wake one', () => {
    const clock = new VirtualClock();
    const cpu = new CountingCpu(0, 10);
    cpu.activity = 'halted';
    let fired = -1;
    clock.schedule(1_000_000, (now) => {
      fired = now;
      cpu.activity = 'running';
    });
    const scheduler = new Scheduler([cpu], clock, { quantum: 50, seed: 1 });
    assert.equal(scheduler.runRound().kind, 'idle-advanced');
    assert.equal(fired, 1_000_000);
    assert.equal(clock.now, 1_000_000);
    assert.equal(scheduler.runRound().kind, 'ran');
  });

  it('refuses a quantum that is not a positive integer', () => {
    assert.throws(() => new Scheduler([], new VirtualClock(), { quantum: 0, seed: 1 }), /quantum/);
  });
});
