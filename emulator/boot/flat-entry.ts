/**
 * The flat 32-bit protected-mode hand-off shared by Multiboot, PVH and plain
 * ELF boots (Multiboot 0.6.96 3.2; the PVH ABI's register state).
 */
import type { FlatProtectedEntry, GeneralRegisters } from './boot-plan';
import type { FirmwareInfo } from '../firmware/install-firmware';
import { FLAG_RESERVED_1 } from '../cpu/eflags';
import { EBDA_BASE } from '../firmware/platform-layout';

/** CR0 with PE (bit 0) and ET (bit 4, hard-wired on integrated FPUs); PG, CD and NW clear. */
export const BOOT_CR0 = 0x00000011;

/**
 * ESP is undefined in every protocol; we point it at the top of conventional
 * memory (just below the EBDA) so that an early push does not fault.
 */
export const BOOT_STACK_TOP = EBDA_BASE;

export function flatProtectedEntry(eip: number, registers: GeneralRegisters, firmware: FirmwareInfo): FlatProtectedEntry {
  return {
    kind: 'flat-protected',
    eip,
    // EFLAGS: IF=0 and VM=0 as both specifications require; everything else clear.
    eflags: FLAG_RESERVED_1,
    cr0: BOOT_CR0,
    codeSelector: firmware.bootGdt.codeSelector,
    dataSelector: firmware.bootGdt.dataSelector,
    taskSelector: firmware.bootGdt.tssSelector,
    gdtr: { base: firmware.bootGdt.base, limit: firmware.bootGdt.limit },
    // IDTR limit 0: an exception before the kernel loads its IDT shuts the CPU down at once, visibly.
    idtr: { base: 0, limit: 0 },
    registers: { esp: BOOT_STACK_TOP, ...registers },
  };
}
