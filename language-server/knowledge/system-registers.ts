/**
 * Bits of CR0, CR4 and EFER and the MSR numbers boot code writes. Bit
 * positions are the SDM's (Vol. 3A 2.5 Figure 2-7 "Control Registers",
 * 2.2.1 / Vol. 4 Table 2-2 for IA32_EFER and the architectural MSRs). The
 * MSR numbers and "emulated" masks come from the emulator itself
 * (emulator/cpu/msr.ts, control-registers.ts, devices/apic-registers.ts).
 */
import { CR0_WRITABLE, CR4_SUPPORTED } from '../../emulator/cpu/control-registers';
import { MSR_APIC_BASE, MSR_BIOS_SIGN_ID, MSR_EFER, MSR_MISC_ENABLE, MSR_PAT, MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP, MSR_TSC } from '../../emulator/cpu/msr';
import { MSR_IA32_TSC_DEADLINE, MSR_X2APIC_FIRST, MSR_X2APIC_LAST } from '../../emulator/devices/apic-registers';

export interface BitInfo {
  bit: number;
  name: string;
  meaning: string;
}

export interface ControlRegister {
  name: string;
  bits: BitInfo[];
  /** Bits Bringup's CPU implements. */
  emulated: number;
}

export const CR0: ControlRegister = {
  name: 'CR0',
  emulated: CR0_WRITABLE,
  bits: [
    { bit: 0, name: 'PE', meaning: 'Protection Enable (protected mode)' },
    { bit: 1, name: 'MP', meaning: 'Monitor Coprocessor' },
    { bit: 2, name: 'EM', meaning: 'Emulation (no x87)' },
    { bit: 3, name: 'TS', meaning: 'Task Switched' },
    { bit: 4, name: 'ET', meaning: 'Extension Type (always 1)' },
    { bit: 5, name: 'NE', meaning: 'Numeric Error (native x87 errors)' },
    { bit: 16, name: 'WP', meaning: 'Write Protect (supervisor honours read-only pages)' },
    { bit: 18, name: 'AM', meaning: 'Alignment Mask' },
    { bit: 29, name: 'NW', meaning: 'Not Write-through' },
    { bit: 30, name: 'CD', meaning: 'Cache Disable' },
    { bit: 31, name: 'PG', meaning: 'Paging' },
  ],
};

export const CR4: ControlRegister = {
  name: 'CR4',
  emulated: CR4_SUPPORTED,
  bits: [
    { bit: 0, name: 'VME', meaning: 'Virtual-8086 Mode Extensions' },
    { bit: 1, name: 'PVI', meaning: 'Protected-mode Virtual Interrupts' },
    { bit: 2, name: 'TSD', meaning: 'Time Stamp Disable (RDTSC at CPL 0 only)' },
    { bit: 3, name: 'DE', meaning: 'Debugging Extensions' },
    { bit: 4, name: 'PSE', meaning: 'Page Size Extensions (4 MiB pages)' },
    { bit: 5, name: 'PAE', meaning: 'Physical Address Extension' },
    { bit: 6, name: 'MCE', meaning: 'Machine-Check Enable' },
    { bit: 7, name: 'PGE', meaning: 'Page Global Enable' },
    { bit: 8, name: 'PCE', meaning: 'Performance-Monitoring Counter Enable' },
    { bit: 9, name: 'OSFXSR', meaning: 'OS supports FXSAVE/FXRSTOR' },
    { bit: 10, name: 'OSXMMEXCPT', meaning: 'OS supports unmasked SIMD FP exceptions' },
    { bit: 11, name: 'UMIP', meaning: 'User-Mode Instruction Prevention' },
    { bit: 13, name: 'VMXE', meaning: 'VMX Enable' },
    { bit: 16, name: 'FSGSBASE', meaning: 'RDFSBASE/WRFSBASE... enable' },
    { bit: 17, name: 'PCIDE', meaning: 'PCID Enable' },
    { bit: 18, name: 'OSXSAVE', meaning: 'XSAVE and extended states enable' },
    { bit: 20, name: 'SMEP', meaning: 'Supervisor-Mode Execution Prevention' },
    { bit: 21, name: 'SMAP', meaning: 'Supervisor-Mode Access Prevention' },
  ],
};

/** IA32_EFER (SDM Vol. 3A 2.2.1 Figure 2-4). Bringup implements NXE only (emulator/cpu/msr.ts). */
export const EFER: ControlRegister = {
  name: 'EFER',
  emulated: 0x800,
  bits: [
    { bit: 0, name: 'SCE', meaning: 'SYSCALL Enable' },
    { bit: 8, name: 'LME', meaning: 'Long Mode Enable' },
    { bit: 10, name: 'LMA', meaning: 'Long Mode Active (read-only)' },
    { bit: 11, name: 'NXE', meaning: 'Execute-Disable bit Enable' },
  ],
};

export interface MsrInfo {
  index: number;
  name: string;
  meaning: string;
  emulated: boolean;
}

export const MSRS: MsrInfo[] = [
  { index: MSR_TSC, name: 'IA32_TIME_STAMP_COUNTER', meaning: 'Time-stamp counter', emulated: true },
  { index: MSR_APIC_BASE, name: 'IA32_APIC_BASE', meaning: 'Local APIC base address (bits 31:12), BSP (8), x2APIC enable (10), global enable (11)', emulated: true },
  { index: MSR_BIOS_SIGN_ID, name: 'IA32_BIOS_SIGN_ID', meaning: 'Microcode update signature', emulated: true },
  { index: MSR_SYSENTER_CS, name: 'IA32_SYSENTER_CS', meaning: 'SYSENTER target CS', emulated: true },
  { index: MSR_SYSENTER_ESP, name: 'IA32_SYSENTER_ESP', meaning: 'SYSENTER target ESP', emulated: true },
  { index: MSR_SYSENTER_EIP, name: 'IA32_SYSENTER_EIP', meaning: 'SYSENTER target EIP', emulated: true },
  { index: MSR_MISC_ENABLE, name: 'IA32_MISC_ENABLE', meaning: 'Miscellaneous feature enables', emulated: true },
  { index: MSR_PAT, name: 'IA32_PAT', meaning: 'Page Attribute Table', emulated: true },
  { index: MSR_IA32_TSC_DEADLINE, name: 'IA32_TSC_DEADLINE', meaning: 'TSC-deadline timer target', emulated: true },
  { index: MSR_EFER, name: 'IA32_EFER', meaning: 'Extended features: SCE (0), LME (8), LMA (10), NXE (11)', emulated: true },
  { index: 0xc0000081, name: 'IA32_STAR', meaning: 'SYSCALL target CS/SS and EIP', emulated: false },
  { index: 0xc0000082, name: 'IA32_LSTAR', meaning: 'SYSCALL target RIP (64-bit)', emulated: false },
  { index: 0xc0000100, name: 'IA32_FS_BASE', meaning: 'FS base (64-bit)', emulated: false },
  { index: 0xc0000101, name: 'IA32_GS_BASE', meaning: 'GS base (64-bit)', emulated: false },
  { index: 0xc0000102, name: 'IA32_KERNEL_GS_BASE', meaning: 'SWAPGS exchange value', emulated: false },
];

export function msrInfo(index: number): MsrInfo | undefined {
  const known = MSRS.find((m) => m.index === index);
  if (known !== undefined) return known;
  if (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST) {
    return { index, name: `x2APIC register 0x${((index - MSR_X2APIC_FIRST) * 16).toString(16)}`, meaning: 'x2APIC MSR = 0x800 + MMIO offset / 16 (SDM Vol. 3A 10.12.1.2)', emulated: true };
  }
  return undefined;
}

/** Names of the set bits of `value` in a control register, e.g. "PE | PG". */
export function decodeBits(reg: ControlRegister, value: number): BitInfo[] {
  return reg.bits.filter((b) => ((value >>> b.bit) & 1) === 1);
}

export function bitByName(name: string): { reg: ControlRegister; bit: BitInfo } | undefined {
  const m = /^(?:X86_)?(CR0|CR4|EFER)_([A-Z0-9]+)(?:_(?:BIT|MASK))?$/i.exec(name);
  if (m === null) return undefined;
  const reg = [CR0, CR4, EFER].find((r) => r.name === m[1].toUpperCase());
  const bit = reg?.bits.find((b) => b.name === m[2].toUpperCase());
  return reg !== undefined && bit !== undefined ? { reg, bit } : undefined;
}
