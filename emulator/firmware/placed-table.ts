/** A firmware structure with the guest-physical address it is written to. */
export interface PlacedTable {
  /** Signature or short name ("RSDP", "APIC", "MP floating pointer"). */
  name: string;
  address: number;
  bytes: Uint8Array;
}

/** Bump allocation of table addresses inside one firmware area. */
export class AreaAllocator {
  private next: number;

  constructor(
    private readonly areaName: string,
    start: number,
    private readonly end: number,
  ) {
    this.next = start;
  }

  allocate(length: number, alignment: number): number {
    const address = Math.ceil(this.next / alignment) * alignment;
    if (address + length > this.end) {
      // The table sizes are bounded by the cpu count the machine accepts; overflowing is a firmware bug.
      throw new Error(`firmware area ${this.areaName} overflows: ${length} bytes at 0x${address.toString(16)} pass 0x${this.end.toString(16)}`);
    }
    this.next = address + length;
    return address;
  }
}
