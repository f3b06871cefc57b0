/**
 * The part of an ELF executable the loaders use: loadable segments at their
 * physical addresses, the entry point, and notes. Parsing is the ELF
 * reader's job (symbols/elf); this only selects and checks.
 */
import { BootError } from './boot-error';
import { hex } from './load-placement';

export const PT_LOAD = 1;
export const EM_386 = 3;
export const EM_X86_64 = 62;

export interface LoadSegment {
  index: number;
  fileOffset: number;
  physicalAddress: number;
  virtualAddress: number;
  fileSize: number;
  memorySize: number;
}

export interface ElfNoteView {
  name: string;
  type: number;
  desc: Uint8Array;
}

export interface ElfLoadView {
  elfClass: 32 | 64;
  machine: number;
  entry: number;
  segments: LoadSegment[];
  notes: ElfNoteView[];
}

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;

export function looksLikeElf(image: Uint8Array): boolean {
  return image.length >= 4 && ELF_MAGIC.every((b, i) => image[i] === b);
}

/**
 * Translate a virtual entry point into the physical address the loader put
 * it at, when it falls inside a segment whose p_vaddr differs from p_paddr
 * (kernels linked at a high virtual address but loaded low).
 */
export function physicalEntry(view: ElfLoadView): number {
  for (const s of view.segments) {
    if (view.entry >= s.virtualAddress && view.entry < s.virtualAddress + s.memorySize) return view.entry - s.virtualAddress + s.physicalAddress;
  }
  return view.entry;
}

/** Segments whose bytes lie within the file, with 32-bit physical addresses; BootError otherwise. */
export function checkSegments(view: ElfLoadView, imageLength: number): void {
  if (view.machine !== EM_386 && view.machine !== EM_X86_64) throw new BootError(`the ELF file is for machine ${view.machine}, not x86`);
  if (view.segments.length === 0) throw new BootError('the ELF file has no PT_LOAD program headers: nothing to load');
  for (const s of view.segments) {
    if (s.fileOffset + s.fileSize > imageLength) {
      throw new BootError(`ELF segment ${s.index} claims file bytes ${hex(s.fileOffset)}-${hex(s.fileOffset + s.fileSize)} beyond the end of the file (${hex(imageLength)})`);
    }
    if (s.memorySize < s.fileSize) throw new BootError(`ELF segment ${s.index} has p_memsz ${hex(s.memorySize)} smaller than p_filesz ${hex(s.fileSize)}`);
  }
}
