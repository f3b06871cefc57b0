/**
 * Runs the native snapshot harness (fixtures/snapshot.c, x86-64 only: the
 * host cannot run 32-bit code) and reads what it wrote: the registers
 * probe() captured, the run-time address of main, and the writable memory
 * of the process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './test-binaries';

export interface NativeSnapshot {
  binary: string;
  /** DWARF x86-64 numbering: 3 rbx, 6 rbp, 7 rsp, 16 rip. */
  registers: Map<number, number>;
  mainAddress: number;
  readMemory(address: number, size: number): Uint8Array | undefined;
}

export function takeSnapshot(compiler: 'gcc' | 'clang', flags: string[]): NativeSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-snapshot-'));
  const binary = join(dir, `snapshot-${compiler}`);
  const build = spawnSync(compiler, [...flags, `-I${FIXTURES}`, join(FIXTURES, 'snapshot.c'), '-o', binary], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(build.stderr);
  const out = join(dir, 'snapshot.bin');
  // No address-space randomisation surprises matter: the test applies the load offset it reads back.
  const run = spawnSync(binary, [out], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`snapshot harness exited ${run.status}: ${run.stderr}`);
  const bytes = readFileSync(out);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.subarray(0, 4).toString() !== 'SNAP') throw new Error('bad snapshot');
  const u64 = (o: number): number => Number(view.getBigUint64(o, true));
  const registers = new Map<number, number>([[3, u64(4)], [6, u64(12)], [7, u64(20)], [16, u64(28)]]);
  const mainAddress = u64(36);
  const regions: { start: number; bytes: Uint8Array }[] = [];
  for (let o = 44; o + 16 <= bytes.length; ) {
    const start = u64(o), size = u64(o + 8);
    regions.push({ start, bytes: bytes.subarray(o + 16, o + 16 + size) });
    o += 16 + size;
  }
  return {
    binary, registers, mainAddress,
    readMemory(address, size) {
      for (const r of regions) if (address >= r.start && address + size <= r.start + r.bytes.length) return r.bytes.subarray(address - r.start, address - r.start + size);
      return undefined;
    },
  };
}
