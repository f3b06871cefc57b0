/** Loading an ELF file's PT_LOAD segments at their physical addresses (shared by Multiboot, PVH and plain ELF). */
import { checkSegments, type ElfLoadView } from './elf-image';
import type { LoadPlacement } from './load-placement';

export function loadElfSegments(image: Uint8Array, view: ElfLoadView, placement: LoadPlacement): void {
  checkSegments(view, image.length);
  for (const s of view.segments) {
    if (s.memorySize === 0) continue;
    placement.place(`ELF segment ${s.index}`, s.physicalAddress, image.subarray(s.fileOffset, s.fileOffset + s.fileSize), s.memorySize);
  }
}
