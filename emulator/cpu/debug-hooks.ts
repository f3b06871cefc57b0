/**
 * What a debugger attaches to the cores: instruction breakpoints by linear
 * address and watchpoints on linear ranges. One table is shared by every
 * vCPU. The fast path costs one typed-array load per instruction (is there
 * any breakpoint in this 4 KiB linear page?) and one field test per memory
 * access (is any watchpoint set?), so breakpoints that are never hit do not
 * slow the guest down.
 */

export type WatchKind = 'read' | 'write' | 'readWrite';

export interface Watchpoint {
  id: number;
  /** Linear address (or physical, when `physical` is set). */
  address: number;
  size: number;
  kind: WatchKind;
  physical: boolean;
  /** Only this vCPU triggers it, when set. */
  cpu?: number;
}

/** A watchpoint access as it happened. */
export interface WatchHit {
  watchpoint: Watchpoint;
  cpu: number;
  access: 'read' | 'write';
  address: number;
  size: number;
  /** Value of the watched bytes before the access (little-endian number of `size` bytes, size <= 4). */
  oldValue: number;
  /** Value after a write (the value read, for reads). */
  newValue: number;
  /** EIP of the instruction that accessed it. */
  eip: number;
}

export class DebugHookTable {
  /** Breakpoint count per linear 4 KiB page. */
  readonly breakpointPages = new Uint16Array(1 << 20);
  private readonly breakpoints = new Set<number>();
  watchpoints: Watchpoint[] = [];
  /** Set by a core when a watchpoint triggers; the debugger consumes it. */
  lastWatchHit: WatchHit | undefined;
  /** Called when a core stops on a breakpoint or watchpoint (the debugger stops the whole machine). */
  onStop: ((cpu: number) => void) | undefined;

  setBreakpoints(addresses: Iterable<number>): void {
    for (const a of this.breakpoints) this.breakpointPages[a >>> 12]--;
    this.breakpoints.clear();
    for (const a of addresses) {
      const lin = a >>> 0;
      if (this.breakpoints.has(lin)) continue;
      this.breakpoints.add(lin);
      this.breakpointPages[lin >>> 12]++;
    }
  }

  /**
   * Breakpoints on physical addresses (code that runs at several linear
   * addresses, or before paging is set up). Only when some are set does each
   * instruction pay for a side-effect-free translation of its address.
   */
  private readonly physical = new Set<number>();
  get physicalBreakpointCount(): number {
    return this.physical.size;
  }
  setPhysicalBreakpoints(addresses: Iterable<number>): void {
    this.physical.clear();
    for (const a of addresses) this.physical.add(a >>> 0);
  }
  hasPhysicalBreakpoint(physical: number): boolean {
    return physical >= 0 && this.physical.has(physical);
  }

  hasBreakpoint(linear: number): boolean {
    return this.breakpointPages[linear >>> 12] !== 0 && this.breakpoints.has(linear);
  }

  get breakpointCount(): number {
    return this.breakpoints.size;
  }
}
