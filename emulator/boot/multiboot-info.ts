/**
 * The Multiboot information structure (Multiboot Specification 0.6.96,
 * 3.3) and what it points to: command line, module list and strings, the
 * memory map, the boot loader name.
 */
import type { BootModule } from './boot-plan';
import { BootInfoArea } from './load-placement';
import { ByteWriter, cString } from '../firmware/byte-writer';
import type { E820Entry } from '../firmware/e820';

/** 3.3 flags bits. */
export const MBI_MEMORY = 1 << 0;
export const MBI_BOOT_DEVICE = 1 << 1;
export const MBI_CMDLINE = 1 << 2;
export const MBI_MODULES = 1 << 3;
export const MBI_MEMORY_MAP = 1 << 6;
export const MBI_BOOT_LOADER_NAME = 1 << 9;

/** Size of the structure through the VBE fields (offset 88). */
export const MULTIBOOT_INFO_SIZE = 88;
export const BOOT_LOADER_NAME = 'Bringup';

export interface MultibootInfoInput {
  cmdline: string;
  modules: readonly BootModule[];
  e820: readonly E820Entry[];
  conventionalKiB: number;
  extendedKiB: number;
  /** 3.3 boot_device: drive in the top byte, partitions 0xFF = none; undefined = flag bit 1 clear. */
  bootDevice: number | undefined;
}

/** Write everything into the info area and return the info structure's address (EBX). */
export function writeMultibootInfo(input: MultibootInfoInput, area: BootInfoArea): number {
  const PAGE = 4096;
  // Modules first, page aligned (the header's flag bit 0 asks for it; we always do it).
  const modules = input.modules.map((m, i) => {
    const start = area.put(`module ${i} (${m.string})`, m.data, PAGE);
    return { start, end: start + m.data.length, string: area.put(`module ${i} string`, cString(m.string), 1) };
  });
  const cmdline = area.put('multiboot command line', cString(input.cmdline), 1);
  const loaderName = area.put('boot loader name', cString(BOOT_LOADER_NAME), 1);

  const moduleList = new ByteWriter(Math.max(16 * modules.length, 16));
  modules.forEach((m, i) => moduleList.u32(i * 16, m.start).u32(i * 16 + 4, m.end).u32(i * 16 + 8, m.string));
  const modsAddr = area.put('multiboot module list', moduleList.bytes, 4);

  // 3.3 memory map: each entry is size (not counting itself) = 20, base_addr, length, type.
  const mmap = new ByteWriter(24 * input.e820.length);
  input.e820.forEach((e, i) => mmap.u32(i * 24, 20).u64(i * 24 + 4, e.base).u64(i * 24 + 12, e.length).u32(i * 24 + 20, e.type));
  const mmapAddr = area.put('multiboot memory map', mmap.bytes, 4);

  const info = new ByteWriter(MULTIBOOT_INFO_SIZE);
  let flags = MBI_MEMORY | MBI_CMDLINE | MBI_MODULES | MBI_MEMORY_MAP | MBI_BOOT_LOADER_NAME;
  info.u32(4, input.conventionalKiB).u32(8, input.extendedKiB);
  if (input.bootDevice !== undefined) {
    flags |= MBI_BOOT_DEVICE;
    info.u32(12, input.bootDevice);
  }
  info.u32(16, cmdline).u32(20, modules.length).u32(24, modsAddr);
  info.u32(44, mmap.bytes.length).u32(48, mmapAddr);
  info.u32(64, loaderName);
  info.u32(0, flags);
  return area.put('multiboot info', info.bytes, 8);
}
