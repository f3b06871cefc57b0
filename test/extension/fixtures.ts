/**
 * Adapter responses for the view-model tests. `recorded()` loads real
 * responses captured by test/extension/record.ts from the debug adapter
 * running the test guest (smp-sipi.bin, 4 vCPUs) and the smp-demo sample.
 * HAND-BUILT data is marked as such below and used only where the adapter
 * does not produce the case yet (paravirtual timeline entries).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IpiLogResponse } from '../../debug-adapter/custom-protocol';

export function recorded<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, 'recorded', `${name}.json`), 'utf8')) as T;
}

/**
 * HAND-BUILT (not recorded): the adapter's `bringup/ipiLog` returns an empty
 * `paravirt` list so far. Shapes follow IpiLogResponse in
 * debug-adapter/custom-protocol.ts; the kinds and summaries imitate the
 * paravirt docs (SET_AP_STARTUP_STATE, VCPU_UP, refusal, stale state).
 */
export const HAND_BUILT_PARAVIRT: IpiLogResponse['paravirt'] = [
  { seq: 0, time: 5_000_000, cpu: 0, kind: 'startup-state-registered', apicId: 1, summary: 'vCPU 0 registered a startup state for APIC 1: CS 0x08 EIP 0x00101de9 GS base 0x00109c60' },
  { seq: 1, time: 5_100_000, cpu: 0, kind: 'vcpu-up', apicId: 2, summary: 'vCPU 0 asked VCPU_UP for APIC 2' },
  { seq: 2, time: 5_200_000, cpu: undefined, kind: 'refused', apicId: 3, summary: 'VCPU_UP refused for APIC 3: already running (-16)' },
  { seq: 3, time: 5_300_000, cpu: 2, kind: 'stale-state', apicId: 2, summary: 'APIC 2 started from a state whose GS selector 0x18 no longer matches the GDT' },
];
