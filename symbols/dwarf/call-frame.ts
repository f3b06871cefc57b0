/**
 * Call-frame information (DWARF 5 section 6.4) from .debug_frame and
 * .eh_frame (Linux Standard Base 5.0 "Exception Frames": CIE id 0, relative
 * CIE pointers, augmentation strings "zR", "zPLR", "S", pointer encodings).
 * CIEs and FDEs are parsed once; the rule row for an address is computed by
 * executing the CIE's initial instructions and the FDE's instructions up to
 * that address (6.4.2: all DW_CFA_* operations).
 */
import { FormatError } from '../elf/byte-reader';
import { DwarfCursor } from './dwarf-cursor';

export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'sameValue' }
  /** Saved at CFA + offset. */
  | { kind: 'offset'; offset: number }
  /** The value is CFA + offset. */
  | { kind: 'valOffset'; offset: number }
  | { kind: 'register'; register: number }
  | { kind: 'expression'; expression: Uint8Array }
  | { kind: 'valExpression'; expression: Uint8Array };

export type CfaRule = { kind: 'registerOffset'; register: number; offset: number } | { kind: 'expression'; expression: Uint8Array };

export interface FrameRow {
  /** First address the row applies to. */
  location: number;
  cfa: CfaRule;
  registers: Map<number, RegisterRule>;
}

export interface CommonInformationEntry {
  offset: number;
  version: number;
  augmentation: string;
  codeAlignment: number;
  dataAlignment: number;
  returnAddressRegister: number;
  /** DW_EH_PE_* encoding of FDE addresses ('R' augmentation). */
  pointerEncoding: number;
  signalFrame: boolean;
  initialInstructions: Uint8Array;
  addressSize: number;
}

export interface FrameDescriptionEntry {
  offset: number;
  cie: CommonInformationEntry;
  low: number;
  high: number;
  instructions: Uint8Array;
  source: '.debug_frame' | '.eh_frame';
}

const DW_EH_PE_omit = 0xff;

export interface CallFrameSections {
  debugFrame?: Uint8Array;
  ehFrame?: Uint8Array;
  /** Link-time address of .eh_frame (DW_EH_PE_pcrel pointers are relative to it). */
  ehFrameAddress: number;
  addressSize: number;
}

/** Parse every CIE and FDE of both sections. */
export function readFrameEntries(sections: CallFrameSections): FrameDescriptionEntry[] {
  const fdes: FrameDescriptionEntry[] = [];
  if (sections.debugFrame !== undefined) fdes.push(...readSection(sections.debugFrame, '.debug_frame', sections, 0));
  if (sections.ehFrame !== undefined) fdes.push(...readSection(sections.ehFrame, '.eh_frame', sections, sections.ehFrameAddress));
  return fdes;
}

function readSection(bytes: Uint8Array, name: '.debug_frame' | '.eh_frame', sections: CallFrameSections, sectionAddress: number): FrameDescriptionEntry[] {
  const isEh = name === '.eh_frame';
  const cies = new Map<number, CommonInformationEntry>();
  const fdes: FrameDescriptionEntry[] = [];
  const c = new DwarfCursor(bytes, name);
  while (c.remaining >= 4) {
    const start = c.offset;
    const { length, offsetSize, unitEnd } = c.initialLength();
    if (length === 0) {
      if (isEh) break; // .eh_frame terminator
      continue;
    }
    const idOffset = c.offset;
    const id = offsetSize === 8 ? c.u64() : c.u32();
    const isCie = isEh ? id === 0 : offsetSize === 8 ? id === Number(0xffffffffffffffffn) : id === 0xffffffff;
    const body = c.sub(c.offset, unitEnd);
    if (isCie) {
      cies.set(start, readCie(body, start, isEh, sections.addressSize, sectionAddress));
    } else {
      const cieOffset = isEh ? idOffset - id : id;
      let cie = cies.get(cieOffset);
      if (cie === undefined) {
        // A CIE later in the section (allowed in .debug_frame): parse it where it is.
        cie = readCieAt(bytes, name, cieOffset, isEh, sections.addressSize, sectionAddress);
        cies.set(cieOffset, cie);
      }
      const low = readEncoded(body, cie.pointerEncoding, cie.addressSize, sectionAddress);
      const range = readEncoded(body, cie.pointerEncoding & 0x0f, cie.addressSize, sectionAddress);
      if (cie.augmentation.startsWith('z')) body.skip(body.uleb());
      fdes.push({ offset: start, cie, low, high: low + range, instructions: body.bytesOf(body.remaining), source: name });
    }
    c.offset = unitEnd;
  }
  return fdes;
}

function readCieAt(bytes: Uint8Array, name: string, offset: number, isEh: boolean, addressSize: number, sectionAddress: number): CommonInformationEntry {
  const c = new DwarfCursor(bytes, name, offset);
  const { offsetSize, unitEnd } = c.initialLength();
  const id = offsetSize === 8 ? c.u64() : c.u32();
  if (isEh ? id !== 0 : id !== 0xffffffff && id !== Number(0xffffffffffffffffn)) c.fail(`FDE points at 0x${offset.toString(16)}, which is not a CIE`);
  return readCie(c.sub(c.offset, unitEnd), offset, isEh, addressSize, sectionAddress);
}

function readCie(c: DwarfCursor, offset: number, isEh: boolean, defaultAddressSize: number, sectionAddress: number): CommonInformationEntry {
  const version = c.u8();
  if (version !== 1 && version !== 3 && version !== 4) c.fail(`unsupported CIE version ${version}`);
  const augmentation = c.cstring();
  let addressSize = defaultAddressSize;
  if (version === 4) {
    addressSize = c.u8();
    c.u8(); // segment_selector_size
    if (addressSize !== 4 && addressSize !== 8) c.fail(`CIE address size ${addressSize}`);
  }
  if (augmentation.includes('eh')) c.skip(addressSize); // old GCC "eh" augmentation: a pointer
  const codeAlignment = c.uleb();
  const dataAlignment = c.sleb();
  const returnAddressRegister = version === 1 ? c.u8() : c.uleb();
  let pointerEncoding = 0; // DW_EH_PE_absptr
  let signalFrame = false;
  if (augmentation.startsWith('z')) {
    const length = c.uleb();
    const data = c.sub(c.offset, c.offset + length);
    c.skip(length);
    for (const ch of augmentation.slice(1)) {
      if (ch === 'R') pointerEncoding = data.u8();
      else if (ch === 'L') data.u8();
      else if (ch === 'P') {
        const enc = data.u8();
        readEncoded(data, enc, addressSize, sectionAddress);
      } else if (ch === 'S') signalFrame = true;
      else if (ch === 'B' || ch === 'G') {
        // AArch64 / MTE markers, no data
      } else break; // unknown: the rest of the data is skipped by its length
    }
  } else if (augmentation !== '' && !augmentation.includes('eh')) {
    c.fail(`unknown CIE augmentation "${augmentation}"`);
  }
  return { offset, version, augmentation, codeAlignment, dataAlignment, returnAddressRegister, pointerEncoding, signalFrame, initialInstructions: c.bytesOf(c.remaining), addressSize };
}

/** A DW_EH_PE_* encoded pointer (LSB 5.0 section 10.5). */
function readEncoded(c: DwarfCursor, encoding: number, addressSize: number, sectionAddress: number): number {
  if (encoding === DW_EH_PE_omit) return 0;
  const fieldAddress = sectionAddress + c.offset;
  let v: number;
  switch (encoding & 0x0f) {
    case 0x00: v = c.uint(addressSize); break;
    case 0x01: v = c.uleb(); break;
    case 0x02: v = c.u16(); break;
    case 0x03: v = c.u32(); break;
    case 0x04: v = c.u64(); break;
    case 0x09: v = c.sleb(); break;
    case 0x0a: v = c.i16(); break;
    case 0x0b: v = c.i32(); break;
    case 0x0c: v = c.i64(); break;
    default: return c.fail(`unsupported pointer encoding 0x${encoding.toString(16)}`);
  }
  switch (encoding & 0x70) {
    case 0x00: break;
    case 0x10: v += fieldAddress; break; // pcrel
    default: break; // textrel/datarel/funcrel: not used by x86 ELF executables
  }
  if (addressSize === 4) v = v >>> 0;
  return v;
}

/** 6.4.2: run CIE initial instructions then FDE instructions up to `pc`; returns the row in effect at `pc`. */
export function frameRowAt(fde: FrameDescriptionEntry, pc: number): FrameRow {
  const cie = fde.cie;
  const row: FrameRow = { location: fde.low, cfa: { kind: 'registerOffset', register: 0, offset: 0 }, registers: new Map() };
  execute(cie.initialInstructions, cie, row, undefined, Infinity);
  const initial = new Map(row.registers);
  execute(fde.instructions, cie, row, initial, pc);
  return row;
}

/** All rows of an FDE in order (for comparison with readelf's frames-interp table). */
export function frameRows(fde: FrameDescriptionEntry): FrameRow[] {
  const cie = fde.cie;
  const row: FrameRow = { location: fde.low, cfa: { kind: 'registerOffset', register: 0, offset: 0 }, registers: new Map() };
  execute(cie.initialInstructions, cie, row, undefined, Infinity);
  const initial = new Map(row.registers);
  const rows: FrameRow[] = [];
  execute(fde.instructions, cie, row, initial, Infinity, (r) => rows.push(r));
  rows.push(snapshot(row));
  return rows;
}

function snapshot(row: FrameRow): FrameRow {
  return { location: row.location, cfa: { ...row.cfa }, registers: new Map(row.registers) };
}

const MAX_STATE_DEPTH = 64;

function execute(instructions: Uint8Array, cie: CommonInformationEntry, row: FrameRow, initial: Map<number, RegisterRule> | undefined, stopAt: number, onRow?: (row: FrameRow) => void): void {
  const c = new DwarfCursor(instructions, 'call frame instructions');
  const stack: { cfa: CfaRule; registers: Map<number, RegisterRule> }[] = [];
  const advance = (delta: number): boolean => {
    const next = row.location + delta * cie.codeAlignment;
    if (next > stopAt) return false;
    if (onRow !== undefined && next !== row.location) onRow(snapshot(row));
    row.location = next;
    return true;
  };
  const restore = (reg: number): void => {
    const r = initial?.get(reg);
    if (r === undefined) row.registers.delete(reg);
    else row.registers.set(reg, r);
  };
  const setCfaRegisterOffset = (register: number | undefined, offset: number | undefined): void => {
    const current = row.cfa.kind === 'registerOffset' ? row.cfa : { register: 0, offset: 0 };
    row.cfa = { kind: 'registerOffset', register: register ?? current.register, offset: offset ?? current.offset };
  };
  while (!c.atEnd()) {
    const op = c.u8();
    const high = op & 0xc0;
    const low6 = op & 0x3f;
    if (high === 0x40) { if (!advance(low6)) return; continue; } // DW_CFA_advance_loc
    if (high === 0x80) { row.registers.set(low6, { kind: 'offset', offset: c.uleb() * cie.dataAlignment }); continue; } // DW_CFA_offset
    if (high === 0xc0) { restore(low6); continue; } // DW_CFA_restore
    switch (op) {
      case 0x00: break; // nop
      case 0x01: { // set_loc
        const target = c.uint(cie.addressSize);
        if (target > stopAt) return;
        if (onRow !== undefined && target !== row.location) onRow(snapshot(row));
        row.location = target;
        break;
      }
      case 0x02: if (!advance(c.u8())) return; break;
      case 0x03: if (!advance(c.u16())) return; break;
      case 0x04: if (!advance(c.u32())) return; break;
      case 0x05: { const r = c.uleb(); row.registers.set(r, { kind: 'offset', offset: c.uleb() * cie.dataAlignment }); break; }
      case 0x06: restore(c.uleb()); break;
      case 0x07: row.registers.set(c.uleb(), { kind: 'undefined' }); break;
      case 0x08: row.registers.set(c.uleb(), { kind: 'sameValue' }); break;
      case 0x09: { const r = c.uleb(); row.registers.set(r, { kind: 'register', register: c.uleb() }); break; }
      case 0x0a: // remember_state
        if (stack.length >= MAX_STATE_DEPTH) throw new FormatError('call frame instructions: remember_state nests too deep');
        stack.push({ cfa: { ...row.cfa }, registers: new Map(row.registers) });
        break;
      case 0x0b: { // restore_state (6.4.2.4: the CFA rule is restored too)
        const s = stack.pop();
        if (s === undefined) throw new FormatError('call frame instructions: restore_state without remember_state');
        row.cfa = s.cfa;
        row.registers = s.registers;
        break;
      }
      case 0x0c: { const r = c.uleb(); setCfaRegisterOffset(r, c.uleb()); break; } // def_cfa
      case 0x0d: setCfaRegisterOffset(c.uleb(), undefined); break; // def_cfa_register
      case 0x0e: setCfaRegisterOffset(undefined, c.uleb()); break; // def_cfa_offset
      case 0x0f: row.cfa = { kind: 'expression', expression: c.bytesOf(c.uleb()) }; break; // def_cfa_expression
      case 0x10: { const r = c.uleb(); row.registers.set(r, { kind: 'expression', expression: c.bytesOf(c.uleb()) }); break; }
      case 0x11: { const r = c.uleb(); row.registers.set(r, { kind: 'offset', offset: c.sleb() * cie.dataAlignment }); break; }
      case 0x12: { const r = c.uleb(); setCfaRegisterOffset(r, c.sleb() * cie.dataAlignment); break; } // def_cfa_sf
      case 0x13: setCfaRegisterOffset(undefined, c.sleb() * cie.dataAlignment); break; // def_cfa_offset_sf
      case 0x14: { const r = c.uleb(); row.registers.set(r, { kind: 'valOffset', offset: c.uleb() * cie.dataAlignment }); break; }
      case 0x15: { const r = c.uleb(); row.registers.set(r, { kind: 'valOffset', offset: c.sleb() * cie.dataAlignment }); break; }
      case 0x16: { const r = c.uleb(); row.registers.set(r, { kind: 'valExpression', expression: c.bytesOf(c.uleb()) }); break; }
      case 0x2e: c.uleb(); break; // GNU_args_size
      case 0x2f: { const r = c.uleb(); row.registers.set(r, { kind: 'offset', offset: -c.uleb() * cie.dataAlignment }); break; } // GNU_negative_offset_extended
      default:
        throw new FormatError(`call frame instructions: unknown DW_CFA operation 0x${op.toString(16)}`);
    }
  }
}

/** FDEs sorted by address for binary search. */
export class FrameTable {
  private readonly sorted: FrameDescriptionEntry[];

  constructor(readonly entries: FrameDescriptionEntry[]) {
    // .debug_frame first for equal addresses: it is what the compiler wrote for the debugger.
    this.sorted = entries.filter((f) => f.high > f.low).sort((a, b) => a.low - b.low || (a.source === '.debug_frame' ? -1 : 1));
  }

  find(pc: number): FrameDescriptionEntry | undefined {
    const s = this.sorted;
    let lo = 0, hi = s.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].low <= pc) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = found; i >= 0 && i > found - 8; i--) if (pc >= s[i].low && pc < s[i].high) return s[i];
    return undefined;
  }
}
