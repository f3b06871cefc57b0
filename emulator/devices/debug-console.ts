/**
 * The Bochs/QEMU debug console at port 0xE9: each byte written goes to the
 * host's output; a read returns 0xE9 so guests can detect the port.
 */
import type { AccessSize } from '../memory/physical-memory';
import type { PortDevice, Port } from '../bus/io-bus';

export const DEBUG_CONSOLE_PORT = 0xe9;

export class DebugConsole implements PortDevice {
  readonly name = 'debug console 0xE9';

  constructor(private readonly output: (byte: number) => void) {}

  readPort(_port: Port, _size: AccessSize): number {
    return DEBUG_CONSOLE_PORT;
  }

  writePort(_port: Port, size: AccessSize, value: number): void {
    // Wider writes send their low byte, as QEMU's implementation does.
    void size;
    this.output(value & 0xff);
  }
}
