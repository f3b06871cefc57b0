/**
 * How a vCPU's state is named to the client: the architectural activity
 * (the emulator's `running` is the SDM's "active" state, so that nobody reads
 * it as the debugger's run state) and the DAP thread name.
 */
import type { Cpu } from '../emulator/cpu/cpu';
import type { ActivityState } from '../emulator/cpu/activity-state';
import type { ActivityName } from './custom-protocol';
import { cpuMode } from '../run-control/cpu-inspection';

export function activityName(activity: ActivityState): ActivityName {
  return activity === 'running' ? 'active' : activity;
}

/**
 * `vCPU 1 · APIC 1 · protected+paging`, `vCPU 2 · APIC 2 · wait-for-SIPI`, `vCPU 0 · BSP · real, halted`. The run
 * state is not in the name: the client fetches names at stops and shows each thread's run state itself.
 */
export function threadName(cpu: Cpu): string {
  const who = cpu.config.isBsp ? 'BSP' : `APIC ${cpu.config.apicId}`;
  const a = cpu.activity;
  const state = a === 'wait-for-sipi' ? 'wait-for-SIPI' : a === 'running' ? cpuMode(cpu) : a === 'halted' ? `${cpuMode(cpu)}, halted` : activityName(a);
  return `vCPU ${cpu.index} · ${who} · ${state}`;
}
