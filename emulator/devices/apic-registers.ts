/**
 * Local APIC register map and bit fields (SDM Vol. 3A 10.4.1 Table 10-1,
 * 10.12.1.2 Table 10-6 for the x2APIC MSR numbers = 0x800 + offset / 16).
 */

export const enum ApicReg {
  Id = 0x20,
  Version = 0x30,
  Tpr = 0x80,
  Apr = 0x90,
  Ppr = 0xa0,
  Eoi = 0xb0,
  Rrd = 0xc0,
  Ldr = 0xd0,
  Dfr = 0xe0,
  Svr = 0xf0,
  IsrBase = 0x100,
  TmrBase = 0x180,
  IrrBase = 0x200,
  Esr = 0x280,
  LvtCmci = 0x2f0,
  IcrLow = 0x300,
  IcrHigh = 0x310,
  LvtTimer = 0x320,
  LvtThermal = 0x330,
  LvtPerf = 0x340,
  LvtLint0 = 0x350,
  LvtLint1 = 0x360,
  LvtError = 0x370,
  TimerInitial = 0x380,
  TimerCurrent = 0x390,
  TimerDivide = 0x3e0,
  /** x2APIC only: MSR 0x83F. */
  SelfIpi = 0x3f0,
}

/** LVT slots in the order the state keeps them. */
export const enum Lvt {
  Cmci = 0,
  Timer = 1,
  Thermal = 2,
  Perf = 3,
  Lint0 = 4,
  Lint1 = 5,
  Error = 6,
}
export const LVT_NAMES = ['CMCI', 'timer', 'thermal', 'performance', 'LINT0', 'LINT1', 'error'] as const;
export const LVT_COUNT = 7;

export function lvtIndexOfOffset(offset: number): number {
  switch (offset) {
    case ApicReg.LvtCmci: return Lvt.Cmci;
    case ApicReg.LvtTimer: return Lvt.Timer;
    case ApicReg.LvtThermal: return Lvt.Thermal;
    case ApicReg.LvtPerf: return Lvt.Perf;
    case ApicReg.LvtLint0: return Lvt.Lint0;
    case ApicReg.LvtLint1: return Lvt.Lint1;
    case ApicReg.LvtError: return Lvt.Error;
    default: return -1;
  }
}

/** Writable bits of each LVT entry (SDM Figure 10-8); delivery status and remote IRR are read-only. */
export const LVT_WRITABLE = [
  0x107ff, // CMCI: vector, delivery mode, mask
  0x700ff, // timer: vector, mask, timer mode (17-18)
  0x107ff, // thermal
  0x107ff, // performance
  0x1a7ff, // LINT0: vector, delivery mode, polarity, trigger, mask
  0x1a7ff, // LINT1
  0x100ff, // error: vector, mask
] as const;

export const LVT_MASKED = 0x10000;
export const LVT_LEVEL_TRIGGER = 0x8000;
export const LVT_REMOTE_IRR = 0x4000;

/** Timer modes (LVT timer bits 18:17). */
export const TIMER_ONE_SHOT = 0;
export const TIMER_PERIODIC = 1;
export const TIMER_TSC_DEADLINE = 2;

/** Delivery modes (ICR, LVT and IO-APIC bits 10:8). */
export const enum DeliveryMode {
  Fixed = 0,
  LowestPriority = 1,
  Smi = 2,
  Reserved3 = 3,
  Nmi = 4,
  Init = 5,
  Startup = 6,
  ExtInt = 7,
}

/** SVR bits (SDM 10.9 Figure 10-23). */
export const SVR_APIC_ENABLED = 0x100;
export const SVR_FOCUS_DISABLED = 0x200;

/** ESR bits (SDM 10.5.3 Figure 10-9). */
export const ESR_SEND_ILLEGAL_VECTOR = 0x20;
export const ESR_RECEIVE_ILLEGAL_VECTOR = 0x40;
export const ESR_ILLEGAL_REGISTER = 0x80;

/** IA32_APIC_BASE bits (SDM 10.4.4 Figure 10-5). */
export const APIC_BASE_BSP = 0x100;
export const APIC_BASE_EXTD = 0x400;
export const APIC_BASE_ENABLE = 0x800;
export const APIC_BASE_ADDRESS_MASK = 0xfffff000;

export const MSR_IA32_APIC_BASE = 0x1b;
export const MSR_IA32_TSC_DEADLINE = 0x6e0;
export const MSR_X2APIC_FIRST = 0x800;
export const MSR_X2APIC_LAST = 0x8ff;

/** Version register: version 0x14 (integrated APIC), max LVT entry 6 (CMCI present), no EOI-broadcast suppression. */
export const APIC_VERSION_VALUE = 0x00060014;
