import { strict as assert } from 'node:assert';
import { IoBus } from '../../emulator/bus/io-bus';
import { VirtualClock } from '../../emulator/time/virtual-clock';
import { CmosRtc } from '../../emulator/devices/cmos-rtc';

const MIB = 1024 * 1024;

function setup(memorySize = 128 * MIB, startDate?: Date) {
  const clock = new VirtualClock();
  const irq: boolean[] = [];
  let line = false;
  const rtc = new CmosRtc({ clock, memorySize, startDate, setIrq8: (level) => { irq.push(level); line = level; } });
  const bus = new IoBus();
  bus.register(0x70, 2, rtc);
  const read = (index: number): number => {
    bus.write(0x70, 1, index);
    return bus.read(0x71, 1);
  };
  const write = (index: number, value: number): void => {
    bus.write(0x70, 1, index);
    bus.write(0x71, 1, value);
  };
  return { clock, rtc, bus, read, write, irq, line: () => line };
}

/** The OSDev "CMOS" time read: wait for UIP clear, read, repeat until two reads agree. */
function readTime(read: (i: number) => number): number[] {
  const once = (): number[] => {
    while (read(0x0a) & 0x80) { /* spin: no time passes, so this must not be set */ }
    return [0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32].map(read);
  };
  let last = once();
  for (;;) {
    const next = once();
    if (next.every((v, i) => v === last[i])) return next;
    last = next;
  }
}

describe('MC146818 RTC / CMOS', () => {
  it('reports 640 KiB base memory and the extended memory sizes (128 MiB)', () => {
    const { read } = setup();
    assert.equal(read(0x15) | (read(0x16) << 8), 640);
    assert.equal(read(0x17) | (read(0x18) << 8), 0xffff); // 127 MiB in KiB is capped
    assert.equal(read(0x30) | (read(0x31) << 8), 0xffff);
    assert.equal(read(0x34) | (read(0x35) << 8), 0x0700); // 112 MiB in 64 KiB units
    assert.deepEqual([read(0x5b), read(0x5c), read(0x5d)], [0, 0, 0]);
    assert.equal(read(0x0f), 0x00);
    assert.equal(read(0x10), 0x00);
    assert.equal(read(0x14), 0x02);
    assert.equal(read(0x32), 0x20);
    assert.equal(read(0x0d), 0x80);
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += read(i);
    assert.equal((read(0x2e) << 8) | read(0x2f), sum);
  });

  it('memory sizes for 32 MiB and for 8 GiB', () => {
    const small = setup(32 * MIB);
    assert.equal(small.read(0x17) | (small.read(0x18) << 8), 31 * 1024);
    assert.equal(small.read(0x34) | (small.read(0x35) << 8), 0x100);
    const big = setup(8 * 1024 * MIB);
    assert.equal(big.read(0x34) | (big.read(0x35) << 8), 0xff00);
    assert.deepEqual([big.read(0x5b), big.read(0x5c), big.read(0x5d)], [0x00, 0x00, 0x01]);
  });

  it('reads the start date in BCD 24-hour mode and advances with virtual time only', () => {
    const { read, clock } = setup();
    assert.deepEqual(readTime(read), [0x00, 0x00, 0x00, 0x05, 0x01, 0x01, 0x26, 0x20]); // Thursday = 5
    clock.advanceTo(3723.5e9);
    assert.deepEqual(readTime(read), [0x03, 0x02, 0x01, 0x05, 0x01, 0x01, 0x26, 0x20]);
    clock.advanceTo((86400 * 365 - 1) * 1e9); // 2026-12-31 23:59:59
    assert.deepEqual(readTime(read), [0x59, 0x59, 0x23, 0x05, 0x31, 0x12, 0x26, 0x20]);
  });

  it('UIP is set for the 2228 us before each update', () => {
    const { read, clock } = setup();
    assert.equal(read(0x0a), 0x26);
    clock.advanceTo(997_771_999);
    assert.equal(read(0x0a) & 0x80, 0);
    clock.advanceTo(997_772_000);
    assert.equal(read(0x0a) & 0x80, 0x80);
    assert.equal(read(0x00), 0x00);
    clock.advanceTo(1e9);
    assert.equal(read(0x0a) & 0x80, 0);
    assert.equal(read(0x00), 0x01);
  });

  it('binary and 12-hour modes per register B', () => {
    const { read, write, clock } = setup(128 * MIB, new Date(Date.UTC(1999, 11, 31, 13, 5, 9)));
    write(0x0b, 0x04); // binary, 12-hour
    assert.deepEqual([read(0x00), read(0x02), read(0x04), read(0x07), read(0x08), read(0x09), read(0x32)], [9, 5, 0x81, 31, 12, 99, 19]);
    write(0x0b, 0x00); // BCD, 12-hour
    assert.equal(read(0x04), 0x81);
    clock.advanceTo(11 * 3600e9); // 00:05:09 on 2000-01-01
    assert.equal(read(0x04), 0x12); // 12 AM
    assert.equal(read(0x09), 0x00);
    assert.equal(read(0x32), 0x20);
    assert.equal(read(0x06), 0x07); // Saturday
  });

  it('SET freezes the clock so the guest can set the time, which then runs on', () => {
    const { read, write, clock } = setup();
    write(0x0b, 0x82);
    write(0x00, 0x30);
    write(0x02, 0x45);
    write(0x04, 0x17);
    write(0x07, 0x15);
    write(0x08, 0x06);
    write(0x09, 0x31);
    clock.advanceTo(5e9);
    assert.equal(read(0x00), 0x30); // frozen while SET
    assert.equal(read(0x0a) & 0x80, 0);
    write(0x0b, 0x02);
    clock.advanceTo(7.5e9);
    assert.deepEqual(readTime(read), [0x32, 0x45, 0x17, 0x01, 0x15, 0x06, 0x31, 0x20]); // 2031-06-15 was a Sunday
  });

  it('writing a time field while running adjusts the clock and keeps counting', () => {
    const { read, write, clock } = setup();
    clock.advanceTo(10e9);
    write(0x02, 0x30);
    assert.equal(read(0x02), 0x30);
    assert.equal(read(0x00), 0x10);
    clock.advanceTo(12e9);
    assert.equal(read(0x00), 0x12);
    assert.equal(read(0x02), 0x30);
  });

  it('periodic interrupt at 1024 Hz: 1024 IRQ8s in one second, each cleared by reading register C', () => {
    const { read, write, clock, line } = setup();
    write(0x0a, 0x26);
    write(0x0b, 0x42);
    let count = 0;
    while (clock.now < 1e9) {
      clock.advanceTo(Math.min(clock.nextDeadline(), 1e9));
      if (line()) {
        assert.equal(read(0x0c) & 0xc0, 0xc0);
        assert.equal(line(), false);
        count++;
      }
    }
    assert.equal(count, 1024);
  });

  it('periodic flag is set without PIE but does not raise IRQ8', () => {
    const { read, write, clock, irq } = setup();
    write(0x0a, 0x2f); // 2 Hz
    clock.advanceTo(0.4e9);
    assert.equal(read(0x0c), 0x00);
    clock.advanceTo(0.5e9);
    assert.equal(read(0x0c), 0x40);
    assert.equal(read(0x0c), 0x00);
    assert.deepEqual(irq, []);
  });

  it('update-ended and alarm interrupts', () => {
    const { read, write, clock, line, irq } = setup();
    write(0x0a, 0x20); // no periodic rate, so PF stays clear
    write(0x01, 0x05);
    write(0x03, 0x00);
    write(0x05, 0xff); // any hour
    write(0x0b, 0x32); // AIE + UIE + 24h
    clock.advanceTo(0.5e9);
    assert.equal(line(), false);
    clock.advanceTo(1e9);
    assert.equal(line(), true);
    assert.equal(read(0x0c), 0x90);
    assert.equal(line(), false);
    write(0x0b, 0x22); // alarm only
    clock.advanceTo(4.9e9);
    assert.equal(line(), false);
    clock.advanceTo(5e9);
    assert.equal(line(), true);
    assert.equal(read(0x0c), 0xb0); // UF is set as well, only AF is enabled
    assert.deepEqual(irq, [true, false, true, false]);
  });

  it('divider reset holds the time; the first update comes 500 ms after release', () => {
    const { read, write, clock } = setup();
    clock.advanceTo(2.2e9);
    write(0x0a, 0x66);
    clock.advanceTo(10e9);
    assert.equal(read(0x00), 0x02);
    write(0x0a, 0x26);
    clock.advanceTo(10.4999e9);
    assert.equal(read(0x00), 0x02);
    clock.advanceTo(10.5e9);
    assert.equal(read(0x00), 0x03);
  });

  it('port 0x70 bit 7 is the NMI mask; general CMOS bytes are plain RAM', () => {
    const { bus, rtc, read, write } = setup();
    assert.equal(rtc.nmiMasked, false);
    bus.write(0x70, 1, 0x80 | 0x40);
    assert.equal(rtc.nmiMasked, true);
    bus.write(0x71, 1, 0xa5);
    bus.write(0x70, 1, 0x40);
    assert.equal(rtc.nmiMasked, false);
    assert.equal(bus.read(0x71, 1), 0xa5);
    write(0x0f, 0x0a);
    assert.equal(read(0x0f), 0x0a);
    write(0x0d, 0x00);
    assert.equal(read(0x0d), 0x80);
  });
});
