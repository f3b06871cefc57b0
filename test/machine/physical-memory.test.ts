import { strict as assert } from 'node:assert';
import { PhysicalMemory, type MmioDevice, type UnbackedAccess } from '../../emulator/memory/physical-memory';

describe('PhysicalMemory', () => {
  it('gives a 4 GiB guest without allocating 4 GiB of host memory', () => {
    const before = process.memoryUsage().arrayBuffers;
    const memory = new PhysicalMemory(0x1_0000_0000);
    memory.write32(0xfffffff0 - 0x1000, 0xdeadbeef);
    memory.write8(0x12345678, 0x5a);
    assert.equal(memory.read32(0xfffffff0 - 0x1000), 0xdeadbeef);
    assert.equal(memory.read8(0x12345678), 0x5a);
    assert.equal(memory.read32(0x8000_0000), 0, 'untouched RAM reads as zero');
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 64 * 1024 * 1024, `grew by ${grown} bytes`);
  });

  it('reads and writes little-endian values across chunk boundaries', () => {
    const memory = new PhysicalMemory(0x40000);
    memory.write32(0xfffe, 0x11223344);
    assert.equal(memory.read8(0xfffe), 0x44);
    assert.equal(memory.read8(0x10001), 0x11);
    assert.equal(memory.read16(0xffff), 0x2233);
    assert.equal(memory.read32(0xfffe), 0x11223344);
    memory.writeBytes(0x1fffc, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    assert.deepEqual([...memory.readBytes(0x1fffc, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('routes MMIO pages to their device with region-relative offsets', () => {
    const memory = new PhysicalMemory(0x100000);
    const log: string[] = [];
    const device: MmioDevice = {
      name: 'probe',
      read: (offset, size) => {
        log.push(`r${size}@${offset.toString(16)}`);
        return 0xabcd0000 + offset;
      },
      write: (offset, size, value) => {
        log.push(`w${size}@${offset.toString(16)}=${value.toString(16)}`);
      },
    };
    memory.mapMmio(0xfee00000, 0x1000, device);
    assert.equal(memory.isMmio(0xfee00300), true);
    assert.equal(memory.read32(0xfee00020), 0xabcd0020);
    memory.write32(0xfee00300, 0xc4500);
    assert.deepEqual(log, ['r4@20', 'w4@300=c4500']);
    memory.unmapMmio(device);
    assert.equal(memory.isMmio(0xfee00300), false);
  });

  it('treats addresses outside RAM and MMIO as an unbacked bus: all-ones, dropped writes, reported', () => {
    const memory = new PhysicalMemory(0x100000);
    const seen: UnbackedAccess[] = [];
    memory.onUnbackedAccess = (access) => seen.push({ ...access });
    assert.equal(memory.read32(0x200000), 0xffffffff);
    assert.equal(memory.read16(0x200000), 0xffff);
    memory.write8(0x300000, 1);
    assert.equal(memory.read8(0x300000), 0xff);
    assert.deepEqual(seen[0], { address: 0x200000, size: 4, write: false });
    assert.deepEqual(seen[2], { address: 0x300000, size: 1, write: true });
  });

  it('bumps the write generation of pages that hold cached code', () => {
    const memory = new PhysicalMemory(0x100000);
    memory.codePages[0x7] = 1;
    const before = memory.pageWriteGeneration[0x7];
    memory.write8(0x7c00, 0x90);
    assert.equal(memory.pageWriteGeneration[0x7], before + 1);
    memory.writeBytes(0x7ff0, new Uint8Array(32));
    assert.ok(memory.pageWriteGeneration[0x7] > before + 1);
  });

  it('refuses impossible RAM sizes with a clear error', () => {
    assert.throws(() => new PhysicalMemory(0), /RAM size/);
    assert.throws(() => new PhysicalMemory(0x1_0000_0001), /RAM size/);
  });
});
