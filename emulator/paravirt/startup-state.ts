/**
 * The AP startup state structure, layout version 1: a register map the guest
 * writes to memory and passes to SET_AP_STARTUP_STATE or VCPU_UP. The field
 * table below is the layout (docs/paravirt.md reproduces it); decode and
 * encode are both driven by it so they cannot disagree.
 */
import type { PhysicalMemory } from '../memory/physical-memory';

export const STARTUP_STATE_VERSION = 1;

export interface StartupState {
  version: number;
  /** Reserved in version 1; must be 0. */
  flags: number;
  cr0: number;
  cr3: number;
  cr4: number;
  /** IA32_EFER, low 32 bits. */
  efer: number;
  gdtrBase: number;
  gdtrLimit: number;
  idtrLimit: number;
  idtrBase: number;
  ldtr: number;
  tr: number;
  cs: number;
  ss: number;
  ds: number;
  es: number;
  fs: number;
  gs: number;
  eip: number;
  esp: number;
  eflags: number;
  eax: number;
  ecx: number;
  edx: number;
  ebx: number;
  ebp: number;
  esi: number;
  edi: number;
}

export type StartupStateField = keyof StartupState;

/** [field, byte offset, size in bytes]; little-endian. */
export const STARTUP_STATE_LAYOUT: readonly (readonly [StartupStateField, number, 2 | 4])[] = [
  ['version', 0x00, 4],
  ['flags', 0x04, 4],
  ['cr0', 0x08, 4],
  ['cr3', 0x0c, 4],
  ['cr4', 0x10, 4],
  ['efer', 0x14, 4],
  ['gdtrBase', 0x18, 4],
  ['gdtrLimit', 0x1c, 2],
  ['idtrLimit', 0x1e, 2],
  ['idtrBase', 0x20, 4],
  ['ldtr', 0x24, 2],
  ['tr', 0x26, 2],
  ['cs', 0x28, 2],
  ['ss', 0x2a, 2],
  ['ds', 0x2c, 2],
  ['es', 0x2e, 2],
  ['fs', 0x30, 2],
  ['gs', 0x32, 2],
  ['eip', 0x34, 4],
  ['esp', 0x38, 4],
  ['eflags', 0x3c, 4],
  ['eax', 0x40, 4],
  ['ecx', 0x44, 4],
  ['edx', 0x48, 4],
  ['ebx', 0x4c, 4],
  ['ebp', 0x50, 4],
  ['esi', 0x54, 4],
  ['edi', 0x58, 4],
];

export const STARTUP_STATE_SIZE = 0x5c;

export type DecodeResult = { ok: true; state: StartupState } | { ok: false; reason: string };

/** True when [address, address+length) is RAM throughout (no MMIO, not beyond RAM). */
export function rangeIsRam(memory: PhysicalMemory, address: number, length: number): boolean {
  if (address < 0 || address + length > 0x1_0000_0000) return false;
  for (let page = address - (address % 4096); page < address + length; page += 4096) {
    if (!memory.isRam(Math.max(page, address))) return false;
  }
  return true;
}

/** Read the structure at a guest-physical address (the version is checked by validation, not here). */
export function decodeStartupState(memory: PhysicalMemory, address: number): DecodeResult {
  if (!rangeIsRam(memory, address, STARTUP_STATE_SIZE)) {
    return { ok: false, reason: `state_ptr 0x${address.toString(16)}: the ${STARTUP_STATE_SIZE}-byte structure is not entirely in RAM` };
  }
  const state = {} as StartupState;
  for (const [field, offset, size] of STARTUP_STATE_LAYOUT) state[field] = size === 2 ? memory.read16(address + offset) : memory.read32(address + offset);
  return { ok: true, state };
}

/** Serialize (tests, and guests built by the test suite). Missing fields are 0, version defaults to 1. */
export function encodeStartupState(fields: Partial<StartupState>): Uint8Array {
  const bytes = new Uint8Array(STARTUP_STATE_SIZE);
  const view = new DataView(bytes.buffer);
  const state: Partial<StartupState> = { version: STARTUP_STATE_VERSION, ...fields };
  for (const [field, offset, size] of STARTUP_STATE_LAYOUT) {
    const value = state[field] ?? 0;
    if (size === 2) view.setUint16(offset, value & 0xffff, true);
    else view.setUint32(offset, value >>> 0, true);
  }
  return bytes;
}
