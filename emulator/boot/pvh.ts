/**
 * The Xen PVH boot ABI (xen/include/public/arch-x86/hvm/start_info.h and
 * docs/misc/pvh.pandoc): the kernel's XEN_ELFNOTE_PHYS32_ENTRY note gives a
 * 32-bit physical entry point, entered in flat protected mode with paging
 * off and EBX = the physical address of struct hvm_start_info.
 */
import { BootError } from './boot-error';
import type { FlatProtectedEntry } from './boot-plan';
import type { ElfLoadView } from './elf-image';
import { flatProtectedEntry } from './flat-entry';
import { bootInfoArea, checkEntryLoaded, type LoaderContext } from './loader-context';
import { hex } from './load-placement';
import { loadElfSegments } from './segment-loader';
import { ByteWriter, cString } from '../firmware/byte-writer';

export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
export const XEN_NOTE_NAME = 'Xen';
export const HVM_START_MAGIC = 0x336ec578;
/** Version 1 adds the memory map (memmap_paddr, memmap_entries). */
export const HVM_START_INFO_VERSION = 1;
export const HVM_START_INFO_SIZE = 56;
const HVM_MODLIST_ENTRY_SIZE = 32;
const HVM_MEMMAP_ENTRY_SIZE = 24;

export type PvhNoteSearch = { kind: 'found'; entry: number } | { kind: 'absent' };

/** Find the PHYS32_ENTRY note; a malformed one is a BootError (it was clearly meant to be used). */
export function findPvhEntry(elf: ElfLoadView): PvhNoteSearch {
  const note = elf.notes.find((n) => n.name === XEN_NOTE_NAME && n.type === XEN_ELFNOTE_PHYS32_ENTRY);
  if (note === undefined) return { kind: 'absent' };
  const d = new DataView(note.desc.buffer, note.desc.byteOffset, note.desc.byteLength);
  // Linux emits the address with _ASM_PTR: 4 bytes in 32-bit builds, 8 in 64-bit ones.
  if (note.desc.length === 4) return { kind: 'found', entry: d.getUint32(0, true) };
  if (note.desc.length === 8) {
    if (d.getUint32(4, true) !== 0) throw new BootError(`the Xen PHYS32_ENTRY note holds an address above 4 GiB (${hex(d.getUint32(4, true))}${d.getUint32(0, true).toString(16).padStart(8, '0')})`);
    return { kind: 'found', entry: d.getUint32(0, true) };
  }
  throw new BootError(`the Xen PHYS32_ENTRY note has a ${note.desc.length}-byte descriptor; it must hold a 4- or 8-byte address`);
}

export function loadPvh(image: Uint8Array, elf: ElfLoadView, entry: number, ctx: LoaderContext): FlatProtectedEntry {
  loadElfSegments(image, elf, ctx.placement);
  checkEntryLoaded(ctx, entry, 'the PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY)');
  const { firmware, options } = ctx;
  const area = bootInfoArea(ctx);

  // The initrd is the first module, as QEMU's PVH loader passes it (Linux takes module 0 as its ramdisk).
  const all = [...(options.initrd !== undefined ? [{ data: options.initrd, string: 'initrd' }] : []), ...(options.modules ?? [])];
  const modules = all.map((m, i) => ({
    paddr: area.put(`module ${i} (${m.string})`, m.data, 4096),
    size: m.data.length,
    cmdline: area.put(`module ${i} command line`, cString(m.string), 1),
  }));
  const cmdline = options.cmdline === undefined ? 0 : area.put('PVH command line', cString(options.cmdline), 1);

  // struct hvm_modlist_entry: paddr, size, cmdline_paddr, reserved (all u64).
  const modlist = new ByteWriter(Math.max(1, modules.length) * HVM_MODLIST_ENTRY_SIZE);
  modules.forEach((m, i) => modlist.u64(i * 32, m.paddr).u64(i * 32 + 8, m.size).u64(i * 32 + 16, m.cmdline));
  const modlistAddr = modules.length > 0 ? area.put('PVH module list', modlist.bytes, 8) : 0;

  // struct hvm_memmap_table_entry: addr (u64), size (u64), type (u32, E820 numbering), reserved (u32).
  const memmap = new ByteWriter(firmware.e820.length * HVM_MEMMAP_ENTRY_SIZE);
  firmware.e820.forEach((e, i) => memmap.u64(i * 24, e.base).u64(i * 24 + 8, e.length).u32(i * 24 + 16, e.type));
  const memmapAddr = area.put('PVH memory map', memmap.bytes, 8);

  // struct hvm_start_info: magic, version, flags, nr_modules, modlist_paddr, cmdline_paddr,
  // rsdp_paddr, memmap_paddr (u64 each), memmap_entries, reserved.
  const info = new ByteWriter(HVM_START_INFO_SIZE);
  info.u32(0, HVM_START_MAGIC).u32(4, HVM_START_INFO_VERSION).u32(8, 0).u32(12, modules.length);
  info.u64(16, modlistAddr).u64(24, cmdline).u64(32, firmware.rsdpAddress).u64(40, memmapAddr);
  info.u32(48, firmware.e820.length).u32(52, 0);
  const startInfo = area.put('hvm_start_info', info.bytes, 8);

  return flatProtectedEntry(entry, { ebx: startInfo }, firmware);
}
