/**
 * The DWARF and call-frame sections of one ELF file, by name, as byte
 * arrays (absent sections are undefined). Section names from DWARF 5
 * appendix B and the x86 psABI (.eh_frame).
 */
import { sectionByName, sectionData, type ElfFile } from '../elf/elf-file';

export interface DwarfSections {
  info?: Uint8Array;
  abbrev?: Uint8Array;
  line?: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  ranges?: Uint8Array;
  rnglists?: Uint8Array;
  loc?: Uint8Array;
  loclists?: Uint8Array;
  aranges?: Uint8Array;
  frame?: Uint8Array;
  ehFrame?: Uint8Array;
  /** Link-time address of .eh_frame (pc-relative pointers in it are relative to this). */
  ehFrameAddress: number;
  /** 4 for ELF32, 8 for ELF64: the default when a header does not say. */
  addressSize: number;
}

export function dwarfSectionsOf(elf: ElfFile): DwarfSections {
  const get = (name: string): Uint8Array | undefined => {
    const s = sectionByName(elf, name);
    return s === undefined ? undefined : sectionData(elf, s);
  };
  return {
    info: get('.debug_info'), abbrev: get('.debug_abbrev'), line: get('.debug_line'), str: get('.debug_str'),
    lineStr: get('.debug_line_str'), strOffsets: get('.debug_str_offsets'), addr: get('.debug_addr'),
    ranges: get('.debug_ranges'), rnglists: get('.debug_rnglists'), loc: get('.debug_loc'), loclists: get('.debug_loclists'),
    aranges: get('.debug_aranges'), frame: get('.debug_frame'), ehFrame: get('.eh_frame'),
    ehFrameAddress: sectionByName(elf, '.eh_frame')?.addr ?? 0,
    addressSize: elf.elfClass === 64 ? 8 : 4,
  };
}
