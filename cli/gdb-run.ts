/**
 * `bringup run --gdb [HOST:]PORT`: the machine under run control with the
 * GDB stub listening (gdb-remote/). Without --gdb-wait it runs at once and
 * stops when a debugger attaches (as QEMU's -s); with it, it waits halted
 * for the first debugger (QEMU's -S). A debugger that detaches lets it run
 * on; the process ends as `bringup run` does, with the same exit statuses,
 * when the machine ends with no debugger attached or gdb kills it.
 */
import { traceClassOf } from '../emulator/events/machine-events';
import type { ExitReason } from '../emulator/machine/machine';
import { MachineTarget } from '../gdb-remote/machine-target';
import { listenForGdb, type GdbListener } from '../gdb-remote/tcp-server';
import { EVENT_FILTERS, type EventFilterId } from '../run-control/event-filters';
import { MachineController, type StopInfo } from '../run-control/machine-controller';
import type { CliIo } from './cli-io';
import { exitStatusFor, EXIT_INTERNAL_ERROR, EXIT_USAGE } from './exit-status';
import { finishRun, machineOptions, type RunInputs, type RunOutcome } from './run-command';
import { isLoopbackHost, type RunOptions } from './run-options';
import { formatTraceLine, formatVirtualTime } from './trace-format';

/** Event stops while gdb is attached: the ones the debug adapter arms by default (a guest bug worth stopping for). */
const ATTACHED_EVENTS: EventFilterId[] = EVENT_FILTERS.filter((f) => f.default).map((f) => f.id);

export async function runUnderGdb(options: RunOptions, inputs: RunInputs, io: CliIo): Promise<number> {
  const gdb = options.gdb!;
  const machine = machineOptions(options, inputs);
  let target: MachineTarget | undefined;
  let waitingForAttach: (() => void) | undefined;
  let finished: ((outcome: RunOutcome) => void) | undefined;
  const ended = new Promise<RunOutcome>((resolve) => (finished = resolve));
  let exitReason: ExitReason | undefined;

  const controller = new MachineController(
    {
      imageBytes: machine.image,
      boot: machine.boot,
      cpus: machine.cpus,
      memorySize: machine.memorySize,
      disks: machine.disks,
      diskWriteBack: machine.diskWriteBack,
      cmdline: machine.cmdline,
      modules: machine.modules ?? [],
      initrd: machine.initrd,
      seed: options.seed,
      quantum: options.quantum,
      serialIrqGate: options.serialIrqGate,
      stopOnEntry: false,
      traceEvents: [],
      rawOutput: (bytes) => io.stdout(bytes),
    },
    {
      stopped: (info) => onStopped(info),
      exited: (reason) => {
        exitReason = reason;
        // An attached gdb gets its W reply first; the run ends either way (QEMU's stub ends with its guest too).
        target?.exited(reason);
        waitingForAttach?.();
        finished?.(reason);
      },
      output: (text) => io.stderr(text),
      // gdb evaluates its own breakpoint conditions; run control's are never set from here.
      condition: () => true,
      logMessage: (template) => template,
    },
  );

  const eventCounts = new Map<string, number>();
  const trace = options.trace;
  if (trace.has('boot')) io.stderr(`[${formatVirtualTime(0)}] machine ${'boot'.padEnd(10)} ${controller.pc.boot.explanation}\n`);
  controller.pc.machine.events.subscribe((event) => {
    eventCounts.set(event.kind, (eventCounts.get(event.kind) ?? 0) + 1);
    if (trace.size > 0 && (trace as Set<string>).has(traceClassOf(event))) io.stderr(formatTraceLine(event) + '\n');
  });

  // Without a debugger only a triple fault stops the machine, and ends the run as it does without --gdb.
  const unattachedEvents = (): void => controller.setEventFilters([{ id: 'triple-fault' }]);
  unattachedEvents();

  function onStopped(info: StopInfo): void {
    if (target !== undefined) {
      target.stopped(info);
      waitingForAttach?.();
      return;
    }
    if (info.kind === 'event' && info.hit?.filter === 'triple-fault') finished?.({ kind: 'triple-fault', cpu: info.cpu });
    else controller.continue(); // a stop nobody asked for (a debugger left mid-resume): carry on
  }

  const stdinStop = io.stdin?.((bytes) => controller.pc.machine.com1.sendHostInput(bytes), () => {});

  let listener: GdbListener;
  try {
    listener = await listenForGdb({
      host: gdb.host,
      port: gdb.port,
      log: (line) => io.stderr(`bringup: ${line}\n`),
      attach: () =>
        new Promise<MachineTarget>((resolve) => {
          const t = new MachineTarget(controller, {
            exitStatus: (reason) => exitStatusFor(reason),
            mayControl: () => true,
            kill: () => finished?.({ kind: 'killed' }),
            detached: () => {
              if (target !== t) return;
              target = undefined;
              unattachedEvents();
              if (exitReason !== undefined) finished?.(exitReason);
              else if (!controller.running) controller.continue();
            },
            seed: options.seed,
            quantum: options.quantum,
          });
          target = t;
          controller.setEventFilters(ATTACHED_EVENTS.map((id) => ({ id })));
          if (!controller.running) return resolve(t);
          waitingForAttach = () => {
            waitingForAttach = undefined;
            resolve(t);
          };
          controller.pause();
        }),
    });
  } catch (error) {
    stdinStop?.();
    io.stderr(`bringup: cannot listen for gdb on ${gdb.host}:${gdb.port}: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  if (!isLoopbackHost(gdb.host)) {
    io.stderr(`bringup: warning: the gdb stub on ${gdb.host}:${listener.port} is reachable from other machines (--gdb-allow-remote); whoever connects controls this machine\n`);
  }
  io.stderr(`bringup: gdb stub listening on ${gdb.host}:${listener.port}${options.gdbWait ? '; the machine starts when a debugger attaches' : ''} (gdb: target remote ${gdb.host.includes(':') ? `[${gdb.host}]` : gdb.host}:${listener.port})\n`);

  if (!options.gdbWait) controller.continue();
  let timer: NodeJS.Timeout | undefined;
  if (options.timeoutSeconds !== undefined) timer = setTimeout(() => finished?.({ kind: 'timeout' }), options.timeoutSeconds * 1000);

  let outcome: RunOutcome;
  try {
    outcome = await ended;
  } catch (error) {
    io.stderr(`bringup: internal emulator error (please report it with the image and command line): ${(error as Error).stack ?? error}\n`);
    return EXIT_INTERNAL_ERROR;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    controller.terminate();
    stdinStop?.();
    await listener.close();
    inputs.diskFiles?.forEach((f) => f.close());
  }
  return finishRun(controller.pc, options, outcome, eventCounts, io);
}
