/** EFLAGS bits (SDM Vol. 1 3.4.3, Vol. 3A 2.3). */
export const FLAG_CF = 1 << 0;
export const FLAG_RESERVED_1 = 1 << 1; // always 1
export const FLAG_PF = 1 << 2;
export const FLAG_AF = 1 << 4;
export const FLAG_ZF = 1 << 6;
export const FLAG_SF = 1 << 7;
export const FLAG_TF = 1 << 8;
export const FLAG_IF = 1 << 9;
export const FLAG_DF = 1 << 10;
export const FLAG_OF = 1 << 11;
export const FLAG_IOPL_SHIFT = 12;
export const FLAG_IOPL = 3 << 12;
export const FLAG_NT = 1 << 14;
export const FLAG_RF = 1 << 16;
export const FLAG_VM = 1 << 17;
export const FLAG_AC = 1 << 18;
export const FLAG_VIF = 1 << 19;
export const FLAG_VIP = 1 << 20;
export const FLAG_ID = 1 << 21;

/** The six status flags that arithmetic instructions write. */
export const STATUS_FLAGS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

export const EFLAGS_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FLAG_CF, 'CF'], [FLAG_PF, 'PF'], [FLAG_AF, 'AF'], [FLAG_ZF, 'ZF'], [FLAG_SF, 'SF'],
  [FLAG_TF, 'TF'], [FLAG_IF, 'IF'], [FLAG_DF, 'DF'], [FLAG_OF, 'OF'], [FLAG_NT, 'NT'],
  [FLAG_RF, 'RF'], [FLAG_VM, 'VM'], [FLAG_AC, 'AC'], [FLAG_VIF, 'VIF'], [FLAG_VIP, 'VIP'], [FLAG_ID, 'ID'],
];
