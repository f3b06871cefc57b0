import { strict as assert } from 'node:assert';
import { IoBus } from '../../emulator/bus/io-bus';
import { diskFromBytes, type DiskImage } from '../../emulator/firmware/disk-image';
import { AtaController } from '../../emulator/devices/ata-pio';

const SECTORS = 4096;

/** Sector n starts with "SECT" and n as a 32-bit little-endian number, then bytes (n + i) & 0xff. */
function patternDisk(): { bytes: Uint8Array; disk: DiskImage } {
  const bytes = new Uint8Array(SECTORS * 512);
  for (let n = 0; n < SECTORS; n++) {
    const s = bytes.subarray(n * 512, (n + 1) * 512);
    for (let i = 0; i < 512; i++) s[i] = (n + i) & 0xff;
    s.set([0x53, 0x45, 0x43, 0x54, n & 0xff, (n >> 8) & 0xff, 0, 0]);
  }
  return { bytes, disk: diskFromBytes(bytes) };
}

function setup(disk: DiskImage | null = patternDisk().disk) {
  const irq: boolean[] = [];
  let line = false;
  const ata = new AtaController(disk ?? undefined, (level) => { irq.push(level); line = level; });
  const bus = new IoBus();
  bus.register(0x1f0, 8, ata);
  bus.register(0x3f6, 1, ata);
  return { ata, bus, irq, line: () => line };
}

function readSectorWords(bus: IoBus): Uint8Array {
  const out = new Uint8Array(512);
  for (let i = 0; i < 256; i++) {
    const w = bus.read(0x1f0, 2);
    out[2 * i] = w & 0xff;
    out[2 * i + 1] = w >> 8;
  }
  return out;
}

function lba28(bus: IoBus, lba: number, count: number, command: number): void {
  bus.write(0x1f6, 1, 0xe0 | ((lba >> 24) & 0x0f));
  bus.write(0x1f2, 1, count);
  bus.write(0x1f3, 1, lba & 0xff);
  bus.write(0x1f4, 1, (lba >> 8) & 0xff);
  bus.write(0x1f5, 1, (lba >> 16) & 0xff);
  bus.write(0x1f7, 1, command);
}

/** The OSDev 48-bit sequence: high-order bytes first, then low-order, then the command. */
function lba48(bus: IoBus, lba: number, count: number, command: number): void {
  bus.write(0x1f6, 1, 0x40);
  bus.write(0x1f2, 1, (count >> 8) & 0xff);
  bus.write(0x1f3, 1, Math.floor(lba / 2 ** 24) & 0xff);
  bus.write(0x1f4, 1, Math.floor(lba / 2 ** 32) & 0xff);
  bus.write(0x1f5, 1, Math.floor(lba / 2 ** 40) & 0xff);
  bus.write(0x1f2, 1, count & 0xff);
  bus.write(0x1f3, 1, lba & 0xff);
  bus.write(0x1f4, 1, (lba >> 8) & 0xff);
  bus.write(0x1f5, 1, (lba >> 16) & 0xff);
  bus.write(0x1f7, 1, command);
}

const sectorNumber = (s: Uint8Array): number => s[4] | (s[5] << 8) | (s[6] << 16) | (s[7] << 24);

describe('ATA PIO primary channel', () => {
  it('answers the OSDev IDENTIFY probe with a correct identify block', () => {
    const { bus, irq } = setup();
    assert.deepEqual([bus.read(0x1f2, 1), bus.read(0x1f3, 1), bus.read(0x1f4, 1), bus.read(0x1f5, 1)], [1, 1, 0, 0]); // signature
    bus.write(0x1f6, 1, 0xa0);
    for (const p of [0x1f2, 0x1f3, 0x1f4, 0x1f5]) bus.write(p, 1, 0);
    bus.write(0x1f7, 1, 0xec);
    assert.deepEqual(irq, [true]);
    let status = bus.read(0x1f7, 1);
    assert.equal(status, 0x58);
    assert.deepEqual(irq, [true, false]);
    while (status & 0x80) status = bus.read(0x1f7, 1);
    assert.equal(bus.read(0x1f4, 1) | bus.read(0x1f5, 1), 0); // ATA, not ATAPI/SATA
    const bytes = readSectorWords(bus);
    const word = (i: number): number => bytes[2 * i] | (bytes[2 * i + 1] << 8);
    const text = (first: number, n: number): string => {
      let s = '';
      for (let i = first; i < first + n; i++) s += String.fromCharCode(word(i) >> 8, word(i) & 0xff);
      return s;
    };
    assert.equal(text(27, 20), 'BRINGUP VIRTUAL DISK'.padEnd(40, ' '));
    assert.equal(text(10, 10), 'BRINGUP-0001'.padEnd(20, ' '));
    assert.equal(text(23, 4), '1.0     ');
    assert.equal(word(49) & 0x0200, 0x0200);
    assert.equal(word(60) | (word(61) << 16), SECTORS);
    assert.deepEqual([word(100), word(101), word(102), word(103)], [SECTORS, 0, 0, 0]);
    assert.equal(word(83) & 0x0400, 0x0400);
    assert.equal(word(86) & 0x0400, 0x0400);
    assert.deepEqual([word(1), word(3), word(6)], [4, 16, 63]); // 4096 / (16*63) = 4 cylinders
    assert.deepEqual([word(54), word(55), word(56), word(57)], [4, 16, 63, 4 * 16 * 63]);
    assert.equal(bytes[510], 0xa5);
    assert.equal(bytes.reduce((a, b) => a + b, 0) & 0xff, 0);
    assert.equal(bus.read(0x1f7, 1), 0x50); // DRQ gone after 256 words
  });

  it('reports status 00h for the absent slave and floats (FFh) with no drive at all', () => {
    const { bus } = setup();
    bus.write(0x1f6, 1, 0xb0);
    assert.equal(bus.read(0x1f7, 1), 0x00);
    assert.equal(bus.read(0x3f6, 1), 0x00);
    bus.write(0x1f7, 1, 0xec);
    assert.equal(bus.read(0x1f7, 1), 0x00);
    bus.write(0x1f6, 1, 0xa0);
    assert.equal(bus.read(0x1f7, 1), 0x50);
    const none = setup(null);
    assert.equal(none.bus.read(0x1f7, 1), 0xff);
    none.bus.write(0x1f6, 1, 0xa0);
    assert.equal(none.bus.read(0x1f7, 1), 0xff);
    assert.equal(none.bus.read(0x1f0, 2), 0xffff);
  });

  it('READ SECTORS (LBA28): two sectors, one IRQ per sector, 16- and 32-bit data reads', () => {
    const { bus, irq, line } = setup();
    lba28(bus, 1234, 2, 0x20);
    assert.equal(line(), true);
    assert.equal(bus.read(0x3f6, 1), 0x58);
    assert.equal(line(), true); // alternate status does not acknowledge
    assert.equal(bus.read(0x1f7, 1), 0x58);
    assert.equal(line(), false);
    const first = readSectorWords(bus);
    assert.equal(sectorNumber(first), 1234);
    assert.equal(first[100], (1234 + 100) & 0xff);
    assert.equal(line(), true); // second sector ready
    assert.equal(bus.read(0x1f7, 1), 0x58);
    const dwords: number[] = [];
    for (let i = 0; i < 128; i++) dwords.push(bus.read(0x1f0, 4));
    assert.equal(dwords[0], 0x54434553);
    assert.equal(dwords[1], 1235);
    assert.equal(bus.read(0x1f7, 1), 0x50);
    assert.deepEqual(irq, [true, false, true, false]);
  });

  it('translates CHS with 16 heads x 63 sectors', () => {
    const { bus } = setup();
    // LBA 2000 = cylinder 1, head 15, sector 48 (1-based).
    bus.write(0x1f6, 1, 0xa0 | 15);
    bus.write(0x1f2, 1, 1);
    bus.write(0x1f3, 1, 48);
    bus.write(0x1f4, 1, 1);
    bus.write(0x1f5, 1, 0);
    bus.write(0x1f7, 1, 0x20);
    assert.equal(bus.read(0x1f7, 1), 0x58);
    assert.equal(sectorNumber(readSectorWords(bus)), 2000);
    // Sector 0 does not exist in CHS.
    bus.write(0x1f3, 1, 0);
    bus.write(0x1f7, 1, 0x20);
    assert.equal(bus.read(0x1f7, 1), 0x51);
    assert.equal(bus.read(0x1f1, 1), 0x14);
  });

  it('INITIALIZE DEVICE PARAMETERS changes the CHS translation and identify words 54-58', () => {
    const { bus } = setup();
    bus.write(0x1f6, 1, 0xa0 | 7); // 8 heads
    bus.write(0x1f2, 1, 32); // 32 sectors per track
    bus.write(0x1f7, 1, 0x91);
    assert.equal(bus.read(0x1f7, 1), 0x50);
    // C/H/S 2/3/5 = (2*8+3)*32+4 = 612.
    bus.write(0x1f6, 1, 0xa0 | 3);
    bus.write(0x1f2, 1, 1);
    bus.write(0x1f3, 1, 5);
    bus.write(0x1f4, 1, 2);
    bus.write(0x1f5, 1, 0);
    bus.write(0x1f7, 1, 0x20);
    bus.read(0x1f7, 1);
    assert.equal(sectorNumber(readSectorWords(bus)), 612);
    bus.write(0x1f6, 1, 0xa0);
    bus.write(0x1f7, 1, 0xec);
    const id = readSectorWords(bus);
    assert.deepEqual([id[108] | (id[109] << 8), id[110] | (id[111] << 8), id[112] | (id[113] << 8)], [16, 8, 32]);
  });

  it('READ SECTORS EXT uses the HOB double-write for LBA 47:24', () => {
    const { bus } = setup();
    lba48(bus, 3000, 1, 0x24);
    assert.equal(bus.read(0x1f7, 1), 0x58);
    assert.equal(sectorNumber(readSectorWords(bus)), 3000);
    // The HOB bit in device control reads back the previous (high-order) bytes.
    lba48(bus, 0x0102_0304_0506, 0x0708, 0xef); // SET FEATURES just to load the registers
    bus.write(0x3f6, 1, 0x80);
    assert.deepEqual([bus.read(0x1f2, 1), bus.read(0x1f3, 1), bus.read(0x1f4, 1), bus.read(0x1f5, 1)], [0x07, 0x03, 0x02, 0x01]);
    bus.write(0x3f6, 1, 0x00);
    assert.deepEqual([bus.read(0x1f2, 1), bus.read(0x1f3, 1), bus.read(0x1f4, 1), bus.read(0x1f5, 1)], [0x08, 0x06, 0x05, 0x04]);

    // A disk beyond 2^32 sectors: the sector data encodes its own LBA.
    const huge: DiskImage = {
      sectorCount: 2 ** 36,
      readSectors(lba, count, into) {
        for (let i = 0; i < count; i++) {
          const v = new DataView(into.buffer, into.byteOffset + i * 512, 512);
          v.setUint32(0, (lba + i) % 2 ** 32, true);
          v.setUint32(4, Math.floor((lba + i) / 2 ** 32), true);
        }
        return true;
      },
    };
    const h = setup(huge);
    lba48(h.bus, 0x9_1234_5678, 2, 0x24);
    h.bus.read(0x1f7, 1);
    const a = readSectorWords(h.bus);
    const b = readSectorWords(h.bus);
    const lbaOf = (s: Uint8Array): number => new DataView(s.buffer).getUint32(0, true) + new DataView(s.buffer).getUint32(4, true) * 2 ** 32;
    assert.equal(lbaOf(a), 0x9_1234_5678);
    assert.equal(lbaOf(b), 0x9_1234_5679);
    h.bus.write(0x1f6, 1, 0xa0);
    h.bus.write(0x1f7, 1, 0xec);
    const id = readSectorWords(h.bus);
    const w = (i: number): number => id[2 * i] | (id[2 * i + 1] << 8);
    assert.deepEqual([w(60), w(61), w(100), w(101), w(102), w(103)], [0xffff, 0x0fff, 0, 0, 0x10, 0]);
  });

  it('WRITE SECTORS then READ SECTORS sees the overlay; the image stays untouched', () => {
    const { bytes, disk } = patternDisk();
    const { bus, irq, ata } = setup(disk);
    lba28(bus, 10, 2, 0x30);
    assert.deepEqual(irq, []); // PIO out: no interrupt before the first sector
    assert.equal(bus.read(0x1f7, 1), 0x58);
    for (let i = 0; i < 256; i++) bus.write(0x1f0, 2, 0xa000 | i);
    assert.deepEqual(irq, [true]); // second sector requested
    assert.equal(bus.read(0x1f7, 1), 0x58);
    for (let i = 0; i < 128; i++) bus.write(0x1f0, 4, 0xbeef0000 | i);
    assert.deepEqual(irq, [true, false, true]); // command complete
    assert.equal(bus.read(0x1f7, 1), 0x50);
    assert.deepEqual([...ata.writtenSectors.keys()], [10, 11]);
    assert.equal(bytes[10 * 512 + 4], 10); // the image itself is unchanged

    lba28(bus, 9, 3, 0x20);
    bus.read(0x1f7, 1);
    assert.equal(sectorNumber(readSectorWords(bus)), 9);
    const s10 = readSectorWords(bus);
    assert.deepEqual([s10[0], s10[1], s10[510], s10[511]], [0x00, 0xa0, 0xff, 0xa0]);
    const s11 = readSectorWords(bus);
    assert.deepEqual([s11[0], s11[1], s11[2], s11[3], s11[508]], [0x00, 0x00, 0xef, 0xbe, 127]);

    lba48(bus, 4000, 1, 0x34);
    for (let i = 0; i < 256; i++) bus.write(0x1f0, 2, 0x1111);
    lba48(bus, 4000, 1, 0x24);
    assert.equal(bus.read(0x1f0, 2), 0x1111);
  });

  it('reads past the end fail with IDNF after the sectors that exist', () => {
    const { bus } = setup();
    lba28(bus, SECTORS - 1, 2, 0x20);
    bus.read(0x1f7, 1);
    assert.equal(sectorNumber(readSectorWords(bus)), SECTORS - 1);
    assert.equal(bus.read(0x1f7, 1), 0x51);
    assert.equal(bus.read(0x1f1, 1), 0x10);
    assert.deepEqual([bus.read(0x1f3, 1), bus.read(0x1f4, 1), bus.read(0x1f5, 1)], [0x00, 0x10, 0x00]); // LBA 4096
    lba28(bus, SECTORS, 1, 0x30);
    assert.equal(bus.read(0x1f7, 1), 0x51);
  });

  it('unknown commands abort with ERR and ABRT; SET FEATURES is accepted', () => {
    const { bus, line } = setup();
    bus.write(0x1f6, 1, 0xa0);
    bus.write(0x1f7, 1, 0xa1); // IDENTIFY PACKET DEVICE: not a packet device
    assert.equal(line(), true);
    assert.equal(bus.read(0x1f7, 1), 0x51); // DRDY | DSC | ERR
    assert.equal(bus.read(0x1f1, 1), 0x04);
    bus.write(0x1f1, 1, 0x03);
    bus.write(0x1f2, 1, 0x0c);
    bus.write(0x1f7, 1, 0xef);
    assert.equal(bus.read(0x1f7, 1), 0x50);
    assert.equal(bus.read(0x1f1, 1), 0x00);
  });

  it('SRST holds BSY, then leaves the signature and diagnostic code 01h', () => {
    const { bus } = setup();
    lba28(bus, 77, 1, 0x20);
    bus.write(0x3f6, 1, 0x04);
    assert.equal(bus.read(0x3f6, 1), 0x80);
    bus.write(0x3f6, 1, 0x00);
    assert.equal(bus.read(0x3f6, 1), 0x50);
    assert.deepEqual([bus.read(0x1f1, 1), bus.read(0x1f2, 1), bus.read(0x1f3, 1), bus.read(0x1f4, 1), bus.read(0x1f5, 1), bus.read(0x1f6, 1)], [0x01, 0x01, 0x01, 0x00, 0x00, 0xa0]);
    assert.equal(bus.read(0x1f0, 2), 0xffff); // the aborted transfer is gone
  });

  it('nIEN keeps INTRQ released; clearing it drives a pending interrupt', () => {
    const { bus, irq } = setup();
    bus.write(0x3f6, 1, 0x02);
    lba28(bus, 1, 1, 0x20);
    assert.deepEqual(irq, []);
    assert.equal(bus.read(0x3f6, 1), 0x58);
    bus.write(0x3f6, 1, 0x00);
    assert.deepEqual(irq, [true]);
    bus.read(0x1f7, 1);
    assert.deepEqual(irq, [true, false]);
  });
});
