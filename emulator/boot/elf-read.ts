/**
 * The loader's view of an ELF executable, read with the symbol reader's ELF
 * parser (one parser for the loader and the debugger). Format problems
 * become BootErrors naming what is wrong.
 */
import { FormatError, parseElf, PT_LOAD, readNotes } from '../../symbols/elf/elf-file';
import { BootError } from './boot-error';
import type { ElfLoadView } from './elf-image';

export function readElfImage(image: Uint8Array): ElfLoadView {
  try {
    const elf = parseElf(image);
    return {
      elfClass: elf.elfClass,
      machine: elf.machine,
      entry: elf.entry,
      segments: elf.programHeaders
        .filter((p) => p.type === PT_LOAD && p.memsz > 0)
        .map((p) => ({ index: p.index, fileOffset: p.offset, physicalAddress: p.paddr, virtualAddress: p.vaddr, fileSize: p.filesz, memorySize: p.memsz })),
      notes: readNotes(elf).map((n) => ({ name: n.name, type: n.type, desc: n.desc })),
    };
  } catch (e) {
    if (e instanceof FormatError) throw new BootError(`malformed ELF file: ${e.message}`);
    throw e;
  }
}
