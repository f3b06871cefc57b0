/**
 * INT 15h system services boot loaders use: the E820 memory map (AX=E820h),
 * E801h and AH=88h memory sizes, the A20 gate (AX=2400h-2403h) and the
 * system configuration table (AH=C0h). Unsupported functions return CF=1,
 * AH=86h ("function not supported"), as BIOSes do.
 */
import type { BiosCall } from './bios-call';
import { hex2, type BiosContext } from './bios-context';
import { SYSTEM_CONFIG_TABLE_ADDRESS, BIOS_AREA_BASE, BIOS_SEGMENT } from './platform-layout';

/** 'SMAP', the E820 signature in EDX on entry and EAX on return. */
export const SMAP = 0x534d4150;
const UNSUPPORTED = 0x86;

export function int15System(call: BiosCall, ctx: BiosContext): void {
  const ax = call.ax;
  if (ax === 0xe820) {
    e820(call, ctx);
    return;
  }
  switch (ax) {
    case 0xe801: {
      // AX=CX: KiB between 1 MiB and 16 MiB; BX=DX: 64 KiB blocks above 16 MiB (contiguous only).
      const below16 = Math.min(ctx.extendedMemoryKiB, 15 * 1024);
      const above16 = Math.min(0xffff, Math.floor(Math.max(0, ctx.extendedMemoryKiB - 15 * 1024) / 64));
      call.ax = below16;
      call.cx = below16;
      call.bx = above16;
      call.dx = above16;
      call.setCarry(false);
      return;
    }
    case 0x2400:
    case 0x2401:
      ctx.a20Enabled = ax === 0x2401;
      call.ok();
      return;
    case 0x2402:
      call.ok();
      call.al = ctx.a20Enabled ? 1 : 0;
      return;
    case 0x2403:
      // BX bit 0: keyboard controller gate, bit 1: port 92h fast gate.
      call.ok();
      call.bx = 0x0003;
      return;
  }
  switch (call.ah) {
    case 0x88:
      // KiB above 1 MiB, capped as BIOSes do for this 16-bit interface.
      call.ax = Math.min(ctx.extendedMemoryKiB, 0xfc00);
      call.setCarry(false);
      return;
    case 0xc0:
      call.regs.es = BIOS_SEGMENT;
      call.bx = SYSTEM_CONFIG_TABLE_ADDRESS - BIOS_AREA_BASE;
      call.ok();
      return;
    default:
      ctx.unsupported(`INT 15h AX=${hex2(call.ah)}${hex2(call.al)}h is not implemented`);
      call.fail(UNSUPPORTED);
  }
}

/**
 * ACPI 6.5 15.1 "INT 15H, E820H": EBX is the continuation value (the entry
 * index here), ES:DI the buffer, ECX its size (20 or 24 bytes).
 */
function e820(call: BiosCall, ctx: BiosContext): void {
  const { regs } = call;
  const index = regs.ebx >>> 0;
  if (regs.edx >>> 0 !== SMAP || (regs.ecx >>> 0) < 20 || index >= ctx.e820.length) {
    call.fail(UNSUPPORTED);
    return;
  }
  const entry = ctx.e820[index];
  const at = call.linear('es', regs.edi);
  const m = ctx.memory;
  m.write32(at, entry.base % 0x1_0000_0000);
  m.write32(at + 4, Math.floor(entry.base / 0x1_0000_0000));
  m.write32(at + 8, entry.length % 0x1_0000_0000);
  m.write32(at + 12, Math.floor(entry.length / 0x1_0000_0000));
  m.write32(at + 16, entry.type);
  let size = 20;
  if ((regs.ecx >>> 0) >= 24) {
    // ACPI 3.0 extended attributes: bit 0 "enabled".
    m.write32(at + 20, 1);
    size = 24;
  }
  regs.eax = SMAP;
  regs.ecx = size;
  regs.ebx = index + 1 < ctx.e820.length ? index + 1 : 0;
  call.setCarry(false);
}
