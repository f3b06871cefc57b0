/**
 * The hidden part of a segment register (SDM Vol. 3A 3.4.3, "descriptor
 * cache"). It is loaded only by segment loads (and by reset/INIT), and is
 * kept across mode switches exactly as hardware keeps it: that is what makes
 * unreal mode work and real→protected transitions debuggable.
 */
export interface SegmentCache {
  /** The visible 16-bit selector. */
  selector: number;
  /** Linear base address, 32 bits. */
  base: number;
  /** Effective limit in bytes (already scaled by G), 0 .. 0xFFFFFFFF. */
  limit: number;
  /**
   * Descriptor attribute bits as in the high dword of a descriptor, bits
   * 8..23 shifted down: bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 13 L,
   * 14 D/B, 15 G. (The same packing VMX uses for access rights.)
   */
  attributes: number;
  /** False for a null selector loaded in protected mode: any use faults. */
  usable: boolean;
}

export const SEG_ATTR_TYPE_MASK = 0x000f;
export const SEG_ATTR_S = 0x0010;
export const SEG_ATTR_DPL_SHIFT = 5;
export const SEG_ATTR_P = 0x0080;
export const SEG_ATTR_AVL = 0x1000;
export const SEG_ATTR_L = 0x2000;
export const SEG_ATTR_DB = 0x4000;
export const SEG_ATTR_G = 0x8000;

/** Segment register numbers in ModRM.reg order (SDM Vol. 2 Table 3-? "Sreg"). */
export const enum SegmentRegister {
  ES = 0,
  CS = 1,
  SS = 2,
  DS = 3,
  FS = 4,
  GS = 5,
}

export const SEGMENT_REGISTER_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

export function segmentDpl(cache: SegmentCache): number {
  return (cache.attributes >>> SEG_ATTR_DPL_SHIFT) & 3;
}

/** Real-mode style cache for a selector value (base = selector << 4, 64 KiB limit, data RW accessed). */
export function realModeSegment(selector: number): SegmentCache {
  return { selector: selector & 0xffff, base: (selector & 0xffff) << 4, limit: 0xffff, attributes: SEG_ATTR_P | SEG_ATTR_S | 0x3, usable: true };
}
