/**
 * DWARF constants used by the decoders, with the DWARF 5 section (7.x) that
 * defines each group. Only the values GCC and Clang emit for C and assembly
 * are named; others are handled generically by their form class.
 */

/** Section 7.5.4, table 7.3: tag encodings. */
export const DW_TAG = {
  array_type: 0x01, class_type: 0x02, entry_point: 0x03, enumeration_type: 0x04, formal_parameter: 0x05,
  label: 0x0a, lexical_block: 0x0b, member: 0x0d, pointer_type: 0x0f, reference_type: 0x10,
  compile_unit: 0x11, structure_type: 0x13, subroutine_type: 0x15, typedef: 0x16, union_type: 0x17,
  unspecified_parameters: 0x18, variant: 0x19, inlined_subroutine: 0x1d, subrange_type: 0x21,
  base_type: 0x24, const_type: 0x26, enumerator: 0x28, subprogram: 0x2e, variable: 0x34,
  volatile_type: 0x35, restrict_type: 0x37, atomic_type: 0x47, call_site: 0x48, call_site_parameter: 0x49,
  skeleton_unit: 0x4a, partial_unit: 0x3c, GNU_call_site: 0x4109, GNU_call_site_parameter: 0x410a,
} as const;

/** Section 7.5.4, table 7.5: attribute encodings. */
export const DW_AT = {
  sibling: 0x01, location: 0x02, name: 0x03, byte_size: 0x0b, stmt_list: 0x10, low_pc: 0x11, high_pc: 0x12,
  language: 0x13, comp_dir: 0x1b, const_value: 0x1c, inline: 0x20, producer: 0x25, prototyped: 0x27,
  lower_bound: 0x22, upper_bound: 0x2f, count: 0x37, abstract_origin: 0x31, bit_size: 0x0d, bit_offset: 0x0c,
  data_member_location: 0x38, decl_file: 0x3a, decl_line: 0x3b, declaration: 0x3c, encoding: 0x3e,
  external: 0x3f, frame_base: 0x40, specification: 0x47, type: 0x49, ranges: 0x55, data_bit_offset: 0x6b,
  call_column: 0x57, call_file: 0x58, call_line: 0x59, linkage_name: 0x6e, MIPS_linkage_name: 0x2007,
  entry_pc: 0x52, str_offsets_base: 0x72, addr_base: 0x73, rnglists_base: 0x74, loclists_base: 0x8c,
  GNU_locviews: 0x2137, GNU_entry_view: 0x2138,
} as const;

/** Section 7.5.6, table 7.6: attribute form encodings. */
export const DW_FORM = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09,
  block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11,
  ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18,
  flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c, strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f,
  ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25,
  strx2: 0x26, strx3: 0x27, strx4: 0x28, addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

/** Section 7.5.1, table 7.2: unit header types (DWARF 5). */
export const DW_UT = { compile: 0x01, type: 0x02, partial: 0x03, skeleton: 0x04, split_compile: 0x05, split_type: 0x06 } as const;

/** Section 7.22, table 7.25: standard line number opcodes. */
export const DW_LNS = {
  copy: 0x01, advance_pc: 0x02, advance_line: 0x03, set_file: 0x04, set_column: 0x05, negate_stmt: 0x06,
  set_basic_block: 0x07, const_add_pc: 0x08, fixed_advance_pc: 0x09, set_prologue_end: 0x0a,
  set_epilogue_begin: 0x0b, set_isa: 0x0c,
} as const;

/** Section 7.22, table 7.26: extended line number opcodes. */
export const DW_LNE = { end_sequence: 0x01, set_address: 0x02, define_file: 0x03, set_discriminator: 0x04 } as const;

/** Section 7.22, table 7.27: line number header entry formats (DWARF 5). */
export const DW_LNCT = { path: 0x1, directory_index: 0x2, timestamp: 0x3, size: 0x4, MD5: 0x5 } as const;

/** Section 7.8, table 7.11: base type encodings. */
export const DW_ATE = {
  address: 0x1, boolean: 0x2, complex_float: 0x3, float: 0x4, signed: 0x5, signed_char: 0x6, unsigned: 0x7,
  unsigned_char: 0x8, UTF: 0x10,
} as const;

/** Section 7.25, table 7.30: range list entries (DWARF 5). */
export const DW_RLE = { end_of_list: 0, base_addressx: 1, startx_endx: 2, startx_length: 3, offset_pair: 4, base_address: 5, start_end: 6, start_length: 7 } as const;

/** Section 7.7.3, table 7.10: location list entries (DWARF 5). */
export const DW_LLE = { end_of_list: 0, base_addressx: 1, startx_endx: 2, startx_length: 3, offset_pair: 4, default_location: 5, base_address: 6, start_end: 7, start_length: 8, GNU_view_pair: 9 } as const;
