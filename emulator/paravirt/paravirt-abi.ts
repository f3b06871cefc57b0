/**
 * The Bringup paravirtual interface, ABI version 1 (docs/paravirt.md is the
 * normative description; this file is its single source of numbers).
 */

/** CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX = signature. */
export const PV_CPUID_BASE = 0x40000000;
/** CPUID leaf 0x40000001: EAX = ABI version, EBX = feature bits. */
export const PV_CPUID_FEATURES = 0x40000001;
export const PV_CPUID_MAX_LEAF = PV_CPUID_FEATURES;
/** 12 bytes, read as EBX, ECX, EDX in that order (like "GenuineIntel"). */
export const PV_SIGNATURE = 'BringupPVirt';
export const PV_ABI_VERSION = 1;

/** VMCALL function numbers (EAX). */
export const enum PvFunction {
  SetApStartupState = 1,
  VcpuUp = 2,
}

export const PV_FEATURE_SET_AP_STARTUP_STATE = 1 << 0;
export const PV_FEATURE_VCPU_UP = 1 << 1;
export const PV_FEATURES = PV_FEATURE_SET_AP_STARTUP_STATE | PV_FEATURE_VCPU_UP;

/** Results in EAX: 0 for success, otherwise one of these (as a 32-bit two's complement value). */
export const enum PvError {
  UnknownFunction = -1,
  /** VMCALL at CPL > 0. */
  Permission = -2,
  /** No vCPU has that APIC ID. */
  BadApicId = -3,
  /** The state's version field is not a version this ABI knows. */
  BadVersion = -4,
  /** state_ptr does not point at RAM for the whole structure. */
  BadAddress = -5,
  /** CR0/CR4/EFER combination the processor cannot run (PG without PE, NW without CD, long mode). */
  ControlRegisters = -6,
  /** GDT not in RAM, or a selector that refers to the LDT. */
  DescriptorTable = -7,
  /** CS null, beyond the GDT limit, not a present code segment, or privilege mismatch. */
  CodeSegment = -8,
  /** SS, DS, ES, FS or GS would fault on load. */
  DataSegment = -9,
  /** TR not a present 32-bit TSS, or LDTR not a present LDT. */
  SystemSegment = -10,
  /** EFLAGS.VM set or reserved bits set. */
  Eflags = -11,
  /** CS:EIP beyond the CS limit, unmapped, or not in RAM. */
  BadEip = -12,
  /** VCPU_UP for a vCPU that is not waiting for a STARTUP IPI. */
  CpuRunning = -13,
}

export const PV_ERROR_NAMES: Readonly<Record<number, string>> = {
  [PvError.UnknownFunction]: 'PV_E_UNKNOWN_FUNCTION',
  [PvError.Permission]: 'PV_E_PERMISSION',
  [PvError.BadApicId]: 'PV_E_BAD_APIC_ID',
  [PvError.BadVersion]: 'PV_E_BAD_VERSION',
  [PvError.BadAddress]: 'PV_E_BAD_ADDRESS',
  [PvError.ControlRegisters]: 'PV_E_CONTROL_REGISTERS',
  [PvError.DescriptorTable]: 'PV_E_DESCRIPTOR_TABLE',
  [PvError.CodeSegment]: 'PV_E_CODE_SEGMENT',
  [PvError.DataSegment]: 'PV_E_DATA_SEGMENT',
  [PvError.SystemSegment]: 'PV_E_SYSTEM_SEGMENT',
  [PvError.Eflags]: 'PV_E_EFLAGS',
  [PvError.BadEip]: 'PV_E_BAD_EIP',
  [PvError.CpuRunning]: 'PV_E_CPU_RUNNING',
};
