/**
 * Bringup's DAP extensions: custom requests the extension's views send and
 * the custom event the adapter raises. Plain JSON shapes; documented in
 * docs/dap-extensions.md (keep the two in step). No VS Code or emulator
 * imports: both sides import these types.
 */

/**
 * The vCPU's architectural activity state (SDM Vol. 3C 25.4.2 names them active, HLT, shutdown, wait-for-SIPI).
 * `active` (executing instructions) was called `running` before; the debugger's run state is `VcpuSummary.runState`.
 */
export type ActivityName = 'not-started' | 'wait-for-sipi' | 'active' | 'halted' | 'shutdown';
/** Whether the debugger lets the vCPU run: all-stop, except a `continue` with `singleThread` runs one vCPU. */
export type RunStateName = 'stopped' | 'running';
export type CpuModeName = 'real' | 'v86' | 'protected' | 'protected+paging' | 'protected+pae';

/** `bringup/vcpus` → VcpusResponse */
export interface VcpuSummary {
  /** vCPU index = DAP thread id - 1. */
  index: number;
  threadId: number;
  apicId: number;
  isBsp: boolean;
  activity: ActivityName;
  runState: RunStateName;
  mode: CpuModeName;
  /** "0900:0000" in real mode, "0008:00101234" in protected mode. */
  csEip: string;
  /** Linear address of the next instruction. */
  linearEip: number;
  instructions: number;
  /** The last machine event on this vCPU, in words. */
  lastEvent?: string;
  /** General registers, EIP and EFLAGS by lower-case name (for hovers in the assembly language server). */
  registers?: Record<string, number>;
}
export interface VcpusResponse {
  vcpus: VcpuSummary[];
  /** Virtual time (ns). */
  time: number;
  running: boolean;
}

// `bringup/lapic` { vcpu } → LapicView, `bringup/ioapic` → IoApicView: the shapes run control decodes for every front end.
export type { IoApicEntryView, IoApicView, LapicView, LvtView } from '../run-control/apic-inspection';

/** `bringup/ipiLog` { since?: number } → IpiLogResponse; records have the shape of IpiRecord (emulator/devices/ipi-log.ts). */
export interface IpiLogResponse {
  records: unknown[];
  /** Pass as `since` next time to get only newer records. */
  next: number;
  /** Paravirtual startup events (registrations, starts, VCPU_UP, refusals, stale states) from `paravirtSince` (default 0). */
  paravirt: { seq: number; time: number; cpu: number | undefined; kind: string; apicId: number | undefined; summary: string }[];
  /** Pass as `paravirtSince` next time. */
  paravirtNext?: number;
}

/** `bringup/descriptorTable` { vcpu, table: 'gdt' | 'idt' | 'ldt' } → DescriptorTableView */
export interface DescriptorView {
  index: number;
  /** Selector (GDT/LDT) or vector (IDT). */
  selectorOrVector: number;
  raw: string;
  kind: string;
  base?: number;
  limit?: number;
  offset?: number;
  targetSelector?: number;
  dpl: number;
  present: boolean;
  flags: string;
  summary: string;
}
export interface DescriptorTableView {
  vcpu: number;
  table: 'gdt' | 'idt' | 'ldt';
  base: number;
  limit: number;
  entries: DescriptorView[];
}

/** `bringup/translate` { vcpu, address } → TranslationView */
export interface TranslationView {
  vcpu: number;
  linear: number;
  pagingMode: 'none' | '32-bit' | 'pae';
  steps: { level: string; entryAddress: number; entry: string; decoded: string }[];
  physical?: number;
  fault?: string;
}

/** `bringup/pvStartupState` { vcpu } → PvStartupStateView */
export interface PvStartupStateView {
  vcpu: number;
  apicId: number;
  registered: boolean;
  fields: { name: string; value: string }[];
  problems: string[];
}

/** `bringup/registerSnapshot` { vcpu } → { text } (the same dump `bringup run` prints on a triple fault). */
export interface RegisterSnapshotResponse {
  text: string;
}

/**
 * `bringup/screen` → ScreenView: the VGA text screen now (emulator/devices/vga/text-screen.ts).
 * `lines[r]` has exactly `columns` characters (CP437 mapped to Unicode, blanks kept) so that
 * `attributes[r * columns + c]` belongs to `lines[r][c]`.
 */
export interface ScreenView {
  columns: number;
  rows: number;
  /** Physical address of the first cell shown. */
  address: number;
  lines: string[];
  /** Attribute byte per cell, row-major: bits 0-3 foreground, 4-6 background, 7 blink (or bright background when `blink` is false). */
  attributes: number[];
  cursor: { row: number; column: number; visible: boolean; startScanLine: number; endScanLine: number };
  /** The 16 text colours as "#rrggbb" as the attribute controller and DAC map them. */
  palette: string[];
  blink: boolean;
}

/** Event `bringup/stateChanged`: sent on every stop and, throttled, while running. */
export interface StateChangedEvent {
  reason: 'stopped' | 'running' | 'exited';
  time: number;
  /** IPI log length now (so a view knows whether to fetch). */
  ipiCount: number;
}

/** `bringup/focusThread` { vcpu }: the adapter sends a `stopped` event (reason "focus", all threads stopped) for that vCPU's thread so the client focuses it. Only while stopped. */

export const CUSTOM_REQUESTS = ['bringup/vcpus', 'bringup/lapic', 'bringup/ioapic', 'bringup/ipiLog', 'bringup/descriptorTable', 'bringup/translate', 'bringup/pvStartupState', 'bringup/registerSnapshot', 'bringup/focusThread', 'bringup/screen'] as const;
export const STATE_CHANGED_EVENT = 'bringup/stateChanged';
