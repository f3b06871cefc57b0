/**
 * PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2)
 * on bus 0 of a machine that looks like QEMU's `pc` to a probing kernel: the
 * i440FX host bridge at 00.0 (8086:1237) and the PIIX3 PCI-to-ISA bridge at
 * 01.0 (8086:7000, multi-function). The disk is the legacy ATA channel and
 * the platform's other devices sit behind the ISA bridge, so no other
 * function is listed (QEMU's `pc` also shows IDE 01.1 and ACPI 01.3).
 *
 * CONFIG_ADDRESS at 0xCF8 takes dword accesses only; byte and word accesses
 * to 0xCF8-0xCFB are not decoded (they read all-ones, as in QEMU, so a
 * probe for mechanism #2 fails); 0xCF9 stays the reset control register.
 * CONFIG_DATA at 0xCFC-0xCFF takes any width at any of its byte offsets.
 */
import type { Port, PortDevice } from '../../bus/io-bus';
import type { AccessSize } from '../../memory/physical-memory';
import { createPciFunction, readConfigByte, writeConfigByte, type PciFunctionState } from './pci-function';

export const PCI_CONFIG_ADDRESS = 0xcf8;
export const PCI_CONFIG_DATA = 0xcfc;
const ENABLE = 0x80000000;

export interface PciHostBridgeState {
  /** CONFIG_ADDRESS as last written (bits 1:0 read back as written, reserved bits 30:24 too). */
  address: number;
  /** Functions by bus << 8 | device << 3 | function. */
  functions: Map<number, PciFunctionState>;
}

export function pcFunctions(): Map<number, PciFunctionState> {
  const functions = new Map<number, PciFunctionState>();
  // 82441FX PMC (i440FX), revision 2 as QEMU's; 0x50-0x7F device-specific (PAM, DRB, SMRAM) keep what is written.
  functions.set(0x00, createPciFunction('00.0 i440FX host bridge', { vendorId: 0x8086, deviceId: 0x1237, revision: 0x02, classCode: 0x060000, headerType: 0x00, subsystemVendorId: 0x1af4, subsystemId: 0x1100 }, [[0x50, 0x7f]]));
  // 82371SB PIIX3 function 0 (ISA bridge); PIRQ routing 0x60-0x63 starts disabled (bit 7), 0x40-0xFF writable.
  const isa = createPciFunction('01.0 PIIX3 ISA bridge', { vendorId: 0x8086, deviceId: 0x7000, revision: 0x00, classCode: 0x060100, headerType: 0x80, subsystemVendorId: 0x1af4, subsystemId: 0x1100 }, [[0x40, 0xff]]);
  for (let i = 0x60; i <= 0x63; i++) isa.config[i] = 0x80;
  functions.set(0x08, isa);
  return functions;
}

export class PciHostBridge implements PortDevice {
  readonly name = 'PCI host bridge (mechanism #1)';
  private state: PciHostBridgeState = { address: 0, functions: pcFunctions() };

  get functions(): ReadonlyMap<number, PciFunctionState> {
    return this.state.functions;
  }

  readPort(port: Port, size: AccessSize): number {
    if (port >= PCI_CONFIG_ADDRESS && port < PCI_CONFIG_DATA) return port === PCI_CONFIG_ADDRESS && size === 4 ? this.state.address >>> 0 : 0xffffffff;
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readData((port - PCI_CONFIG_DATA + i) & 3) << (8 * i);
    return value >>> 0;
  }

  writePort(port: Port, size: AccessSize, value: number): void {
    if (port >= PCI_CONFIG_ADDRESS && port < PCI_CONFIG_DATA) {
      if (port === PCI_CONFIG_ADDRESS && size === 4) this.state.address = value >>> 0;
      return;
    }
    for (let i = 0; i < size; i++) this.writeData((port - PCI_CONFIG_DATA + i) & 3, (value >>> (8 * i)) & 0xff);
  }

  /** The function and register CONFIG_ADDRESS selects, or undefined (disabled, another bus, nothing there). */
  private selected(byteInDword: number): { f: PciFunctionState; offset: number } | undefined {
    const a = this.state.address;
    if ((a & ENABLE) === 0) return undefined;
    const bus = (a >>> 16) & 0xff;
    if (bus !== 0) return undefined;
    const f = this.state.functions.get((a >>> 8) & 0xff);
    return f === undefined ? undefined : { f, offset: (a & 0xfc) | byteInDword };
  }

  private readData(byteInDword: number): number {
    const s = this.selected(byteInDword);
    // No device answers: master abort, all-ones (PCI 3.0 6.1).
    return s === undefined ? 0xff : readConfigByte(s.f, s.offset);
  }

  private writeData(byteInDword: number, value: number): void {
    const s = this.selected(byteInDword);
    if (s !== undefined) writeConfigByte(s.f, s.offset, value);
  }

  save(): { address: number; functions: [number, { name: string; config: number[]; writeMask: number[] }][] } {
    return { address: this.state.address, functions: [...this.state.functions].map(([k, f]) => [k, { name: f.name, config: [...f.config], writeMask: [...f.writeMask] }]) };
  }

  restore(saved: ReturnType<PciHostBridge['save']>): void {
    this.state = { address: saved.address, functions: new Map(saved.functions.map(([k, f]) => [k, { name: f.name, config: [...f.config], writeMask: [...f.writeMask] }])) };
  }
}
