/**
 * `npm run bench`: run every bench/*.bench.ts (each exports
 * `run(): Promise<BenchFigure[]>`), print a table and write
 * bench-results.json (shape documented in docs/benchmarks.md).
 * `npm run bench -- NAME...` runs only the named benchmark files.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { BenchFigure, BenchmarkRun } from './figure';

interface BenchResults {
  format: 'bringup-bench-results';
  version: 1;
  date: string;
  host: { node: string; platform: string; cpu: string; cores: number };
  figures: BenchFigure[];
  /** Benchmarks that failed to run, with why; their figures are absent. */
  failures: { benchmark: string; error: string }[];
}

function formatNumber(v: number | undefined): string {
  if (v === undefined) return '';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

export function formatTable(figures: BenchFigure[]): string {
  const rows = [['figure', 'value', 'unit', 'peer', 'peer value', 'ratio'], ...figures.map((f) => [f.name, formatNumber(f.value), f.unit, f.peer ?? '', formatNumber(f.peerValue), f.ratio === undefined ? '' : `${formatNumber(f.ratio)}x`])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r, i) => r.map((cell, c) => (c === 0 || c === 2 || c === 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ') + (i === 0 ? '\n' + widths.map((w) => '-'.repeat(w)).join('  ') : '')).join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const dir = __dirname;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')))
    .sort();
  const figures: BenchFigure[] = [];
  const failures: BenchResults['failures'] = [];
  for (const file of files) {
    const name = file.replace(/\.bench\.ts$/, '');
    process.stderr.write(`bench: ${name} ...\n`);
    try {
      const module = (await import(join(dir, file))) as { run?: BenchmarkRun };
      if (typeof module.run !== 'function') throw new Error(`${file} does not export run()`);
      figures.push(...(await module.run()));
    } catch (error) {
      failures.push({ benchmark: name, error: (error as Error).message });
      process.stderr.write(`bench: ${name} failed: ${(error as Error).stack ?? error}\n`);
    }
  }
  const results: BenchResults = {
    format: 'bringup-bench-results',
    version: 1,
    date: new Date().toISOString(),
    host: { node: process.version, platform: `${process.platform}-${process.arch}`, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    figures,
    failures,
  };
  writeFileSync(join(dir, '..', 'bench-results.json'), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(formatTable(figures) + '\n\nwrote bench-results.json\n');
  if (failures.length > 0) process.exitCode = 1;
}

if (require.main === module) void main();
