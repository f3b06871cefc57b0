/**
 * Multiboot 1 (Multiboot Specification 0.6.96): load an ELF kernel by its
 * program headers, or any image by the header's address fields (the "a.out
 * kludge", flag 16), build the information structure, and enter as 3.2
 * requires: EAX = 0x2BADB002, EBX = the information structure, flat 32-bit
 * protected mode, paging off, IF and VM clear, A20 enabled.
 */
import { BootError } from './boot-error';
import { FIRST_HARD_DISK, type FlatProtectedEntry } from './boot-plan';
import { physicalEntry, type ElfLoadView } from './elf-image';
import { flatProtectedEntry } from './flat-entry';
import { bootInfoArea, checkEntryLoaded, type LoaderContext } from './loader-context';
import { hex } from './load-placement';
import { MB_FLAG_ADDRESS_FIELDS, checkMultibootRequirements, type MultibootHeader } from './multiboot-header';
import { writeMultibootInfo } from './multiboot-info';
import { loadElfSegments } from './segment-loader';

/** 3.2: the magic value the kernel finds in EAX. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

export interface MultibootResult {
  entry: FlatProtectedEntry;
  note: string;
}

export function loadMultiboot(image: Uint8Array, header: MultibootHeader, elf: ElfLoadView | undefined, ctx: LoaderContext): MultibootResult {
  checkMultibootRequirements(header);
  let eip: number;
  let note: string;
  if ((header.flags & MB_FLAG_ADDRESS_FIELDS) !== 0) {
    eip = loadByAddressFields(image, header, ctx);
    note = `loaded by the header's address fields at ${hex(header.loadAddr)}`;
  } else {
    if (elf === undefined) throw new BootError('the Multiboot header has no address fields (flag 16) and the image is not ELF: nothing says where to load it');
    loadElfSegments(image, elf, ctx.placement);
    eip = physicalEntry(elf);
    note = `loaded ${elf.segments.length} ELF segment(s)`;
  }
  checkEntryLoaded(ctx, eip, 'the Multiboot entry point');
  const { firmware, options } = ctx;
  const info = writeMultibootInfo(
    {
      cmdline: options.cmdline ?? '',
      modules: options.modules ?? [],
      e820: firmware.e820,
      conventionalKiB: firmware.conventionalMemoryKiB,
      extendedKiB: firmware.extendedMemoryKiB,
      // 3.3 boot_device: the BIOS drive with no partition (0xFFFFFF) when a disk is attached.
      bootDevice: (options.disks?.length ?? 0) > 0 ? ((FIRST_HARD_DISK << 24) | 0xffffff) >>> 0 : undefined,
    },
    bootInfoArea(ctx),
  );
  return { entry: flatProtectedEntry(eip, { eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: info }, firmware), note };
}

/** 3.1.3: file offset of load_addr = header offset - (header_addr - load_addr). */
function loadByAddressFields(image: Uint8Array, h: MultibootHeader, ctx: LoaderContext): number {
  if (h.headerAddr < h.loadAddr) throw new BootError(`Multiboot header_addr ${hex(h.headerAddr)} is below load_addr ${hex(h.loadAddr)}`);
  const fileStart = h.offset - (h.headerAddr - h.loadAddr);
  if (fileStart < 0) throw new BootError(`Multiboot load_addr ${hex(h.loadAddr)} would start ${-fileStart} bytes before the beginning of the file`);
  const loadEnd = h.loadEndAddr === 0 ? h.loadAddr + (image.length - fileStart) : h.loadEndAddr;
  if (loadEnd <= h.loadAddr) throw new BootError(`Multiboot load_end_addr ${hex(loadEnd)} is not above load_addr ${hex(h.loadAddr)}`);
  const fileLength = loadEnd - h.loadAddr;
  if (fileStart + fileLength > image.length) {
    throw new BootError(`Multiboot load_end_addr ${hex(loadEnd)} asks for ${fileLength} bytes but the file has ${image.length - fileStart} after the load offset`);
  }
  const bssEnd = h.bssEndAddr === 0 ? loadEnd : h.bssEndAddr;
  if (bssEnd < loadEnd) throw new BootError(`Multiboot bss_end_addr ${hex(bssEnd)} is below load_end_addr ${hex(loadEnd)}`);
  ctx.placement.place('multiboot kernel', h.loadAddr, image.subarray(fileStart, fileStart + fileLength), bssEnd - h.loadAddr);
  return h.entryAddr;
}
