/**
 * One PCI function's 256-byte configuration space (PCI Local Bus
 * Specification 3.0, 6.1 "Configuration Space Organization") as plain data:
 * the bytes and, per byte, which bits a write may change. Read-only fields
 * (IDs, class code, header type) keep their values whatever is written.
 */

export interface PciFunctionIdentity {
  vendorId: number;
  deviceId: number;
  revision: number;
  /** Class code: base class << 16 | subclass << 8 | programming interface. */
  classCode: number;
  /** Header type byte; bit 7 = multi-function device. */
  headerType: number;
  subsystemVendorId?: number;
  subsystemId?: number;
}

export interface PciFunctionState {
  name: string;
  config: number[];
  writeMask: number[];
}

// Standard header offsets (PCI 3.0 Figure 6-1).
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION = 0x08;
export const PCI_CLASS = 0x09;
export const PCI_CACHE_LINE = 0x0c;
export const PCI_LATENCY = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_INTERRUPT_LINE = 0x3c;

/** Command register bits software may set on these bridges: I/O, memory, bus master, parity error response, SERR#. */
const COMMAND_WRITABLE = 0x0147;

export function createPciFunction(name: string, id: PciFunctionIdentity, writableRanges: [number, number][] = []): PciFunctionState {
  const config = new Array<number>(256).fill(0);
  const writeMask = new Array<number>(256).fill(0);
  const put16 = (offset: number, value: number): void => {
    config[offset] = value & 0xff;
    config[offset + 1] = (value >> 8) & 0xff;
  };
  put16(PCI_VENDOR_ID, id.vendorId);
  put16(PCI_DEVICE_ID, id.deviceId);
  config[PCI_REVISION] = id.revision;
  config[PCI_CLASS] = id.classCode & 0xff;
  config[PCI_CLASS + 1] = (id.classCode >> 8) & 0xff;
  config[PCI_CLASS + 2] = (id.classCode >> 16) & 0xff;
  config[PCI_HEADER_TYPE] = id.headerType;
  if (id.subsystemVendorId !== undefined) put16(PCI_SUBSYSTEM_VENDOR_ID, id.subsystemVendorId);
  if (id.subsystemId !== undefined) put16(PCI_SUBSYSTEM_VENDOR_ID + 2, id.subsystemId);
  writeMask[PCI_COMMAND] = COMMAND_WRITABLE & 0xff;
  writeMask[PCI_COMMAND + 1] = COMMAND_WRITABLE >> 8;
  writeMask[PCI_CACHE_LINE] = 0xff;
  writeMask[PCI_LATENCY] = 0xff;
  writeMask[PCI_INTERRUPT_LINE] = 0xff;
  for (const [from, to] of writableRanges) for (let i = from; i <= to; i++) writeMask[i] = 0xff;
  return { name, config, writeMask };
}

export function readConfigByte(f: PciFunctionState, offset: number): number {
  return f.config[offset & 0xff];
}

export function writeConfigByte(f: PciFunctionState, offset: number, value: number): void {
  const i = offset & 0xff;
  f.config[i] = (f.config[i] & ~f.writeMask[i]) | (value & f.writeMask[i]);
}
