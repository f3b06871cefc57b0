/**
 * The Linux/x86 boot protocol (Documentation/x86/boot.rst), as QEMU's
 * `-kernel`/`-initrd`/`-append` use it: the real-mode setup code (the boot
 * sector plus setup_sects sectors) is loaded at 0x10000, the protected-mode
 * kernel at 0x100000, the command line at 0x20000, the initrd as high as
 * initrd_addr_max and RAM allow; the BSP enters the setup code in real mode
 * at (0x1000 + 0x20):0000 with DS = ES = FS = GS = SS = 0x1000. The setup
 * code then asks the BIOS for the memory map (INT 15h E820), enables A20,
 * fills boot_params and enters the kernel in protected mode itself.
 */
import { BootError } from './boot-error';
import type { RealModeEntry } from './boot-plan';
import { hex, type LoadPlacement } from './load-placement';
import type { LoaderContext } from './loader-context';
import { E820Type } from '../firmware/e820';
import { FLAG_RESERVED_1 } from '../cpu/eflags';

/** Header offsets in the image (boot.rst "The real-mode kernel header"). */
const SETUP_SECTS = 0x1f1;
const BOOT_FLAG = 0x1fe;
const HEADER_MAGIC = 0x202;
const VERSION = 0x206;
const TYPE_OF_LOADER = 0x210;
const LOADFLAGS = 0x211;
const RAMDISK_IMAGE = 0x218;
const RAMDISK_SIZE = 0x21c;
const HEAP_END_PTR = 0x224;
const CMD_LINE_PTR = 0x228;
const INITRD_ADDR_MAX = 0x22c;
const CMDLINE_SIZE = 0x238;

const LOADED_HIGH = 0x01;
const CAN_USE_HEAP = 0x80;
/** "HdrS" little-endian. */
const HDRS = 0x53726448;

/** Where QEMU puts the pieces for protocol 2.02 and later. */
export const LINUX_SETUP_ADDRESS = 0x10000;
export const LINUX_CMDLINE_ADDRESS = 0x20000;
export const LINUX_KERNEL_ADDRESS = 0x100000;
/** The setup code's heap ends 512 bytes below the command line (boot.rst sample loader). */
const HEAP_END = LINUX_CMDLINE_ADDRESS - LINUX_SETUP_ADDRESS - 0x200;
/** type_of_loader 0xFF: "undefined" boot loader (boot.rst assigned IDs). */
const LOADER_UNDEFINED = 0xff;

export interface LinuxHeader {
  version: number;
  setupSects: number;
  loadflags: number;
  initrdAddrMax: number;
  cmdlineSize: number;
}

/** A bzImage: boot flag 0xAA55 and the "HdrS" magic of protocol 2.00 and later. */
export function findLinuxHeader(image: Uint8Array): LinuxHeader | undefined {
  if (image.length < 0x250) return undefined;
  const d = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (d.getUint16(BOOT_FLAG, true) !== 0xaa55 || d.getUint32(HEADER_MAGIC, true) !== HDRS) return undefined;
  const version = d.getUint16(VERSION, true);
  return {
    version,
    setupSects: image[SETUP_SECTS] === 0 ? 4 : image[SETUP_SECTS],
    loadflags: image[LOADFLAGS],
    // Protocol 2.03 added initrd_addr_max; before it the limit was 0x37FFFFFF. 2.06 added cmdline_size; before it, 255.
    initrdAddrMax: version >= 0x203 ? d.getUint32(INITRD_ADDR_MAX, true) : 0x37ffffff,
    cmdlineSize: version >= 0x206 ? d.getUint32(CMDLINE_SIZE, true) : 255,
  };
}

export function versionText(version: number): string {
  return `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
}

/** The highest page-aligned place for `size` bytes that lies in usable RAM and ends at or below `limit`. */
function highestFit(ctx: LoaderContext, placement: LoadPlacement, size: number, limit: number): number | undefined {
  let best: number | undefined;
  for (const e of ctx.firmware.e820) {
    if (e.type !== E820Type.Usable) continue;
    const top = Math.min(e.base + e.length, limit + 1);
    const start = Math.floor((top - size) / 4096) * 4096;
    if (start < Math.max(e.base, LINUX_KERNEL_ADDRESS)) continue;
    if (placement.loaded.some((r) => start < r.end && start + size > r.start)) continue;
    if (best === undefined || start > best) best = start;
  }
  return best;
}

export function loadLinux(image: Uint8Array, header: LinuxHeader, ctx: LoaderContext): { entry: RealModeEntry; note: string } {
  const { placement, options } = ctx;
  if (header.version < 0x202) throw new BootError(`Linux boot protocol ${versionText(header.version)} is too old (2.02 or later is needed: the command line pointer)`);
  if ((header.loadflags & LOADED_HIGH) === 0) throw new BootError('this is a zImage (loaded low, below 640 KiB); only bzImage kernels (LOADED_HIGH) can be booted');
  const setupSize = (header.setupSects + 1) * 512;
  if (image.length <= setupSize) throw new BootError(`the image ends (${image.length} bytes) inside its setup code (${setupSize} bytes): no protected-mode kernel follows`);

  const setup = image.slice(0, setupSize);
  const d = new DataView(setup.buffer);
  setup[TYPE_OF_LOADER] = LOADER_UNDEFINED;
  setup[LOADFLAGS] = header.loadflags | CAN_USE_HEAP;
  d.setUint16(HEAP_END_PTR, HEAP_END, true);
  d.setUint32(CMD_LINE_PTR, LINUX_CMDLINE_ADDRESS, true);

  const cmdline = options.cmdline ?? '';
  const cmdlineBytes = new TextEncoder().encode(cmdline);
  if (cmdlineBytes.length > header.cmdlineSize) throw new BootError(`the command line is ${cmdlineBytes.length} bytes; this kernel accepts at most ${header.cmdlineSize} (cmdline_size)`);

  const initrd = options.initrd;
  let initrdNote = '';
  if (initrd !== undefined && initrd.length > 0) {
    const at = highestFit(ctx, placement, initrd.length, header.initrdAddrMax);
    if (at === undefined) throw new BootError(`the initrd (${initrd.length} bytes) does not fit in RAM below initrd_addr_max ${hex(header.initrdAddrMax)}`);
    placement.place('initrd', at, initrd);
    d.setUint32(RAMDISK_IMAGE, at, true);
    d.setUint32(RAMDISK_SIZE, initrd.length, true);
    initrdNote = `, initrd at ${hex(at)} (${initrd.length} bytes)`;
  }
  placement.place('Linux real-mode setup', LINUX_SETUP_ADDRESS, setup);
  const withNul = new Uint8Array(cmdlineBytes.length + 1);
  withNul.set(cmdlineBytes);
  placement.place('Linux command line', LINUX_CMDLINE_ADDRESS, withNul);
  placement.place('Linux protected-mode kernel', LINUX_KERNEL_ADDRESS, image.subarray(setupSize));

  const segment = LINUX_SETUP_ADDRESS >> 4;
  return {
    entry: {
      kind: 'real-mode',
      cs: segment + 0x20,
      ip: 0,
      ds: segment,
      es: segment,
      fs: segment,
      gs: segment,
      ss: segment,
      // Interrupts off, as a boot loader jumps to the setup code (boot.rst: "cli()").
      eflags: FLAG_RESERVED_1,
      registers: { esp: HEAP_END + 0x200 - 0x10 },
    },
    note: `Linux boot protocol ${versionText(header.version)}: setup (${header.setupSects} sectors) at ${hex(LINUX_SETUP_ADDRESS)}, kernel at ${hex(LINUX_KERNEL_ADDRESS)}, command line at ${hex(LINUX_CMDLINE_ADDRESS)}${initrdNote}`,
  };
}
