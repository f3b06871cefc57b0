import { strict as assert } from 'node:assert';
import { IoBus } from '../../emulator/bus/io-bus';
import { VirtualClock } from '../../emulator/time/virtual-clock';
import { Pit8254, ticksAt, nsAtTick } from '../../emulator/devices/pit8254';

/** Independent reference: first nanosecond at which CLK tick n (1.193182 MHz) has happened. */
const nsOfTick = (n: number): number => Number((BigInt(n) * 1_000_000_000n + 1_193_181n) / 1_193_182n);

function setup(): { bus: IoBus; clock: VirtualClock; pit: Pit8254; edges: { level: boolean; at: number }[] } {
  const clock = new VirtualClock();
  const edges: { level: boolean; at: number }[] = [];
  const pit = new Pit8254(clock, (level) => edges.push({ level, at: clock.now }));
  const bus = new IoBus();
  bus.register(0x40, 4, pit);
  bus.register(0x61, 1, pit);
  return { bus, clock, pit, edges };
}

const readCount = (bus: IoBus, channel: number): number => {
  bus.write(0x43, 1, channel << 6); // counter latch
  return bus.read(0x40 + channel, 1) | (bus.read(0x40 + channel, 1) << 8);
};

describe('8254 PIT', () => {
  it('converts virtual time to CLK ticks exactly, without drift', () => {
    assert.equal(ticksAt(1e9), 1193182);
    assert.equal(ticksAt(3600e9), 1193182 * 3600);
    assert.equal(ticksAt(838), 0);
    assert.equal(ticksAt(839), 1);
    assert.equal(nsAtTick(1193182 * 86400 + 1), 86400e9 + 839);
    for (const n of [1, 18, 11933, 59660, 123456789]) {
      assert.equal(nsAtTick(n), nsOfTick(n));
      assert.equal(ticksAt(nsAtTick(n)), n);
      assert.equal(ticksAt(nsAtTick(n) - 1), n - 1);
    }
  });

  it('a read right after the count write shows the new count (Linux quick_pit_calibrate expects MSB 0xFF at once)', () => {
    const { bus, clock } = setup();
    clock.advanceTo(5000);
    bus.write(0x61, 1, 0x01); // channel 2 gate high, speaker off
    bus.write(0x43, 1, 0xb0); // channel 2, LSB then MSB, mode 0
    bus.write(0x42, 1, 0xff);
    bus.write(0x42, 1, 0xff);
    // No CLK edge yet: the counting element is loaded on the next one, but reads already show N.
    assert.equal(bus.read(0x42, 1) | (bus.read(0x42, 1) << 8), 0xffff);
    clock.advanceTo(nsAtTick(ticksAt(5000) + 2));
    assert.equal(bus.read(0x42, 1) | (bus.read(0x42, 1) << 8), 0xfffe, 'loaded at tick +1, one count down at +2');
  });

  it('channel 0 mode 2 at 100 Hz (Linux LATCH 11932) gives 99 IRQ0 rising edges in the first virtual second', () => {
    const { bus, clock, edges } = setup();
    bus.write(0x43, 1, 0x34);
    bus.write(0x40, 1, 11932 & 0xff);
    bus.write(0x40, 1, 11932 >> 8);
    assert.deepEqual(edges, [{ level: true, at: 0 }]); // mode 2 OUT starts high
    clock.advanceTo(1e9);
    const rises = edges.filter((e, i) => i > 0 && e.level);
    const falls = edges.filter((e) => !e.level);
    assert.equal(rises.length, 99);
    assert.equal(falls.length, 99);
    // Loaded at tick 1; OUT low while the count is 1 (tick 11932), high again on reload (tick 11933).
    assert.equal(falls[0].at, nsOfTick(11932));
    assert.equal(rises[0].at, nsOfTick(11933));
    assert.equal(rises[98].at, nsOfTick(1 + 99 * 11932));
  });

  it('channel 0 mode 3 with count 0 is the BIOS 18.2 Hz square wave', () => {
    const { bus, clock, edges } = setup();
    bus.write(0x43, 1, 0x36);
    bus.write(0x40, 1, 0);
    bus.write(0x40, 1, 0);
    clock.advanceTo(1e9);
    assert.equal(edges.filter((e) => !e.level).length, 18);
    assert.equal(edges.filter((e, i) => i > 0 && e.level).length, 18);
    assert.equal(edges[1].at, nsOfTick(1 + 32768));
    assert.equal(edges[2].at, nsOfTick(1 + 65536));
  });

  it('mode 3 with an odd count: high (N+1)/2 clocks, low (N-1)/2, counting down by two', () => {
    const { bus, clock, edges } = setup();
    bus.write(0x43, 1, 0x16); // ch0, LSB only, mode 3
    bus.write(0x40, 1, 5);
    clock.advanceTo(nsOfTick(20));
    assert.deepEqual(
      edges.map((e) => e.at),
      [0, nsOfTick(4), nsOfTick(6), nsOfTick(9), nsOfTick(11), nsOfTick(14), nsOfTick(16), nsOfTick(19)],
    );
    // Counting element: tick 1 -> 5, 2 -> 4, 3 -> 2, 4 (low) -> 5, 5 -> 2.
    const { bus: b2, clock: c2 } = setup();
    b2.write(0x43, 1, 0x16);
    b2.write(0x40, 1, 5);
    const seen: number[] = [];
    for (let t = 1; t <= 6; t++) {
      c2.advanceTo(nsOfTick(t));
      b2.write(0x43, 1, 0x00);
      seen.push(b2.read(0x40, 1));
    }
    assert.deepEqual(seen, [5, 4, 2, 5, 2, 5]);
  });

  it('counter latch freezes the count until it is read', () => {
    const { bus, clock } = setup();
    bus.write(0x43, 1, 0x34);
    bus.write(0x40, 1, 1000 & 0xff);
    bus.write(0x40, 1, 1000 >> 8);
    clock.advanceTo(nsOfTick(100));
    bus.write(0x43, 1, 0x00);
    clock.advanceTo(nsOfTick(500));
    bus.write(0x43, 1, 0x00); // ignored: a latch is pending
    assert.equal(bus.read(0x40, 1) | (bus.read(0x40, 1) << 8), 1000 - 99);
    assert.equal(readCount(bus, 0), 1000 - 499);
    clock.advanceTo(nsOfTick(1001));
    assert.equal(readCount(bus, 0), 1000); // reloaded
  });

  it('LSB-only and MSB-only access modes', () => {
    const { bus, clock } = setup();
    bus.write(0x43, 1, 0x50); // ch1, LSB only, mode 0
    bus.write(0x41, 1, 0x80);
    bus.write(0x43, 1, 0x80 | 0x20 | 0x04); // ch2, MSB only, mode 2
    bus.write(0x61, 1, 0x01);
    bus.write(0x42, 1, 0x02); // count 0x200
    clock.advanceTo(nsOfTick(17));
    assert.equal(bus.read(0x41, 1), 0x80 - 16);
    assert.equal(bus.read(0x42, 1), 0x01); // 0x200 - 16 = 0x1F0
  });

  it('read-back returns status then count, and tracks NULL COUNT', () => {
    const { bus, clock } = setup();
    bus.write(0x43, 1, 0x34);
    bus.write(0x43, 1, 0xe2); // read-back status of ch0
    assert.equal(bus.read(0x40, 1), 0xc0 | 0x34); // OUT high, null count, RW=3, mode 2
    bus.write(0x40, 1, 0x10);
    bus.write(0x40, 1, 0x00);
    bus.write(0x43, 1, 0xe2);
    assert.equal(bus.read(0x40, 1), 0xc0 | 0x34); // not yet transferred to CE
    clock.advanceTo(nsOfTick(5));
    bus.write(0x43, 1, 0xc2); // status and count
    assert.equal(bus.read(0x40, 1), 0x80 | 0x34);
    assert.equal(bus.read(0x40, 1), 0x10 - 4);
    assert.equal(bus.read(0x40, 1), 0x00);
  });

  it('BCD counting: count 1000 written as 0x1000 reads back in BCD', () => {
    const { bus, clock } = setup();
    bus.write(0x43, 1, 0x31); // ch0, LSB/MSB, mode 0, BCD
    bus.write(0x40, 1, 0x00);
    bus.write(0x40, 1, 0x10);
    clock.advanceTo(nsOfTick(11));
    assert.equal(readCount(bus, 0), 0x0990);
    clock.advanceTo(nsOfTick(1002));
    assert.equal(readCount(bus, 0), 0x9999); // wrapped modulo 10000
  });

  it('Linux-style TSC calibration: channel 2 mode 0 one-shot of 50 ms polled on port 0x61 bit 5', () => {
    const { bus, clock } = setup();
    bus.write(0x61, 1, (bus.read(0x61, 1) & ~0x02) | 0x01);
    bus.write(0x43, 1, 0xb0);
    const latch = Math.floor(1193182 / 20);
    bus.write(0x42, 1, latch & 0xff);
    bus.write(0x42, 1, latch >> 8);
    assert.equal(bus.read(0x61, 1) & 0x20, 0);
    let loops = 0;
    while ((bus.read(0x61, 1) & 0x20) === 0) {
      clock.advanceTo(clock.now + 1000);
      loops++;
    }
    // OUT rises N+1 clocks after the count write: tick 59660 = 50000755 ns.
    assert.equal(nsOfTick(latch + 1), 50000755);
    assert.equal(loops, 50001);
    assert.equal(bus.read(0x61, 1) & 0x23, 0x21);
  });

  it('channel 2 gate: mode 0 suspends while low; mode 1 one-shot triggers on the rising edge', () => {
    const { bus, clock } = setup();
    bus.write(0x43, 1, 0xb0);
    bus.write(0x42, 1, 100);
    bus.write(0x42, 1, 0);
    clock.advanceTo(nsOfTick(10)); // gate low: loaded, not counting
    assert.equal(readCount(bus, 2), 100);
    bus.write(0x61, 1, 0x01);
    clock.advanceTo(nsOfTick(30));
    assert.equal(readCount(bus, 2), 100 - 19);
    bus.write(0x61, 1, 0x00);
    clock.advanceTo(nsOfTick(200));
    assert.equal(readCount(bus, 2), 81);
    assert.equal(bus.read(0x61, 1) & 0x20, 0);
    bus.write(0x61, 1, 0x01); // resumes at tick 201 from 81: OUT high at tick 282
    clock.advanceTo(nsOfTick(281));
    assert.equal(bus.read(0x61, 1) & 0x20, 0);
    clock.advanceTo(nsOfTick(282));
    assert.equal(bus.read(0x61, 1) & 0x20, 0x20);

    bus.write(0x61, 1, 0x00);
    bus.write(0x43, 1, 0xb2); // mode 1
    bus.write(0x42, 1, 50);
    bus.write(0x42, 1, 0);
    assert.equal(bus.read(0x61, 1) & 0x20, 0x20);
    bus.write(0x61, 1, 0x01); // trigger at tick 282, OUT low from 283 to 333
    clock.advanceTo(nsOfTick(283));
    assert.equal(bus.read(0x61, 1) & 0x20, 0);
    clock.advanceTo(nsOfTick(332));
    assert.equal(bus.read(0x61, 1) & 0x20, 0);
    clock.advanceTo(nsOfTick(333));
    assert.equal(bus.read(0x61, 1) & 0x20, 0x20);
  });

  it('mode 2 on channel 2: gate low forces OUT high and a rising gate reloads', () => {
    const { bus, clock } = setup();
    bus.write(0x61, 1, 0x01);
    bus.write(0x43, 1, 0xb4);
    bus.write(0x42, 1, 10);
    bus.write(0x42, 1, 0);
    clock.advanceTo(nsOfTick(10)); // count 1: OUT low
    assert.equal(bus.read(0x61, 1) & 0x20, 0);
    bus.write(0x61, 1, 0x00);
    assert.equal(bus.read(0x61, 1) & 0x20, 0x20);
    clock.advanceTo(nsOfTick(50));
    bus.write(0x61, 1, 0x01);
    clock.advanceTo(nsOfTick(53));
    assert.equal(readCount(bus, 2), 8);
  });

  it('mode 4 strobes OUT low for exactly one clock', () => {
    const { bus, clock, edges } = setup();
    bus.write(0x43, 1, 0x38);
    bus.write(0x40, 1, 20);
    bus.write(0x40, 1, 0);
    clock.advanceTo(1e6);
    assert.deepEqual(edges, [
      { level: true, at: 0 },
      { level: false, at: nsOfTick(21) },
      { level: true, at: nsOfTick(22) },
    ]);
  });

  it('mode 2: a new count takes effect at the end of the current period', () => {
    const { bus, clock, edges } = setup();
    bus.write(0x43, 1, 0x34);
    bus.write(0x40, 1, 100);
    bus.write(0x40, 1, 0);
    clock.advanceTo(nsOfTick(50));
    bus.write(0x40, 1, 10);
    bus.write(0x40, 1, 0);
    clock.advanceTo(nsOfTick(125));
    assert.deepEqual(
      edges.filter((e) => e.level).map((e) => e.at),
      [0, nsOfTick(101), nsOfTick(111), nsOfTick(121)],
    );
  });

  it('port 0x61 keeps bits 0-3 and toggles the refresh bit every 18 CLKs', () => {
    const { bus, clock } = setup();
    bus.write(0x61, 1, 0xff);
    assert.equal(bus.read(0x61, 1) & 0xcf, 0x0f);
    assert.equal(bus.read(0x61, 1) & 0x10, 0);
    clock.advanceTo(nsOfTick(18) - 1);
    assert.equal(bus.read(0x61, 1) & 0x10, 0);
    clock.advanceTo(nsOfTick(18));
    assert.equal(bus.read(0x61, 1) & 0x10, 0x10);
    clock.advanceTo(nsOfTick(36));
    assert.equal(bus.read(0x61, 1) & 0x10, 0);
  });
});
