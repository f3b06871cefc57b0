/**
 * ACPI fixed hardware at the PM base the FADT describes (ACPI 6.5 4.8):
 * PM1a event block (status, enable), PM1a control block and the 24/32-bit
 * PM timer at 3.579545 MHz, counted from virtual time.
 */
import type { PortDevice } from '../bus/io-bus';
import type { AccessSize } from '../memory/physical-memory';
import type { VirtualClock } from '../time/virtual-clock';
import { ACPI_PM_BASE } from '../firmware/platform-layout';
import { restoreOwnFields, saveOwnFields, type PlainObject } from '../machine/plain-state';

export const PM_TIMER_HZ = 3_579_545;
/** PM1 control SCI_EN: there is no SMI command port, so the machine is always in ACPI mode. */
const SCI_EN = 1;

/** PM timer ticks at virtual time `ns`, exact (no floating-point drift over long runs). */
export function pmTimerTicks(ns: number): number {
  const seconds = Math.floor(ns / 1e9);
  const rest = ns - seconds * 1e9;
  return (seconds * PM_TIMER_HZ + Math.floor((rest * PM_TIMER_HZ) / 1e9)) % 0x100000000;
}

export class AcpiPmPorts implements PortDevice {
  readonly name = 'acpi-pm';
  private status = 0;
  private enable = 0;
  private control = SCI_EN;

  constructor(private readonly clock: VirtualClock) {}

  /** All of the device's state as plain data (docs/snapshots.md). */
  save(): PlainObject {
    return saveOwnFields(this, ['name', 'clock']);
  }

  restore(state: PlainObject): void {
    restoreOwnFields(this, state);
  }

  readPort(port: number, size: AccessSize): number {
    const offset = port - ACPI_PM_BASE;
    let value: number;
    if (offset >= 8) value = pmTimerTicks(this.clock.now) >>> ((offset - 8) * 8);
    else if (offset >= 4) value = this.control >>> ((offset - 4) * 8);
    else if (offset >= 2) value = this.enable >>> ((offset - 2) * 8);
    else value = this.status >>> (offset * 8);
    const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    return (value & mask) >>> 0;
  }

  writePort(port: number, size: AccessSize, value: number): void {
    const offset = port - ACPI_PM_BASE;
    if (offset < 2) this.status &= ~value; // write 1 to clear
    else if (offset < 4) this.enable = value & 0xffff;
    else if (offset < 8) this.control = (value & 0xffff & ~0x2000) | SCI_EN; // SLP_EN reads as 0
    void size;
  }
}
