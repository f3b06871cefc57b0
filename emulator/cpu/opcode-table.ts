/**
 * The opcode table: one source of truth for the decoder, the executor, the
 * disassembler and the assembly language server's hovers. Layout follows
 * SDM Vol. 2 Appendix A (one-byte map, two-byte map, opcode
 * extension groups A-6, x87 escape maps A.4).
 *
 * A slot is an instruction (mnemonic, operand forms, description, handler)
 * or a group selected by ModRM.reg. Undefined slots are invalid (#UD).
 */
import type { Handler, OpcodeEntry, OpcodeGroup, OperandForm, TableSlot } from './opcode-table-types';
import * as arith from './exec/arith';
import * as control from './exec/control';
import * as data from './exec/data';
import * as io from './exec/io';
import * as str from './exec/string';
import * as sys from './exec/system';
import * as x87 from './exec/x87';
import { CONDITION_SUFFIXES } from './exec/conditions';

function op(mnemonic: string, operands: readonly OperandForm[], description: string, execute: Handler, extra: { mnemonic32?: string; att?: string } = {}): OpcodeEntry {
  return { mnemonic, operands, description, execute, ...extra };
}

function group(name: string, memory: (OpcodeEntry | undefined)[], register?: (OpcodeEntry | undefined)[], registerByRm = false): OpcodeGroup {
  return register === undefined ? { group: name, memory } : { group: name, memory, register, registerByRm };
}

const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;
const ALU_DESCRIPTIONS = [
  'Add',
  'Bitwise inclusive OR',
  'Add with carry',
  'Subtract with borrow',
  'Bitwise AND',
  'Subtract',
  'Bitwise exclusive OR',
  'Compare (subtract, set flags, discard result)',
] as const;
const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'] as const;
const SHIFT_DESCRIPTIONS = [
  'Rotate left',
  'Rotate right',
  'Rotate left through carry',
  'Rotate right through carry',
  'Shift left (logical)',
  'Shift right (logical)',
  'Shift left (arithmetic, same as SHL)',
  'Shift right (arithmetic, keeps the sign)',
] as const;
const CONDITION_WORDS = [
  'overflow', 'not overflow', 'below (CF=1)', 'above or equal (CF=0)', 'equal (ZF=1)', 'not equal (ZF=0)',
  'below or equal (CF=1 or ZF=1)', 'above (CF=0 and ZF=0)', 'sign (SF=1)', 'not sign (SF=0)', 'parity even (PF=1)',
  'parity odd (PF=0)', 'less (SF≠OF)', 'greater or equal (SF=OF)', 'less or equal (ZF=1 or SF≠OF)', 'greater (ZF=0 and SF=OF)',
] as const;

function buildOneByte(): TableSlot[] {
  const t: TableSlot[] = new Array<TableSlot>(256).fill(undefined);

  // 00-3F: the eight ALU operations in six forms each (SDM Table A-2 rows 0-3).
  for (let i = 0; i < 8; i++) {
    const base = i << 3;
    const m = ALU_NAMES[i];
    const d = ALU_DESCRIPTIONS[i];
    t[base + 0] = op(m, ['Eb', 'Gb'], d, arith.aluEbGb);
    t[base + 1] = op(m, ['Ev', 'Gv'], d, arith.aluEvGv);
    t[base + 2] = op(m, ['Gb', 'Eb'], d, arith.aluGbEb);
    t[base + 3] = op(m, ['Gv', 'Ev'], d, arith.aluGvEv);
    t[base + 4] = op(m, ['AL', 'Ib'], d, arith.aluAlIb);
    t[base + 5] = op(m, ['eAX', 'Iz'], d, arith.aluEaxIz);
  }
  t[0x06] = op('push', ['ES'], 'Push ES', data.pushSreg);
  t[0x07] = op('pop', ['ES'], 'Pop ES (loads the descriptor cache)', data.popSreg);
  t[0x0e] = op('push', ['CS'], 'Push CS', data.pushSreg);
  t[0x16] = op('push', ['SS'], 'Push SS', data.pushSreg);
  t[0x17] = op('pop', ['SS'], 'Pop SS (inhibits interrupts for one instruction)', data.popSreg);
  t[0x1e] = op('push', ['DS'], 'Push DS', data.pushSreg);
  t[0x1f] = op('pop', ['DS'], 'Pop DS (loads the descriptor cache)', data.popSreg);
  t[0x27] = op('daa', [], 'Decimal adjust AL after addition', arith.daa);
  t[0x2f] = op('das', [], 'Decimal adjust AL after subtraction', arith.das);
  t[0x37] = op('aaa', [], 'ASCII adjust AL after addition', arith.aaa);
  t[0x3f] = op('aas', [], 'ASCII adjust AL after subtraction', arith.aas);
  // 26 2E 36 3E 64 65 66 67 F0 F2 F3 are prefixes, handled by the decoder.

  for (let r = 0; r < 8; r++) {
    t[0x40 + r] = op('inc', ['Zv'], 'Increment by 1 (CF unchanged)', arith.incZv);
    t[0x48 + r] = op('dec', ['Zv'], 'Decrement by 1 (CF unchanged)', arith.decZv);
    t[0x50 + r] = op('push', ['Zv'], 'Push register', data.pushZv);
    t[0x58 + r] = op('pop', ['Zv'], 'Pop register', data.popZv);
    t[0xb0 + r] = op('mov', ['Zb', 'Ib'], 'Move immediate to byte register', data.movZbIb);
    t[0xb8 + r] = op('mov', ['Zv', 'Iv'], 'Move immediate to register', data.movZvIv);
  }
  for (let r = 1; r < 8; r++) t[0x90 + r] = op('xchg', ['Zv', 'eAX'], 'Exchange register with (E)AX', data.xchgZv);
  t[0x90] = op('nop', [], 'No operation (F3 90 is PAUSE, a spin-wait hint: the vCPU yields the rest of its slice)', data.nopOrPause);

  t[0x60] = op('pusha', [], 'Push all general registers (original SP)', data.pusha, { mnemonic32: 'pushad', att: 'pusha' });
  t[0x61] = op('popa', [], 'Pop all general registers (SP discarded)', data.popa, { mnemonic32: 'popad', att: 'popa' });
  t[0x62] = op('bound', ['Gv', 'Ma'], 'Check array index against bounds (#BR when outside)', data.bound);
  t[0x63] = op('arpl', ['Ew', 'Gw'], 'Adjust RPL of selector', sys.arpl);
  t[0x68] = op('push', ['Iz'], 'Push immediate', data.pushI);
  t[0x69] = op('imul', ['Gv', 'Ev', 'Iz'], 'Signed multiply by immediate', arith.imulGvEvI);
  t[0x6a] = op('push', ['Ibs'], 'Push sign-extended byte immediate', data.pushI);
  t[0x6b] = op('imul', ['Gv', 'Ev', 'Ibs'], 'Signed multiply by sign-extended byte', arith.imulGvEvI);
  t[0x6c] = op('insb', ['Yb', 'DX'], 'Input byte from port DX to ES:(E)DI', str.ins);
  t[0x6d] = op('insw', ['Yv', 'DX'], 'Input word/dword from port DX to ES:(E)DI', str.ins, { mnemonic32: 'insd', att: 'insl' });
  t[0x6e] = op('outsb', ['DX', 'Xb'], 'Output byte from DS:(E)SI to port DX', str.outs);
  t[0x6f] = op('outsw', ['DX', 'Xv'], 'Output word/dword from DS:(E)SI to port DX', str.outs, { mnemonic32: 'outsd', att: 'outsl' });
  for (let cc = 0; cc < 16; cc++) {
    t[0x70 + cc] = op('j' + CONDITION_SUFFIXES[cc], ['Jb'], `Jump short if ${CONDITION_WORDS[cc]}`, control.jcc);
  }

  const group1 = (form: readonly OperandForm[], handler: Handler): OpcodeGroup =>
    group('1', ALU_NAMES.map((m, i) => op(m, form, ALU_DESCRIPTIONS[i], handler)));
  t[0x80] = group1(['Eb', 'Ib'], arith.group1EbIb);
  t[0x81] = group1(['Ev', 'Iz'], arith.group1EvI);
  t[0x82] = group1(['Eb', 'Ib'], arith.group1EbIb); // alias of 80 outside 64-bit mode
  t[0x83] = group1(['Ev', 'Ibs'], arith.group1EvI);
  t[0x84] = op('test', ['Eb', 'Gb'], 'Logical compare (AND, set flags)', arith.testEbGb);
  t[0x85] = op('test', ['Ev', 'Gv'], 'Logical compare (AND, set flags)', arith.testEvGv);
  t[0x86] = op('xchg', ['Eb', 'Gb'], 'Exchange (locked when memory)', data.xchgEG);
  t[0x87] = op('xchg', ['Ev', 'Gv'], 'Exchange (locked when memory)', data.xchgEG);
  t[0x88] = op('mov', ['Eb', 'Gb'], 'Move', data.movEbGb);
  t[0x89] = op('mov', ['Ev', 'Gv'], 'Move', data.movEvGv);
  t[0x8a] = op('mov', ['Gb', 'Eb'], 'Move', data.movGbEb);
  t[0x8b] = op('mov', ['Gv', 'Ev'], 'Move', data.movGvEv);
  t[0x8c] = op('mov', ['Ev', 'Sw'], 'Move segment register selector', data.movEvSw);
  t[0x8d] = op('lea', ['Gv', 'M'], 'Load effective address', data.lea);
  t[0x8e] = op('mov', ['Sw', 'Ew'], 'Load segment register (and its descriptor cache)', data.movSwEw);
  t[0x8f] = group('1A', [op('pop', ['Ev'], 'Pop into r/m', data.popEv)]);
  t[0x98] = op('cbw', [], 'Sign-extend AL into AX / AX into EAX', data.cbw, { mnemonic32: 'cwde', att: 'cbtw' });
  t[0x99] = op('cwd', [], 'Sign-extend AX into DX:AX / EAX into EDX:EAX', data.cwd, { mnemonic32: 'cdq', att: 'cwtd' });
  t[0x9a] = op('call', ['Ap'], 'Far call to an absolute pointer', control.callFarAp, { att: 'lcall' });
  t[0x9b] = op('fwait', [], 'Wait for pending x87 exceptions (#NM when CR0.MP and TS)', x87.fwait);
  t[0x9c] = op('pushf', [], 'Push FLAGS / EFLAGS', data.pushf, { mnemonic32: 'pushfd', att: 'pushf' });
  t[0x9d] = op('popf', [], 'Pop FLAGS / EFLAGS (IOPL and IF by privilege)', data.popf, { mnemonic32: 'popfd', att: 'popf' });
  t[0x9e] = op('sahf', [], 'Store AH into flags', data.sahf);
  t[0x9f] = op('lahf', [], 'Load flags into AH', data.lahf);
  t[0xa0] = op('mov', ['AL', 'Ob'], 'Move byte at segment:offset to AL', data.movAlOb);
  t[0xa1] = op('mov', ['eAX', 'Ov'], 'Move word/dword at segment:offset to (E)AX', data.movEaxOv);
  t[0xa2] = op('mov', ['Ob', 'AL'], 'Move AL to segment:offset', data.movObAl);
  t[0xa3] = op('mov', ['Ov', 'eAX'], 'Move (E)AX to segment:offset', data.movOvEax);
  t[0xa4] = op('movsb', ['Yb', 'Xb'], 'Move byte DS:(E)SI to ES:(E)DI', str.movs);
  t[0xa5] = op('movsw', ['Yv', 'Xv'], 'Move word/dword DS:(E)SI to ES:(E)DI', str.movs, { mnemonic32: 'movsd', att: 'movsl' });
  t[0xa6] = op('cmpsb', ['Xb', 'Yb'], 'Compare byte DS:(E)SI with ES:(E)DI', str.cmps);
  t[0xa7] = op('cmpsw', ['Xv', 'Yv'], 'Compare word/dword DS:(E)SI with ES:(E)DI', str.cmps, { mnemonic32: 'cmpsd', att: 'cmpsl' });
  t[0xa8] = op('test', ['AL', 'Ib'], 'Logical compare AL with immediate', arith.testAlIb);
  t[0xa9] = op('test', ['eAX', 'Iz'], 'Logical compare (E)AX with immediate', arith.testEaxIz);
  t[0xaa] = op('stosb', ['Yb', 'AL'], 'Store AL at ES:(E)DI', str.stos);
  t[0xab] = op('stosw', ['Yv', 'eAX'], 'Store (E)AX at ES:(E)DI', str.stos, { mnemonic32: 'stosd', att: 'stosl' });
  t[0xac] = op('lodsb', ['AL', 'Xb'], 'Load byte DS:(E)SI into AL', str.lods);
  t[0xad] = op('lodsw', ['eAX', 'Xv'], 'Load word/dword DS:(E)SI into (E)AX', str.lods, { mnemonic32: 'lodsd', att: 'lodsl' });
  t[0xae] = op('scasb', ['AL', 'Yb'], 'Compare AL with byte at ES:(E)DI', str.scas);
  t[0xaf] = op('scasw', ['eAX', 'Yv'], 'Compare (E)AX with ES:(E)DI', str.scas, { mnemonic32: 'scasd', att: 'scasl' });

  const group2 = (form: readonly OperandForm[], handler: Handler): OpcodeGroup =>
    group('2', SHIFT_NAMES.map((m, i) => op(m, form, SHIFT_DESCRIPTIONS[i], handler)));
  t[0xc0] = group2(['Eb', 'Ib'], arith.group2Ib);
  t[0xc1] = group2(['Ev', 'Ib'], arith.group2Ib);
  t[0xc2] = op('ret', ['Iw'], 'Near return, then release imm16 bytes of stack', control.retNear);
  t[0xc3] = op('ret', [], 'Near return', control.retNear);
  t[0xc4] = op('les', ['Gv', 'Mp'], 'Load far pointer into ES:register', data.loadFarPointer);
  t[0xc5] = op('lds', ['Gv', 'Mp'], 'Load far pointer into DS:register', data.loadFarPointer);
  t[0xc6] = group('11', [op('mov', ['Eb', 'Ib'], 'Move immediate', data.movEbIb)]);
  t[0xc7] = group('11', [op('mov', ['Ev', 'Iz'], 'Move immediate', data.movEvIz)]);
  t[0xc8] = op('enter', ['Iw', 'Ib'], 'Make stack frame (size, nesting level)', data.enter);
  t[0xc9] = op('leave', [], 'Release stack frame ((E)SP ← (E)BP, pop (E)BP)', data.leave);
  t[0xca] = op('retf', ['Iw'], 'Far return, then release imm16 bytes of stack', control.retFar, { att: 'lret' });
  t[0xcb] = op('retf', [], 'Far return', control.retFar, { att: 'lret' });
  t[0xcc] = op('int3', [], 'Breakpoint trap (#BP)', control.int3);
  t[0xcd] = op('int', ['Ib'], 'Software interrupt', control.intN);
  t[0xce] = op('into', [], 'Overflow trap (#OF) when OF=1', control.into);
  t[0xcf] = op('iret', [], 'Return from interrupt', control.iret, { mnemonic32: 'iretd', att: 'iret' });
  t[0xd0] = group2(['Eb', '1'], arith.group2One);
  t[0xd1] = group2(['Ev', '1'], arith.group2One);
  t[0xd2] = group2(['Eb', 'CL'], arith.group2Cl);
  t[0xd3] = group2(['Ev', 'CL'], arith.group2Cl);
  t[0xd4] = op('aam', ['Ib'], 'ASCII adjust AX after multiply (#DE on base 0)', arith.aam);
  t[0xd5] = op('aad', ['Ib'], 'ASCII adjust AX before division', arith.aad);
  t[0xd7] = op('xlatb', [], 'Table look-up: AL ← [seg:(E)BX + AL]', data.xlat);
  for (let esc = 0; esc < 8; esc++) t[0xd8 + esc] = x87Group(esc);
  t[0xe0] = op('loopne', ['Jb'], 'Decrement count; jump if count≠0 and ZF=0', control.loop);
  t[0xe1] = op('loope', ['Jb'], 'Decrement count; jump if count≠0 and ZF=1', control.loop);
  t[0xe2] = op('loop', ['Jb'], 'Decrement count; jump if count≠0', control.loop);
  t[0xe3] = op('jcxz', ['Jb'], 'Jump if (E)CX is 0 (register by address size)', control.jcxz);
  t[0xe4] = op('in', ['AL', 'Ib'], 'Input byte from port', io.inPort);
  t[0xe5] = op('in', ['eAX', 'Ib'], 'Input word/dword from port', io.inPort);
  t[0xe6] = op('out', ['Ib', 'AL'], 'Output byte to port', io.outPort);
  t[0xe7] = op('out', ['Ib', 'eAX'], 'Output word/dword to port', io.outPort);
  t[0xe8] = op('call', ['Jz'], 'Near call, relative', control.callRel);
  t[0xe9] = op('jmp', ['Jz'], 'Near jump, relative', control.jmpRel);
  t[0xea] = op('jmp', ['Ap'], 'Far jump to an absolute pointer (reloads CS)', control.jmpFarAp, { att: 'ljmp' });
  t[0xeb] = op('jmp', ['Jb'], 'Short jump, relative', control.jmpRel);
  t[0xec] = op('in', ['AL', 'DX'], 'Input byte from port DX', io.inPort);
  t[0xed] = op('in', ['eAX', 'DX'], 'Input word/dword from port DX', io.inPort);
  t[0xee] = op('out', ['DX', 'AL'], 'Output byte to port DX', io.outPort);
  t[0xef] = op('out', ['DX', 'eAX'], 'Output word/dword to port DX', io.outPort);
  t[0xf1] = op('int1', [], 'Debug trap (#DB, ICEBP)', control.int1);
  t[0xf4] = op('hlt', [], 'Halt until an interrupt, NMI or INIT', control.hlt);
  t[0xf5] = op('cmc', [], 'Complement carry flag', data.cmc);
  t[0xf6] = group3(['Eb', 'Ib'], ['Eb']);
  t[0xf7] = group3(['Ev', 'Iz'], ['Ev']);
  t[0xf8] = op('clc', [], 'Clear carry flag', data.clc);
  t[0xf9] = op('stc', [], 'Set carry flag', data.stc);
  t[0xfa] = op('cli', [], 'Clear interrupt flag (IOPL-checked)', data.cli);
  t[0xfb] = op('sti', [], 'Set interrupt flag; interrupts wait one more instruction', data.sti);
  t[0xfc] = op('cld', [], 'Clear direction flag', data.cld);
  t[0xfd] = op('std', [], 'Set direction flag', data.std);
  t[0xfe] = group('4', [op('inc', ['Eb'], 'Increment by 1', arith.incEb), op('dec', ['Eb'], 'Decrement by 1', arith.decEb)]);
  t[0xff] = group('5', [
    op('inc', ['Ev'], 'Increment by 1', arith.incEv),
    op('dec', ['Ev'], 'Decrement by 1', arith.decEv),
    op('call', ['Ev'], 'Near call, absolute indirect', control.callEv),
    op('call', ['Mp'], 'Far call, indirect through m16:16/32', control.callFarMp, { att: 'lcall' }),
    op('jmp', ['Ev'], 'Near jump, absolute indirect', control.jmpEv),
    op('jmp', ['Mp'], 'Far jump, indirect through m16:16/32', control.jmpFarMp, { att: 'ljmp' }),
    op('push', ['Ev'], 'Push r/m', data.pushEv),
  ]);
  return t;
}

function group3(testForm: readonly OperandForm[], form: readonly OperandForm[]): OpcodeGroup {
  return group('3', [
    op('test', testForm, 'Logical compare with immediate', arith.testEI),
    op('test', testForm, 'Logical compare with immediate', arith.testEI),
    op('not', form, "One's complement negation", arith.notE),
    op('neg', form, "Two's complement negation", arith.negE),
    op('mul', form, 'Unsigned multiply into (E)DX:(E)AX / AX', arith.mulE),
    op('imul', form, 'Signed multiply into (E)DX:(E)AX / AX', arith.mulE),
    op('div', form, 'Unsigned divide (E)DX:(E)AX / AX (#DE on zero or overflow)', arith.divE),
    op('idiv', form, 'Signed divide (E)DX:(E)AX / AX (#DE on zero or overflow)', arith.divE),
  ]);
}

/**
 * x87 escapes D8-DF (SDM Vol. 2 A.4, Tables ): memory forms by
 * ModRM.reg, register forms by ModRM.reg and rm. Reserved encodings are left
 * undefined: the decoder reports them ('invalid-opcode') and raises #UD. Alias encodings the SDM
 * marks reserved but every x87 since the 387 executes (FSTP1 D9 D8+i, FCOM2
 * DC D0+i, FCOMP3 DC D8+i, FXCH4 DD C8+i, FCOMP5 DE D0+i, FXCH7 DF C8+i,
 * FSTP8/9 DF D0+i/D8+i) are executed as their instruction.
 */
const X87_ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'] as const;
const X87_ARITH_WORDS = ['Add', 'Multiply', 'Compare ST0 with', 'Compare ST0 with (then pop)', 'Subtract', 'Reverse subtract', 'Divide', 'Reverse divide'] as const;
function x87Group(esc: number): OpcodeGroup {
  const memory: (OpcodeEntry | undefined)[] = new Array<OpcodeEntry | undefined>(8).fill(undefined);
  const register: (OpcodeEntry | undefined)[] = new Array<OpcodeEntry | undefined>(64).fill(undefined);
  const regs = (reg: number, make: (i: number) => OpcodeEntry): void => {
    for (let i = 0; i < 8; i++) register[reg * 8 + i] = make(i);
  };
  const one = (reg: number, rm: number, e: OpcodeEntry): void => {
    register[reg * 8 + rm] = e;
  };
  const att = (m: string): { att: string } => ({ att: m });
  switch (esc) {
    case 0: // D8: m32fp arithmetic; ST0 op ST(i)
      for (let r = 0; r < 8; r++) {
        memory[r] = op(X87_ARITH[r], ['Mfs'], `${X87_ARITH_WORDS[r]} m32fp`, x87.arithMem, att(X87_ARITH[r] + 's'));
        if (r === 2 || r === 3) regs(r, () => op(X87_ARITH[r], ['STi'], `${X87_ARITH_WORDS[r]} ST(i)`, x87.fcomReg));
        else regs(r, () => op(X87_ARITH[r], ['ST0', 'STi'], `${X87_ARITH_WORDS[r]}: ST0 = ST0 op ST(i)`, x87.arithReg));
      }
      break;
    case 1: // D9
      memory[0] = op('fld', ['Mfs'], 'Push m32fp', x87.fldMem, att('flds'));
      memory[2] = op('fst', ['Mfs'], 'Store ST0 to m32fp', x87.fstMem, att('fsts'));
      memory[3] = op('fstp', ['Mfs'], 'Store ST0 to m32fp and pop', x87.fstMem, att('fstps'));
      memory[4] = op('fldenv', ['Menv'], 'Load the x87 environment (14/28 bytes)', x87.fldenv);
      memory[5] = op('fldcw', ['Mw'], 'Load x87 control word', x87.fldcw);
      memory[6] = op('fnstenv', ['Menv'], 'Store the x87 environment, then mask all exceptions', x87.fnstenv);
      memory[7] = op('fnstcw', ['Mw'], 'Store x87 control word without checking exceptions', x87.fnstcw);
      regs(0, () => op('fld', ['STi'], 'Push a copy of ST(i)', x87.fldReg));
      regs(1, () => op('fxch', ['STi'], 'Exchange ST0 and ST(i)', x87.fxch));
      one(2, 0, op('fnop', [], 'No x87 operation', x87.fnop));
      regs(3, () => op('fstp', ['STi'], 'Store ST0 to ST(i) and pop (reserved alias FSTP1)', x87.fstReg));
      one(4, 0, op('fchs', [], 'Change the sign of ST0', x87.fchs));
      one(4, 1, op('fabs', [], 'Absolute value of ST0', x87.fabs));
      one(4, 4, op('ftst', [], 'Compare ST0 with 0.0', x87.ftst));
      one(4, 5, op('fxam', [], 'Classify ST0 into C3 C2 C1 C0', x87.fxam));
      ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'].forEach((m, i) =>
        one(5, i, op(m, [], `Push the constant ${['+1.0', 'log2(10)', 'log2(e)', 'pi', 'log10(2)', 'ln(2)', '+0.0'][i]}`, x87.fldConstant)));
      one(6, 0, op('f2xm1', [], 'ST0 = 2^ST0 - 1', x87.f2xm1));
      one(6, 1, op('fyl2x', [], 'ST1 = ST1 * log2(ST0), pop', x87.fyl2x));
      one(6, 2, op('fptan', [], 'ST0 = tan(ST0), push 1.0', x87.fptan));
      one(6, 3, op('fpatan', [], 'ST1 = arctan(ST1 / ST0), pop', x87.fpatan));
      one(6, 4, op('fxtract', [], 'Split ST0 into exponent (ST1) and significand (ST0)', x87.fxtract));
      one(6, 5, op('fprem1', [], 'IEEE partial remainder of ST0 / ST1', x87.fprem));
      one(6, 6, op('fdecstp', [], 'Decrement the stack top', x87.fdecstp));
      one(6, 7, op('fincstp', [], 'Increment the stack top', x87.fincstp));
      one(7, 0, op('fprem', [], 'Partial remainder of ST0 / ST1 (truncating)', x87.fprem));
      one(7, 1, op('fyl2xp1', [], 'ST1 = ST1 * log2(ST0 + 1), pop', x87.fyl2xp1));
      one(7, 2, op('fsqrt', [], 'Square root of ST0', x87.fsqrt));
      one(7, 3, op('fsincos', [], 'ST0 = sin(ST0), push cos', x87.fsincos));
      one(7, 4, op('frndint', [], 'Round ST0 to an integer', x87.frndint));
      one(7, 5, op('fscale', [], 'ST0 = ST0 * 2^trunc(ST1)', x87.fscale));
      one(7, 6, op('fsin', [], 'Sine of ST0', x87.fsin));
      one(7, 7, op('fcos', [], 'Cosine of ST0', x87.fcos));
      break;
    case 2: // DA: m32int arithmetic; FCMOVcc; FUCOMPP
      for (let r = 0; r < 8; r++) memory[r] = op('fi' + X87_ARITH[r].slice(1), ['Mdi'], `${X87_ARITH_WORDS[r]} m32int`, x87.arithMem, att('fi' + X87_ARITH[r].slice(1) + 'l'));
      ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu'].forEach((m, r) =>
        regs(r, () => op(m, ['ST0', 'STi'], `Move ST(i) to ST0 if ${['below (CF=1)', 'equal (ZF=1)', 'below or equal (CF=1 or ZF=1)', 'unordered (PF=1)'][r]}`, x87.fcmov)));
      one(5, 1, op('fucompp', [], 'Unordered compare ST0 with ST1, pop twice', x87.fcompp));
      break;
    case 3: // DB
      memory[0] = op('fild', ['Mdi'], 'Push m32int', x87.fild, att('fildl'));
      memory[2] = op('fist', ['Mdi'], 'Store ST0 to m32int', x87.fist, att('fistl'));
      memory[3] = op('fistp', ['Mdi'], 'Store ST0 to m32int and pop', x87.fist, att('fistpl'));
      memory[5] = op('fld', ['Mft'], 'Push m80fp', x87.fldMem, att('fldt'));
      memory[7] = op('fstp', ['Mft'], 'Store ST0 to m80fp and pop', x87.fstMem, att('fstpt'));
      ['fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu'].forEach((m, r) =>
        regs(r, () => op(m, ['ST0', 'STi'], `Move ST(i) to ST0 if ${['not below (CF=0)', 'not equal (ZF=0)', 'not below or equal (CF=0 and ZF=0)', 'not unordered (PF=0)'][r]}`, x87.fcmov)));
      one(4, 0, op('fneni', [], '8087 interrupt enable: a no-op since the 387', x87.fnopControl));
      one(4, 1, op('fndisi', [], '8087 interrupt disable: a no-op since the 387', x87.fnopControl));
      one(4, 2, op('fnclex', [], 'Clear x87 exception flags', x87.fnclex));
      one(4, 3, op('fninit', [], 'Initialise the x87 FPU (control word 037Fh)', x87.fninit));
      one(4, 4, op('fnsetpm', [], '287 protected mode: a no-op since the 387', x87.fnopControl));
      regs(5, () => op('fucomi', ['ST0', 'STi'], 'Unordered compare ST0 with ST(i) into ZF PF CF', x87.fcomi));
      regs(6, () => op('fcomi', ['ST0', 'STi'], 'Compare ST0 with ST(i) into ZF PF CF', x87.fcomi));
      break;
    case 4: // DC: m64fp arithmetic; ST(i) op ST0
      for (let r = 0; r < 8; r++) {
        memory[r] = op(X87_ARITH[r], ['Mfd'], `${X87_ARITH_WORDS[r]} m64fp`, x87.arithMem, att(X87_ARITH[r] + 'l'));
        if (r === 2 || r === 3) regs(r, () => op(X87_ARITH[r], ['STi'], `${X87_ARITH_WORDS[r]} ST(i) (reserved alias FCOM${r})`, x87.fcomReg));
        else {
          // DC E0+i is FSUBR ST(i), ST0 and DC E8+i FSUB ST(i), ST0 (SDM); AT&T assemblers swap the two names (and FDIV/FDIVR).
          const m = ['fadd', 'fmul', '', '', 'fsubr', 'fsub', 'fdivr', 'fdiv'][r];
          const a = ['fadd', 'fmul', '', '', 'fsub', 'fsubr', 'fdiv', 'fdivr'][r];
          regs(r, () => op(m, ['STi', 'ST0'], `${m}: ST(i) = ST(i) op ST0`, x87.arithReg, att(a)));
        }
      }
      break;
    case 5: // DD
      memory[0] = op('fld', ['Mfd'], 'Push m64fp', x87.fldMem, att('fldl'));
      memory[2] = op('fst', ['Mfd'], 'Store ST0 to m64fp', x87.fstMem, att('fstl'));
      memory[3] = op('fstp', ['Mfd'], 'Store ST0 to m64fp and pop', x87.fstMem, att('fstpl'));
      memory[4] = op('frstor', ['Mst'], 'Restore the x87 state (94/108 bytes)', x87.frstor);
      memory[6] = op('fnsave', ['Mst'], 'Save the x87 state, then initialise', x87.fnsave);
      memory[7] = op('fnstsw', ['Mw'], 'Store x87 status word', x87.fnstswMw);
      regs(0, () => op('ffree', ['STi'], 'Tag ST(i) empty', x87.ffree));
      regs(1, () => op('fxch', ['STi'], 'Exchange ST0 and ST(i) (reserved alias FXCH4)', x87.fxch));
      regs(2, () => op('fst', ['STi'], 'Copy ST0 to ST(i)', x87.fstReg));
      regs(3, () => op('fstp', ['STi'], 'Copy ST0 to ST(i) and pop', x87.fstReg));
      regs(4, () => op('fucom', ['STi'], 'Unordered compare ST0 with ST(i)', x87.fcomReg));
      regs(5, () => op('fucomp', ['STi'], 'Unordered compare ST0 with ST(i), pop', x87.fcomReg));
      break;
    case 6: // DE: m16int arithmetic; ST(i) op ST0 and pop
      for (let r = 0; r < 8; r++) memory[r] = op('fi' + X87_ARITH[r].slice(1), ['Mwi'], `${X87_ARITH_WORDS[r]} m16int`, x87.arithMem, att('fi' + X87_ARITH[r].slice(1) + 's'));
      for (const r of [0, 1, 4, 5, 6, 7]) {
        const m = ['faddp', 'fmulp', '', '', 'fsubrp', 'fsubp', 'fdivrp', 'fdivp'][r];
        const a = ['faddp', 'fmulp', '', '', 'fsubp', 'fsubrp', 'fdivp', 'fdivrp'][r];
        regs(r, () => op(m, ['STi', 'ST0'], `${m}: ST(i) = ST(i) op ST0, pop`, x87.arithReg, att(a)));
      }
      regs(2, () => op('fcomp', ['STi'], 'Compare ST0 with ST(i), pop (reserved alias FCOMP5)', x87.fcomReg));
      one(3, 1, op('fcompp', [], 'Compare ST0 with ST1, pop twice', x87.fcompp));
      break;
    default: // DF
      memory[0] = op('fild', ['Mwi'], 'Push m16int', x87.fild, att('filds'));
      memory[2] = op('fist', ['Mwi'], 'Store ST0 to m16int', x87.fist, att('fists'));
      memory[3] = op('fistp', ['Mwi'], 'Store ST0 to m16int and pop', x87.fist, att('fistps'));
      memory[4] = op('fbld', ['Mbcd'], 'Push m80bcd (packed BCD)', x87.fbld);
      memory[5] = op('fild', ['Mqi'], 'Push m64int', x87.fild, att('fildll'));
      memory[6] = op('fbstp', ['Mbcd'], 'Store ST0 to m80bcd and pop', x87.fbstp);
      memory[7] = op('fistp', ['Mqi'], 'Store ST0 to m64int and pop', x87.fist, att('fistpll'));
      regs(0, () => op('ffreep', ['STi'], 'Tag ST(i) empty and pop', x87.ffree));
      regs(1, () => op('fxch', ['STi'], 'Exchange ST0 and ST(i) (reserved alias FXCH7)', x87.fxch));
      regs(2, () => op('fstp', ['STi'], 'Copy ST0 to ST(i) and pop (reserved alias FSTP8)', x87.fstReg));
      regs(3, () => op('fstp', ['STi'], 'Copy ST0 to ST(i) and pop (reserved alias FSTP9)', x87.fstReg));
      one(4, 0, op('fnstsw', ['AX'], 'Store x87 status word in AX', x87.fnstswAx));
      regs(5, () => op('fucomip', ['ST0', 'STi'], 'Unordered compare ST0 with ST(i) into ZF PF CF, pop', x87.fcomi));
      regs(6, () => op('fcomip', ['ST0', 'STi'], 'Compare ST0 with ST(i) into ZF PF CF, pop', x87.fcomi));
      break;
  }
  return group('x87', memory, register, true);
}

function buildTwoByte(): TableSlot[] {
  const t: TableSlot[] = new Array<TableSlot>(256).fill(undefined);
  t[0x00] = group('6', [
    op('sldt', ['Ew'], 'Store LDTR selector', sys.sldt),
    op('str', ['Ew'], 'Store task register selector', sys.str),
    op('lldt', ['Ew'], 'Load LDTR from the GDT', sys.lldt),
    op('ltr', ['Ew'], 'Load task register (marks the TSS busy)', sys.ltr),
    op('verr', ['Ew'], 'Verify segment readable at CPL', sys.verify),
    op('verw', ['Ew'], 'Verify segment writable at CPL', sys.verify),
  ]);
  const group7Register: (OpcodeEntry | undefined)[] = new Array<OpcodeEntry | undefined>(64).fill(undefined);
  group7Register[0 * 8 + 1] = op('vmcall', [], 'Call the hypervisor (Bringup paravirtual interface)', sys.vmcall);
  for (let rm = 0; rm < 8; rm++) {
    group7Register[4 * 8 + rm] = op('smsw', ['Ev'], 'Store machine status word (CR0 low bits)', sys.smsw);
    group7Register[6 * 8 + rm] = op('lmsw', ['Ew'], 'Load machine status word (cannot clear PE)', sys.lmsw);
  }
  t[0x01] = group('7', [
    op('sgdt', ['Ms'], 'Store GDTR (limit, base)', sys.storeTableRegister),
    op('sidt', ['Ms'], 'Store IDTR (limit, base)', sys.storeTableRegister),
    op('lgdt', ['Ms'], 'Load GDTR (limit, base; 24-bit base with 16-bit operand size)', sys.loadTableRegister),
    op('lidt', ['Ms'], 'Load IDTR (limit, base; 24-bit base with 16-bit operand size)', sys.loadTableRegister),
    op('smsw', ['Mw'], 'Store machine status word (CR0 low bits)', sys.smsw),
    undefined,
    op('lmsw', ['Mw'], 'Load machine status word (cannot clear PE)', sys.lmsw),
    op('invlpg', ['M'], 'Invalidate the TLB entry for a linear address', sys.invlpg),
  ], group7Register, true);
  t[0x02] = op('lar', ['Gv', 'Ew'], 'Load access rights of a selector (ZF=1 if visible)', sys.lar);
  t[0x03] = op('lsl', ['Gv', 'Ew'], 'Load segment limit of a selector (ZF=1 if visible)', sys.lsl);
  t[0x06] = op('clts', [], 'Clear CR0.TS', sys.clts);
  t[0x08] = op('invd', [], 'Invalidate caches (no caches are modelled)', sys.invd);
  t[0x09] = op('wbinvd', [], 'Write back and invalidate caches (no caches are modelled)', sys.invd);
  t[0x0b] = op('ud2', [], 'Raise invalid opcode (#UD) on purpose', sys.ud2);
  const hint = op('nop', ['Ev'], 'Hint / multi-byte no operation', data.nop);
  // 0F 18 /0-/3 with a memory operand are the PREFETCH hints (SDM Vol. 2 PREFETCHh, Table A-6 group 16); no caches are
  // modelled, so they do nothing. The other encodings are reserved NOPs.
  const prefetch = (name: string): OpcodeEntry => op(name, ['M'], 'Prefetch hint (no caches are modelled)', data.nop);
  t[0x18] = group('16', [prefetch('prefetchnta'), prefetch('prefetcht0'), prefetch('prefetcht1'), prefetch('prefetcht2'), hint, hint, hint, hint],
    [hint, hint, hint, hint, hint, hint, hint, hint]);
  t[0x1f] = group('NOP', [hint, hint, hint, hint, hint, hint, hint, hint]);
  t[0x20] = op('mov', ['Rd', 'Cd'], 'Read control register', sys.movFromCr);
  t[0x21] = op('mov', ['Rd', 'Dd'], 'Read debug register', sys.movFromDr);
  t[0x22] = op('mov', ['Cd', 'Rd'], 'Write control register (mode switches happen here)', sys.movToCr);
  t[0x23] = op('mov', ['Dd', 'Rd'], 'Write debug register', sys.movToDr);
  t[0x30] = op('wrmsr', [], 'Write MSR ECX from EDX:EAX (#GP if unknown)', sys.wrmsr);
  t[0x31] = op('rdtsc', [], 'Read time-stamp counter into EDX:EAX', sys.rdtsc);
  t[0x32] = op('rdmsr', [], 'Read MSR ECX into EDX:EAX (#GP if unknown)', sys.rdmsr);
  t[0x34] = op('sysenter', [], 'Fast system call (IA32_SYSENTER_CS/ESP/EIP)', sys.sysenter);
  t[0x35] = op('sysexit', [], 'Fast return to CPL 3', sys.sysexit);
  for (let cc = 0; cc < 16; cc++) {
    const s = CONDITION_SUFFIXES[cc];
    t[0x40 + cc] = op('cmov' + s, ['Gv', 'Ev'], `Move if ${CONDITION_WORDS[cc]}`, data.cmov);
    t[0x80 + cc] = op('j' + s, ['Jz'], `Jump near if ${CONDITION_WORDS[cc]}`, control.jcc);
    t[0x90 + cc] = op('set' + s, ['Eb'], `Set byte to 1 if ${CONDITION_WORDS[cc]}, else 0`, data.setcc);
  }
  t[0xa0] = op('push', ['FS'], 'Push FS', data.pushSreg);
  t[0xa1] = op('pop', ['FS'], 'Pop FS (loads the descriptor cache)', data.popSreg);
  t[0xa2] = op('cpuid', [], 'Processor identification (leaf EAX, subleaf ECX)', sys.cpuid);
  t[0xa3] = op('bt', ['Ev', 'Gv'], 'Bit test into CF', arith.btEvGv);
  t[0xa4] = op('shld', ['Ev', 'Gv', 'Ib'], 'Double-precision shift left', arith.shiftDouble);
  t[0xa5] = op('shld', ['Ev', 'Gv', 'CL'], 'Double-precision shift left', arith.shiftDouble);
  t[0xa8] = op('push', ['GS'], 'Push GS', data.pushSreg);
  t[0xa9] = op('pop', ['GS'], 'Pop GS (loads the descriptor cache)', data.popSreg);
  t[0xab] = op('bts', ['Ev', 'Gv'], 'Bit test and set', arith.btEvGv);
  t[0xac] = op('shrd', ['Ev', 'Gv', 'Ib'], 'Double-precision shift right', arith.shiftDouble);
  t[0xad] = op('shrd', ['Ev', 'Gv', 'CL'], 'Double-precision shift right', arith.shiftDouble);
  const fence = op('fence', [], 'Memory fence (all accesses are already ordered here)', data.nop);
  const group15Register: (OpcodeEntry | undefined)[] = new Array<OpcodeEntry | undefined>(64).fill(undefined);
  for (let rm = 0; rm < 8; rm++) {
    group15Register[5 * 8 + rm] = { ...fence, mnemonic: 'lfence' };
    group15Register[6 * 8 + rm] = { ...fence, mnemonic: 'mfence' };
    group15Register[7 * 8 + rm] = { ...fence, mnemonic: 'sfence' };
  }
  t[0xae] = group('15', [
    op('fxsave', ['Mfx'], 'Save x87/SSE state to a 512-byte area', x87.fxsave),
    op('fxrstor', ['Mfx'], 'Restore x87/SSE state from a 512-byte area', x87.fxrstor),
    undefined, undefined, undefined, undefined, undefined,
    op('clflush', ['M'], 'Flush cache line (no caches are modelled)', data.nop),
  ], group15Register, true);
  t[0xaf] = op('imul', ['Gv', 'Ev'], 'Signed multiply', arith.imulGvEv);
  t[0xb0] = op('cmpxchg', ['Eb', 'Gb'], 'Compare AL with r/m; exchange if equal', arith.cmpxchg);
  t[0xb1] = op('cmpxchg', ['Ev', 'Gv'], 'Compare (E)AX with r/m; exchange if equal', arith.cmpxchg);
  t[0xb2] = op('lss', ['Gv', 'Mp'], 'Load far pointer into SS:register', data.loadFarPointer);
  t[0xb3] = op('btr', ['Ev', 'Gv'], 'Bit test and reset', arith.btEvGv);
  t[0xb4] = op('lfs', ['Gv', 'Mp'], 'Load far pointer into FS:register', data.loadFarPointer);
  t[0xb5] = op('lgs', ['Gv', 'Mp'], 'Load far pointer into GS:register', data.loadFarPointer);
  t[0xb6] = op('movzx', ['Gv', 'Eb'], 'Move with zero extension', data.movExtend, { att: 'movzb' });
  t[0xb7] = op('movzx', ['Gv', 'Ew'], 'Move with zero extension', data.movExtend, { att: 'movzw' });
  t[0xba] = group('8', [undefined, undefined, undefined, undefined,
    op('bt', ['Ev', 'Ib'], 'Bit test into CF', arith.btEvIb),
    op('bts', ['Ev', 'Ib'], 'Bit test and set', arith.btEvIb),
    op('btr', ['Ev', 'Ib'], 'Bit test and reset', arith.btEvIb),
    op('btc', ['Ev', 'Ib'], 'Bit test and complement', arith.btEvIb),
  ]);
  t[0xbb] = op('btc', ['Ev', 'Gv'], 'Bit test and complement', arith.btEvGv);
  t[0xbc] = op('bsf', ['Gv', 'Ev'], 'Bit scan forward (ZF=1 and destination unchanged when source is 0)', arith.bitScan);
  t[0xbd] = op('bsr', ['Gv', 'Ev'], 'Bit scan reverse (ZF=1 and destination unchanged when source is 0)', arith.bitScan);
  t[0xbe] = op('movsx', ['Gv', 'Eb'], 'Move with sign extension', data.movExtend, { att: 'movsb' });
  t[0xbf] = op('movsx', ['Gv', 'Ew'], 'Move with sign extension', data.movExtend, { att: 'movsw' });
  t[0xc0] = op('xadd', ['Eb', 'Gb'], 'Exchange and add', arith.xadd);
  t[0xc1] = op('xadd', ['Ev', 'Gv'], 'Exchange and add', arith.xadd);
  t[0xc7] = group('9', [undefined, op('cmpxchg8b', ['Mq'], 'Compare EDX:EAX with m64; exchange with ECX:EBX if equal', arith.cmpxchg8b)]);
  for (let r = 0; r < 8; r++) t[0xc8 + r] = op('bswap', ['Zv'], 'Byte-swap a 32-bit register', data.bswap);
  return t;
}

/** One-byte opcode map (SDM Table A-2). */
export const ONE_BYTE_MAP: readonly TableSlot[] = buildOneByte();
/** Two-byte opcode map after 0F (SDM Table A-3). */
export const TWO_BYTE_MAP: readonly TableSlot[] = buildTwoByte();

/** Opcodes that accept a LOCK prefix when their destination is memory (SDM Vol. 2 LOCK). */
export const LOCKABLE: ReadonlySet<number> = new Set([
  0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31,
  0x80, 0x81, 0x82, 0x83, 0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff,
  0x1ab, 0x1b3, 0x1bb, 0x1ba, 0x1b0, 0x1b1, 0x1c0, 0x1c1, 0x1c7,
]);

/**
 * Whether LOCK is allowed on this opcode with this ModRM.reg (memory destination assumed). SDM Vol. 2 LOCK: only the
 * read-modify-write forms ADD ADC AND BTC BTR BTS CMPXCHG CMPXCHG8B DEC INC NEG NOT OR SBB SUB XOR XADD XCHG; any other
 * instruction (CMP /7, TEST, MUL/DIV, CALL/JMP/PUSH through FF, BT 0F BA /4) raises #UD.
 */
export function lockAllowed(opcode: number, reg: number): boolean {
  if (!LOCKABLE.has(opcode)) return false;
  if (opcode >= 0x80 && opcode <= 0x83) return reg !== 7;
  if (opcode === 0xf6 || opcode === 0xf7) return reg === 2 || reg === 3;
  if (opcode === 0xfe || opcode === 0xff) return reg === 0 || reg === 1;
  if (opcode === 0x1ba) return reg >= 5;
  if (opcode === 0x1c7) return reg === 1;
  return true;
}

/** Every distinct entry with the opcode bytes that reach it, for hovers and documentation. */
export interface OpcodeListing {
  readonly opcode: string;
  readonly entry: OpcodeEntry;
}

export function listOpcodes(): OpcodeListing[] {
  const out: OpcodeListing[] = [];
  const visit = (prefix: string, map: readonly TableSlot[]): void => {
    map.forEach((slot, byte) => {
      if (slot === undefined) return;
      const code = prefix + byte.toString(16).toUpperCase().padStart(2, '0');
      if ('group' in slot) {
        slot.memory.forEach((e, reg) => { if (e !== undefined) out.push({ opcode: `${code} /${reg}`, entry: e }); });
        if (slot.register !== undefined) {
          slot.register.forEach((e, i) => {
            if (e === undefined) return;
            const reg = slot.registerByRm ? i >> 3 : i;
            if (slot.memory[reg] === e) return;
            const modrm = slot.registerByRm ? (0xc0 | i).toString(16).toUpperCase() : `/${reg}`;
            out.push({ opcode: `${code} ${modrm}`, entry: e });
          });
        }
      } else out.push({ opcode: code, entry: slot });
    });
  };
  visit('', ONE_BYTE_MAP);
  visit('0F ', TWO_BYTE_MAP);
  return out;
}
