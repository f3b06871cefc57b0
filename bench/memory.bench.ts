/**
 * Guest physical memory access speed against a plain typed array measured in
 * the same run: the sparse chunk + MMIO page map costs something on every
 * access, and this says how much.
 */
import { PhysicalMemory } from '../emulator/memory/physical-memory';
import { median, type BenchFigure } from './figure';

const SIZE = 1 << 20;
const ROUNDS = 7;
const PASSES = 16;

function timeIt(fn: () => number): number {
  const start = process.hrtime.bigint();
  const sink = fn();
  const ns = Number(process.hrtime.bigint() - start);
  if (sink === 0.5) console.log(sink); // keep the loop observable
  return ns;
}

export async function run(): Promise<BenchFigure[]> {
  const memory = new PhysicalMemory(64 * 1024 * 1024);
  for (let a = 0; a < SIZE; a += 4) memory.write32(a, a);
  const raw = new DataView(new ArrayBuffer(SIZE));
  for (let a = 0; a < SIZE; a += 4) raw.setUint32(a, a, true);
  const accesses = (SIZE / 4) * PASSES;

  const ours: number[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    ours.push(
      timeIt(() => {
        let sum = 0;
        for (let p = 0; p < PASSES; p++) for (let a = 0; a < SIZE; a += 4) sum = (sum + memory.read32(a)) | 0;
        return sum;
      }),
    );
    baseline.push(
      timeIt(() => {
        let sum = 0;
        for (let p = 0; p < PASSES; p++) for (let a = 0; a < SIZE; a += 4) sum = (sum + raw.getUint32(a, true)) | 0;
        return sum;
      }),
    );
  }
  const oursM = accesses / (median(ours) / 1e3);
  const baseM = accesses / (median(baseline) / 1e3);
  return [
    {
      name: 'memory.read32',
      value: oursM,
      unit: 'M accesses/s',
      peer: 'DataView over one ArrayBuffer',
      peerValue: baseM,
      ratio: oursM / baseM,
      note: `median of ${ROUNDS} rounds of ${accesses} aligned 32-bit reads over 1 MiB of RAM`,
    },
  ];
}
