/**
 * Assembler directives and pseudo-instructions, for parsing and completion
 * (NASM manual chapters 3 "The NASM Language", 4 "The Preprocessor", 7
 * "Assembler Directives"; GAS manual chapter 7 "Assembler Directives").
 */
import type { Dialect } from '../model';

/** NASM pseudo-instructions that may follow a label on the same line (NASM manual 3.2). */
export const NASM_DATA = new Set(['db', 'dw', 'dd', 'dq', 'dt', 'do', 'dy', 'dz', 'resb', 'resw', 'resd', 'resq', 'rest', 'reso', 'resy', 'resz', 'incbin', 'equ', 'times']);

/** NASM directives (NASM manual 7) and other words that start a statement without being instructions. */
export const NASM_DIRECTIVES = new Set(['bits', 'use16', 'use32', 'use64', 'section', 'segment', 'org', 'align', 'alignb', 'global', 'extern', 'common', 'absolute', 'cpu', 'default', 'struc', 'endstruc', 'istruc', 'iend', 'at', 'static', 'required', 'float', 'warning', 'sectalign']);

export const NASM_PREPROCESSOR = ['%define', '%xdefine', '%undef', '%assign', '%macro', '%endmacro', '%imacro', '%include', '%if', '%ifdef', '%ifndef', '%elif', '%else', '%endif', '%rep', '%endrep', '%error', '%warning', '%fatal', '%push', '%pop', '%local', '%strlen', '%substr', '%rotate', '%use', '%pathsearch', '%depend'];

export const GAS_DIRECTIVES = ['.code16', '.code16gcc', '.code32', '.code64', '.text', '.data', '.bss', '.section', '.globl', '.global', '.extern', '.set', '.equ', '.equiv', '.macro', '.endm', '.include', '.if', '.ifdef', '.ifndef', '.else', '.endif', '.rept', '.endr', '.irp', '.byte', '.word', '.short', '.long', '.int', '.quad', '.ascii', '.asciz', '.string', '.space', '.skip', '.fill', '.zero', '.align', '.balign', '.p2align', '.org', '.type', '.size', '.intel_syntax', '.att_syntax', '.file', '.local', '.comm', '.weak'];

/** Data directives whose operands may be GDT descriptor literals. */
export const QWORD_DATA: Record<Dialect, Set<string>> = {
  nasm: new Set(['dq']),
  gas: new Set(['.quad']),
};

export function directivesFor(dialect: Dialect): string[] {
  return dialect === 'nasm' ? [...NASM_DATA, ...NASM_DIRECTIVES, ...NASM_PREPROCESSOR] : [...GAS_DIRECTIVES];
}
