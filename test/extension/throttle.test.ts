import { strict as assert } from 'node:assert';
import { Throttle } from '../../extension/views/throttle';

describe('extension: live-update throttle', () => {
  function harness(interval: number) {
    let now = 0;
    const timers: { at: number; fn: () => void; id: number }[] = [];
    let nextId = 1;
    const runs: number[] = [];
    const t = new Throttle(() => { runs.push(now); }, interval, () => now,
      (fn, ms) => { const id = nextId++; timers.push({ at: now + ms, fn, id }); return id as unknown as ReturnType<typeof setTimeout>; },
      (h) => { const i = timers.findIndex((x) => x.id === (h as unknown as number)); if (i >= 0) timers.splice(i, 1); });
    const advance = async (ms: number): Promise<void> => {
      now += ms;
      for (;;) {
        const due = timers.filter((x) => x.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers.splice(timers.indexOf(due), 1);
        due.fn();
        await Promise.resolve();
      }
      await new Promise((r) => setImmediate(r));
    };
    return { t, runs, advance };
  }

  it('runs at once, then at most once per interval, never losing the last request', async () => {
    const { t, runs, advance } = harness(250);
    t.request();
    await advance(0);
    assert.deepEqual(runs, [0]);
    for (let i = 0; i < 15; i++) { t.request(); await advance(20); }
    assert.deepEqual(runs, [0, 260], '15 requests in 300 ms: one more run, when the interval was over');
    await advance(300);
    assert.deepEqual(runs, [0, 260, 600], 'the requests after that run are not lost');
    await advance(1000);
    assert.equal(runs.length, 3, 'nothing pending: no extra run');
    t.request();
    await advance(0);
    assert.equal(runs.length, 4);
    for (let i = 1; i < runs.length; i++) assert.ok(runs[i] - runs[i - 1] >= 250);
  });

  it('flush runs now (a stop) and cancels the pending timer', async () => {
    const { t, runs, advance } = harness(250);
    t.request();
    await advance(0);
    t.request();
    await advance(10);
    await t.flush();
    assert.deepEqual(runs, [0, 10]);
    await advance(500);
    assert.deepEqual(runs, [0, 10]);
    t.dispose();
  });
});
