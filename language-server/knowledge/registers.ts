/**
 * x86 register names and sizes (SDM Vol. 1 3.4, 3.7.2.1 for the REX-only
 * registers that exist in 64-bit mode only).
 */
import type { Bits } from '../model';

export interface RegisterInfo {
  name: string;
  /** Width in bits; 0 for segment/control/debug registers (not general-purpose). */
  size: 0 | 8 | 16 | 32 | 64;
  kind: 'gpr' | 'segment' | 'control' | 'debug' | 'ip' | 'flags';
  /** Encodable only in 64-bit mode (REX prefix registers, RAX..., SPL...). */
  only64: boolean;
  /** The 32-bit register it is part of, for showing run-time values (al → eax). */
  container?: string;
  /** Bit offset inside the container (8 for AH...). */
  shift?: number;
}

const REGISTERS = new Map<string, RegisterInfo>();

function add(info: RegisterInfo): void {
  REGISTERS.set(info.name, info);
}

for (const r of ['a', 'b', 'c', 'd']) {
  add({ name: `${r}l`, size: 8, kind: 'gpr', only64: false, container: `e${r}x`, shift: 0 });
  add({ name: `${r}h`, size: 8, kind: 'gpr', only64: false, container: `e${r}x`, shift: 8 });
  add({ name: `${r}x`, size: 16, kind: 'gpr', only64: false, container: `e${r}x`, shift: 0 });
  add({ name: `e${r}x`, size: 32, kind: 'gpr', only64: false });
  add({ name: `r${r}x`, size: 64, kind: 'gpr', only64: true });
}
for (const r of ['si', 'di', 'sp', 'bp']) {
  add({ name: `${r}l`, size: 8, kind: 'gpr', only64: true });
  add({ name: r, size: 16, kind: 'gpr', only64: false, container: `e${r}`, shift: 0 });
  add({ name: `e${r}`, size: 32, kind: 'gpr', only64: false });
  add({ name: `r${r}`, size: 64, kind: 'gpr', only64: true });
}
for (let n = 8; n < 16; n++) {
  add({ name: `r${n}`, size: 64, kind: 'gpr', only64: true });
  add({ name: `r${n}d`, size: 32, kind: 'gpr', only64: true });
  add({ name: `r${n}w`, size: 16, kind: 'gpr', only64: true });
  add({ name: `r${n}b`, size: 8, kind: 'gpr', only64: true });
  add({ name: `r${n}l`, size: 8, kind: 'gpr', only64: true });
}
for (const s of ['cs', 'ds', 'es', 'fs', 'gs', 'ss']) add({ name: s, size: 0, kind: 'segment', only64: false });
for (const c of [0, 2, 3, 4, 8]) add({ name: `cr${c}`, size: 0, kind: 'control', only64: c === 8 });
for (const d of [0, 1, 2, 3, 6, 7]) add({ name: `dr${d}`, size: 0, kind: 'debug', only64: false });
add({ name: 'eip', size: 32, kind: 'ip', only64: false });
add({ name: 'ip', size: 16, kind: 'ip', only64: false, container: 'eip', shift: 0 });
add({ name: 'rip', size: 64, kind: 'ip', only64: true });
add({ name: 'eflags', size: 32, kind: 'flags', only64: false });

/** Look a register up by name (case-insensitive; a GAS `%` prefix is accepted). */
export function registerInfo(name: string): RegisterInfo | undefined {
  return REGISTERS.get(name.toLowerCase().replace(/^%/, ''));
}

export function allRegisters(): RegisterInfo[] {
  return [...REGISTERS.values()];
}

/** Registers that can be named in code of this bitness (completion lists). */
export function registersFor(bits: Bits): RegisterInfo[] {
  return allRegisters().filter((r) => (bits === 64 || !r.only64) && r.kind !== 'flags' && r.kind !== 'ip');
}
