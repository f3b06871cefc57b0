/**
 * CPUID (SDM Vol. 2A "CPUID"): a configurable identity whose feature bits
 * describe only what this core and its platform emulate.
 */
export interface CpuidConfig {
  /** 12-character vendor string (leaf 0 EBX:EDX:ECX). */
  vendor: string;
  family: number;
  model: number;
  stepping: number;
  /** Leaf 1 EDX feature bits. */
  features: number;
  /** Leaf 1 ECX feature bits. */
  featuresEcx: number;
  /** 48-character brand string (leaves 0x80000002-4). */
  brand: string;
  /** Logical processors per package reported in leaf 1 EBX[23:16]. */
  logicalProcessors: number;
}

/** Leaf 1 EDX bits (SDM Vol. 2A Table 3-11). */
export const CPUID_EDX_FPU = 1 << 0;
export const CPUID_EDX_VME = 1 << 1;
export const CPUID_EDX_DE = 1 << 2;
export const CPUID_EDX_PSE = 1 << 3;
export const CPUID_EDX_TSC = 1 << 4;
export const CPUID_EDX_MSR = 1 << 5;
export const CPUID_EDX_PAE = 1 << 6;
export const CPUID_EDX_CX8 = 1 << 8;
export const CPUID_EDX_APIC = 1 << 9;
export const CPUID_EDX_SEP = 1 << 11;
export const CPUID_EDX_PGE = 1 << 13;
export const CPUID_EDX_CMOV = 1 << 15;
export const CPUID_EDX_FXSR = 1 << 24;
export const CPUID_EDX_HTT = 1 << 28;
/** Leaf 1 ECX bits (SDM Vol. 2A Table 3-10). */
export const CPUID_ECX_X2APIC = 1 << 21;
export const CPUID_ECX_HYPERVISOR = 1 << 31;

export const DEFAULT_CPUID: CpuidConfig = {
  vendor: 'GenuineIntel',
  family: 6,
  model: 0x0f,
  stepping: 1,
  features:
    CPUID_EDX_FPU | CPUID_EDX_DE | CPUID_EDX_PSE | CPUID_EDX_TSC | CPUID_EDX_MSR | CPUID_EDX_PAE | CPUID_EDX_CX8 |
    CPUID_EDX_APIC | CPUID_EDX_SEP | CPUID_EDX_PGE | CPUID_EDX_CMOV | CPUID_EDX_FXSR | CPUID_EDX_HTT,
  featuresEcx: CPUID_ECX_X2APIC | CPUID_ECX_HYPERVISOR,
  brand: 'Bringup virtual x86 CPU',
  logicalProcessors: 1,
};

/** Processor signature as in CPUID.1:EAX and EDX after reset (SDM Vol. 3A 9.1.4). */
export function processorSignature(c: CpuidConfig): number {
  const family = Math.min(c.family, 0xf);
  const extFamily = c.family > 0xf ? c.family - 0xf : 0;
  return ((extFamily << 20) | (((c.model >> 4) & 0xf) << 16) | (family << 8) | ((c.model & 0xf) << 4) | (c.stepping & 0xf)) >>> 0;
}

function packString(s: string, offset: number): number {
  let v = 0;
  for (let i = 0; i < 4; i++) v |= (s.charCodeAt(offset + i) & 0xff) << (8 * i);
  return v >>> 0;
}

/**
 * Output [EAX, EBX, ECX, EDX] for a leaf. Leaves above the maximum return the
 * highest basic leaf's data, as Intel processors do (SDM Vol. 2A CPUID note).
 */
export function cpuidLeaf(c: CpuidConfig, apicId: number, leaf: number, subleaf: number): [number, number, number, number] {
  leaf >>>= 0;
  const maxBasic = 1;
  const maxExtended = 0x80000004;
  if (leaf >= 0x80000000) {
    if (leaf > maxExtended) leaf = maxBasic;
  } else if (leaf > maxBasic) leaf = maxBasic;
  const vendor = c.vendor.padEnd(12, ' ');
  const brand = c.brand.padEnd(48, '\0').slice(0, 48);
  void subleaf;
  switch (leaf) {
    case 0:
      return [maxBasic, packString(vendor, 0), packString(vendor, 8), packString(vendor, 4)];
    case 1:
      return [
        processorSignature(c),
        (((apicId & 0xff) << 24) | ((c.logicalProcessors & 0xff) << 16) | (8 << 8)) >>> 0, // CLFLUSH line 8*8 bytes
        c.featuresEcx >>> 0,
        c.features >>> 0,
      ];
    case 0x80000000:
      return [maxExtended, 0, 0, 0];
    case 0x80000001:
      return [0, 0, 0, 0];
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const o = (leaf - 0x80000002) * 16;
      return [packString(brand, o), packString(brand, o + 4), packString(brand, o + 8), packString(brand, o + 12)];
    }
    default:
      return [0, 0, 0, 0];
  }
}
