/**
 * The PC/AT coprocessor error path: a vCPU's FERR# output (x87 exception
 * pending with CR0.NE = 0) drives ISA IRQ 13 through a latch, and a write
 * of any value to port F0h clears the latch (the handler's acknowledgement,
 * which also asserts IGNNE# on real boards). The line rises again on the
 * next FERR# assertion. One latch for the machine: on a PC every CPU's
 * FERR# is ORed onto IRQ 13 (the MP specification's "FERR# routing").
 */
import type { Port, PortDevice } from '../bus/io-bus';
import type { AccessSize } from '../memory/physical-memory';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const COPROCESSOR_CLEAR_PORT = 0xf0;
export const FERR_IRQ = 13;

export class CoprocessorErrorLatch implements PortDevice {
  readonly name = 'coprocessor error (FERR#/IRQ 13, port F0h)';
  /** vCPUs whose FERR# is asserted now. */
  private readonly asserting = new Set<number>();
  private latched = false;

  constructor(private readonly setIrq: (level: boolean) => void) {}

  /** All of the device's state as plain data (docs/snapshots.md). */
  save(): PlainObject {
    return saveOwnFields(this, ['name']);
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }

  /** A vCPU's FERR# changed (CpuPlatform.ferr). */
  ferr(cpu: number, asserted: boolean): void {
    const before = this.asserting.size > 0;
    if (asserted) this.asserting.add(cpu);
    else this.asserting.delete(cpu);
    const now = this.asserting.size > 0;
    if (now && !before) this.latched = true;
    if (!now) this.latched = false;
    this.setIrq(this.latched);
  }

  get irqLevel(): boolean {
    return this.latched;
  }

  readPort(_port: Port, size: AccessSize): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }

  writePort(): void {
    this.latched = false;
    this.setIrq(false);
  }
}
