/**
 * Disassembler over the executor's own decoder and opcode table: it shows
 * exactly what the CPU will execute at that address in the current mode
 * (CS.D and prefixes decide operand and address sizes). Intel syntax as
 * NASM writes it, AT&T syntax as GNU as / objdump write it.
 */
import { DecodedInstruction, RepPrefix } from './decoded-instruction';
import { decodeInstruction } from './decoder';
import type { OperandForm } from './opcode-table-types';

export type Syntax = 'intel' | 'att';

export interface DisassembledInstruction {
  address: number;
  length: number;
  bytes: number[];
  /** Full text, e.g. "mov eax, dword [ebx+0x4]" or "movl 0x4(%ebx),%eax". */
  text: string;
  mnemonic: string;
  operands: string;
  /** Near branch / call target, when the instruction has one. */
  target?: number;
  valid: boolean;
}

const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const RM16 = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];
const RM16_ATT = ['%bx,%si', '%bx,%di', '%bp,%si', '%bp,%di', '%si', '%di', '%bp', '%bx'];

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

function regName(r: number, w: number): string {
  return w === 8 ? REG8[r] : w === 16 ? REG16[r] : REG32[r];
}

function formWidth(form: OperandForm, insn: DecodedInstruction): number {
  const last = form[form.length - 1];
  switch (last) {
    case 'b': return 8;
    case 'w': return 16;
    case 'd': return 32;
    case 'q': return 64;
    case 'v':
    case 'z':
      return insn.opSize;
    default:
      return 0;
  }
}

/** AT&T names of the size-named mnemonics (GAS / objdump). */
const ATT32: Record<string, string> = {
  cwde: 'cwtl', cdq: 'cltd', insd: 'insl', outsd: 'outsl', movsd: 'movsl', cmpsd: 'cmpsl', stosd: 'stosl', lodsd: 'lodsl', scasd: 'scasl',
  pushad: 'pushal', popad: 'popal', pushfd: 'pushfl', popfd: 'popfl', iretd: 'iretl',
};
const ATT16: Record<string, string> = { cbw: 'cbtw', cwd: 'cwtd', pusha: 'pushaw', popa: 'popaw', pushf: 'pushfw', popf: 'popfw', iret: 'iretw' };

const STRING_FORMS: ReadonlySet<OperandForm> = new Set<OperandForm>(['Xb', 'Xv', 'Yb', 'Yv']);

/** Decode and render one instruction from `fetch` (byte i of the instruction at `address`). */
export function disassemble(fetch: (i: number) => number, address: number, codeSize: 16 | 32, syntax: Syntax = 'intel'): DisassembledInstruction {
  const insn = new DecodedInstruction();
  let ok: boolean;
  try {
    ok = decodeInstruction(insn, fetch, codeSize);
  } catch {
    ok = false;
    insn.length = Math.max(insn.length, 1);
  }
  const length = Math.max(1, insn.length);
  const bytes: number[] = [];
  for (let i = 0; i < length; i++) bytes.push(insn.bytes[i]);
  if (!ok) {
    const text = syntax === 'intel' ? `db ${hex(bytes[0])}` : `.byte ${hex(bytes[0])}`;
    return { address, length: 1, bytes: bytes.slice(0, 1), text, mnemonic: syntax === 'intel' ? 'db' : '.byte', operands: hex(bytes[0]), valid: false };
  }
  return render(insn, address, syntax, bytes);
}

/** Disassemble from a byte array (bytes past the end read as missing: the instruction is reported invalid). */
export function disassembleBytes(code: Uint8Array, offset: number, address: number, codeSize: 16 | 32, syntax: Syntax = 'intel'): DisassembledInstruction {
  return disassemble((i) => {
    if (offset + i >= code.length) throw new RangeError('end of code');
    return code[offset + i];
  }, address, codeSize, syntax);
}

function render(insn: DecodedInstruction, address: number, syntax: Syntax, bytes: number[]): DisassembledInstruction {
  const entry = insn.entry;
  let mnemonic = insn.opSize === 32 && entry.mnemonic32 !== undefined ? entry.mnemonic32 : entry.mnemonic;
  if (insn.opcode === 0x90 && insn.rep === RepPrefix.Rep) mnemonic = 'pause';
  if (insn.opcode === 0xe3 && insn.addrSize === 32) mnemonic = 'jecxz';
  const isString = entry.operands.some((f) => STRING_FORMS.has(f));
  let target: number | undefined;
  const next = address + insn.length;

  const memory = (width: number): string => {
    const seg = insn.segmentOverride >= 0 ? insn.segmentOverride : -1;
    if (syntax === 'intel') {
      const parts: string[] = [];
      if (insn.addrSize === 16) {
        if (insn.base >= 0) parts.push(RM16[insn.rm]);
      } else {
        if (insn.base >= 0) parts.push(REG32[insn.base]);
        // A SIB index without a base keeps its scale even when it is 1: "[ebp*1+disp]" is DS-relative,
        // "[ebp+disp]" would read as SS-relative (SDM Vol. 2 Table 2-3, Vol. 3 3.7.5).
        if (insn.index >= 0) parts.push(REG32[insn.index] + (insn.scale || insn.base < 0 ? `*${1 << insn.scale}` : ''));
      }
      let text = parts.join('+');
      if (insn.dispSize > 0 || parts.length === 0) {
        const d = insn.disp;
        if (parts.length === 0) text = hex(insn.addrSize === 16 ? d & 0xffff : d >>> 0);
        else text += d < 0 ? `-${hex(-d)}` : `+${hex(d)}`;
      }
      const size = width === 8 ? 'byte ' : width === 16 ? 'word ' : width === 32 ? 'dword ' : width === 64 ? 'qword ' : '';
      return `${size}[${seg >= 0 ? SREG[seg] + ':' : ''}${text}]`;
    }
    let text = '';
    if (insn.dispSize > 0 || insn.base < 0) {
      const d = insn.disp;
      text = insn.base < 0 && insn.index < 0 ? hex(insn.addrSize === 16 ? d & 0xffff : d >>> 0) : d < 0 ? `-${hex(-d)}` : hex(d);
    }
    if (insn.addrSize === 16) {
      if (insn.base >= 0) text += `(${RM16_ATT[insn.rm]})`;
    } else if (insn.base >= 0 || insn.index >= 0) {
      text += `(${insn.base >= 0 ? '%' + REG32[insn.base] : ''}${insn.index >= 0 ? `,%${REG32[insn.index]},${1 << insn.scale}` : ''})`;
    }
    return (seg >= 0 ? `%${SREG[seg]}:` : '') + text;
  };
  const reg = (name: string): string => (syntax === 'att' ? '%' + name : name);
  const imm = (v: number): string => (syntax === 'att' ? '$' + hex(v) : hex(v));

  const operands: string[] = [];
  let memoryWidth = 0;
  let hasRegisterSize = false;
  for (const form of entry.operands) {
    // String instructions: the sized mnemonic names everything (STOSD, not STOSD EAX), as NASM writes them.
    if (isString && (STRING_FORMS.has(form) || form === 'AL' || form === 'eAX')) continue;
    switch (form) {
      case 'Eb': case 'Ew': case 'Ed': case 'Ev': {
        // MOV r/m, Sreg (8C) stores 16 bits to memory whatever the operand size (SDM Vol. 2 MOV).
        const w = insn.opcode === 0x8c && insn.isMemory ? 16 : formWidth(form, insn);
        if (insn.isMemory) {
          memoryWidth = w;
          if (insn.opcode === 0x8c) hasRegisterSize = true; // the segment register fixes the size
          operands.push(memory(w));
        } else {
          hasRegisterSize = true;
          // SLDT/STR/SMSW r32 write the whole 32-bit register (upper half zero, SDM Vol. 2 SLDT/STR/SMSW).
          const stores = (insn.opcode === 0x100 && insn.reg <= 1) || (insn.opcode === 0x101 && insn.reg === 4);
          operands.push(reg(regName(insn.rm, stores ? insn.opSize : w)));
        }
        break;
      }
      case 'Gb': case 'Gw': case 'Gd': case 'Gv': case 'Gz':
        hasRegisterSize = true;
        operands.push(reg(regName(insn.reg, formWidth(form, insn))));
        break;
      case 'M': case 'Ms': case 'Mfx':
        operands.push(memory(0));
        break;
      case 'Mw': case 'Md': case 'Mq':
        memoryWidth = formWidth(form, insn);
        operands.push(memory(memoryWidth));
        break;
      // x87 memory operands: the size word names the format (NASM "tword" for 80 bits); in AT&T the mnemonic does (flds, fildll).
      case 'Mfs': case 'Mdi':
        operands.push(syntax === 'intel' ? memory(32) : memory(0));
        break;
      case 'Mfd': case 'Mqi':
        operands.push(syntax === 'intel' ? memory(64) : memory(0));
        break;
      case 'Mft': case 'Mbcd':
        operands.push(syntax === 'intel' ? 'tword ' + memory(0) : memory(0));
        break;
      case 'Mwi':
        operands.push(syntax === 'intel' ? memory(16) : memory(0));
        break;
      case 'Menv': case 'Mst':
        operands.push(memory(0));
        break;
      case 'ST0':
        operands.push(syntax === 'att' ? '%st' : 'st0');
        break;
      case 'STi':
        operands.push(syntax === 'att' ? `%st(${insn.rm})` : `st${insn.rm}`);
        break;
      case 'Mp':
        operands.push(syntax === 'intel' ? (insn.opSize === 32 ? 'far ' : 'far ') + memory(0) : memory(0));
        break;
      case 'Ma':
        operands.push(memory(insn.opSize === 32 ? 64 : 32));
        break;
      case 'Rd':
        hasRegisterSize = true;
        operands.push(reg(REG32[insn.rm]));
        break;
      case 'Sw':
        operands.push(reg(SREG[insn.reg] ?? `sreg${insn.reg}`));
        break;
      case 'Cd':
        operands.push(reg(`cr${insn.reg}`));
        break;
      case 'Dd':
        operands.push(reg(`dr${insn.reg}`));
        break;
      case 'Ib': case 'Iw':
        operands.push(imm(insn.opcode === 0xc8 && form === 'Ib' ? insn.imm2 : insn.imm));
        break;
      case 'Ibs': case 'Iz': case 'Iv':
        operands.push(imm(insn.imm));
        break;
      case 'Jb': case 'Jz': {
        const t = insn.opSize === 32 ? (next + insn.imm) >>> 0 : (next + insn.imm) & 0xffff;
        target = t;
        operands.push(hex(t));
        break;
      }
      case 'Ap':
        operands.push(syntax === 'intel' ? `${hex(insn.imm2)}:${hex(insn.imm)}` : `$${hex(insn.imm2)},$${hex(insn.imm)}`);
        break;
      case 'Ob': case 'Ov': {
        const seg = insn.segmentOverride >= 0 ? insn.segmentOverride : 3;
        memoryWidth = form === 'Ob' ? 8 : insn.opSize;
        const size = memoryWidth === 8 ? 'byte' : memoryWidth === 16 ? 'word' : 'dword';
        operands.push(syntax === 'intel' ? `${size} [${insn.segmentOverride >= 0 ? SREG[seg] + ':' : ''}${hex(insn.imm)}]` : `${insn.segmentOverride >= 0 ? `%${SREG[seg]}:` : ''}${hex(insn.imm)}`);
        break;
      }
      case 'Zb':
        hasRegisterSize = true;
        operands.push(reg(REG8[insn.opcode & 7]));
        break;
      case 'Zv':
        hasRegisterSize = true;
        // BSWAP with a 16-bit operand size names the 16-bit register (its result is undefined, SDM Vol. 2 BSWAP).
        operands.push(reg(regName(insn.opcode & 7, insn.opSize)));
        break;
      case 'AL': case 'CL':
        hasRegisterSize = form === 'AL' || hasRegisterSize;
        operands.push(reg(form.toLowerCase()));
        break;
      case 'AX':
        operands.push(reg('ax'));
        break;
      case 'DX':
        if (isString) break; // INSB/OUTSD: the port is implicit in the sized mnemonic (NASM form)
        operands.push(reg('dx'));
        break;
      case 'eAX':
        hasRegisterSize = true;
        operands.push(reg(insn.opSize === 32 ? 'eax' : 'ax'));
        break;
      case '1':
        operands.push(syntax === 'att' ? '$1' : '1');
        break;
      case 'ES': case 'CS': case 'SS': case 'DS': case 'FS': case 'GS':
        operands.push(reg(form.toLowerCase()));
        break;
      default:
        break;
    }
  }

  // Prefixes shown as words: lock, rep/repe/repne on string instructions.
  const prefixes: string[] = [];
  if (insn.lock) prefixes.push('lock');
  if (isString && insn.rep !== RepPrefix.None) {
    const conditional = insn.opcode === 0xa6 || insn.opcode === 0xa7 || insn.opcode === 0xae || insn.opcode === 0xaf;
    prefixes.push(insn.rep === RepPrefix.Rep ? (conditional ? 'repe' : 'rep') : 'repne');
  }
  if (isString && insn.segmentOverride >= 0) prefixes.push(SREG[insn.segmentOverride]);

  let m = mnemonic;
  let ops = operands;
  if (syntax === 'intel' && insn.opSize !== insn.codeSize && (insn.opcode === 0xe8 || insn.opcode === 0xe9 || insn.opcode === 0x9a || insn.opcode === 0xea)) {
    ops = [`${insn.opSize === 32 ? 'dword' : 'word'} ${operands[0]}`]; // NASM: "call word 0x1234", "jmp dword 0x8:0x10"
  }
  // PUSH imm with the non-default operand size: say so, or the text would reassemble to the other size.
  if ((insn.opcode === 0x68 || insn.opcode === 0x6a) && insn.opSize !== insn.codeSize) {
    if (syntax === 'intel') ops = [`${insn.opSize === 32 ? 'dword' : 'word'} ${operands[0]}`];
    else m += insn.opSize === 32 ? 'l' : 'w';
  }
  if (syntax === 'att') {
    // BOUND and ENTER keep the Intel operand order in GAS.
    ops = insn.opcode === 0x62 || insn.opcode === 0xc8 ? operands.slice() : operands.slice().reverse();
    if (insn.opSize === 32 && entry.mnemonic32 !== undefined) m = ATT32[entry.mnemonic32] ?? entry.mnemonic32;
    else if (ATT16[entry.mnemonic] !== undefined) m = ATT16[entry.mnemonic];
    else if (entry.att !== undefined && (entry.mnemonic32 === undefined || insn.opSize === 32)) m = entry.att;
    if (insn.opcode === 0xff && (insn.reg === 3 || insn.reg === 5) && insn.opSize !== insn.codeSize) m += insn.opSize === 32 ? 'l' : 'w';
    // LOOPcc with the other address size counts with the other register (CX/ECX): GAS writes loopw / loopl.
    if (insn.opcode >= 0xe0 && insn.opcode <= 0xe2 && insn.addrSize !== insn.codeSize) m += insn.addrSize === 32 ? 'l' : 'w';
    // Near/far branches with the non-default operand size: GAS marks them (callw, ljmpl, lretw).
    if (insn.opSize !== insn.codeSize && (insn.opcode === 0xe8 || insn.opcode === 0xe9 || insn.opcode === 0x9a || insn.opcode === 0xea || insn.opcode === 0xca || insn.opcode === 0xcb)) m += insn.opSize === 32 ? 'l' : 'w';
    const indirect = insn.opcode === 0xff && (insn.reg >= 2 && insn.reg <= 5);
    if (indirect) ops = ops.map((o) => '*' + o);
    if (insn.opcode === 0x1b6 || insn.opcode === 0x1b7 || insn.opcode === 0x1be || insn.opcode === 0x1bf) m += insn.opSize === 32 ? 'l' : 'w';
    else if (memoryWidth > 0 && !hasRegisterSize && memoryWidth <= 32) m += memoryWidth === 8 ? 'b' : memoryWidth === 16 ? 'w' : 'l';
    else if ((entry.operands.includes('Ib') || entry.operands.includes('Ibs') || entry.operands.includes('Iz')) && !hasRegisterSize && insn.isMemory && memoryWidth === 0) m += insn.opSize === 32 ? 'l' : 'w';
  }
  // FLDENV/FNSTENV/FRSTOR/FNSAVE with the other operand size use the other image layout: GAS and objdump mark it.
  if (insn.opSize !== insn.codeSize && entry.operands.some((f) => f === 'Menv' || f === 'Mst')) {
    m += syntax === 'intel' ? (insn.opSize === 32 ? 'd' : 'w') : insn.opSize === 32 ? 'l' : 's';
  }
  const operandText = ops.join(syntax === 'intel' ? ', ' : ',');
  const head = [...prefixes, m].join(' ');
  return { address, length: insn.length, bytes, text: operandText ? `${head} ${operandText}` : head, mnemonic: m, operands: operandText, target, valid: true };
}
