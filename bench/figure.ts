/**
 * One benchmark figure as written to bench-results.json (the shape is a
 * contract; see docs/benchmarks.md). A peer is another tool measured in the
 * same run (QEMU, binutils, ...); ratio = value / peerValue.
 */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  peer?: string;
  peerValue?: number;
  ratio?: number;
  /** Free text: what was measured, how many runs, median or p95. */
  note?: string;
}

/** A benchmark module in bench/ exports `run` returning its figures. */
export type BenchmarkRun = () => Promise<BenchFigure[]>;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}
