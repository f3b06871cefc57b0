/**
 * Robustness against garbage: a million random instruction streams in each
 * mode (real, 32-bit protected, 32-bit protected with paging) never throw a
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

type Mode = 'real' | 'protected' | 'paging';

function setup(mode: Mode): { cpu: Cpu; reset: (eip: number) => void } {
  const memory = new PhysicalMemory(8 << 20);
  const clock = new VirtualClock();
  const cpu = new Cpu(0, { memory, io: new IoBus(), clock, events: new MachineEventBus(() => clock.now), msrDevices: [] }, { isBsp: true, apicId: 0 });
  const random = new SeededRandom(0x5eed + mode.length);
  const bytes = new Uint8Array(REGION_SIZE);
  for (let i = 0; i < bytes.length; i++) bytes[i] = random.below(256);
  memory.writeBytes(REGION, bytes);
  // Page tables for the paging mode: identity-map the first 4 MiB with 4 KiB pages, leave the rest unmapped (#PF).
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
    st.cr0 = mode === 'real' ? 0x60000010 : mode === 'protected' ? 0x11 : 0x80000011;
    st.cr3 = mode === 'paging' ? 0x400000 : 0;
    st.cr4 = 0;
    st.cpl = 0;
    st.idtr.base = REGION + 0x8000; // garbage gates
    st.idtr.limit = 0x7ff;
    st.gdtr.base = REGION + 0x10000; // garbage descriptors
    st.gdtr.limit = 0xffff;
    for (let s = 0; s < 6; s++) {
      const c = st.segments[s];
      if (mode === 'real') {
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
    st.eip = mode === 'real' ? eip - REGION : eip;
    cpu.state = st;
  };
  return { cpu, reset };
}

describe(`CPU robustness: ${STREAMS.toLocaleString('en')} random instruction streams per mode`, function () {
  this.timeout(600_000);
  for (const mode of ['real', 'protected', 'paging'] as Mode[]) {
    it(`${mode} mode: no host exception, every stream ends in execution or a guest exception`, function () {
      const { cpu, reset } = setup(mode);
      const random = new SeededRandom(7 + mode.length);
      let executed = 0;
      let shutdowns = 0;
      for (let n = 0; n < STREAMS; n++) {
        const start = REGION + random.below(mode === 'real' ? 0xfff0 : REGION_SIZE - 16);
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
