import { strict as assert } from 'node:assert';
import { IoBus } from '../../emulator/bus/io-bus';
import { SystemControlPorts } from '../../emulator/devices/system-control';

function setup(a20Enabled?: boolean) {
  const resets: string[] = [];
  const a20: boolean[] = [];
  const dev = new SystemControlPorts({ requestReset: (r) => resets.push(r), setA20: (e) => a20.push(e), a20Enabled });
  const bus = new IoBus();
  bus.register(0x60, 1, dev);
  bus.register(0x64, 1, dev);
  bus.register(0x92, 1, dev);
  bus.register(0xcf9, 1, dev);
  return { bus, dev, resets, a20 };
}

describe('system control ports', () => {
  it('port 92h: fast A20 in bit 1, reset on a 0-to-1 transition of bit 0', () => {
    const { bus, resets, a20 } = setup();
    assert.equal(bus.read(0x92, 1), 0x02);
    bus.write(0x92, 1, 0x00);
    assert.deepEqual(a20, [false]);
    assert.equal(bus.read(0x92, 1), 0x00);
    bus.write(0x92, 1, 0x02); // Linux enable_a20_fast: inb, |= 2, &= ~1, outb
    assert.deepEqual(a20, [false, true]);
    assert.deepEqual(resets, []);
    bus.write(0x92, 1, 0x03);
    assert.deepEqual(resets, ['port 92h fast reset']);
    assert.equal(bus.read(0x92, 1), 0x02);
    bus.write(0x92, 1, 0x03);
    assert.equal(resets.length, 2);
  });

  it('8042 idles at status 1Ch and returns the command byte for 20h', () => {
    const { bus } = setup();
    assert.equal(bus.read(0x64, 1), 0x1c);
    bus.write(0x64, 1, 0xad);
    bus.write(0x64, 1, 0x20);
    assert.equal(bus.read(0x64, 1), 0x1d);
    assert.equal(bus.read(0x60, 1), 0x54);
    assert.equal(bus.read(0x64, 1), 0x1c);
    bus.write(0x64, 1, 0xae);
    bus.write(0x64, 1, 0x60);
    bus.write(0x60, 1, 0x47);
    assert.equal(bus.read(0x64, 1), 0x14); // last write was data
    bus.write(0x64, 1, 0x20);
    assert.equal(bus.read(0x60, 1), 0x47);
  });

  it('8042 D1h writes the output port: A20 from bit 1 (the classic empty_8042 sequence)', () => {
    const { bus, resets, a20 } = setup(false);
    while (bus.read(0x64, 1) & 0x02) { /* input buffer never fills here */ }
    bus.write(0x64, 1, 0xd1);
    bus.write(0x60, 1, 0xdf);
    assert.deepEqual(a20, [true]);
    assert.equal(bus.read(0x92, 1) & 0x02, 0x02);
    bus.write(0x64, 1, 0xd0);
    assert.equal(bus.read(0x60, 1), 0x03);
    bus.write(0x64, 1, 0xd1);
    bus.write(0x60, 1, 0xdd);
    assert.deepEqual(a20, [true, false]);
    assert.deepEqual(resets, []);
    bus.write(0x60, 1, 0xdf); // no command pending: goes nowhere
    assert.deepEqual(a20, [true, false]);
  });

  it('8042 FEh pulses reset; FFh does not', () => {
    const { bus, resets } = setup();
    bus.write(0x64, 1, 0xff);
    assert.deepEqual(resets, []);
    bus.write(0x64, 1, 0xfe);
    assert.deepEqual(resets, ['8042 reset pulse']);
  });

  it('CF9h resets when RST_CPU is written and keeps SYS_RST/FULL_RST', () => {
    const { bus, resets } = setup();
    bus.write(0xcf9, 1, 0x02);
    assert.deepEqual(resets, []);
    assert.equal(bus.read(0xcf9, 1), 0x02);
    bus.write(0xcf9, 1, 0x06);
    assert.deepEqual(resets, ['CF9h hard reset']);
    bus.write(0xcf9, 1, 0x0e);
    assert.deepEqual(resets, ['CF9h hard reset', 'CF9h full reset']);
    assert.equal(bus.read(0xcf9, 1), 0x0a);
  });
});
