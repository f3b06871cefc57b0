/**
 * Debug-register breakpoints (SDM Vol. 3A 17.2): instruction breakpoints
 * are checked before each instruction while DR7 enables any; data
 * breakpoints are not checked on data accesses.
 */
import type { Cpu } from './cpu';

/** True (and DR6.Bn set) when an enabled DR0-3 execute breakpoint matches the linear address. */
export function checkDebugBreakpoints(cpu: Cpu, linear: number): boolean {
  const dr = cpu.state.dr;
  const dr7 = dr[7];
  let hit = 0;
  for (let i = 0; i < 4; i++) {
    if (((dr7 >>> (i * 2)) & 3) === 0) continue;
    const rw = (dr7 >>> (16 + i * 4)) & 3;
    if (rw !== 0) continue; // data and I/O breakpoints: see file comment
    if (dr[i] >>> 0 === linear >>> 0) hit |= 1 << i;
  }
  if (hit === 0) return false;
  dr[6] = (dr[6] & ~0xf) | hit | 0xffff0ff0;
  return true;
}
