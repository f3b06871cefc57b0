/**
 * `bringup run`: boot an image headless, stream COM1 and port 0xE9 to
 * stdout, feed stdin to COM1, and end with an exit status that says how the
 * guest ended (see exit-status.ts and docs/cli.md).
 */
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { BootError } from '../emulator/boot/boot-error';
import { traceClassOf } from '../emulator/events/machine-events';
import type { ExitReason } from '../emulator/machine/machine';
import { createPcMachine, type PcMachine, type PcMachineOptions } from '../emulator/machine/pc-machine';
import { formatRegisterDump } from '../emulator/machine/register-snapshot';
import { readTextScreen, textScreenToString } from '../emulator/devices/vga/text-screen';
import type { CliIo } from './cli-io';
import { EXIT_INTERNAL_ERROR, EXIT_USAGE, exitStatusFor } from './exit-status';
import { buildSummary } from './json-summary';
import { parseRunArguments, UsageError, type RunOptions, type TraceSelection } from './run-options';
import { formatTraceLine, formatVirtualTime } from './trace-format';
import { runUnderGdb } from './gdb-run';

/** How a run ended: the machine's reason, --timeout, or gdb's kill. */
export type RunOutcome = ExitReason | { kind: 'timeout' } | { kind: 'killed' };

/** Instructions per run() call: large enough to amortize the call, small enough to check the wall clock and stdin often. */
const INSTRUCTIONS_PER_CHUNK = 1_000_000;

function readInput(what: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    throw new UsageError(`cannot read ${what} '${path}': ${why}`);
  }
}

/** A --disk file opened for --disk-writable: sectors are written in place, never past the file's end (its length does not change). */
export interface DiskFile {
  write(lba: number, data: Uint8Array): void;
  close(): void;
}

function openForWriting(path: string, length: number): DiskFile {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    throw new UsageError(`cannot open --disk '${path}' for writing (--disk-writable): ${(error as Error).message}`);
  }
  let open = true;
  return {
    write(lba: number, data: Uint8Array): void {
      const offset = lba * 512;
      const bytes = Math.min(data.length, length - offset);
      if (open && bytes > 0) writeSync(fd, data, 0, bytes, offset);
    },
    close(): void {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

/** What `bringup run` read from disk before building the machine. */
export interface RunInputs {
  image: Uint8Array | undefined;
  disks: Uint8Array[];
  diskFiles: DiskFile[] | undefined;
  modules: { data: Uint8Array; string: string }[];
  initrd: Uint8Array | undefined;
}

function loadInputs(options: RunOptions): RunInputs {
  const image = options.image !== undefined ? readInput('IMAGE', options.image) : undefined;
  const disks = options.disks.map((path) => readInput('--disk', path));
  const diskFiles = options.diskWritable ? options.disks.map((path, i) => openForWriting(path, disks[i].length)) : undefined;
  const modules = options.modules.map((m) => ({ data: readInput('--module', m.path), string: m.string }));
  const initrd = options.initrd === undefined ? undefined : readInput('--initrd', options.initrd);
  return { image, disks, diskFiles, modules, initrd };
}

export function machineOptions(options: RunOptions, inputs: RunInputs): PcMachineOptions {
  return {
    // A boot-sector run with only --disk boots sector 0 of that disk.
    image: inputs.image ?? inputs.disks[0],
    boot: inputs.image === undefined ? 'bootsector' : options.boot,
    cpus: options.cpus,
    memorySize: options.memorySize,
    disks: inputs.disks,
    diskWriteBack: inputs.diskFiles === undefined ? undefined : (index, lba, data) => inputs.diskFiles![index].write(lba, data),
    cmdline: options.cmdline,
    modules: inputs.modules,
    initrd: inputs.initrd,
    seed: options.seed,
    quantum: options.quantum,
    serialIrqGate: options.serialIrqGate,
  };
}

/** Say how the run ended on stderr, write --screen and --json, and return the exit status. */
export function finishRun(pc: PcMachine, options: RunOptions, outcome: RunOutcome, eventCounts: Map<string, number>, io: CliIo): number {
  const { machine } = pc;
  const status = exitStatusFor(outcome);
  switch (outcome.kind) {
    case 'triple-fault':
      io.stderr(`bringup: vCPU ${outcome.cpu} triple-faulted (shutdown); registers at the fault:\n${formatRegisterDump(outcome.cpu, pc.cpus[outcome.cpu].state)}\n`);
      break;
    case 'instruction-limit':
      io.stderr(`bringup: stopped after ${machine.totalInstructions} instructions (--max-instructions ${options.maxInstructions})\n`);
      break;
    case 'timeout':
      io.stderr(`bringup: stopped after ${options.timeoutSeconds} s of host time (--timeout)\n`);
      break;
    case 'killed':
      io.stderr('bringup: the debugger killed the machine (gdb kill)\n');
      break;
    case 'idle-forever':
      io.stderr('bringup: every vCPU waits for an interrupt or a STARTUP IPI that nothing can send any more (no timer armed); stopping\n');
      break;
    case 'reset-requested':
      io.stderr(`bringup: the guest requested a platform reset (${outcome.reason}); the run ends here\n`);
      break;
    default:
      break;
  }
  if (options.screen !== undefined) {
    try {
      writeFileSync(options.screen, textScreenToString(readTextScreen(pc.platform.vga.registers, machine.memory)));
    } catch (error) {
      io.stderr(`bringup: cannot write --screen file '${options.screen}': ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  if (options.json !== undefined) {
    const summary = buildSummary(pc, { image: options.image ?? options.disk, seed: options.seed, memorySize: options.memorySize }, { reason: outcome, status }, eventCounts);
    try {
      writeFileSync(options.json, JSON.stringify(summary, null, 2) + '\n');
    } catch (error) {
      io.stderr(`bringup: cannot write --json file '${options.json}': ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  return status;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let options: RunOptions;
  let pc: PcMachine;
  let diskFiles: DiskFile[] | undefined;
  const pending: number[] = [];
  const flushOutput = (): void => {
    if (pending.length > 0) {
      io.stdout(Uint8Array.from(pending));
      pending.length = 0;
    }
  };
  let inputs: RunInputs;
  try {
    options = parseRunArguments(argv);
    inputs = loadInputs(options);
    diskFiles = inputs.diskFiles;
    if (options.gdb !== undefined) return await runUnderGdb(options, inputs, io);
    const host = { serialOutput: (b: number) => pending.push(b), debugConsoleOutput: (b: number) => pending.push(b) };
    pc = createPcMachine(machineOptions(options, inputs), host);
  } catch (error) {
    diskFiles?.forEach((f) => f.close());
    if (error instanceof UsageError || error instanceof BootError) {
      io.stderr(`bringup: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  const { machine } = pc;
  const trace: Set<TraceSelection> = options.trace;
  const eventCounts = new Map<string, number>();
  if (trace.has('boot')) io.stderr(`[${formatVirtualTime(0)}] machine ${'boot'.padEnd(10)} ${pc.boot.explanation}\n`);
  machine.events.subscribe((event) => {
    eventCounts.set(event.kind, (eventCounts.get(event.kind) ?? 0) + 1);
    if (trace.size > 0 && trace.has(traceClassOf(event) as TraceSelection)) {
      flushOutput();
      io.stderr(formatTraceLine(event) + '\n');
    }
  });

  // stdin → COM1 receiver, paced by the receiver's free space so no input is lost; EOF simply ends the input.
  const stopReading = io.stdin?.(
    (bytes) => {
      machine.com1.sendHostInput(bytes);
    },
    () => {},
  );

  const started = Date.now();
  let outcome: RunOutcome;
  try {
    for (;;) {
      const result = machine.run(INSTRUCTIONS_PER_CHUNK, options.maxInstructions ?? Infinity);
      flushOutput();
      if (result.kind === 'exited') {
        outcome = result.reason;
        break;
      }
      if (options.timeoutSeconds !== undefined && (Date.now() - started) / 1000 >= options.timeoutSeconds) {
        outcome = { kind: 'timeout' };
        break;
      }
      await yieldToEventLoop();
    }
  } catch (error) {
    flushOutput();
    stopReading?.();
    diskFiles?.forEach((f) => f.close());
    io.stderr(`bringup: internal emulator error (please report it with the image and command line): ${(error as Error).stack ?? error}\n`);
    return EXIT_INTERNAL_ERROR;
  }
  stopReading?.();
  flushOutput();
  diskFiles?.forEach((f) => f.close());

  return finishRun(pc, options, outcome, eventCounts, io);
}
