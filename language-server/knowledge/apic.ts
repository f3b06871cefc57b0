/**
 * Local APIC register names by MMIO offset, from the emulator's register
 * map (emulator/devices/apic-registers.ts; SDM Vol. 3A 10.4.1 Table 10-1).
 */
import { ApicReg } from '../../emulator/devices/apic-registers';

export const DEFAULT_APIC_BASE = 0xfee00000; // SDM Vol. 3A 10.4.1: after reset

const NAMES: ReadonlyArray<readonly [number, string, string]> = [
  [ApicReg.Id, 'ID', 'Local APIC ID'],
  [ApicReg.Version, 'Version', 'Local APIC version and max LVT entry'],
  [ApicReg.Tpr, 'TPR', 'Task Priority Register'],
  [ApicReg.Apr, 'APR', 'Arbitration Priority Register'],
  [ApicReg.Ppr, 'PPR', 'Processor Priority Register'],
  [ApicReg.Eoi, 'EOI', 'End Of Interrupt (write 0)'],
  [ApicReg.Rrd, 'RRD', 'Remote Read Register'],
  [ApicReg.Ldr, 'LDR', 'Logical Destination Register'],
  [ApicReg.Dfr, 'DFR', 'Destination Format Register'],
  [ApicReg.Svr, 'SVR', 'Spurious Interrupt Vector Register (bit 8: APIC software enable)'],
  [ApicReg.Esr, 'ESR', 'Error Status Register'],
  [ApicReg.LvtCmci, 'LVT CMCI', 'LVT Corrected Machine Check Interrupt'],
  [ApicReg.IcrLow, 'ICR low', 'Interrupt Command Register bits 31:0 (writing it sends the IPI: vector, delivery mode, level, shorthand)'],
  [ApicReg.IcrHigh, 'ICR high', 'Interrupt Command Register bits 63:32 (destination in bits 31:24)'],
  [ApicReg.LvtTimer, 'LVT Timer', 'LVT Timer (vector, mask, one-shot/periodic/TSC-deadline)'],
  [ApicReg.LvtThermal, 'LVT Thermal', 'LVT Thermal Sensor'],
  [ApicReg.LvtPerf, 'LVT Perf', 'LVT Performance Monitoring Counters'],
  [ApicReg.LvtLint0, 'LVT LINT0', 'LVT LINT0 pin'],
  [ApicReg.LvtLint1, 'LVT LINT1', 'LVT LINT1 pin'],
  [ApicReg.LvtError, 'LVT Error', 'LVT Error'],
  [ApicReg.TimerInitial, 'Timer Initial Count', 'Initial Count register (timer)'],
  [ApicReg.TimerCurrent, 'Timer Current Count', 'Current Count register (timer)'],
  [ApicReg.TimerDivide, 'Timer Divide', 'Divide Configuration register (timer)'],
];

export interface ApicRegisterInfo {
  offset: number;
  name: string;
  meaning: string;
}

export function apicRegister(offset: number): ApicRegisterInfo | undefined {
  for (const [o, name, meaning] of NAMES) if (o === offset) return { offset, name, meaning };
  for (const [base, name] of [[ApicReg.IsrBase, 'ISR'], [ApicReg.TmrBase, 'TMR'], [ApicReg.IrrBase, 'IRR']] as const) {
    if (offset >= base && offset < base + 0x80 && (offset & 0xf) === 0) {
      const k = (offset - base) >> 4;
      return { offset, name: `${name}[${k}]`, meaning: `${name} bits ${k * 32 + 31}:${k * 32}` };
    }
  }
  return undefined;
}

/** ICR low fields (SDM Vol. 3A 10.6.1 Figure 10-12). */
export function decodeIcrLow(value: number): string {
  const modes = ['Fixed', 'Lowest Priority', 'SMI', 'Reserved', 'NMI', 'INIT', 'Start-Up', 'Reserved'];
  const shorthands = ['no shorthand', 'self', 'all including self', 'all excluding self'];
  const mode = (value >> 8) & 7;
  const parts = [`vector 0x${(value & 0xff).toString(16)}`, `delivery ${modes[mode]}`, `${(value >> 11) & 1 ? 'logical' : 'physical'} destination`, `level ${(value >> 14) & 1 ? 'assert' : 'de-assert'}`, `${(value >> 15) & 1 ? 'level' : 'edge'} trigger`, shorthands[(value >> 18) & 3]];
  if (mode === 6) parts.push(`start-up at 0x${((value & 0xff) << 12).toString(16)}`);
  return parts.join(', ');
}
