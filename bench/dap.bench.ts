/**
 * Debug-adapter latency and breakpoint overhead:
 * - dap.step-ms / dap.step-p95-ms: one instruction step (request → stopped
 *   event) through the standalone adapter over stdio, on the sample kernel;
 * - dap.variables-ms / dap.variables-p95-ms: scopes + every scope's
 *   variables for the top frame (what VS Code asks after each stop);
 * - dap.bp-overhead: run time of the sample kernel with 1,000 instruction
 *   breakpoints that are never hit, as a ratio against the same run with
 *   none (1.00 = no measurable cost), measured in-process on the
 *   controller, median of runs.
 */
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { MachineController, type InstructionBreakpoint } from '../run-control/machine-controller';
import { parseLaunchConfig } from '../debug-adapter/launch-config';
import { median, percentile, type BenchFigure } from './figure';

const root = join(__dirname, '..');
const sample = join(root, 'samples', 'smp-demo', 'smp-demo.elf');

async function latencies(): Promise<BenchFigure[]> {
  const dc = new DebugClient('node', join(root, 'dist', 'debugAdapter.js'), 'bringup');
  dc.defaultTimeout = 30000;
  await dc.start();
  try {
    const initialized = dc.waitForEvent('initialized');
    await dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    await Promise.all([
      initialized.then(() => dc.setExceptionBreakpointsRequest({ filters: ['startup-ipi'] })).then(() => dc.configurationDoneRequest()),
      dc.launchRequest({ image: sample, cpus: 4 } as DebugProtocol.LaunchRequestArguments),
      dc.waitForEvent('stopped'),
    ]);
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    const steps: number[] = [];
    const vars: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = process.hrtime.bigint();
      await Promise.all([dc.stepInRequest({ threadId: 1, granularity: 'instruction' }), dc.waitForEvent('stopped')]);
      steps.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const t1 = process.hrtime.bigint();
      const frame = (await dc.stackTraceRequest({ threadId: 1, levels: 1 })).body.stackFrames[0];
      const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
      await Promise.all(scopes.map((s) => dc.variablesRequest({ variablesReference: s.variablesReference })));
      vars.push(Number(process.hrtime.bigint() - t1) / 1e6);
    }
    const warm = (xs: number[]): number[] => xs.slice(10);
    return [
      { name: 'dap.step-ms', value: median(warm(steps)), unit: 'ms', note: 'median of 50 instruction steps over stdio (request to stopped event), sample kernel, 4 vCPUs' },
      { name: 'dap.step-p95-ms', value: percentile(warm(steps), 95), unit: 'ms', note: 'p95 of the same steps' },
      { name: 'dap.variables-ms', value: median(warm(vars)), unit: 'ms', note: 'median of stackTrace + scopes + all scope variables after a stop' },
      { name: 'dap.variables-p95-ms', value: percentile(warm(vars), 95), unit: 'ms', note: 'p95 of the same' },
    ];
  } finally {
    await dc.stop().catch(() => {});
  }
}

function runSample(breakpoints: number): Promise<number> {
  const config = parseLaunchConfig({ image: sample, cpus: 4 }, root);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const controller = new MachineController(config, {
      stopped: (info) => reject(new Error(`unexpected stop: ${info.kind} ${info.description ?? ''}`)),
      exited: () => resolve(Number(process.hrtime.bigint() - start) / 1e6),
      output: () => {},
      condition: () => true,
      logMessage: (t) => t,
    });
    // Addresses in the top 4 KiB below 4 GiB spread over 1,000 distinct pages' worth of offsets: never executed by the sample.
    const list: InstructionBreakpoint[] = [];
    for (let i = 0; i < breakpoints; i++) list.push({ id: i + 1, linear: (0xf0000000 + i * 0x1010) >>> 0, hits: 0 });
    controller.setInstructionBreakpoints(list);
    controller.start();
  });
}

async function breakpointOverhead(): Promise<BenchFigure[]> {
  const none: number[] = [];
  const many: number[] = [];
  for (let r = 0; r < 5; r++) {
    none.push(await runSample(0));
    many.push(await runSample(1000));
  }
  const base = median(none);
  const withBps = median(many);
  return [{ name: 'dap.bp-overhead', value: withBps / base, unit: 'ratio', note: `sample kernel run with 1,000 never-hit instruction breakpoints vs none: median ${withBps.toFixed(0)} ms vs ${base.toFixed(0)} ms (5 runs each, interleaved)` }];
}

export async function run(): Promise<BenchFigure[]> {
  return [...(await latencies()), ...(await breakpointOverhead())];
}
