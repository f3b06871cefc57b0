/**
 * One register layout per session (E.2 `g` packet order, and the target
 * description gdb reads, GDB manual G "Target Descriptions"): the i386 core
 * and SSE features in the order and with the names GDB's i386 architecture
 * expects (G.5.1 "i386 Features"), then a Bringup system feature. The
 * layout never changes with the processor's mode, because gdb cannot
 * change a remote target's register set mid-session (QEMU's switch from
 * i386 to x86-64 layouts is what makes gdb print "Remote 'g' packet reply
 * is too long"). For 16-bit code, gdb's `set architecture i8086` changes
 * only how instructions disassemble, not the layout.
 */

export type RegisterType =
  | 'int32' | 'uint32' | 'code_ptr' | 'data_ptr' | 'i386_eflags' | 'i387_ext' | 'vec128' | 'i386_mxcsr'
  | 'i386_cr0' | 'i386_cr3' | 'i386_cr4' | 'i386_efer';

export interface RegisterDescription {
  /** gdb's register name (what `info registers` and `$name` use). */
  name: string;
  /** Position in the `g` packet and the `p`/`P` number. */
  regno: number;
  bitsize: 32 | 80 | 128;
  type: RegisterType;
  feature: FeatureName;
  /** gdb's register group, when not the one its type implies. */
  group?: 'float' | 'sse';
}

export type FeatureName = 'org.gnu.gdb.i386.core' | 'org.gnu.gdb.i386.sse' | 'org.bringup.x86.system';

export type RegisterLayout = readonly RegisterDescription[];

const CORE: [string, RegisterType][] = [
  ['eax', 'int32'], ['ecx', 'int32'], ['edx', 'int32'], ['ebx', 'int32'],
  ['esp', 'data_ptr'], ['ebp', 'data_ptr'], ['esi', 'int32'], ['edi', 'int32'],
  ['eip', 'code_ptr'], ['eflags', 'i386_eflags'],
  ['cs', 'int32'], ['ss', 'int32'], ['ds', 'int32'], ['es', 'int32'], ['fs', 'int32'], ['gs', 'int32'],
];
const X87_CONTROL = ['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop'];

/** Segment registers in the order the system feature lists their descriptor caches. */
export const SEGMENT_ORDER = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

function systemRegisters(): [string, RegisterType][] {
  const regs: [string, RegisterType][] = [
    ['cr0', 'i386_cr0'], ['cr2', 'uint32'], ['cr3', 'i386_cr3'], ['cr4', 'i386_cr4'], ['cr8', 'uint32'], ['efer', 'i386_efer'],
    ['gdtr_base', 'data_ptr'], ['gdtr_limit', 'uint32'], ['idtr_base', 'data_ptr'], ['idtr_limit', 'uint32'],
    ['ldtr', 'uint32'], ['ldtr_base', 'data_ptr'], ['ldtr_limit', 'uint32'], ['ldtr_attr', 'uint32'],
    ['tr', 'uint32'], ['tr_base', 'data_ptr'], ['tr_limit', 'uint32'], ['tr_attr', 'uint32'],
  ];
  for (const s of SEGMENT_ORDER) regs.push([`${s}_base`, 'data_ptr'], [`${s}_limit`, 'uint32'], [`${s}_attr`, 'uint32']);
  return regs;
}

export function i386Layout(): RegisterLayout {
  const out: RegisterDescription[] = [];
  const add = (name: string, bitsize: 32 | 80 | 128, type: RegisterType, feature: FeatureName, group?: RegisterDescription['group']): void => {
    out.push({ name, regno: out.length, bitsize, type, feature, ...(group === undefined ? {} : { group }) });
  };
  for (const [name, type] of CORE) add(name, 32, type, 'org.gnu.gdb.i386.core');
  for (let i = 0; i < 8; i++) add(`st${i}`, 80, 'i387_ext', 'org.gnu.gdb.i386.core');
  for (const name of X87_CONTROL) add(name, 32, 'int32', 'org.gnu.gdb.i386.core', 'float');
  for (let i = 0; i < 8; i++) add(`xmm${i}`, 128, 'vec128', 'org.gnu.gdb.i386.sse');
  add('mxcsr', 32, 'i386_mxcsr', 'org.gnu.gdb.i386.sse', 'sse');
  // No group: gdb then counts them as general registers, so `info registers` shows them as it shows QEMU's cr0..efer.
  for (const [name, type] of systemRegisters()) add(name, 32, type, 'org.bringup.x86.system');
  return out;
}

export function registerByName(layout: RegisterLayout, name: string): RegisterDescription | undefined {
  return layout.find((r) => r.name === name);
}

/** Bytes of the whole `g` packet. */
export function gPacketSize(layout: RegisterLayout): number {
  return layout.reduce((n, r) => n + r.bitsize / 8, 0);
}
