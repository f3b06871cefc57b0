/**
 * The I/O port space (64 Ki ports). Devices claim port ranges; unclaimed
 * ports read all-ones and ignore writes, as on an ISA bus with nothing there.
 */
import type { AccessSize } from '../memory/physical-memory';

export type Port = number; // 0..0xFFFF

export interface PortDevice {
  readonly name: string;
  /** Called with the port as the guest addressed it and the access width. */
  readPort(port: Port, size: AccessSize): number;
  writePort(port: Port, size: AccessSize, value: number): void;
}

export interface PortAccess {
  port: Port;
  size: AccessSize;
  write: boolean;
  value: number;
  device: string | undefined;
}

export class IoBus {
  private readonly devices: (PortDevice | undefined)[] = new Array<PortDevice | undefined>(0x10000).fill(undefined);
  /** Observers of every access (tracing, port-I/O breakpoints). Empty on the fast path. */
  readonly observers: ((access: PortAccess) => void)[] = [];
  /** Called for an access to a port no device claims (the machine reports each such port once). */
  onUnclaimed: ((port: Port, size: AccessSize, write: boolean) => void) | undefined;

  register(first: Port, count: number, device: PortDevice): void {
    for (let port = first; port < first + count; port++) {
      const existing = this.devices[port];
      if (existing !== undefined) throw new Error(`port 0x${port.toString(16)} claimed by ${existing.name} and ${device.name}`);
      this.devices[port] = device;
    }
  }

  deviceAt(port: Port): PortDevice | undefined {
    return this.devices[port & 0xffff];
  }

  read(port: Port, size: AccessSize): number {
    port &= 0xffff;
    const device = this.devices[port];
    if (device === undefined) this.onUnclaimed?.(port, size, false);
    const value = device === undefined ? allOnes(size) : device.readPort(port, size) & allOnes(size);
    if (this.observers.length > 0) this.notify({ port, size, write: false, value: value >>> 0, device: device?.name });
    return value >>> 0;
  }

  write(port: Port, size: AccessSize, value: number): void {
    port &= 0xffff;
    value &= allOnes(size);
    const device = this.devices[port];
    if (device !== undefined) device.writePort(port, size, value >>> 0);
    else this.onUnclaimed?.(port, size, true);
    if (this.observers.length > 0) this.notify({ port, size, write: true, value: value >>> 0, device: device?.name });
  }

  private notify(access: PortAccess): void {
    for (const observer of this.observers) observer(access);
  }
}

export function allOnes(size: AccessSize): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}
