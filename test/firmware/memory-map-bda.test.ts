import { strict as assert } from 'node:assert';
import { PhysicalMemory } from '../../emulator/memory/physical-memory';
import { installFirmware } from '../../emulator/firmware/install-firmware';
import { buildE820, isUsableRange } from '../../emulator/firmware/e820';

const MiB = 1024 * 1024;

describe('E820 memory map', () => {
  it('has the PC holes and covers RAM above 1 MiB', () => {
    const map = buildE820(64 * MiB);
    assert.deepEqual(map, [
      { base: 0, length: 0x9fc00, type: 1 },
      { base: 0x9fc00, length: 0x400, type: 2 },
      { base: 0xa0000, length: 0x60000, type: 2 },
      { base: 0x100000, length: 63 * MiB, type: 1 },
      { base: 0xfec00000, length: 0x1000, type: 2 },
      { base: 0xfee00000, length: 0x1000, type: 2 },
    ]);
  });

  it('cuts RAM around the APIC pages when it reaches them', () => {
    const map = buildE820(0xfed00000);
    const usable = map.filter((e) => e.type === 1).map((e) => [e.base, e.base + e.length]);
    assert.deepEqual(usable, [[0, 0x9fc00], [0x100000, 0xfec00000], [0xfec01000, 0xfed00000]]);
    for (let i = 1; i < map.length; i++) assert.ok(map[i - 1].base + map[i - 1].length <= map[i].base, 'sorted, no overlap');
    assert.ok(!isUsableRange(map, 0xfebff000, 0xfec01000));
    assert.ok(isUsableRange(map, 0x200000, 0x300000));
  });
});

describe('BIOS data area and IVT', () => {
  const m = new PhysicalMemory(32 * MiB);
  const info = installFirmware(m, { cpus: 2, memorySize: 32 * MiB, hardDisks: 1 });

  it('records COM1, base memory, the EBDA and the disk count', () => {
    assert.equal(m.read16(0x400), 0x3f8);
    assert.equal(m.read16(0x413), 639);
    assert.equal(m.read16(0x40e), 0x9fc0);
    assert.equal(m.read16(0x9fc00), 1, 'EBDA size in KiB');
    assert.equal(m.read8(0x475), 1);
    assert.equal((m.read16(0x410) >> 9) & 7, 1, 'one serial port in the equipment word');
    assert.equal(info.conventionalMemoryKiB, 639);
    assert.equal(info.extendedMemoryKiB, 31 * 1024);
  });

  it('points every vector into the F000 segment at code that ends in IRET', () => {
    for (let v = 0; v < 256; v++) {
      const offset = m.read16(v * 4);
      assert.equal(m.read16(v * 4 + 2), 0xf000, `vector ${v} segment`);
      const stub = m.readBytes(0xf0000 + offset, 16);
      assert.ok(stub.includes(0xcf), `vector ${v} stub has an IRET`);
    }
    const int13 = 0xf0000 + m.read16(0x13 * 4);
    // out dx, al to the trap port with AL = 0x13
    assert.deepEqual([...m.readBytes(int13 + 4, 6)], [0xba, 0xf0, 0x04, 0xb0, 0x13, 0xee]);
    const irq0 = 0xf0000 + m.read16(0x08 * 4);
    assert.deepEqual([...m.readBytes(irq0, 8)], [0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf, 0]);
  });

  it('installs a flat boot GDT', () => {
    const { base, limit, codeSelector, dataSelector } = info.bootGdt;
    assert.equal(limit, 31);
    assert.equal(m.read32(base + codeSelector + 4), 0x00cf9b00);
    assert.equal(m.read32(base + dataSelector + 4), 0x00cf9300);
  });
});
