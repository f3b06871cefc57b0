import { strict as assert } from 'node:assert';
import { PhysicalMemory } from '../../emulator/memory/physical-memory';
import { installFirmware } from '../../emulator/firmware/install-firmware';
import { BootError } from '../../emulator/boot/boot-error';

// An independent reader of what a kernel would find, written from the ACPI
// and MP specifications rather than from the builders.
const MiB = 1024 * 1024;

function ascii(m: PhysicalMemory, at: number, n: number): string {
  return String.fromCharCode(...m.readBytes(at, n));
}
function sum(m: PhysicalMemory, at: number, n: number): number {
  return m.readBytes(at, n).reduce((a, b) => (a + b) & 0xff, 0);
}
function u64(m: PhysicalMemory, at: number): number {
  return m.read32(at) + m.read32(at + 4) * 2 ** 32;
}

function findRsdp(m: PhysicalMemory): number {
  for (let a = 0xe0000; a < 0x100000; a += 16) if (ascii(m, a, 8) === 'RSD PTR ' && sum(m, a, 20) === 0) return a;
  throw new Error('no RSDP');
}

interface Sdt { signature: string; address: number; length: number; revision: number }
function readSdt(m: PhysicalMemory, address: number): Sdt {
  const length = m.read32(address + 4);
  assert.equal(sum(m, address, length), 0, `checksum of ${ascii(m, address, 4)}`);
  return { signature: ascii(m, address, 4), address, length, revision: m.read8(address + 8) };
}

function tablesFromXsdt(m: PhysicalMemory): Map<string, Sdt> {
  const rsdp = findRsdp(m);
  assert.equal(m.read8(rsdp + 15), 2, 'RSDP revision');
  assert.equal(sum(m, rsdp, m.read32(rsdp + 20)), 0, 'extended RSDP checksum');
  const rsdt = readSdt(m, m.read32(rsdp + 16));
  const xsdt = readSdt(m, u64(m, rsdp + 24));
  assert.equal(rsdt.signature, 'RSDT');
  assert.equal(xsdt.signature, 'XSDT');
  const fromRsdt = [];
  for (let o = 36; o < rsdt.length; o += 4) fromRsdt.push(m.read32(rsdt.address + o));
  const fromXsdt = [];
  for (let o = 36; o < xsdt.length; o += 8) fromXsdt.push(u64(m, xsdt.address + o));
  assert.deepEqual(fromRsdt, fromXsdt, 'RSDT and XSDT list the same tables');
  const map = new Map<string, Sdt>();
  for (const a of fromXsdt) {
    const t = readSdt(m, a);
    map.set(t.signature, t);
  }
  return map;
}

interface MadtEntry { type: number; bytes: Uint8Array }
function madtEntries(m: PhysicalMemory, madt: Sdt): MadtEntry[] {
  const out: MadtEntry[] = [];
  for (let o = 44; o < madt.length; ) {
    const len = m.read8(madt.address + o + 1);
    assert.ok(len >= 2, 'entry length');
    out.push({ type: m.read8(madt.address + o), bytes: m.readBytes(madt.address + o, len) });
    o += len;
  }
  return out;
}

function firmware(cpus: number, memorySize = 64 * MiB) {
  const m = new PhysicalMemory(memorySize);
  const info = installFirmware(m, { cpus, memorySize });
  return { m, info };
}

describe('ACPI tables', () => {
  for (const cpus of [1, 4, 16]) {
    it(`describe ${cpus} processor(s) consistently`, () => {
      const { m, info } = firmware(cpus);
      assert.equal(findRsdp(m), info.rsdpAddress);
      const tables = tablesFromXsdt(m);
      assert.deepEqual([...tables.keys()].sort(), ['APIC', 'FACP']);
      const madt = tables.get('APIC')!;
      assert.equal(m.read32(madt.address + 36), 0xfee00000, 'local APIC address');
      const entries = madtEntries(m, madt);
      const lapics = entries.filter((e) => e.type === 0);
      assert.equal(lapics.length, cpus);
      lapics.forEach((e, i) => {
        assert.equal(e.bytes[3], i, 'APIC ID');
        assert.equal(e.bytes[4] & 1, 1, 'enabled');
      });
      const ioapics = entries.filter((e) => e.type === 1);
      assert.equal(ioapics.length, 1);
      const io = new DataView(ioapics[0].bytes.buffer);
      assert.equal(io.getUint8(2), cpus, 'IO-APIC ID follows the processors');
      assert.equal(io.getUint32(4, true), 0xfec00000);
      assert.equal(io.getUint32(8, true), 0, 'GSI base');
      const overrides = entries.filter((e) => e.type === 2).map((e) => new DataView(e.bytes.buffer));
      const irq0 = overrides.find((d) => d.getUint8(3) === 0);
      assert.ok(irq0, 'IRQ0 override present');
      assert.equal(irq0.getUint32(4, true), 2, 'IRQ0 -> GSI 2');
      const nmi = entries.filter((e) => e.type === 4);
      assert.equal(nmi.length, 1);
      assert.equal(nmi[0].bytes[2], 0xff, 'all processors');
      assert.equal(nmi[0].bytes[5], 1, 'LINT1');
    });
  }

  it('FADT points at a checksummed DSDT, a FACS and the PM timer', () => {
    const { m } = firmware(2);
    const fadt = tablesFromXsdt(m).get('FACP')!;
    assert.equal(fadt.length, 244);
    const dsdt = readSdt(m, m.read32(fadt.address + 40));
    assert.equal(dsdt.signature, 'DSDT');
    assert.equal(u64(m, fadt.address + 140), dsdt.address, 'X_DSDT matches DSDT');
    const facs = m.read32(fadt.address + 36);
    assert.equal(facs % 64, 0, 'FACS 64-byte aligned');
    assert.equal(ascii(m, facs, 4), 'FACS');
    assert.equal(m.read32(fadt.address + 132) + m.read32(fadt.address + 136), 0, 'X_FIRMWARE_CTRL is zero when FIRMWARE_CTRL is set (ACPI 6.4 Table 5.9)');
    assert.equal(m.read32(fadt.address + 76), 0x608, 'PM_TMR_BLK');
    assert.equal(m.read8(fadt.address + 208), 1, 'X_PM_TMR_BLK in system I/O space');
    assert.equal(u64(m, fadt.address + 212), 0x608);
    assert.equal(m.read8(fadt.address + 91), 4, 'PM_TMR_LEN');
  });

  it('uses the PM timer port it is given', () => {
    const m = new PhysicalMemory(8 * MiB);
    installFirmware(m, { cpus: 1, memorySize: 8 * MiB, pmTimerPort: 0xb008 });
    const fadt = tablesFromXsdt(m).get('FACP')!;
    assert.equal(m.read32(fadt.address + 76), 0xb008);
  });

  it('uses x2APIC entries for APIC IDs of 255 and up', () => {
    const { m } = firmware(300);
    const madt = tablesFromXsdt(m).get('APIC')!;
    const entries = madtEntries(m, madt);
    assert.equal(entries.filter((e) => e.type === 0).length, 255);
    const x2 = entries.filter((e) => e.type === 9).map((e) => new DataView(e.bytes.buffer));
    assert.equal(x2.length, 45);
    assert.equal(x2[0].getUint32(4, true), 255);
    assert.equal(entries.filter((e) => e.type === 0x0a).length, 1, 'x2APIC NMI entry');
  });
});

describe('MP tables', () => {
  function findMp(m: PhysicalMemory): number {
    for (let a = 0xf0000; a < 0x100000; a += 16) if (ascii(m, a, 4) === '_MP_' && sum(m, a, 16) === 0) return a;
    throw new Error('no MP floating pointer');
  }

  it('list processors, the ISA bus, the IO-APIC and the interrupt wiring', () => {
    const cpus = 3;
    const { m, info } = firmware(cpus);
    const fp = findMp(m);
    assert.equal(fp, info.mpFloatingPointer);
    assert.equal(m.read8(fp + 9), 4, 'spec revision 1.4');
    assert.equal(m.read8(fp + 11), 0, 'feature byte 1: table present');
    const table = m.read32(fp + 4);
    assert.equal(ascii(m, table, 4), 'PCMP');
    const length = m.read16(table + 4);
    assert.equal(sum(m, table, length), 0, 'config table checksum');
    assert.equal(m.read32(table + 36), 0xfee00000);
    const count = m.read16(table + 34);
    const entries: Uint8Array[] = [];
    let o = table + 44;
    for (let i = 0; i < count; i++) {
      const len = m.read8(o) === 0 ? 20 : 8;
      entries.push(m.readBytes(o, len));
      o += len;
    }
    assert.equal(o, table + length, 'entries fill the base table');
    const types = entries.map((e) => e[0]);
    assert.deepEqual(types, [...types].sort((a, b) => a - b), 'entries ordered by type');
    const cpusFound = entries.filter((e) => e[0] === 0);
    assert.equal(cpusFound.length, cpus);
    assert.deepEqual(cpusFound.map((e) => e[1]), [0, 1, 2]);
    assert.deepEqual(cpusFound.map((e) => e[3]), [3, 1, 1], 'only CPU 0 has the BP flag');
    const bus = entries.find((e) => e[0] === 1)!;
    assert.equal(String.fromCharCode(...bus.subarray(2, 8)), 'ISA   ');
    const ioapic = entries.find((e) => e[0] === 2)!;
    assert.equal(ioapic[1], cpus, 'IO-APIC ID');
    assert.equal(ioapic[2], 0x20, 'IO-APIC version');
    assert.equal(new DataView(ioapic.buffer).getUint32(4, true), 0xfec00000);
    const ioInts = entries.filter((e) => e[0] === 3);
    const byIrq = new Map(ioInts.filter((e) => e[1] === 0).map((e) => [e[5], e[7]]));
    assert.equal(byIrq.get(0), 2, 'IRQ0 -> pin 2');
    for (const irq of [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]) assert.equal(byIrq.get(irq), irq, `IRQ${irq}`);
    assert.ok(ioInts.every((e) => e[6] === cpus), 'all routed to the IO-APIC');
    const extInt = ioInts.find((e) => e[1] === 3)!;
    assert.equal(extInt[7], 0, 'ExtINT on pin 0');
    const local = entries.filter((e) => e[0] === 4).map((e) => [e[1], e[6], e[7]]);
    assert.deepEqual(local, [[3, 0xff, 0], [1, 0xff, 1]], 'LINT0 ExtINT, LINT1 NMI');
  });

  it('are left out when the APIC IDs do not fit', () => {
    const { m, info } = firmware(300);
    assert.equal(info.mpFloatingPointer, undefined);
    assert.throws(() => findMp(m));
  });
});

describe('installFirmware', () => {
  it('refuses machines the firmware cannot describe', () => {
    const m = new PhysicalMemory(MiB);
    assert.throws(() => installFirmware(m, { cpus: 1, memorySize: MiB }), BootError);
    assert.throws(() => installFirmware(new PhysicalMemory(4 * MiB), { cpus: 0, memorySize: 4 * MiB }), BootError);
  });
});
