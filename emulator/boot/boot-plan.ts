/**
 * What a boot protocol did, as plain data: the regions it loaded (for
 * --trace boot and the debugger's memory view) and the state the bootstrap
 * processor starts in. applyBootEntry() turns the entry into CpuState.
 */
import type { DiskImage } from '../firmware/disk-image';
import type { FirmwareInfo, FirmwareOptions } from '../firmware/install-firmware';

export type BootProtocol = 'bootsector' | 'multiboot' | 'pvh' | 'elf' | 'linux';
export type BootSelection = 'auto' | BootProtocol;

export type GeneralRegisterName = 'eax' | 'ebx' | 'ecx' | 'edx' | 'esi' | 'edi' | 'ebp' | 'esp';
/** Registers the protocol defines; the rest are zero. */
export type GeneralRegisters = Partial<Record<GeneralRegisterName, number>>;

/** Real mode as a PC BIOS jumps to a boot sector: selectors give bases (selector << 4), 64 KiB limits. */
export interface RealModeEntry {
  kind: 'real-mode';
  cs: number;
  ip: number;
  ds: number;
  es: number;
  ss: number;
  fs: number;
  gs: number;
  eflags: number;
  registers: GeneralRegisters;
}

export interface DescriptorTableRegister {
  base: number;
  limit: number;
}

/**
 * 32-bit protected mode, paging off, with flat hidden segment state: CS a
 * 32-bit execute/read code segment and DS/ES/FS/GS/SS read/write data
 * segments, all base 0 and limit 4 GiB (Multiboot 0.6.96 3.2, the PVH ABI).
 * The selectors name matching descriptors in the firmware's boot GDT.
 */
export interface FlatProtectedEntry {
  kind: 'flat-protected';
  eip: number;
  eflags: number;
  cr0: number;
  codeSelector: number;
  dataSelector: number;
  /** TR as the PVH ABI wants it: a busy 32-bit TSS, base 0, limit 0x67. */
  taskSelector: number;
  gdtr: DescriptorTableRegister;
  idtr: DescriptorTableRegister;
  registers: GeneralRegisters;
}

export type BootEntry = RealModeEntry | FlatProtectedEntry;

export interface LoadedRegion {
  /** "boot sector", "ELF segment 1", "multiboot info", "module 0 (initrd)"... */
  what: string;
  start: number;
  /** Exclusive. */
  end: number;
}

export interface BootPlan {
  protocol: BootProtocol;
  entry: BootEntry;
  loaded: LoadedRegion[];
  /** Why this protocol was chosen (auto) or what was found; printed under --trace boot. */
  explanation: string;
  firmware: FirmwareInfo;
}

export interface BootModule {
  data: Uint8Array;
  /** The module's command line (Multiboot module string, PVH module cmdline). */
  string: string;
}

export interface BootOptions {
  boot: BootSelection;
  cmdline?: string;
  modules?: readonly BootModule[];
  /** Initial ramdisk: the Linux boot protocol's ramdisk_image, or the first PVH start_info module. */
  initrd?: Uint8Array;
  memorySize: number;
  cpus: number;
  /** BIOS hard disks, INT 13h drive 80h first. A bootsector boot reads sector 0 from the image itself. */
  disks?: readonly DiskImage[];
  /** Passed on to installFirmware (CPUID signature, PM timer port). */
  firmware?: Omit<FirmwareOptions, 'cpus' | 'memorySize' | 'hardDisks'>;
}

/** BIOS drive number of the first hard disk (INT 13h). */
export const FIRST_HARD_DISK = 0x80;
