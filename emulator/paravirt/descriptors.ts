/**
 * Reading segment descriptors from a guest GDT without a CPU (SDM Vol. 3A
 * 3.4.5 "Segment Descriptors", Figure 3-8), as a selector load would find
 * them. Pure functions over memory.
 */
import type { PhysicalMemory } from '../memory/physical-memory';
import type { SegmentCache } from '../cpu/segment-cache';
import { SEG_ATTR_G } from '../cpu/segment-cache';

export interface RawDescriptor {
  low: number;
  high: number;
}

export interface DescriptorTable {
  base: number;
  limit: number;
}

/** Selector fields (SDM Vol. 3A 3.4.2). */
export function selectorIndex(selector: number): number {
  return selector >>> 3;
}
export function selectorRpl(selector: number): number {
  return selector & 3;
}
export function selectorUsesLdt(selector: number): boolean {
  return (selector & 4) !== 0;
}
export function isNullSelector(selector: number): boolean {
  return (selector & 0xfffc) === 0;
}

/** Address of a selector's descriptor in the GDT, or undefined when it lies beyond the limit (SDM 3.4.2: index*8+7 <= limit). */
export function descriptorAddress(gdt: DescriptorTable, selector: number): number | undefined {
  const offset = selectorIndex(selector) * 8;
  return offset + 7 <= gdt.limit ? (gdt.base + offset) >>> 0 : undefined;
}

export function readDescriptor(memory: PhysicalMemory, gdt: DescriptorTable, selector: number): RawDescriptor | undefined {
  const address = descriptorAddress(gdt, selector);
  if (address === undefined) return undefined;
  return { low: memory.read32(address), high: memory.read32(address + 4) };
}

/** The descriptor's attribute bits in SegmentCache packing (high dword bits 8-15 and 20-23). */
export function descriptorAttributes(d: RawDescriptor): number {
  return (d.high >>> 8) & 0xf0ff;
}

export function descriptorType(d: RawDescriptor): number {
  return (d.high >>> 8) & 0xf;
}
export function descriptorIsSystem(d: RawDescriptor): boolean {
  return ((d.high >>> 12) & 1) === 0;
}
export function descriptorDpl(d: RawDescriptor): number {
  return (d.high >>> 13) & 3;
}
export function descriptorPresent(d: RawDescriptor): boolean {
  return ((d.high >>> 15) & 1) === 1;
}
export function descriptorIsCode(d: RawDescriptor): boolean {
  return !descriptorIsSystem(d) && (descriptorType(d) & 0x8) !== 0;
}

/** The hidden-cache view a load of `selector` would produce: base, limit scaled by G, attributes. */
export function descriptorCache(selector: number, d: RawDescriptor): SegmentCache {
  const base = ((d.low >>> 16) | ((d.high & 0xff) << 16) | (d.high & 0xff000000)) >>> 0;
  const rawLimit = (d.low & 0xffff) | (d.high & 0x000f0000);
  const attributes = descriptorAttributes(d);
  const limit = (attributes & SEG_ATTR_G) !== 0 ? ((rawLimit << 12) | 0xfff) >>> 0 : rawLimit;
  return { selector, base, limit, attributes, usable: true };
}

/** SDM Vol. 3A 3.4.5.1: a load sets the accessed bit (type bit 0) of code and data descriptors. */
export const DESCRIPTOR_ACCESSED_BIT = 1 << 8;
/** SDM Vol. 3A 7.2.2: the busy bit (type bit 1) of a TSS descriptor, set by LTR. */
export const TSS_BUSY_BIT = 1 << 9;
