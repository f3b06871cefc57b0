/**
 * Finding and checking the Multiboot header (Multiboot Specification 0.6.96,
 * 3.1): a 32-bit aligned structure within the first 8192 bytes of the image,
 * magic 0x1BADB002, with magic + flags + checksum = 0 (mod 2^32).
 */
import { BootError } from './boot-error';
import { hex } from './load-placement';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_SEARCH_LIMIT = 8192;

/** 3.1.2 flags. Bits 0-15 are requirements: a loader that cannot meet one must refuse the image. */
export const MB_FLAG_PAGE_ALIGN_MODULES = 1 << 0;
export const MB_FLAG_MEMORY_INFO = 1 << 1;
export const MB_FLAG_VIDEO_MODE = 1 << 2;
export const MB_FLAG_ADDRESS_FIELDS = 1 << 16;
const SUPPORTED_REQUIRED_FLAGS = MB_FLAG_PAGE_ALIGN_MODULES | MB_FLAG_MEMORY_INFO;

export interface MultibootHeader {
  /** File offset of the header. */
  offset: number;
  flags: number;
  /** 3.1.3 address fields, valid when flags bit 16 is set (the "a.out kludge"). */
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
}

export type MultibootSearch =
  | { kind: 'found'; header: MultibootHeader }
  | { kind: 'absent' }
  /** The magic is there but no copy has a valid checksum. */
  | { kind: 'bad-checksum'; offset: number };

export function findMultibootHeader(image: Uint8Array): MultibootSearch {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const limit = Math.min(image.length, MULTIBOOT_SEARCH_LIMIT) - 12;
  let badChecksumAt: number | undefined;
  for (let offset = 0; offset <= limit; offset += 4) {
    if (view.getUint32(offset, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = view.getUint32(offset + 4, true);
    const checksum = view.getUint32(offset + 8, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      badChecksumAt ??= offset;
      continue;
    }
    const field = (i: number) => (offset + 12 + i * 4 + 4 <= image.length ? view.getUint32(offset + 12 + i * 4, true) : 0);
    if ((flags & MB_FLAG_ADDRESS_FIELDS) !== 0 && offset + 32 > image.length) {
      throw new BootError(`Multiboot header at offset ${hex(offset)} sets flag 16 but the image ends before its address fields`);
    }
    return {
      kind: 'found',
      header: { offset, flags, headerAddr: field(0), loadAddr: field(1), loadEndAddr: field(2), bssEndAddr: field(3), entryAddr: field(4) },
    };
  }
  return badChecksumAt === undefined ? { kind: 'absent' } : { kind: 'bad-checksum', offset: badChecksumAt };
}

/** Refuse requirement bits we cannot honour (3.1.2: "the boot loader must fail"). */
export function checkMultibootRequirements(header: MultibootHeader): void {
  const required = header.flags & 0xffff;
  if ((required & MB_FLAG_VIDEO_MODE) !== 0) {
    throw new BootError('the Multiboot header requires video mode information (flags bit 2); this machine has no display adapter');
  }
  const unknown = required & ~SUPPORTED_REQUIRED_FLAGS;
  if (unknown !== 0) throw new BootError(`the Multiboot header requires unsupported features (flags ${hex(unknown)})`);
}
