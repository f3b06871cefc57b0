/**
 * GDB remote protocol latency:
 * - gdb.stepi-ms: one instruction step over the socket, the packet gdb
 *   sends for `stepi` (`vCont;s:1;c`: step thread 1, let the others run)
 *   to its stop reply, median of 200 steps after 20 warm-up steps, on the
 *   sample kernel's BSP from kmain, 4 vCPUs, no-ack mode as gdb uses it,
 *   the same command line in both so they step the same instructions.
 *   Against `bringup run --gdb --gdb-wait` (the bundled CLI, what users
 *   run) and, as peer in the same run, qemu-system-i386's gdbstub (TCG,
 *   `-S`, the same image through its Multiboot loader). The client is
 *   gdb-remote/client.ts, so gdb's own work per step (reading registers,
 *   the frame, the thread list) is not in the figure; both stubs get the
 *   same packets. ratio = QEMU's time / ours (above 1.0: we are faster).
 */
import { spawnSync } from 'node:child_process';
import { GdbClient } from '../gdb-remote/client';
import { encodePacket } from '../gdb-remote/framing';
import { killStub, qemuMachineArgs, sampleElf, startBringupStub, startQemuStub, symbolAddress, type StubProcess } from '../test/gdb-remote/gdb-harness';
import { median, percentile, type BenchFigure } from './figure';

const CPUS = 4;
const WARMUP = 20;
const STEPS = 200;

function qemuInstalled(): boolean {
  return spawnSync('qemu-system-i386', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function expect(client: GdbClient, packet: string, reply: RegExp, timeoutMs = 30_000): Promise<string> {
  const r = await client.request(packet, timeoutMs);
  if (!reply.test(r.text)) throw new Error(`${packet}: unexpected reply ${r.text.slice(0, 80)}`);
  return r.text;
}

interface Steps {
  times: number[];
  /** EIP after the last step: both stubs should have stepped the same instructions. */
  eip: number;
}

/** EIP from a `g` reply (i386 core layout: the ninth 32-bit register, little-endian). */
function eipOf(g: string): number {
  const bytes = g.slice(64, 72).match(/../g) ?? [];
  return parseInt(bytes.reverse().join(''), 16);
}

/** Step latencies (ms) against a stub that is waiting for its debugger. */
async function stepLatencies(stub: StubProcess): Promise<Steps> {
  const client = await GdbClient.connect(stub.port);
  try {
    await client.startNoAckMode();
    await expect(client, '?', /^[ST][0-9a-f]{2}/);
    const kmain = symbolAddress(sampleElf, 'kmain').toString(16);
    await expect(client, `Z0,${kmain},1`, /^OK$/);
    await expect(client, 'vCont;c', /^T05/, 120_000);
    await expect(client, `z0,${kmain},1`, /^OK$/);
    const times: number[] = [];
    for (let i = 0; i < WARMUP + STEPS; i++) {
      const t0 = process.hrtime.bigint();
      await expect(client, 'vCont;s:1;c', /^T05/);
      if (i >= WARMUP) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const eip = eipOf(await expect(client, 'g', /^[0-9a-fx]{72}/));
    client.sendRaw(encodePacket('k')); // kill: both stubs end their process, without a reply
    return { times, eip };
  } finally {
    client.close();
  }
}

async function measure(start: () => Promise<StubProcess>): Promise<Steps> {
  const stub = await start();
  try {
    const steps = await stepLatencies(stub);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stub.exit, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    return steps;
  } finally {
    killStub(stub);
  }
}

export async function run(): Promise<BenchFigure[]> {
  // QEMU's Multiboot loader puts the image's path and a space in front of the (empty) -append string;
  // the same command line for ours makes both step the same instructions (kmain copies it early on).
  const cmdline = `${sampleElf} `;
  const ours = await measure(() => startBringupStub([sampleElf, '--cpus', String(CPUS), '--cmdline', cmdline, '--gdb', '0', '--gdb-wait', '--timeout', '300']));
  const figure: BenchFigure = {
    name: 'gdb.stepi-ms',
    value: median(ours.times),
    unit: 'ms',
    note: `median of ${STEPS} vCont;s:1;c round trips (request to stop reply) over TCP loopback after ${WARMUP} warm-up steps, sample kernel BSP from kmain, ${CPUS} vCPUs; p95 ${percentile(ours.times, 95).toFixed(3)} ms`,
  };
  if (qemuInstalled()) {
    const qemu = await measure(() => startQemuStub([...qemuMachineArgs(CPUS), '-kernel', sampleElf]));
    figure.peer = 'qemu-system-i386 TCG gdbstub';
    figure.peerValue = median(qemu.times);
    figure.ratio = figure.peerValue / figure.value;
    const same = qemu.eip === ours.eip ? `both at EIP 0x${ours.eip.toString(16)} after the last step` : `EIP after the last step differs (ours 0x${ours.eip.toString(16)}, QEMU's 0x${qemu.eip.toString(16)})`;
    figure.note += `; QEMU p95 ${percentile(qemu.times, 95).toFixed(3)} ms; ${same}; ratio = QEMU time / ours`;
  }
  return [figure];
}
