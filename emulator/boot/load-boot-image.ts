/**
 * Choosing a boot protocol and running its loader. With `auto`, the first
 * match wins: a valid Multiboot header, then a PVH entry note, then any ELF
 * file, then a Linux bzImage ("HdrS"), then a 0x55AA boot sector. The explanation says what was found, so
 * --trace boot shows why a kernel was started the way it was.
 */
import { BootError } from './boot-error';
import type { BootEntry, BootOptions, BootPlan, BootProtocol } from './boot-plan';
import { hasBootSignature, loadBootSector } from './bootsector';
import { looksLikeElf, type ElfLoadView } from './elf-image';
import { loadPlainElf } from './elf-boot';
import { readElfImage } from './elf-read';
import { hex, LoadPlacement } from './load-placement';
import type { LoaderContext } from './loader-context';
import { loadMultiboot } from './multiboot';
import { findMultibootHeader, type MultibootSearch } from './multiboot-header';
import { findPvhEntry, loadPvh, type PvhNoteSearch } from './pvh';
import { findLinuxHeader, loadLinux, versionText, type LinuxHeader } from './linux-boot';
import { installFirmware } from '../firmware/install-firmware';
import type { PhysicalMemory } from '../memory/physical-memory';

interface Findings {
  multiboot: MultibootSearch;
  elf: ElfLoadView | undefined;
  pvh: PvhNoteSearch;
  linux: LinuxHeader | undefined;
  bootSignature: boolean;
}

function examine(image: Uint8Array): Findings {
  const elf = looksLikeElf(image) ? readElfImage(image) : undefined;
  return {
    multiboot: findMultibootHeader(image),
    elf,
    pvh: elf === undefined ? { kind: 'absent' } : findPvhEntry(elf),
    linux: elf === undefined ? findLinuxHeader(image) : undefined,
    bootSignature: hasBootSignature(image),
  };
}

function describe(f: Findings): string {
  const parts = [
    f.multiboot.kind === 'found'
      ? `Multiboot header at offset ${hex(f.multiboot.header.offset)}`
      : f.multiboot.kind === 'bad-checksum'
        ? `Multiboot magic at offset ${hex(f.multiboot.offset)} with a bad checksum (ignored)`
        : 'no Multiboot header in the first 8 KiB',
    f.pvh.kind === 'found' ? `Xen PVH entry note (${hex(f.pvh.entry)})` : 'no PVH entry note',
    f.elf !== undefined ? `ELF${f.elf.elfClass}` : 'not ELF',
    f.linux !== undefined ? `Linux boot protocol ${versionText(f.linux.version)} header ("HdrS")` : 'no Linux boot header',
    f.bootSignature ? '0x55AA at offset 510' : 'no 0x55AA boot signature',
  ];
  return parts.join('; ');
}

function autoChoice(f: Findings): BootProtocol {
  if (f.multiboot.kind === 'found') return 'multiboot';
  if (f.pvh.kind === 'found') return 'pvh';
  if (f.elf !== undefined) return 'elf';
  if (f.linux !== undefined) return 'linux';
  if (f.bootSignature) return 'bootsector';
  throw new BootError(`cannot tell how to boot this image: ${describe(f)}`);
}

/**
 * Install the firmware, load the image with the chosen protocol and return
 * the plan. Throws BootError for images that cannot be booted.
 */
export function loadBootImage(image: Uint8Array, options: BootOptions, memory: PhysicalMemory): BootPlan {
  const firmware = installFirmware(memory, {
    ...options.firmware,
    cpus: options.cpus,
    memorySize: options.memorySize,
    hardDisks: options.disks?.length ?? 0,
  });
  const ctx: LoaderContext = { placement: new LoadPlacement(memory, firmware.e820), firmware, options };
  const explicit = options.boot !== 'auto';
  // A boot sector is raw code: do not try to read ELF structure into it.
  const findings: Findings | undefined = options.boot === 'bootsector' ? undefined : examine(image);
  const protocol = options.boot === 'auto' ? autoChoice(findings!) : options.boot;
  const found = findings === undefined ? '' : `found ${describe(findings)}`;
  const why = explicit ? `--boot ${protocol} requested` : `auto chose ${protocol}`;

  let entry: BootEntry;
  let note: string;
  switch (protocol) {
    case 'bootsector': {
      const result = loadBootSector(image, ctx.placement, explicit);
      entry = result.entry;
      note = `sector 0 at 0000:7C00, DL=80h${result.note}`;
      break;
    }
    case 'multiboot': {
      const f = findings!;
      if (f.multiboot.kind === 'bad-checksum') throw new BootError(`the Multiboot header at offset ${hex(f.multiboot.offset)} has a bad checksum`);
      if (f.multiboot.kind === 'absent') throw new BootError('no Multiboot header (magic 0x1BADB002) in the first 8192 bytes, 4-byte aligned');
      const result = loadMultiboot(image, f.multiboot.header, f.elf, ctx);
      entry = result.entry;
      note = result.note;
      break;
    }
    case 'pvh': {
      const f = findings!;
      if (f.elf === undefined) throw new BootError('PVH boot needs an ELF kernel; this image is not ELF');
      if (f.pvh.kind === 'absent') throw new BootError('the ELF file has no Xen XEN_ELFNOTE_PHYS32_ENTRY (type 18) note');
      entry = loadPvh(image, f.elf, f.pvh.entry, ctx);
      note = 'hvm_start_info in EBX';
      break;
    }
    case 'linux': {
      const f = findings!;
      if (f.linux === undefined) throw new BootError('not a Linux bzImage: no boot flag 0xAA55 at 0x1FE with the "HdrS" header at 0x202');
      const result = loadLinux(image, f.linux, ctx);
      entry = result.entry;
      note = result.note;
      break;
    }
    case 'elf': {
      const f = findings!;
      if (f.elf === undefined) throw new BootError('not an ELF file (no \\x7fELF magic)');
      const elfEntry = loadPlainElf(image, f.elf, ctx);
      entry = elfEntry;
      note = `entry ${hex(elfEntry.eip)}`;
      break;
    }
  }
  const explanation = [why, found, note].filter((s) => s.length > 0).join(': ');
  return { protocol, entry, loaded: ctx.placement.loaded, explanation, firmware };
}
