/**
 * The `.debug_line` state machine (DWARF 4 section 6.2, DWARF 5 section
 * 6.2): headers of versions 2 to 5, including DWARF 5 directory and file
 * entry formats (6.2.4.1) with MD5 and DW_FORM_line_strp, and every
 * standard, extended and special opcode. Produces the rows of the matrix
 * in program order, one program per unit.
 */
import { FormatError } from '../elf/byte-reader';
import { DwarfCursor, stringAt } from './dwarf-cursor';
import { DW_FORM as DW_FORM_, DW_LNCT as DW_LNCT_, DW_LNE as DW_LNE_, DW_LNS as DW_LNS_ } from './dwarf-constants';
// Plain local objects: a transpiled module's named imports are getters, slow in the hot loops.
const DW_FORM = DW_FORM_;
const DW_LNCT = DW_LNCT_;
const DW_LNE = DW_LNE_;
const DW_LNS = DW_LNS_;

export interface LineFileEntry {
  /** As written in the table (may be relative to its directory). */
  name: string;
  /** Index into `directories` (DWARF 5: 0 = compilation directory; DWARF 4: 0 = compilation directory, 1.. = include_directories). */
  directoryIndex: number;
  md5?: Uint8Array;
}

/** One row of the line number matrix (DWARF 5 section 6.2.2, table 6.3). */
export interface LineRow {
  address: number;
  opIndex: number;
  /** File register as the program sets it (DWARF 5: 0-based, DWARF 2-4: 1-based). */
  file: number;
  /** No DW_LNS_set_file since the sequence began: `file` is the initial value 1 (section 6.2.2, table 6.4). */
  fileIsDefault: boolean;
  line: number;
  column: number;
  isStmt: boolean;
  basicBlock: boolean;
  endSequence: boolean;
  prologueEnd: boolean;
  epilogueBegin: boolean;
  isa: number;
  discriminator: number;
}

export interface LineProgram {
  /** Offset of the unit in .debug_line (what DW_AT_stmt_list holds). */
  offset: number;
  version: number;
  addressSize: number;
  minimumInstructionLength: number;
  maximumOperationsPerInstruction: number;
  /**
   * DWARF 5: the directory table as written (entry 0 = compilation directory).
   * DWARF 2-4: entry 0 is '' (the compilation directory, known from the unit) and 1.. are include_directories.
   */
  directories: string[];
  /** DWARF 5: as written (0-based). DWARF 2-4: entry 0 is a placeholder, 1.. are file_names then DW_LNE_define_file entries. */
  files: LineFileEntry[];
  rows: LineRow[];
}

export interface LineSections {
  debugLine: Uint8Array;
  debugLineStr?: Uint8Array;
  debugStr?: Uint8Array;
}

/** Decode every line program in .debug_line, in section order. */
export function decodeAllLinePrograms(sections: LineSections, defaultAddressSize: number): LineProgram[] {
  const programs: LineProgram[] = [];
  let offset = 0;
  while (offset < sections.debugLine.length) {
    const program = decodeLineProgram(sections, offset, defaultAddressSize);
    programs.push(program.program);
    offset = program.next;
  }
  return programs;
}

/** Decode the line program at `offset`; returns it and the offset of the next unit. */
export function decodeLineProgram(sections: LineSections, offset: number, defaultAddressSize: number): { program: LineProgram; next: number } {
  const c = new DwarfCursor(sections.debugLine, '.debug_line', offset);
  const { offsetSize, unitEnd } = c.initialLength();
  const version = c.u16();
  if (version < 2 || version > 5) c.fail(`unsupported line table version ${version}`);
  let addressSize = defaultAddressSize;
  if (version >= 5) {
    addressSize = c.u8();
    const segmentSelectorSize = c.u8();
    if (segmentSelectorSize !== 0) c.fail(`segment selectors (size ${segmentSelectorSize}) are not supported`);
    if (addressSize !== 4 && addressSize !== 8 && addressSize !== 2) c.fail(`address size ${addressSize}`);
  }
  const headerLength = offsetSize === 8 ? c.u64() : c.u32();
  const programStart = c.offset + headerLength;
  if (programStart > unitEnd) c.fail(`header length 0x${headerLength.toString(16)} runs past the unit`);
  const h = c.sub(c.offset, programStart);
  const minimumInstructionLength = h.u8();
  const maximumOperationsPerInstruction = version >= 4 ? h.u8() : 1;
  if (maximumOperationsPerInstruction === 0) h.fail('maximum_operations_per_instruction is 0');
  const defaultIsStmt = h.u8() !== 0;
  const lineBase = h.i8();
  const lineRange = h.u8();
  if (lineRange === 0) h.fail('line_range is 0');
  const opcodeBase = h.u8();
  const standardOpcodeLengths = [0];
  for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(h.u8());

  const directories: string[] = [];
  const files: LineFileEntry[] = [];
  if (version >= 5) {
    // DWARF 5 section 6.2.4 items 14-20: entry formats, then entries.
    for (const entry of readEntryTable(h, sections, offsetSize, 'directory')) directories.push(entry.name);
    files.push(...readEntryTable(h, sections, offsetSize, 'file'));
  } else {
    // DWARF 4 section 6.2.4 items 14-15: NUL-terminated lists.
    directories.push('');
    for (;;) {
      const dir = h.cstring();
      if (dir === '') break;
      directories.push(dir);
    }
    files.push({ name: '', directoryIndex: 0 });
    for (;;) {
      const name = h.cstring();
      if (name === '') break;
      const directoryIndex = h.uleb();
      h.uleb(); // modification time
      h.uleb(); // length
      files.push({ name, directoryIndex });
    }
  }

  const rows = runStateMachine(c.sub(programStart, unitEnd), {
    version, addressSize, minimumInstructionLength, maximumOperationsPerInstruction, defaultIsStmt, lineBase, lineRange, opcodeBase, standardOpcodeLengths, files,
  });
  return {
    program: { offset, version, addressSize, minimumInstructionLength, maximumOperationsPerInstruction, directories, files, rows },
    next: unitEnd,
  };
}

function readEntryTable(h: DwarfCursor, sections: LineSections, offsetSize: 4 | 8, what: string): LineFileEntry[] {
  const formatCount = h.u8();
  const formats: { contentType: number; form: number }[] = [];
  for (let i = 0; i < formatCount; i++) formats.push({ contentType: h.uleb(), form: h.uleb() });
  const count = h.uleb();
  // Each entry takes at least one byte per format: refuse counts the header cannot hold before allocating.
  if (count > h.remaining) h.fail(`${what} count ${count} exceeds the header`);
  const entries: LineFileEntry[] = [];
  for (let i = 0; i < count; i++) {
    const entry: LineFileEntry = { name: '', directoryIndex: 0 };
    for (const { contentType, form } of formats) {
      const value = readEntryForm(h, sections, offsetSize, form);
      if (contentType === DW_LNCT.path && typeof value === 'string') entry.name = value;
      else if (contentType === DW_LNCT.directory_index && typeof value === 'number') entry.directoryIndex = value;
      else if (contentType === DW_LNCT.MD5 && value instanceof Uint8Array) entry.md5 = value;
    }
    entries.push(entry);
  }
  return entries;
}

/** The forms DWARF 5 section 6.2.4.1 allows in directory and file entries. */
function readEntryForm(h: DwarfCursor, sections: LineSections, offsetSize: 4 | 8, form: number): string | number | Uint8Array {
  switch (form) {
    case DW_FORM.string: return h.cstring();
    case DW_FORM.line_strp: return stringAt(sections.debugLineStr, offsetSize === 8 ? h.u64() : h.u32(), '.debug_line_str');
    case DW_FORM.strp: return stringAt(sections.debugStr, offsetSize === 8 ? h.u64() : h.u32(), '.debug_str');
    case DW_FORM.udata: return h.uleb();
    case DW_FORM.data1: return h.u8();
    case DW_FORM.data2: return h.u16();
    case DW_FORM.data4: return h.u32();
    case DW_FORM.data8: return h.u64();
    case DW_FORM.data16: return h.bytesOf(16);
    case DW_FORM.block: return h.bytesOf(h.uleb());
    case DW_FORM.strx: case DW_FORM.strx1: case DW_FORM.strx2: case DW_FORM.strx3: case DW_FORM.strx4:
      // Needs the unit's str_offsets_base, which a line table does not know.
      throw new FormatError(`.debug_line: DW_FORM 0x${form.toString(16)} (strx) in a line table header is not supported`);
    default:
      return h.fail(`DW_FORM 0x${form.toString(16)} is not allowed in a line table header`);
  }
}

interface MachineParameters {
  version: number;
  addressSize: number;
  minimumInstructionLength: number;
  maximumOperationsPerInstruction: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardOpcodeLengths: number[];
  files: LineFileEntry[];
}

/** DWARF 5 section 6.2.5: the line number program. */
function runStateMachine(c: DwarfCursor, p: MachineParameters): LineRow[] {
  const rows: LineRow[] = [];
  const initialFile = 1; // section 6.2.2 table 6.4: file = 1 in every version
  let address = 0, opIndex = 0, file = initialFile, fileIsDefault = true, line = 1, column = 0, isStmt = p.defaultIsStmt;
  let basicBlock = false, endSequence = false, prologueEnd = false, epilogueBegin = false, isa = 0, discriminator = 0;
  const reset = (): void => {
    address = 0; opIndex = 0; file = initialFile; fileIsDefault = true; line = 1; column = 0; isStmt = p.defaultIsStmt;
    basicBlock = false; endSequence = false; prologueEnd = false; epilogueBegin = false; isa = 0; discriminator = 0;
  };
  const emit = (): void => {
    rows.push({ address, opIndex, file, fileIsDefault, line, column, isStmt, basicBlock, endSequence, prologueEnd, epilogueBegin, isa, discriminator });
    // 6.2.5.1 and 6.2.5.2: these registers reset after every appended row.
    basicBlock = false; prologueEnd = false; epilogueBegin = false; discriminator = 0;
  };
  const addressMask = p.addressSize >= 8 ? Number.MAX_SAFE_INTEGER : 2 ** (p.addressSize * 8);
  // 6.2.5.1: "operation advance" moves address and op_index together (VLIW when max_ops > 1).
  const advance = (operationAdvance: number): void => {
    if (p.maximumOperationsPerInstruction === 1) {
      address += p.minimumInstructionLength * operationAdvance;
    } else {
      const total = opIndex + operationAdvance;
      address += p.minimumInstructionLength * Math.floor(total / p.maximumOperationsPerInstruction);
      opIndex = total % p.maximumOperationsPerInstruction;
    }
    if (p.addressSize < 8) address %= addressMask;
  };
  while (!c.atEnd()) {
    const opcode = c.u8();
    if (opcode >= p.opcodeBase) {
      // 6.2.5.1: special opcode.
      const adjusted = opcode - p.opcodeBase;
      advance(Math.floor(adjusted / p.lineRange));
      line += p.lineBase + (adjusted % p.lineRange);
      emit();
      continue;
    }
    switch (opcode) {
      case 0: {
        // 6.2.5.3: extended opcode.
        const length = c.uleb();
        if (length === 0 || length > c.remaining) c.fail(`extended opcode length ${length}`);
        const end = c.offset + length;
        const sub = c.u8();
        switch (sub) {
          case DW_LNE.end_sequence:
            endSequence = true;
            emit();
            reset();
            break;
          case DW_LNE.set_address:
            address = c.uint(length - 1);
            opIndex = 0;
            break;
          case DW_LNE.define_file: {
            const name = c.cstring();
            const directoryIndex = c.uleb();
            c.uleb();
            c.uleb();
            p.files.push({ name, directoryIndex });
            break;
          }
          case DW_LNE.set_discriminator:
            discriminator = c.uleb();
            break;
          default:
            break; // unknown extended opcodes are skipped by their length
        }
        c.offset = end;
        break;
      }
      case DW_LNS.copy:
        emit();
        break;
      case DW_LNS.advance_pc:
        advance(c.uleb());
        break;
      case DW_LNS.advance_line:
        line += c.sleb();
        break;
      case DW_LNS.set_file:
        file = c.uleb();
        fileIsDefault = false;
        break;
      case DW_LNS.set_column:
        column = c.uleb();
        break;
      case DW_LNS.negate_stmt:
        isStmt = !isStmt;
        break;
      case DW_LNS.set_basic_block:
        basicBlock = true;
        break;
      case DW_LNS.const_add_pc:
        advance(Math.floor((255 - p.opcodeBase) / p.lineRange));
        break;
      case DW_LNS.fixed_advance_pc:
        address += c.u16();
        opIndex = 0;
        break;
      case DW_LNS.set_prologue_end:
        prologueEnd = true;
        break;
      case DW_LNS.set_epilogue_begin:
        epilogueBegin = true;
        break;
      case DW_LNS.set_isa:
        isa = c.uleb();
        break;
      default: {
        // 6.2.5.2 / 7.22: unknown standard opcodes are skipped using standard_opcode_lengths.
        const argc = p.standardOpcodeLengths[opcode] ?? 0;
        for (let i = 0; i < argc; i++) c.uleb();
      }
    }
  }
  return rows;
}
