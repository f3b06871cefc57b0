/**
 * Model-specific registers the core owns (SDM Vol. 4, Table 2-2 architectural
 * MSRs). Platform MsrDevices (the LAPIC's IA32_APIC_BASE and x2APIC range)
 * are consulted first; unknown MSRs return undefined / false and the
 * instruction raises #GP(0).
 */
import type { Cpu } from './cpu';

export const MSR_TSC = 0x10;
export const MSR_APIC_BASE = 0x1b;
export const MSR_BIOS_SIGN_ID = 0x8b;
export const MSR_SYSENTER_CS = 0x174;
export const MSR_SYSENTER_ESP = 0x175;
export const MSR_SYSENTER_EIP = 0x176;
export const MSR_MISC_ENABLE = 0x1a0;
export const MSR_PAT = 0x277;
export const MSR_EFER = 0xc0000080;

/** EFER.NXE is the only EFER bit this 32-bit core implements (no SYSCALL, no long mode). */
const EFER_WRITABLE = 0x800;

export function readMsr(cpu: Cpu, index: number): bigint | undefined {
  index >>>= 0;
  for (const device of cpu.platform.msrDevices) {
    if (device.handlesMsr(index)) return device.readMsr(index);
  }
  switch (index) {
    case MSR_TSC:
      return BigInt.asUintN(64, cpu.readTsc());
    case MSR_APIC_BASE:
      // No APIC device attached: report the architectural default, enabled, BSP flag per config.
      return BigInt(0xfee00000 | 0x800 | (cpu.config.isBsp ? 0x100 : 0));
    case MSR_BIOS_SIGN_ID:
      return 0n;
    case MSR_SYSENTER_CS:
      return BigInt(cpu.sysenterCs);
    case MSR_SYSENTER_ESP:
      return BigInt(cpu.sysenterEsp);
    case MSR_SYSENTER_EIP:
      return BigInt(cpu.sysenterEip);
    case MSR_MISC_ENABLE:
      return BigInt(cpu.miscEnable);
    case MSR_PAT:
      return cpu.pat;
    case MSR_EFER:
      return BigInt(cpu.state.efer >>> 0);
    default:
      return undefined;
  }
}

export function writeMsr(cpu: Cpu, index: number, value: bigint): boolean {
  index >>>= 0;
  for (const device of cpu.platform.msrDevices) {
    if (device.handlesMsr(index)) return device.writeMsr(index, value) ?? false;
  }
  const low = Number(value & 0xffffffffn);
  switch (index) {
    case MSR_TSC:
      // SDM 17.17: writing the TSC sets its value; keep it relative to virtual time.
      cpu.tscOffset = Number(BigInt.asIntN(64, value - cpu.readTsc() + BigInt(cpu.tscOffset)));
      return true;
    case MSR_BIOS_SIGN_ID:
      return true;
    case MSR_SYSENTER_CS:
      cpu.sysenterCs = low & 0xffff;
      return true;
    case MSR_SYSENTER_ESP:
      cpu.sysenterEsp = low >>> 0;
      return true;
    case MSR_SYSENTER_EIP:
      cpu.sysenterEip = low >>> 0;
      return true;
    case MSR_MISC_ENABLE:
      cpu.miscEnable = low >>> 0;
      return true;
    case MSR_PAT:
      // SDM 11.12.2: each entry must be a valid memory type (0, 1, 4, 5, 6, 7).
      for (let i = 0n; i < 8n; i++) {
        const t = Number((value >> (i * 8n)) & 0xffn);
        if (t === 2 || t === 3 || t > 7) return false;
      }
      cpu.pat = value;
      return true;
    case MSR_EFER:
      if ((value >> 32n) !== 0n || (low & ~EFER_WRITABLE) !== 0) return false;
      cpu.state.efer = low >>> 0;
      cpu.mmu.writeEfer(low >>> 0);
      cpu.pagingChanged();
      return true;
    default:
      return false;
  }
}
