/** Condition codes tttn (SDM Vol. 2 Appendix B.1.4.7, Table B-10). */
const CF = 0x1, PF = 0x4, ZF = 0x40, SF = 0x80, OF = 0x800;

export function testCondition(flags: number, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = (flags & OF) !== 0; break; // O
    case 1: r = (flags & CF) !== 0; break; // B / C
    case 2: r = (flags & ZF) !== 0; break; // E / Z
    case 3: r = (flags & (CF | ZF)) !== 0; break; // BE
    case 4: r = (flags & SF) !== 0; break; // S
    case 5: r = (flags & PF) !== 0; break; // P
    case 6: r = ((flags & SF) !== 0) !== ((flags & OF) !== 0); break; // L
    default: r = (flags & ZF) !== 0 || ((flags & SF) !== 0) !== ((flags & OF) !== 0); break; // LE
  }
  return (cc & 1) !== 0 ? !r : r;
}

export const CONDITION_SUFFIXES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;
