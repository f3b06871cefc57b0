import { strict as assert } from 'node:assert';
import { IoBus, type PortAccess } from '../../emulator/bus/io-bus';

describe('IoBus', () => {
  it('dispatches to the registered device and reads all-ones from unclaimed ports', () => {
    const bus = new IoBus();
    const writes: [number, number, number][] = [];
    bus.register(0x60, 5, {
      name: 'kbd',
      readPort: (port, size) => (size === 1 ? port & 0xff : 0x1234),
      writePort: (port, size, value) => writes.push([port, size, value]),
    });
    assert.equal(bus.read(0x64, 1), 0x64);
    assert.equal(bus.read(0x61, 2), 0x1234);
    bus.write(0x60, 1, 0xfe);
    assert.deepEqual(writes, [[0x60, 1, 0xfe]]);
    assert.equal(bus.read(0x80, 1), 0xff);
    assert.equal(bus.read(0x80, 2), 0xffff);
    assert.equal(bus.read(0x80, 4), 0xffffffff);
    assert.equal(bus.deviceAt(0x65), undefined);
  });

  it('tells observers about every access, claimed or not', () => {
    const bus = new IoBus();
    const seen: PortAccess[] = [];
    bus.observers.push((a) => seen.push({ ...a }));
    bus.write(0x80, 1, 0x42);
    bus.read(0x3f8, 1);
    assert.equal(seen.length, 2);
    assert.equal(seen[0].port, 0x80);
    assert.equal(seen[0].write, true);
  });

  it('refuses overlapping registrations', () => {
    const bus = new IoBus();
    const dev = { name: 'a', readPort: () => 0, writePort: () => {} };
    bus.register(0x3f8, 8, dev);
    assert.throws(() => bus.register(0x3fc, 2, { ...dev, name: 'b' }));
  });
});
