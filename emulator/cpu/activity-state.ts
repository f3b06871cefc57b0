/**
 * Processor activity states as the bring-up path sees them.
 * SDM Vol. 3A 8.4 (MP initialization) and 10.6.1 (INIT/STARTUP delivery):
 * after power-up or INIT an AP waits for a STARTUP IPI; HLT leaves a CPU
 * halted until an interrupt; a triple fault is shutdown.
 */
export type ActivityState = 'not-started' | 'wait-for-sipi' | 'running' | 'halted' | 'shutdown';
