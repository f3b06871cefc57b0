/**
 * QEMU's isa-debug-exit device at port 0xF4 (as configured with
 * `-device isa-debug-exit,iobase=0xf4,iosize=0x04`): a write of v ends the
 * run with exit status (v << 1) | 1, so the status is always odd and never
 * collides with the runner's own codes (0, 2, 64, 124).
 */
import type { AccessSize } from '../memory/physical-memory';
import type { PortDevice, Port } from '../bus/io-bus';

export const ISA_DEBUG_EXIT_PORT = 0xf4;
export const ISA_DEBUG_EXIT_SIZE = 4;

export function debugExitStatus(value: number): number {
  return ((value << 1) | 1) >>> 0;
}

export class IsaDebugExit implements PortDevice {
  readonly name = 'isa-debug-exit';

  constructor(private readonly requestExit: (value: number) => void) {}

  readPort(_port: Port, _size: AccessSize): number {
    return 0xffffffff;
  }

  writePort(_port: Port, _size: AccessSize, value: number): void {
    this.requestExit(value >>> 0);
  }
}
