/**
 * The --json summary of a run: a stable, documented shape (docs/cli.md) that
 * CI scripts read. Add fields; never rename or remove them.
 */
import type { ExitReason } from '../emulator/machine/machine';
import { registerSnapshot, type RegisterSnapshot } from '../emulator/machine/register-snapshot';
import type { PcMachine } from '../emulator/machine/pc-machine';

export interface RunSummary {
  format: 'bringup-run-summary';
  version: 1;
  image: string | undefined;
  boot: { protocol: string; explanation: string };
  cpus: number;
  memorySize: number;
  seed: number;
  exit: { reason: string; status: number; detail?: Record<string, unknown> };
  virtualTimeNs: number;
  instructions: { total: number; perCpu: number[] };
  registers: RegisterSnapshot[];
  ipis: unknown[];
  events: { kind: string; count: number }[];
}

export function exitReasonName(reason: ExitReason | { kind: 'timeout' } | { kind: 'killed' }): string {
  return reason.kind;
}

export function buildSummary(
  pc: PcMachine,
  args: { image: string | undefined; seed: number; memorySize: number },
  exit: { reason: ExitReason | { kind: 'timeout' } | { kind: 'killed' }; status: number },
  eventCounts: Map<string, number>,
): RunSummary {
  const { kind, ...detail } = exit.reason as { kind: string } & Record<string, unknown>;
  return {
    format: 'bringup-run-summary',
    version: 1,
    image: args.image,
    boot: { protocol: pc.boot.protocol, explanation: pc.boot.explanation },
    cpus: pc.cpus.length,
    memorySize: args.memorySize,
    seed: args.seed,
    exit: Object.keys(detail).length > 0 ? { reason: kind, status: exit.status, detail } : { reason: kind, status: exit.status },
    virtualTimeNs: pc.machine.clock.now,
    instructions: { total: pc.machine.totalInstructions, perCpu: pc.cpus.map((c) => c.instructionsRetired) },
    registers: pc.cpus.map((c) => registerSnapshot(c.state)),
    ipis: pc.platform.ipiLog.records.map((r: unknown) => r),
    events: [...eventCounts].map(([k, count]) => ({ kind: k, count })),
  };
}
