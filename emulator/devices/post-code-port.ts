/**
 * Port 0x80, the POST diagnostic port: firmware writes progress codes there
 * and kernels write it for a short I/O delay (Linux's io_delay). It keeps
 * the last code written, which a debugger can show. Reads return all-ones,
 * as QEMU's write-only port does (a POST card latches writes, not reads).
 */
import type { Port, PortDevice } from '../bus/io-bus';
import type { AccessSize } from '../memory/physical-memory';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const POST_CODE_PORT = 0x80;

export class PostCodePort implements PortDevice {
  readonly name = 'POST code port';
  lastCode = 0;

  /** All of the device's state as plain data (docs/snapshots.md). */
  save(): PlainObject {
    return saveOwnFields(this, ['name']);
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }

  readPort(_port: Port, size: AccessSize): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }

  writePort(_port: Port, _size: AccessSize, value: number): void {
    this.lastCode = value & 0xff;
  }
}
