/**
 * A GDB stub over the sample kernel in this process (no bundle, no child
 * process): run control, the machine target and the TCP listener, as
 * `bringup run --gdb --gdb-wait` wires them, for tests that look inside
 * the machine while they talk to the stub.
 */
import { readFileSync } from 'node:fs';
import { MachineTarget } from '../../gdb-remote/machine-target';
import { listenForGdb, type GdbListener } from '../../gdb-remote/tcp-server';
import { MachineController } from '../../run-control/machine-controller';
import { sampleElf } from './gdb-harness';

export interface InProcessStub {
  controller: MachineController;
  listener: GdbListener;
  log: string[];
  close(): Promise<void>;
}

export async function startInProcessStub(cpus = 4, memorySize = 16 << 20): Promise<InProcessStub> {
  let target: MachineTarget | undefined;
  const log: string[] = [];
  const controller = new MachineController(
    { imageBytes: new Uint8Array(readFileSync(sampleElf)), boot: 'auto', cpus, memorySize, modules: [], seed: 1, serialIrqGate: 'none', stopOnEntry: false, traceEvents: [], rawOutput: () => {} },
    { stopped: (info) => target?.stopped(info), exited: (reason) => target?.exited(reason), output: () => {}, condition: () => true, logMessage: (t) => t },
  );
  const listener = await listenForGdb({
    host: '127.0.0.1',
    port: 0,
    log: (line) => log.push(line),
    attach: async () => {
      target = new MachineTarget(controller, { exitStatus: () => 0, mayControl: () => true, kill: () => {}, detached: () => {}, seed: 1, quantum: undefined });
      return target;
    },
  });
  return { controller, listener, log, close: () => listener.close().then(() => controller.terminate()) };
}
