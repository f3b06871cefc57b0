import { strict as assert } from 'node:assert';
import { PhysicalMemory } from '../../emulator/memory/physical-memory';
import { createResetState, Reg, type CpuState } from '../../emulator/cpu/cpu-state';
import { realModeSegment } from '../../emulator/cpu/segment-cache';
import { installFirmware } from '../../emulator/firmware/install-firmware';
import { BiosServices } from '../../emulator/firmware/bios-services';
import { BiosTextConsole } from '../../emulator/firmware/bios-text-console';
import { diskFromBytes } from '../../emulator/firmware/disk-image';

// The handler runs at the stub's OUT with this stack (see bios-rom.ts):
// SS:SP -> EAX (4), EDX (4), IP, CS, FLAGS (2 each). These tests build that
// frame by hand, as the stub and the INT instruction would, and read the
// results back from it.
const MiB = 1024 * 1024;
const SP = 0x7000;

interface Rig {
  memory: PhysicalMemory;
  state: CpuState;
  bios: BiosServices;
  output: number[];
  reports: string[];
  clock: { ns: number };
}

function rig(disk?: Uint8Array): Rig {
  const memory = new PhysicalMemory(32 * MiB);
  const firmware = installFirmware(memory, { cpus: 1, memorySize: 32 * MiB, hardDisks: disk ? 1 : 0 });
  const state = createResetState(0);
  state.cr0 = 0x10;
  const output: number[] = [];
  const reports: string[] = [];
  const clock = { ns: 0 };
  const bios = new BiosServices({
    memory,
    firmware,
    disks: disk ? [diskFromBytes(disk)] : [],
    getCpu: () => ({ state }),
    teletype: (b) => output.push(b),
    screen: new BiosTextConsole(memory, undefined),
    now: () => clock.ns,
    report: (m) => reports.push(m),
  });
  return { memory, state, bios, output, reports, clock };
}

type In = Partial<Record<'eax' | 'ebx' | 'ecx' | 'edx' | 'esi' | 'edi' | 'ebp' | 'es' | 'ds', number>>;
interface Out { eax: number; edx: number; ebx: number; ecx: number; edi: number; flags: number; cf: boolean; zf: boolean; ah: number; es: number }

function int(r: Rig, vector: number, input: In, flags = 0x0202): Out {
  const { memory, state } = r;
  state.segments[2] = realModeSegment(0);
  state.gpr[Reg.ESP] = SP;
  memory.write32(SP, input.eax ?? 0);
  memory.write32(SP + 4, input.edx ?? 0);
  memory.write16(SP + 8, 0x7c50);
  memory.write16(SP + 10, 0);
  memory.write16(SP + 12, flags);
  state.gpr[Reg.EBX] = input.ebx ?? 0;
  state.gpr[Reg.ECX] = input.ecx ?? 0;
  state.gpr[Reg.ESI] = input.esi ?? 0;
  state.gpr[Reg.EDI] = input.edi ?? 0;
  state.gpr[Reg.EBP] = input.ebp ?? 0;
  state.gpr[Reg.EDX] = 0x4f0; // the stub's own DX
  state.segments[0] = realModeSegment(input.es ?? 0);
  state.segments[3] = realModeSegment(input.ds ?? 0);
  state.segments[1] = realModeSegment(0xf000);
  state.eip = 0x8000 + vector * 16 + 10;
  r.bios.writePort(0x4f0, 1, vector);
  const eax = memory.read32(SP);
  const outFlags = memory.read16(SP + 12);
  return {
    eax,
    edx: memory.read32(SP + 4),
    ebx: state.gpr[Reg.EBX],
    ecx: state.gpr[Reg.ECX],
    edi: state.gpr[Reg.EDI],
    flags: outFlags,
    cf: (outFlags & 1) !== 0,
    zf: (outFlags & 0x40) !== 0,
    ah: (eax >>> 8) & 0xff,
    es: state.segments[0].selector,
  };
}

function diskImage(sectors: number): Uint8Array {
  const bytes = new Uint8Array(sectors * 512);
  for (let s = 0; s < sectors; s++) bytes.fill(s & 0xff, s * 512, s * 512 + 512);
  return bytes;
}

describe('BIOS services', () => {
  it('INT 10h AH=0Eh writes the character to the console and keeps other registers', () => {
    const r = rig();
    const out = int(r, 0x10, { eax: 0x0e41, ebx: 7 });
    assert.deepEqual(r.output, [0x41]);
    assert.equal(out.eax, 0x0e41);
    assert.equal(out.ebx, 7);
    assert.equal(r.state.gpr[Reg.EDX], 0x4f0, 'live DX untouched (the stub pops the caller value)');
  });

  it('INT 10h AH=13h writes a string from ES:BP', () => {
    const r = rig();
    r.memory.writeBytes(0x20010, Uint8Array.from([0x68, 0x69]));
    int(r, 0x10, { eax: 0x1301, ecx: 2, es: 0x2000, ebp: 0x10 });
    assert.equal(String.fromCharCode(...r.output), 'hi');
  });

  it('INT 11h and 12h report the equipment word and 639 KiB', () => {
    const r = rig();
    assert.equal(int(r, 0x11, {}).eax & 0xffff, r.memory.read16(0x410));
    assert.equal(int(r, 0x12, {}).eax & 0xffff, 639);
  });

  it('INT 13h AH=02h reads CHS sectors to ES:BX', () => {
    const r = rig(diskImage(16 * 63 * 2));
    // Cylinder 1, head 2, sector 3 -> LBA (1*16+2)*63+2 = 1136; two sectors.
    const out = int(r, 0x13, { eax: 0x0202, ecx: (1 << 8) | 3, edx: (2 << 8) | 0x80, es: 0x1000, ebx: 0x200 });
    assert.equal(out.cf, false);
    assert.equal(out.eax & 0xffff, 0x0002);
    assert.equal(r.memory.read8(0x10200), 1136 & 0xff);
    assert.equal(r.memory.read8(0x10200 + 512), 1137 & 0xff);
  });

  it('INT 13h fails reads past the end and unknown drives with CF=1', () => {
    const r = rig(diskImage(4));
    const past = int(r, 0x13, { eax: 0x0201, ecx: 10, edx: 0x80, es: 0x1000 });
    assert.ok(past.cf);
    assert.equal(past.ah, 0x04);
    const noDrive = int(r, 0x13, { eax: 0x0201, ecx: 1, edx: 0x81, es: 0x1000 });
    assert.ok(noDrive.cf);
    assert.equal(noDrive.ah, 0x01);
    assert.equal(int(r, 0x13, { eax: 0x0300, edx: 0x80 }).ah, 0x03, 'read-only');
  });

  it('INT 13h AH=08h, 15h, 41h and 48h describe the disk', () => {
    const sectors = 16 * 63 * 20;
    const r = rig(diskImage(sectors));
    const params = int(r, 0x13, { eax: 0x0800, edx: 0x80 });
    assert.equal(params.cf, false);
    assert.equal(params.ecx & 0x3f, 63);
    assert.equal(((params.ecx >>> 8) & 0xff) | ((params.ecx & 0xc0) << 2), 19, 'max cylinder');
    assert.equal(params.edx & 0xffff, (15 << 8) | 1);
    const type = int(r, 0x13, { eax: 0x1500, edx: 0x80 });
    assert.equal(type.ah, 3);
    assert.equal(((type.ecx & 0xffff) << 16) | (type.edx & 0xffff), sectors);
    const ext = int(r, 0x13, { eax: 0x4100, ebx: 0x55aa, edx: 0x80 });
    assert.equal(ext.cf, false);
    assert.equal(ext.ebx & 0xffff, 0xaa55);
    assert.equal(ext.ecx & 1, 1);
    r.memory.write16(0x600, 0x1e);
    assert.equal(int(r, 0x13, { eax: 0x4800, edx: 0x80, esi: 0x600 }).cf, false);
    assert.equal(r.memory.read32(0x600 + 16), sectors);
    assert.equal(r.memory.read16(0x600 + 24), 512);
  });

  it('INT 13h AH=42h reads LBA blocks through a disk address packet', () => {
    const r = rig(diskImage(100));
    const packet = 0x500;
    r.memory.writeBytes(packet, Uint8Array.from([0x10, 0, 3, 0, 0x00, 0x00, 0x00, 0x30, 42, 0, 0, 0, 0, 0, 0, 0]));
    const out = int(r, 0x13, { eax: 0x4200, edx: 0x80, esi: packet });
    assert.equal(out.cf, false);
    assert.deepEqual([r.memory.read8(0x30000), r.memory.read8(0x30200), r.memory.read8(0x30400)], [42, 43, 44]);
    r.memory.write32(packet + 8, 99);
    const past = int(r, 0x13, { eax: 0x4200, edx: 0x80, esi: packet });
    assert.ok(past.cf);
    assert.equal(r.memory.read16(packet + 2), 0, 'no blocks transferred');
  });

  it('INT 15h E820 walks the firmware memory map', () => {
    const r = rig();
    const seen: [number, number, number][] = [];
    let ebx = 0;
    do {
      const out = int(r, 0x15, { eax: 0xe820, edx: 0x534d4150, ecx: 24, ebx, es: 0x1000, edi: 0 });
      assert.equal(out.cf, false);
      assert.equal(out.eax, 0x534d4150);
      assert.equal(out.ecx, 24);
      seen.push([r.memory.read32(0x10000), r.memory.read32(0x10008), r.memory.read32(0x10010)]);
      ebx = out.ebx;
    } while (ebx !== 0 && seen.length < 20);
    assert.deepEqual(seen.slice(0, 4), [[0, 0x9fc00, 1], [0x9fc00, 0x400, 2], [0xa0000, 0x60000, 2], [0x100000, 31 * MiB, 1]]);
    assert.equal(seen.length, 6);
    assert.ok(int(r, 0x15, { eax: 0xe820, edx: 0, ecx: 20 }).cf, 'needs the SMAP signature');
  });

  it('INT 15h E801h, 88h, A20 and C0h', () => {
    const r = rig();
    const e801 = int(r, 0x15, { eax: 0xe801 });
    assert.equal(e801.eax & 0xffff, 15 * 1024);
    assert.equal(e801.ebx & 0xffff, (31 * 1024 - 15 * 1024) / 64);
    assert.equal(int(r, 0x15, { eax: 0x8800 }).eax & 0xffff, 31 * 1024);
    assert.equal(int(r, 0x15, { eax: 0x2400 }).cf, false);
    assert.equal(int(r, 0x15, { eax: 0x2402 }).eax & 0xff, 0);
    int(r, 0x15, { eax: 0x2401 });
    assert.equal(int(r, 0x15, { eax: 0x2402 }).eax & 0xff, 1);
    const c0 = int(r, 0x15, { eax: 0xc000 });
    assert.equal(c0.cf, false);
    assert.equal(c0.es, 0xf000);
    assert.equal(r.memory.read16(0xf0000 + (c0.ebx & 0xffff)), 8, 'table length');
    const unknown = int(r, 0x15, { eax: 0x8700 });
    assert.ok(unknown.cf);
    assert.equal(unknown.ah, 0x86);
    assert.equal(r.reports.length, 1);
  });

  it('INT 16h has no keys and INT 1Ah counts virtual time', () => {
    const r = rig();
    assert.equal(int(r, 0x16, { eax: 0x0100 }).zf, true);
    r.clock.ns = 10e9; // 10 s
    const ticks = int(r, 0x1a, { eax: 0 });
    assert.equal(((ticks.ecx & 0xffff) << 16) | (ticks.edx & 0xffff), 182);
    r.clock.ns = 3723e9; // 01:02:03
    const time = int(r, 0x1a, { eax: 0x0200 });
    assert.equal(time.ecx & 0xffff, 0x0102);
    assert.equal((time.edx >>> 8) & 0xff, 0x03);
    const date = int(r, 0x1a, { eax: 0x0400 });
    assert.equal(date.ecx & 0xffff, 0x2000);
    assert.equal(date.edx & 0xffff, 0x0101);
  });

  it('reports unimplemented vectors and ignores trap-port writes from outside the stubs', () => {
    const r = rig();
    int(r, 0x14, {});
    assert.match(r.reports[0], /INT 14h/);
    r.state.segments[1] = realModeSegment(0);
    const before = r.memory.read32(SP);
    r.bios.writePort(0x4f0, 1, 0x10);
    assert.match(r.reports[1], /outside the BIOS ROM stubs/);
    assert.equal(r.memory.read32(SP), before);
  });
});
