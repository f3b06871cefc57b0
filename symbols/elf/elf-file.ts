/**
 * ELF32 and ELF64 (little-endian) as the System V ABI and its x86 supplements
 * define them: file header, program headers, section headers with names,
 * symbol tables and notes. Every offset and count is checked against the
 * file; tables larger than the file can hold are refused before allocating.
 */
import { ByteReader, FormatError } from './byte-reader';

export { FormatError };

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

export interface ElfProgramHeader {
  index: number;
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  /** Section index (SHN_UNDEF = 0, SHN_ABS = 0xfff1). */
  shndx: number;
  /** st_other: the low two bits are the visibility (STV_*). */
  other: number;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

export interface ElfFile {
  elfClass: 32 | 64;
  /** ET_* */
  type: number;
  machine: number;
  entry: number;
  programHeaders: ElfProgramHeader[];
  sections: ElfSection[];
  bytes: Uint8Array;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

export function parseElf(bytes: Uint8Array): ElfFile {
  const r = new ByteReader(bytes);
  if (!isElf(bytes)) throw new FormatError('not an ELF file (no \\x7fELF magic)');
  const cls = r.u8(4, 'ELF class');
  if (cls !== 1 && cls !== 2) throw new FormatError(`unknown ELF class ${cls} (expected 1 = ELF32 or 2 = ELF64)`);
  if (r.u8(5, 'ELF data encoding') !== 1) throw new FormatError('big-endian ELF files are not x86 files');
  const is64 = cls === 2;
  const hdrSize = is64 ? 64 : 52;
  r.check(0, hdrSize, 'ELF header');
  const type = r.u16(16, 'e_type');
  const machine = r.u16(18, 'e_machine');
  const entry = is64 ? r.u64(24, 'e_entry') : r.u32(24, 'e_entry');
  const phoff = is64 ? r.u64(32, 'e_phoff') : r.u32(28, 'e_phoff');
  const shoff = is64 ? r.u64(40, 'e_shoff') : r.u32(32, 'e_shoff');
  const base = is64 ? 52 : 40;
  const phentsize = r.u16(base + 2, 'e_phentsize');
  const phnum = r.u16(base + 4, 'e_phnum');
  const shentsize = r.u16(base + 6, 'e_shentsize');
  const shnum = r.u16(base + 8, 'e_shnum');
  const shstrndx = r.u16(base + 10, 'e_shstrndx');

  const programHeaders: ElfProgramHeader[] = [];
  if (phnum > 0) {
    if (phentsize < (is64 ? 56 : 32)) throw new FormatError(`e_phentsize ${phentsize} is too small`);
    r.check(phoff, phnum * phentsize, 'program header table');
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      programHeaders.push(is64 ? {
        index: i, type: r.u32(o, 'p_type'), flags: r.u32(o + 4, 'p_flags'), offset: r.u64(o + 8, 'p_offset'),
        vaddr: r.u64(o + 16, 'p_vaddr'), paddr: r.u64(o + 24, 'p_paddr'), filesz: r.u64(o + 32, 'p_filesz'), memsz: r.u64(o + 40, 'p_memsz'), align: r.u64(o + 48, 'p_align'),
      } : {
        index: i, type: r.u32(o, 'p_type'), offset: r.u32(o + 4, 'p_offset'), vaddr: r.u32(o + 8, 'p_vaddr'), paddr: r.u32(o + 12, 'p_paddr'),
        filesz: r.u32(o + 16, 'p_filesz'), memsz: r.u32(o + 20, 'p_memsz'), flags: r.u32(o + 24, 'p_flags'), align: r.u32(o + 28, 'p_align'),
      });
    }
  }

  const sections: ElfSection[] = [];
  if (shnum > 0 && shoff !== 0) {
    if (shentsize < (is64 ? 64 : 40)) throw new FormatError(`e_shentsize ${shentsize} is too small`);
    r.check(shoff, shnum * shentsize, 'section header table');
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      sections.push(is64 ? {
        index: i, name: '', type: r.u32(o + 4, 'sh_type'), flags: r.u64(o + 8, 'sh_flags'), addr: r.u64(o + 16, 'sh_addr'), offset: r.u64(o + 24, 'sh_offset'),
        size: r.u64(o + 32, 'sh_size'), link: r.u32(o + 40, 'sh_link'), info: r.u32(o + 44, 'sh_info'), addralign: r.u64(o + 48, 'sh_addralign'), entsize: r.u64(o + 56, 'sh_entsize'),
      } : {
        index: i, name: '', type: r.u32(o + 4, 'sh_type'), flags: r.u32(o + 8, 'sh_flags'), addr: r.u32(o + 12, 'sh_addr'), offset: r.u32(o + 16, 'sh_offset'),
        size: r.u32(o + 20, 'sh_size'), link: r.u32(o + 24, 'sh_link'), info: r.u32(o + 28, 'sh_info'), addralign: r.u32(o + 32, 'sh_addralign'), entsize: r.u32(o + 36, 'sh_entsize'),
      });
    }
    if (shstrndx < sections.length) {
      const strtab = sections[shstrndx];
      if (strtab.type !== SHT_NOBITS) {
        r.check(strtab.offset, strtab.size, 'section name string table');
        for (let i = 0; i < shnum; i++) {
          const nameOffset = r.u32(shoff + i * shentsize, 'sh_name');
          sections[i].name = nameOffset < strtab.size ? r.cString(strtab.offset + nameOffset, strtab.offset + strtab.size, `name of section ${i}`) : '';
        }
      }
    }
  }
  return { elfClass: is64 ? 64 : 32, type, machine, entry, programHeaders, sections, bytes };
}

export function sectionByName(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}

/** The bytes of a section (empty for SHT_NOBITS). */
export function sectionData(elf: ElfFile, section: ElfSection): Uint8Array {
  if (section.type === SHT_NOBITS) return new Uint8Array(0);
  return new ByteReader(elf.bytes).slice(section.offset, section.size, `section ${section.name || section.index}`);
}

/** Symbols of .symtab (falling back to .dynsym). */
export function readSymbols(elf: ElfFile): ElfSymbol[] {
  const table = elf.sections.find((s) => s.type === SHT_SYMTAB) ?? elf.sections.find((s) => s.type === SHT_DYNSYM);
  if (table === undefined) return [];
  const strtab = elf.sections[table.link];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) throw new FormatError(`symbol table ${table.name} links to section ${table.link}, which is not a string table`);
  const r = new ByteReader(elf.bytes);
  const is64 = elf.elfClass === 64;
  const entsize = table.entsize || (is64 ? 24 : 16);
  if (entsize < (is64 ? 24 : 16)) throw new FormatError(`symbol table entry size ${entsize} is too small`);
  r.check(table.offset, table.size, 'symbol table');
  r.check(strtab.offset, strtab.size, 'symbol string table');
  const count = Math.floor(table.size / entsize);
  const out: ElfSymbol[] = [];
  // An all-ASCII string table (the usual case) is decoded once; names are slices of it.
  const strBytes = elf.bytes.subarray(strtab.offset, strtab.offset + strtab.size);
  const strText = isAscii(strBytes) ? asciiText(strBytes) : undefined;
  const bytes = elf.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 1; i < count; i++) {
    const o = table.offset + i * entsize;
    const nameOffset = view.getUint32(o, true);
    let name: string;
    if (nameOffset === 0 || nameOffset >= strtab.size) name = '';
    else if (strText !== undefined) {
      const nul = strText.indexOf('\0', nameOffset);
      name = strText.slice(nameOffset, nul < 0 ? strText.length : nul);
    } else name = r.cString(strtab.offset + nameOffset, strtab.offset + strtab.size, `symbol ${i} name`);
    // The whole table was range-checked above: entries are read directly.
    if (is64) {
      const info = bytes[o + 4];
      const value = view.getUint32(o + 12, true) >= 0x200000 ? r.u64(o + 8, 'st_value') : view.getUint32(o + 8, true) + view.getUint32(o + 12, true) * 4294967296;
      const size = view.getUint32(o + 20, true) >= 0x200000 ? r.u64(o + 16, 'st_size') : view.getUint32(o + 16, true) + view.getUint32(o + 20, true) * 4294967296;
      out.push({ name, type: info & 0xf, bind: info >> 4, other: bytes[o + 5], shndx: view.getUint16(o + 6, true), value, size });
    } else {
      const info = bytes[o + 12];
      out.push({ name, value: view.getUint32(o + 4, true), size: view.getUint32(o + 8, true), type: info & 0xf, bind: info >> 4, other: bytes[o + 13], shndx: view.getUint16(o + 14, true) });
    }
  }
  return out;
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return false;
  return true;
}

const asciiDecoder = new TextDecoder();

/** ASCII bytes as a string (one character per byte, NULs included). */
function asciiText(bytes: Uint8Array): string {
  return asciiDecoder.decode(bytes);
}

/** Notes from PT_NOTE segments, or SHT_NOTE sections when there are no program headers. */
export function readNotes(elf: ElfFile): ElfNote[] {
  const r = new ByteReader(elf.bytes);
  const areas: { offset: number; size: number }[] = elf.programHeaders.filter((p) => p.type === PT_NOTE).map((p) => ({ offset: p.offset, size: p.filesz }));
  if (areas.length === 0) for (const s of elf.sections) if (s.type === SHT_NOTE) areas.push({ offset: s.offset, size: s.size });
  const notes: ElfNote[] = [];
  for (const area of areas) {
    r.check(area.offset, area.size, 'note area');
    let o = area.offset;
    const end = area.offset + area.size;
    while (o + 12 <= end) {
      const namesz = r.u32(o, 'n_namesz');
      const descsz = r.u32(o + 4, 'n_descsz');
      const type = r.u32(o + 8, 'n_type');
      const nameStart = o + 12;
      const descStart = nameStart + align4(namesz);
      const next = descStart + align4(descsz);
      if (next > end) throw new FormatError(`note at 0x${o.toString(16)} runs past the end of its note area`);
      const name = namesz === 0 ? '' : r.cString(nameStart, nameStart + namesz, 'note name');
      notes.push({ name, type, desc: r.slice(descStart, descsz, 'note descriptor') });
      o = next;
    }
  }
  return notes;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
