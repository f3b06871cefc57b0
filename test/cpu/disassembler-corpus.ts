/**
 * Generator for the disassembler oracle test: byte sequences covering every
 * entry of the opcode table (emulator/cpu/opcode-table.ts) in 16- and 32-bit
 * code, with the ModRM/SIB addressing forms, immediates and the 66/67/segment/
 * REP/LOCK prefixes. Emitted as NASM `db` lines so the corpus is an ordinary
 * NASM file (assembled by test/support/nasm.ts) that objdump can read too.
 */
import { isGroup, type OpcodeEntry, type OperandForm, type TableSlot } from '../../emulator/cpu/opcode-table-types';
import { lockAllowed, ONE_BYTE_MAP, TWO_BYTE_MAP } from '../../emulator/cpu/opcode-table';

export interface CorpusItem {
  bytes: number[];
  /** Where it came from, for failure messages. */
  what: string;
}

const SEG_PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];

/** Every 16-bit ModRM memory form (mod 0..2, rm 0..7) with its displacement bytes. */
function modrmForms16(reg: number): number[][] {
  const out: number[][] = [];
  for (let mod = 0; mod < 3; mod++) {
    for (let rm = 0; rm < 8; rm++) {
      const m = (mod << 6) | (reg << 3) | rm;
      if (mod === 0) out.push(rm === 6 ? [m, 0x34, 0x12] : [m]);
      else if (mod === 1) out.push([m, rm & 1 ? 0xf0 : 0x10]);
      else out.push([m, 0x78, rm & 1 ? 0x96 : 0x56]);
    }
  }
  return out;
}

/** Representative 32-bit memory forms: each mod/rm, SIB with and without base/index, each scale. */
function modrmForms32(reg: number, all: boolean): number[][] {
  const out: number[][] = [];
  for (let mod = 0; mod < 3; mod++) {
    for (let rm = 0; rm < 8; rm++) {
      const m = (mod << 6) | (reg << 3) | rm;
      const disp = mod === 1 ? [rm & 1 ? 0xf0 : 0x10] : mod === 2 ? [0x78, 0x56, 0x34, rm & 1 ? 0x92 : 0x12] : [];
      if (rm === 4) {
        const sibs = all ? Array.from({ length: 256 }, (_, i) => i) : [0x24, 0x88, 0x25 | (1 << 6), 0x65, 0xd8, 0x0d];
        for (const sib of sibs) {
          const d = mod === 0 && (sib & 7) === 5 ? [0x78, 0x56, 0x34, 0x12] : disp;
          out.push([m, sib, ...d]);
        }
      } else if (mod === 0 && rm === 5) out.push([m, 0x78, 0x56, 0x34, 0x12]);
      else out.push([m, ...disp]);
    }
  }
  return out;
}

function immediateBytes(forms: readonly OperandForm[], opSize: number, addrSize: number): number[] {
  const out: number[] = [];
  for (const f of forms) {
    switch (f) {
      case 'Ib': case 'Ibs': out.push(0x85); break;
      case 'Jb': out.push(0x10); break;
      case 'Iw': out.push(0x34, 0x12); break;
      case 'Iz': case 'Iv': case 'Jz': out.push(...(opSize === 32 ? [0x78, 0x56, 0x34, 0x12] : [0x34, 0x12])); break;
      case 'Ob': case 'Ov': out.push(...(addrSize === 32 ? [0x78, 0x56, 0x34, 0x12] : [0x34, 0x12])); break;
      case 'Ap': out.push(...(opSize === 32 ? [0x78, 0x56, 0x34, 0x12] : [0x34, 0x12]), 0x08, 0x00); break;
      default: break;
    }
  }
  return out;
}

const SIZE_DEPENDENT: ReadonlySet<OperandForm> = new Set<OperandForm>(['Ev', 'Gv', 'Gz', 'Iz', 'Iv', 'Jz', 'Ap', 'Ov', 'Xv', 'Yv', 'Zv', 'eAX', 'Mp', 'Ma', 'Menv', 'Mst']);
const ADDRESS_DEPENDENT: ReadonlySet<OperandForm> = new Set<OperandForm>(['Ob', 'Ov', 'Xb', 'Xv', 'Yb', 'Yv']);
const MODRM: ReadonlySet<OperandForm> = new Set<OperandForm>(['Eb', 'Ew', 'Ed', 'Ev', 'Gb', 'Gw', 'Gd', 'Gv', 'Gz', 'M', 'Mw', 'Md', 'Mq', 'Mp', 'Ms', 'Ma', 'Mfx', 'Rd', 'Sw', 'Cd', 'Dd']);
const STRING: ReadonlySet<OperandForm> = new Set<OperandForm>(['Xb', 'Xv', 'Yb', 'Yv']);

function regChoices(entry: OpcodeEntry): number[] {
  if (entry.operands.includes('Sw')) return entry.operands[0] === 'Sw' ? [0, 2, 3, 4, 5] : [0, 1, 2, 3, 4, 5];
  if (entry.operands.includes('Cd')) return [0, 2, 3, 4];
  if (entry.operands.includes('Dd')) return [0, 1, 2, 3, 6, 7];
  return [3];
}

/** The corpus for one code size. */
export function buildCorpus(codeSize: 16 | 32): CorpusItem[] {
  const items: CorpusItem[] = [];
  const other = codeSize === 32 ? 16 : 32;
  const add = (bytes: number[], what: string): void => { items.push({ bytes, what }); };

  // Every addressing form, exhaustively, on MOV r, r/m (8B) in both address sizes.
  for (const addr of [codeSize, other] as const) {
    const pre = addr === codeSize ? [] : [0x67];
    const forms = addr === 32 ? modrmForms32(2, true) : modrmForms16(2);
    for (const f of forms) add([...pre, 0x8b, ...f], `8B addressing ${addr}`);
    for (let rm = 0; rm < 8; rm++) add([...pre, 0x8b, 0xc0 | (2 << 3) | rm], '8B register');
  }
  // Segment overrides on each base register kind (SS- and DS-default).
  for (const seg of SEG_PREFIXES) {
    for (const f of codeSize === 32 ? modrmForms32(1, false) : modrmForms16(1)) add([seg, 0x89, ...f], `seg ${seg.toString(16)} 89`);
  }

  const visit = (escape: number[], map: readonly TableSlot[]): void => {
    map.forEach((slot, opcode) => {
      if (slot === undefined) return;
      const entries: { entry: OpcodeEntry; reg: number; registerOnly?: number }[] = [];
      if (isGroup(slot)) {
        slot.memory.forEach((e, reg) => { if (e !== undefined) entries.push({ entry: e, reg }); });
        if (slot.register !== undefined) {
          slot.register.forEach((e, i) => {
            if (e === undefined) return;
            // LFENCE/MFENCE/SFENCE: the SDM encodes them as 0F AE E8/F0/F8 (Table A-6 lists mod=11 with any rm; objdump
            // accepts rm=0 only), so only rm=0 is compared.
            if (slot.registerByRm && escape.length === 1 && opcode === 0xae && (i & 7) !== 0) return;
            if (slot.registerByRm) entries.push({ entry: e, reg: i >> 3, registerOnly: 0xc0 | i });
            else entries.push({ entry: e, reg: i, registerOnly: 0xc0 | (i << 3) | 1 });
          });
        }
      } else entries.push({ entry: slot, reg: -1 });
      for (const { entry, reg, registerOnly } of entries) {
        const code = [...escape, opcode];
        const name = `${code.map((b) => b.toString(16).padStart(2, '0')).join(' ')}${reg >= 0 ? ' /' + reg : ''} ${entry.mnemonic}`;
        const sizeDependent = entry.operands.some((f) => SIZE_DEPENDENT.has(f)) || entry.mnemonic32 !== undefined;
        const isString = entry.operands.some((f) => STRING.has(f));
        const needsModrm = isGroup(slot) || entry.operands.some((f) => MODRM.has(f));
        const memoryOnly = entry.operands.some((f) => f[0] === 'M');
        const registerOnlyForm = entry.operands.some((f) => f === 'Rd');
        const opSizes: (16 | 32)[] = sizeDependent ? [codeSize, other] : [codeSize];
        const addrSizes: (16 | 32)[] = entry.operands.some((f) => ADDRESS_DEPENDENT.has(f)) || opcode === 0xe3 || (escape.length === 0 && opcode >= 0xe0 && opcode <= 0xe2) ? [codeSize, other] : [codeSize];
        for (const opSize of opSizes) {
          for (const addrSize of addrSizes) {
            const pre: number[] = [];
            if (opSize !== codeSize) pre.push(0x66);
            if (addrSize !== codeSize) pre.push(0x67);
            const imm = immediateBytes(entry.operands, opSize, addrSize);
            if (!needsModrm) {
              if (escape.length === 0 && opcode >= 0x40 && opcode < 0x60) { add([...pre, ...code, ...imm], name); continue; }
              add([...pre, ...code, ...imm], name);
              if (isString) {
                add([0xf3, ...pre, ...code], name + ' rep');
                if (entry.mnemonic.startsWith('cmps') || entry.mnemonic.startsWith('scas')) add([0xf2, ...pre, ...code], name + ' repne');
                if (entry.operands.some((f) => f === 'Xb' || f === 'Xv')) add([0x26, ...pre, ...code], name + ' es:');
              }
              if (entry.operands.includes('Ob') || entry.operands.includes('Ov')) add([0x64, ...pre, ...code, ...imm], name + ' fs:');
              continue;
            }
            const regs = reg >= 0 ? [reg] : regChoices(entry);
            for (const r of regs) {
              if (registerOnly !== undefined) { add([...pre, ...code, registerOnly, ...imm], name); continue; }
              if (!memoryOnly) for (const rm of [0, 5, 7]) add([...pre, ...code, 0xc0 | (r << 3) | rm, ...imm], name + ' reg');
              if (registerOnlyForm) continue;
              const forms = addrSize === 32 ? modrmForms32(r, false) : modrmForms16(r);
              // Two memory forms per entry keep the corpus small; the exhaustive sweep above covers the rest.
              const picked = addrSize === 32 ? [forms[0], forms[forms.length - 1], forms[5]] : [forms[0], forms[6], forms[forms.length - 2]];
              for (const f of picked) add([...pre, ...code, ...f, ...imm], name + ' mem');
              const lockable = lockAllowed(escape.length ? 0x100 | opcode : opcode, r);
              if (lockable) add([0xf0, ...pre, ...code, ...picked[0], ...imm], name + ' lock');
            }
          }
        }
      }
    });
  };
  visit([], ONE_BYTE_MAP);
  visit([0x0f], TWO_BYTE_MAP);
  return items;
}

/** The corpus as a NASM source file (one `db` line per instruction). */
export function corpusSource(codeSize: 16 | 32, items: CorpusItem[]): string {
  return `bits ${codeSize}\n` + items.map((it) => `db ${it.bytes.map((b) => '0x' + b.toString(16).padStart(2, '0')).join(',')} ; ${it.what}`).join('\n') + '\n';
}
