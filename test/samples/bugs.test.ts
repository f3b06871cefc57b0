/**
 * samples/bugs: each guest reproduces one classic bring-up bug. Each test
 * runs it through the whole machine and checks the symptom three ways: the
 * serial output, how the run ended, and the machine event the debugger's
 * event filter (debug-adapter/event-filters.ts) would stop on.
 */
import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import { matchEvent, type EventFilterId, type EventHit } from '../../debug-adapter/event-filters';
import type { MachineEvent } from '../../emulator/events/machine-events';
import type { PcMachine } from '../../emulator/machine/pc-machine';
import type { IpiRecord } from '../../emulator/devices/ipi-log';
import { runGuestImage, type GuestRun } from '../support/run-guest';

const BUGS = resolve(__dirname, '../../samples/bugs');

interface BugRun extends GuestRun {
  lines: string[];
  events: MachineEvent[];
  hits: EventHit[];
  ipis: IpiRecord[];
  pc: PcMachine;
}

async function runBug(name: string, cpus: number): Promise<BugRun> {
  const events: MachineEvent[] = [];
  let pc: PcMachine | undefined;
  const run = await runGuestImage(`${BUGS}/${name}/${name}.elf`, {
    cpus,
    seed: 1,
    maxInstructions: 200_000_000,
    onEvent: (e) => events.push(e),
    inspect: (machine) => { pc = machine; },
  });
  return {
    ...run,
    lines: run.serial.split(/\r?\n/).filter((l) => l.length > 0),
    events,
    hits: events.flatMap(matchEvent),
    ipis: pc!.platform.ipiLog.records,
    pc: pc!,
  };
}

function hitsOf(run: BugRun, filter: EventFilterId): EventHit[] {
  return run.hits.filter((h) => h.filter === filter);
}

describe('samples/bugs', function () {
  this.timeout(120_000);

  it('stale-gs: the AP starts with a GS whose GDT entry changed: pv-stale-state', async () => {
    const run = await runBug('stale-gs', 2);
    assert.deepEqual(run.lines, [
      'stale-gs: GDT 0x18 = per-CPU segment of cpu 1',
      'stale-gs: SET_AP_STARTUP_STATE(APIC ID 1) registered, GS = 0x18',
      "stale-gs: per-CPU GDT rework: 0x18 is now cpu 0's segment, cpu 1's is 0x20",
      'cpu 1: started in its paravirtual state; GS:cpu says cpu 0',
      'stale-gs: per-CPU counters: cpu 0 = 1, cpu 1 = 0',
      "stale-gs: FAILED: cpu 1 ran on cpu 0's per-CPU data (stale GS selector in its startup state)",
    ]);
    assert.equal(run.exitReason, 'debug-exit');
    assert.equal(run.exitStatus, 3);
    const stale = hitsOf(run, 'pv-stale-state');
    assert.equal(stale.length, 1);
    const event = stale[0].event;
    assert.ok(event?.kind === 'pv-stale-state');
    assert.equal(event.apicId, 1);
    assert.equal(event.cpu, 1);
    assert.deepEqual(event.changes.map((c) => c.selector), [0x18]);
    assert.ok(event.changes[0].usedBy.some((r) => r.toLowerCase() === 'gs'), `usedBy ${event.changes[0].usedBy.join(',')}`);
    assert.notDeepEqual(event.changes[0].before, event.changes[0].after);
    // Still a valid state: the AP starts in it (pv-startup-state 'started'), nothing is refused.
    assert.deepEqual(hitsOf(run, 'pv-startup-state').map((h) => h.variables.$action), ['registered', 'started']);
    assert.equal(hitsOf(run, 'pv-refused').length, 0);
  });

  it('trampoline-above-1mib: the STARTUP vector cannot reach 0x110000; the AP runs zeroed memory at 0x10000', async () => {
    const run = await runBug('trampoline-above-1mib', 2);
    assert.deepEqual(run.lines, [
      'trampoline-above-1mib: trampoline copied to 0x00110000, STARTUP vector 0x00000010',
      'trampoline-above-1mib: FAILED: APIC ID 1 did not check in within 10 ms',
    ]);
    assert.equal(run.exitStatus, 3);
    const startups = hitsOf(run, 'startup-ipi');
    assert.equal(startups.length, 2);
    assert.equal(startups[0].variables.$vector, 0x10);
    const first = run.ipis.find((r) => r.deliveryMode === 'startup')!;
    assert.equal(first.targets[0].outcome, 'accepted');
    assert.match(first.targets[0].reason, /real mode at 1000:0000/);
    // The AP never left real mode: no CR0.PE stop on vCPU 1, and it is still
    // running in the 64 KiB segment at 0x10000 when the kernel gives up.
    assert.equal(hitsOf(run, 'cr0-pe').filter((h) => h.cpu === 1).length, 0);
    const ap = run.pc.cpus[1];
    assert.equal(ap.activity, 'running');
    assert.equal(ap.state.segments[1].selector, 0x1000);
  });

  it('missing-second-sipi: one STARTUP per AP; works on this machine, the log shows the single STARTUP', async () => {
    const run = await runBug('missing-second-sipi', 4);
    assert.deepEqual(run.lines, [
      'missing-second-sipi: INIT + one STARTUP per AP (the MP spec says two)',
      'missing-second-sipi: APIC ID 1: started after 1 STARTUP IPI',
      'missing-second-sipi: APIC ID 2: started after 1 STARTUP IPI',
      'missing-second-sipi: APIC ID 3: started after 1 STARTUP IPI',
      'missing-second-sipi: this machine acts on the first STARTUP; one that needs the second would have hung here',
    ]);
    assert.equal(run.exitStatus, 1);
    const startups = hitsOf(run, 'startup-ipi');
    assert.deepEqual(startups.map((h) => h.variables.$target), [1, 2, 3]);
    for (const r of run.ipis.filter((i) => i.deliveryMode === 'startup')) assert.equal(r.targets[0].outcome, 'accepted');
  });

  it('init-to-running-cpu: a second INIT resets the running AP; its job starts over', async () => {
    const run = await runBug('init-to-running-cpu', 2);
    assert.deepEqual(run.lines, [
      'init-to-running-cpu: starting APIC ID 1',
      'cpu 1: started (start #1), job begins',
      'cpu 1: job step 1/5 done',
      'cpu 1: job step 2/5 done',
      'init-to-running-cpu: bring-up loop again: INIT to APIC ID 1 (it is at step 2/5)',
      'cpu 1: started (start #2), job begins',
      'cpu 1: job step 1/5 done',
      'cpu 1: job step 2/5 done',
      'cpu 1: job step 3/5 done',
      'cpu 1: job step 4/5 done',
      'cpu 1: job step 5/5 done',
      'init-to-running-cpu: APIC ID 1 was started 2 times',
      'init-to-running-cpu: FAILED: the INIT reset a running CPU; steps 1-2 of its job were lost and redone',
    ]);
    assert.equal(run.exitStatus, 3);
    const inits = hitsOf(run, 'init-ipi');
    assert.equal(inits.length, 2);
    const second = run.ipis.filter((r) => r.deliveryMode === 'init')[1];
    assert.notEqual(second.targets[0].stateBefore, 'wait-for-sipi');
    assert.equal(second.targets[0].stateAfter, 'wait-for-sipi');
    assert.match(second.targets[0].reason, /INIT to a (running|halted) AP resets it/);
  });

  it('all-excluding-self: the shorthand starts all three APs of a 4-CPU machine, not the one planned', async () => {
    const run = await runBug('all-excluding-self', 4);
    assert.deepEqual(run.lines, [
      'all-excluding-self: kernel configured for 2 CPUs (1 AP)',
      'all-excluding-self: APs that started: APIC ID 1 2 3',
      'all-excluding-self: FAILED: 3 APs started, the kernel planned for 1',
    ]);
    assert.equal(run.exitStatus, 3);
    for (const filter of ['init-ipi', 'startup-ipi'] as const) {
      for (const hit of hitsOf(run, filter)) assert.equal(hit.variables.$targets, 3);
    }
    const init = run.ipis.find((r) => r.deliveryMode === 'init')!;
    assert.equal(init.shorthand, 'all-excluding-self');
    assert.deepEqual(init.targets.map((t) => t.apicId), [1, 2, 3]);
    // With the machine the kernel was built for, it works.
    const planned = await runBug('all-excluding-self', 2);
    assert.equal(planned.lines[2], 'all-excluding-self: 1 AP started, as planned');
    assert.equal(planned.exitStatus, 1);
  });

  it('too-many-cpus: IPIs to absent APIC IDs are dropped and logged; the kernel times out', async () => {
    const run = await runBug('too-many-cpus', 2);
    assert.deepEqual(run.lines, [
      'too-many-cpus: kernel configured for 4 CPUs, starting APIC IDs 1-3',
      'ap: APIC ID 1 started',
      'too-many-cpus: APIC ID 2: no answer after 10 ms',
      'too-many-cpus: APIC ID 3: no answer after 10 ms',
      'too-many-cpus: FAILED: 2 of 4 CPUs online',
    ]);
    assert.equal(run.exitStatus, 3);
    const dropped = run.ipis.filter((r) => r.targets.length === 0);
    assert.deepEqual(dropped.map((r) => [r.destination, r.deliveryMode]), [
      [2, 'init'], [2, 'startup'], [2, 'startup'], [3, 'init'], [3, 'startup'], [3, 'startup'],
    ]);
    for (const r of dropped) assert.match(r.dropped ?? '', /no vCPU has APIC ID/);
    // The init-ipi filter stops on them too, with no target ($target == -1).
    assert.deepEqual(hitsOf(run, 'init-ipi').map((h) => h.variables.$target), [1, -1, -1]);
  });

  it('triple-fault-trampoline: far jump to a selector beyond the trampoline GDT: #GP, #DF, triple fault', async () => {
    const run = await runBug('triple-fault-trampoline', 2);
    assert.deepEqual(run.lines, ['triple-fault-trampoline: starting APIC ID 1']);
    assert.equal(run.exitReason, 'triple-fault');
    assert.equal(run.exitStatus, 2);
    const exceptions = hitsOf(run, 'exception');
    assert.deepEqual(exceptions.map((h) => [h.cpu, h.variables.$vector, h.variables.$error]), [[1, 13, 0x18], [1, 8, 0]]);
    const triple = hitsOf(run, 'triple-fault');
    assert.equal(triple.length, 1);
    assert.equal(triple[0].cpu, 1);
    // CR0.PE was set just before: the cr0-pe filter stops on vCPU 1 first.
    assert.deepEqual(hitsOf(run, 'cr0-pe').map((h) => h.cpu), [1]);
  });

  it('the same guest, the same seed: the same run', async () => {
    const a = await runBug('init-to-running-cpu', 2);
    const b = await runBug('init-to-running-cpu', 2);
    assert.equal(a.serial, b.serial);
    assert.equal(a.instructions, b.instructions);
    assert.equal(a.events.length, b.events.length);
  });
});
