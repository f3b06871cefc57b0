/**
 * Whole-machine snapshots (docs/snapshots.md): saving, serialising and
 * restoring into a fresh machine gives the same state, and the restored
 * machine then runs in lock-step with the original (the same state hash
 * after every chunk, the same serial output), with timers, UART input and
 * disk transfers pending at the save. A perturbed restore must diverge, so
 * that the lock-step check can fail.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { restoreMachine, saveMachine, type MachineSnapshot } from '../../emulator/machine/machine-snapshot';
import { createPcMachine, type PcMachineOptions, type PcMachine } from '../../emulator/machine/pc-machine';
import { decodeBase64, encodeBase64, fromPlain, toPlain, type Plain, type PlainObject } from '../../emulator/machine/plain-state';
import { VirtualClock } from '../../emulator/time/virtual-clock';
import { guestImage } from '../devices/guest-compare';

const root = join(__dirname, '..', '..');

/** JSON with object keys sorted at every level: equal states give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** sha256 over all of the machine's saved state. */
export function machineStateHash(pc: PcMachine): string {
  return createHash('sha256').update(canonicalJson(saveMachine(pc))).digest('hex');
}

/** Where two plain values first differ (a path), or undefined: the hash assertions say what diverged. */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

interface Running {
  pc: PcMachine;
  out: number[];
}

function start(options: PcMachineOptions): Running {
  const out: number[] = [];
  const pc = createPcMachine(options, { serialOutput: (b) => out.push(b), debugConsoleOutput: (b) => out.push(b) });
  return { pc, out };
}

function runFor(m: Running, instructions: number): void {
  const target = m.pc.machine.totalInstructions + instructions;
  while (m.pc.machine.exited === undefined && m.pc.machine.totalInstructions < target) {
    const result = m.pc.machine.run(target - m.pc.machine.totalInstructions);
    if (result.kind === 'exited') break;
  }
}

function serialized(snapshot: MachineSnapshot): MachineSnapshot {
  return JSON.parse(JSON.stringify(snapshot)) as MachineSnapshot;
}

const text = (bytes: number[]): string => Buffer.from(bytes).toString('latin1');

interface LockStepResult {
  original: Running;
  restored: Running;
  pendingTimers: string[];
  chunksCompared: number;
}

/**
 * Run `before` instructions, save, restore into a fresh machine and run both
 * side by side for `chunks` × `chunk` instructions, asserting equal hashes
 * after every chunk and the same serial output since the save.
 */
function lockStep(
  options: PcMachineOptions,
  before: number,
  chunks: number,
  chunk: number,
  { beforeSave, perturb, toEnd = false }: { beforeSave?: (pc: PcMachine) => void; perturb?: (s: MachineSnapshot) => void; toEnd?: boolean } = {},
): LockStepResult {
  const original = start(options);
  runFor(original, before);
  beforeSave?.(original.pc);
  assert.equal(original.pc.machine.exited, undefined, `the guest is still running after ${before} instructions`);
  const snapshot = serialized(saveMachine(original.pc));
  const pendingTimers = snapshot.clock.timers.map((t) => t.owner);
  perturb?.(snapshot);
  const restored = start(options);
  restoreMachine(restored.pc, snapshot);
  const outAtSave = original.out.length;
  let chunksCompared = 0;
  for (let i = 0; i < chunks; i++) {
    runFor(original, chunk);
    runFor(restored, chunk);
    assert.equal(restored.pc.machine.totalInstructions, original.pc.machine.totalInstructions, `chunk ${i}: instruction counts`);
    const hash = machineStateHash(restored.pc);
    if (hash !== machineStateHash(original.pc)) assert.fail(`chunk ${i}: state hashes differ at ${firstDifference(serialized(saveMachine(restored.pc)), serialized(saveMachine(original.pc)))}`);
    assert.equal(text(restored.out), text(original.out.slice(outAtSave)), `chunk ${i}: serial output`);
    chunksCompared++;
    if (original.pc.machine.exited !== undefined) break;
  }
  if (toEnd) {
    // Then both run to the guest's exit; the end states and the whole output must agree too.
    runFor(original, 500_000_000);
    runFor(restored, 500_000_000);
    assert.ok(original.pc.machine.exited !== undefined, 'the guest exits');
    assert.equal(machineStateHash(restored.pc), machineStateHash(original.pc), 'state hashes at the exit');
    assert.equal(text(restored.out), text(original.out.slice(outAtSave)), 'serial output to the exit');
  }
  assert.deepEqual(restored.pc.machine.exited, original.pc.machine.exited);
  return { original, restored, pendingTimers, chunksCompared };
}

const smpDemo = (): PcMachineOptions => ({
  image: readFileSync(join(root, 'samples', 'smp-demo', 'smp-demo.elf')),
  boot: 'auto',
  cpus: 4,
  memorySize: 64 * 1024 * 1024,
});

const guest = (name: string, cpus: number, extra: Partial<PcMachineOptions> = {}): PcMachineOptions => ({
  image: readFileSync(guestImage(name)),
  boot: 'bootsector',
  cpus,
  memorySize: 32 * 1024 * 1024,
  ...extra,
});

/** The slave disk ata-slave.asm expects: sector n begins with 'S', 'L', n, 0. */
function slaveDisk(): Uint8Array {
  const s = new Uint8Array(64 * 512);
  for (let n = 0; n < 64; n++) s.set([0x53, 0x4c, n, 0], n * 512);
  return s;
}

describe('machine snapshots (save, restore into a fresh machine, lock-step)', function () {
  this.timeout(600_000);

  it('save → JSON → restore into a fresh machine gives the identical saved state', function () {
    const original = start(smpDemo());
    runFor(original, 3_000_000);
    original.pc.machine.com1.sendHostInput([0x61, 0x62, 0x0a]);
    const saved = saveMachine(original.pc);
    const restored = start(smpDemo());
    restoreMachine(restored.pc, serialized(saved));
    assert.equal(firstDifference(serialized(saveMachine(restored.pc)), serialized(saved)), undefined);
    assert.equal(machineStateHash(restored.pc), machineStateHash(original.pc));
  });

  it('smp-demo (4 vCPUs): the restored machine runs in lock-step with the original', function () {
    const r = lockStep(smpDemo(), 2_000_000, 10, 50_000, { beforeSave: (pc) => pc.machine.com1.sendHostInput([0x68, 0x69, 0x0d]) });
    assert.ok(r.pendingTimers.length > 0, 'timers were pending at the save');
    assert.equal(r.chunksCompared, 10);
  });

  it('lapic-timer (4 vCPUs, LAPIC timers in all modes pending at the save) runs in lock-step to its exit', function () {
    const seen = new Set<string>();
    for (const before of [11_000_000, 19_000_000, 28_000_000, 37_000_000]) {
      const r = lockStep(guest('lapic-timer', 4), before, 10, 50_000, { toEnd: true });
      for (const owner of r.pendingTimers) seen.add(owner.replace(/\d+/, 'N'));
    }
    assert.ok(seen.has('lapic.N.timer'), `a LAPIC timer was pending at a save point (saw ${[...seen].join(', ')})`);
  });

  it('ata-slave (IDENTIFY, PIO and IRQ14 reads, a write) runs in lock-step across saves during the transfers', function () {
    // The whole guest is about 7,700 instructions: save every 700 and compare every 100.
    for (let before = 700; before < 7_700; before += 700) {
      const r = lockStep(guest('ata-slave', 1, { disks: [readFileSync(guestImage('ata-slave')), slaveDisk()] }), before, 10, 100, { toEnd: true });
      assert.match(text(r.original.out), /BDA hard disks/);
    }
  });

  it('ioapic-com1 (4 vCPUs, COM1 interrupts through the IO-APIC) runs in lock-step', function () {
    for (const before of [2_000_000, 12_000_000]) lockStep(guest('ioapic-com1', 4), before, 10, 50_000, { toEnd: true });
  });

  it('pic-imcr (PIT channel 0 at 100 Hz through the 8259 and IMCR) runs in lock-step with IRQ0 timers pending at the save', function () {
    let pitPending = 0;
    for (const before of [1_000, 2_500, 4_000, 4_600, 4_800, 5_000]) {
      const r = lockStep(guest('pic-imcr', 1), before, 10, 50, { toEnd: true });
      if (r.pendingTimers.includes('pit.irq0')) pitPending++;
    }
    assert.ok(pitPending >= 2, `the PIT's IRQ0 timer was pending at ${pitPending} save points`);
  });

  it('restoring into the same machine after it ran on (going back) replays the same run', function () {
    const m = start(smpDemo());
    runFor(m, 2_000_000);
    const snapshot = serialized(saveMachine(m.pc));
    const outAtSave = m.out.length;
    const hashes: string[] = [];
    for (let i = 0; i < 5; i++) {
      runFor(m, 100_000);
      hashes.push(machineStateHash(m.pc));
    }
    const firstOutput = text(m.out.slice(outAtSave));
    restoreMachine(m.pc, snapshot);
    assert.equal(machineStateHash(m.pc), createHash('sha256').update(canonicalJson(snapshot)).digest('hex'));
    const replayFrom = m.out.length;
    for (let i = 0; i < 5; i++) {
      runFor(m, 100_000);
      assert.equal(machineStateHash(m.pc), hashes[i], `replayed chunk ${i}`);
    }
    assert.equal(text(m.out.slice(replayFrom)), firstOutput);
  });

  it('the check can fail: one changed LAPIC field (the LVT vector of a pending timer) makes the guest itself diverge', function () {
    const original = start(guest('lapic-timer', 4));
    runFor(original, 11_000_000);
    const snapshot = serialized(saveMachine(original.pc));
    assert.ok(snapshot.clock.timers.some((t) => t.owner === 'lapic.1.timer'), 'LAPIC 1 has its timer pending');
    const lvt = (snapshot.devices.lapics[1].state as PlainObject).lvt as number[];
    lvt[1] = (lvt[1] & ~0xff) | (((lvt[1] & 0xff) + 1) & 0xff);
    const restored = start(guest('lapic-timer', 4));
    restoreMachine(restored.pc, snapshot);
    const outAtSave = original.out.length;
    runFor(original, 1_000_000);
    runFor(restored, 1_000_000);
    // Not only the perturbed field: what the guest did (its memory, its vCPUs or its output) differs.
    const guestSide = (pc: PcMachine): string => {
      const saved = saveMachine(pc);
      return createHash('sha256').update(canonicalJson({ memory: saved.memory, cpus: saved.cpus })).digest('hex');
    };
    assert.ok(guestSide(restored.pc) !== guestSide(original.pc) || text(restored.out) !== text(original.out.slice(outAtSave)), 'the perturbed machine behaved the same');
    assert.notEqual(machineStateHash(restored.pc), machineStateHash(original.pc));
  });

  it('the check can fail: a perturbed PIT count in the restored machine makes the hashes diverge', function () {
    assert.throws(
      () =>
        lockStep(smpDemo(), 2_000_000, 10, 50_000, {
          perturb: (s) => {
            const counters = s.devices.pit.counters as unknown as PlainObject[];
            counters[0].startCount = (counters[0].startCount as number) + 1;
          },
        }),
      /state hashes/,
    );
  });
});

describe('snapshot building blocks', function () {
  it('the virtual clock saves its pending timers as data and restores them in the same (at, id) order', function () {
    const clock = new VirtualClock();
    const fired: string[] = [];
    const owned = (owner: string) => (at: number) => () => fired.push(`${owner}@${at}`);
    for (const owner of ['a', 'b', 'c']) clock.registerTimerOwner(owner, owned(owner));
    clock.schedule(500, owned('c')(500), 'c');
    clock.schedule(300, owned('b')(300), 'b');
    const cancelled = clock.schedule(300, owned('a')(300), 'a');
    clock.schedule(300, owned('a')(300), 'a');
    clock.cancel(cancelled);
    clock.advanceTo(100);
    const saved = JSON.parse(JSON.stringify(clock.save())) as ReturnType<VirtualClock['save']>;
    assert.deepEqual(saved.timers.map((t) => [t.id, t.at, t.owner]), [[2, 300, 'b'], [4, 300, 'a'], [1, 500, 'c']]);

    const fresh = new VirtualClock();
    for (const owner of ['a', 'b', 'c']) fresh.registerTimerOwner(owner, owned(owner));
    fresh.restore(saved);
    assert.equal(fresh.now, 100);
    assert.deepEqual(fresh.save(), saved);
    fresh.advanceTo(1000);
    assert.deepEqual(fired, ['b@300', 'a@300', 'c@500']);
    // A new timer continues the id sequence, so ties with restored timers keep their order too.
    assert.equal(fresh.schedule(2000, () => {}, 'a').id, saved.nextId);
  });

  it('a pending timer without an owner cannot be saved, and an unknown owner cannot be restored', function () {
    const clock = new VirtualClock();
    clock.schedule(10, () => {});
    assert.throws(() => clock.save(), /no owner/);
    assert.throws(() => new VirtualClock().restore({ now: 0, latestCounterRead: 0, nextId: 2, timers: [{ id: 1, at: 5, owner: 'nobody' }] }), /no timer owner nobody/);
  });

  it('plain data carries typed arrays, bigints, undefined, Infinity, -0, Maps and Sets through JSON, and refuses references', function () {
    const value = { u8: Uint8Array.of(1, 2, 255), u32: Uint32Array.of(0xffffffff, 7), big: 0x0007040600070406n, none: undefined, inf: Infinity, negZero: -0, map: new Map([[3, Uint8Array.of(9)]]), set: new Set(['x']) };
    const back = fromPlain(JSON.parse(JSON.stringify(toPlain(value))) as Plain) as typeof value;
    assert.deepEqual([...back.u8], [1, 2, 255]);
    assert.ok(back.u32 instanceof Uint32Array);
    assert.deepEqual([...back.u32], [0xffffffff, 7]);
    assert.equal(back.big, 0x0007040600070406n);
    assert.ok('none' in back && back.none === undefined);
    assert.equal(back.inf, Infinity);
    assert.ok(Object.is(back.negZero, -0));
    assert.deepEqual([...back.map.get(3)!], [9]);
    assert.ok(back.set.has('x'));
    assert.throws(() => toPlain({ clock: new VirtualClock() }), /instance of VirtualClock/);
    assert.throws(() => toPlain({ f: () => 1 }), /function/);
    const bytes = new Uint8Array(1000).map((_, i) => (i * 37) & 0xff);
    for (const n of [0, 1, 2, 3, 4, 999, 1000]) assert.deepEqual([...decodeBase64(encodeBase64(bytes.subarray(0, n)))], [...bytes.subarray(0, n)]);
  });
});
