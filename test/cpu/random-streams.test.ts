/**
 * Robustness against garbage: a million random instruction streams in each
 * mode (real, 32-bit protected, 32-bit protected with paging, virtual-8086) never throw a
 * host exception; each ends in normal execution or a guest exception
 * (#UD, #GP, #PF, ... up to a triple fault, which is a machine event).
 *
 * Each stream starts at its own offset in a 1 MiB region of random bytes,
 * from a fixed register state, and runs up to 8 instructions. The IDT is
 * garbage too, so faults nest into #DF and shutdown quickly. Seeded: the
 * same streams every run. BRINGUP_RANDOM_STREAMS overrides the count.
 */
import { strict as assert } from 'node:assert';
import { IoBus } from '../../emulator/bus/io-bus';
import { Cpu } from '../../emulator/cpu/cpu';
import { MachineEventBus } from '../../emulator/events/machine-events';
import { PhysicalMemory } from '../../emulator/memory/physical-memory';
import { VirtualClock } from '../../emulator/time/virtual-clock';
import { SeededRandom } from '../../emulator/machine/seeded-random';

const STREAMS = Number(process.env.BRINGUP_RANDOM_STREAMS ?? 1_000_000);
const REGION = 0x100000; // random code at 1 MiB .. 2 MiB
const REGION_SIZE = 0x100000;

type Mode = 'real' | 'protected' | 'paging' | 'v86';

function setup(mode: Mode): { cpu: Cpu; reset: (eip: number) => void } {
  const memory = new PhysicalMemory(8 << 20);
  const clock = new VirtualClock();
  const cpu = new Cpu(0, { memory, io: new IoBus(), clock, events: new MachineEventBus(() => clock.now), msrDevices: [] }, { isBsp: true, apicId: 0 });
  const random = new SeededRandom(0x5eed + mode.length);
  const bytes = new Uint8Array(REGION_SIZE);
  for (let i = 0; i < bytes.length; i++) bytes[i] = random.below(256);
  memory.writeBytes(REGION, bytes);
  // Page tables for the paging mode: identity-map the first 4 MiB with 4 KiB pages, leave the rest unmapped (#PF).
  // V86 mode: a valid GDT (ring-0 code/data, a 32-bit TSS whose SS0:ESP0 and
  // I/O bitmap are real), an IDT whose gates are half valid ring-0 interrupt
  // gates into the random bytes and half garbage, so streams reach the V86
  // frame push, the handler, IRET back to V86 and the #GP/#DF paths.
  if (mode === 'v86') {
    memory.write32(0x500000 + 8, 0x0000ffff); memory.write32(0x500000 + 12, 0x00cf9a00);
    memory.write32(0x500000 + 16, 0x0000ffff); memory.write32(0x500000 + 20, 0x00cf9200);
    const tss = 0x510000;
    memory.write32(0x500000 + 24, ((tss & 0xffff) << 16) | 0x2068); memory.write32(0x500000 + 28, (tss & 0xff000000) | 0x8900 | ((tss >>> 16) & 0xff));
    memory.write32(tss + 4, 0x600000); memory.write32(tss + 8, 0x10); memory.write32(tss + 0x64, 0x00680000);
    for (let v = 0; v < 256; v++) {
      if (random.below(2) === 0) continue;
      const off = REGION + random.below(REGION_SIZE);
      memory.write32(REGION + 0x8000 + v * 8, (0x08 << 16) | (off & 0xffff));
      memory.write32(REGION + 0x8000 + v * 8 + 4, (off & 0xffff0000) | 0xee00);
    }
  }
  if (mode === 'paging') {
    for (let i = 0; i < 1024; i++) memory.write32(0x400000 + 0x1000 + i * 4, (i * 0x1000) | 0x7);
    memory.write32(0x400000, (0x400000 + 0x1000) | 0x7);
  }
  const reset = (eip: number): void => {
    const st = cpu.state;
    st.gpr.fill(0);
    st.gpr[4] = 0x8000; // ESP
    st.eflags = 0x2;
    st.activity = 'running';
    st.cr0 = mode === 'real' ? 0x60000010 : mode === 'protected' || mode === 'v86' ? 0x11 : 0x80000011;
    st.cr3 = mode === 'paging' ? 0x400000 : 0;
    st.cr4 = 0;
    st.cpl = 0;
    st.idtr.base = REGION + 0x8000; // garbage gates
    st.idtr.limit = 0x7ff;
    st.gdtr.base = mode === 'v86' ? 0x500000 : REGION + 0x10000; // garbage descriptors, or the V86 GDT
    st.gdtr.limit = mode === 'v86' ? 0x1f : 0xffff;
    if (mode === 'v86') {
      st.eflags = 0x20002 | (random.below(2) * 0x3000); // IOPL 0 or 3
      st.cpl = 3;
      st.tr = { selector: 0x18, base: 0x510000, limit: 0x2068, attributes: 0x8b, usable: true };
    }
    for (let s = 0; s < 6; s++) {
      const c = st.segments[s];
      if (mode === 'v86') {
        c.selector = s === 1 ? (REGION >>> 4) : random.below(0x10000);
        c.base = c.selector << 4;
        c.limit = 0xffff;
        c.attributes = 0xf3;
      } else if (mode === 'real') {
        c.selector = s === 1 ? (REGION >>> 4) : 0;
        c.base = s === 1 ? REGION : 0;
        c.limit = 0xffff;
        c.attributes = s === 1 ? 0x9b : 0x93;
      } else {
        c.selector = s === 1 ? 0x08 : 0x10;
        c.base = 0;
        c.limit = 0xffffffff;
        c.attributes = s === 1 ? 0xc09b : 0xc093;
      }
      c.usable = true;
    }
    st.eip = mode === 'real' || mode === 'v86' ? eip - REGION : eip;
    cpu.state = st;
  };
  return { cpu, reset };
}

describe(`CPU robustness: ${STREAMS.toLocaleString('en')} random instruction streams per mode`, function () {
  this.timeout(600_000);
  for (const mode of ['real', 'protected', 'paging', 'v86'] as Mode[]) {
    it(`${mode} mode: no host exception, every stream ends in execution or a guest exception`, function () {
      const { cpu, reset } = setup(mode);
      const random = new SeededRandom(7 + mode.length);
      let executed = 0;
      let shutdowns = 0;
      for (let n = 0; n < STREAMS; n++) {
        const start = REGION + random.below(mode === 'real' || mode === 'v86' ? 0xfff0 : REGION_SIZE - 16);
        reset(start);
        try {
          executed += cpu.runSlice(8);
        } catch (e) {
          assert.fail(`stream ${n} at 0x${start.toString(16)} (${mode}) threw a host exception: ${(e as Error).stack}`);
        }
        if (cpu.activity === 'shutdown') shutdowns++;
      }
      assert.ok(executed > STREAMS, `instructions were executed (${executed})`);
      assert.ok(shutdowns > 0 && shutdowns < STREAMS, `some streams fault into shutdown, not all (${shutdowns})`);
    });
  }
});
