/**
 * Virtual-8086 mode (SDM Vol. 3B chapter 20): entering and leaving it, the
 * 8086-style segment registers it runs with, and the IOPL rule of its
 * sensitive instructions. The instruction handlers, event delivery and the
 * task switch call these so that the mode change itself (CPL 3, segment
 * caches, how segment checks are made, the machine event the debugger stops
 * on) is written once.
 *
 * CR4.VME / CR4.PVI (SDM 20.3, 20.4) are not implemented: CPUID.01H:EDX.VME
 * is 0 and setting either bit in CR4 is #GP(0) (control-registers.ts), so
 * every IOPL-sensitive instruction in V86 mode with IOPL < 3 is #GP(0) to the
 * monitor, and software interrupts always go through the protected-mode IDT.
 */
import type { Cpu } from './cpu';
import { FLAG_IOPL, FLAG_VM } from './eflags';
import { SegmentRegister, type SegmentCache } from './segment-cache';

/**
 * Access rights of every segment register in V86 mode: present, DPL 3,
 * read/write data, accessed, 16-bit, byte granular. SDM Vol. 3C 26.3.1.2
 * requires exactly 00F3H for CS, SS, DS, ES, FS and GS of a guest entered
 * in virtual-8086 mode, which is how the processor itself holds them.
 */
export const V86_SEGMENT_ATTRIBUTES = 0xf3;

/** The linear-address rule of V86 mode (SDM 20.1.1): base = selector * 16, limit 64 KiB - 1. */
export function load8086Segment(cache: SegmentCache, selector: number): void {
  cache.selector = selector & 0xffff;
  cache.base = (selector & 0xffff) << 4;
  cache.limit = 0xffff;
  cache.attributes = V86_SEGMENT_ATTRIBUTES;
  cache.usable = true;
}

/** EFLAGS.VM = 1 (CR0.PE is implied: VM cannot be set outside protected mode). */
export function inVirtual8086Mode(cpu: Cpu): boolean {
  return (cpu.state.eflags & FLAG_VM) !== 0;
}

/**
 * SDM 20.2.7: CLI, STI, PUSHF, POPF, INT n and IRET are IOPL-sensitive in
 * V86 mode; with IOPL < 3 (and no VME) they raise #GP(0), which is how the
 * V86 monitor gets to emulate them.
 */
export function checkVirtual8086Iopl(cpu: Cpu): void {
  const eflags = cpu.state.eflags;
  if ((eflags & FLAG_VM) !== 0 && (eflags & FLAG_IOPL) !== FLAG_IOPL) cpu.gp(0);
}

/**
 * Switch the core into V86 mode after EFLAGS.VM was set and the six
 * segment registers were loaded 8086-style (IRET from CPL 0, or a task
 * switch to a TSS whose EFLAGS image has VM = 1): CPL is 3 (SDM 20.2.1),
 * segment checks are the 8086 limit checks, paging sees user accesses.
 */
export function enteredVirtual8086Mode(cpu: Cpu, how: string, oldEflags: number): void {
  const st = cpu.state;
  st.cpl = 3;
  cpu.protectedMode = false;
  cpu.virtual8086 = true;
  for (let s = 0; s < 6; s++) cpu.refreshSegment(s);
  cpu.pagingChanged();
  cpu.updateSlowChecks();
  reportVmChange(cpu, oldEflags, how);
}

/**
 * Switch the core back to protected mode after EFLAGS.VM was cleared (an
 * interrupt or exception through an interrupt/trap gate, a task switch to a
 * protected-mode task, SYSENTER). The caller has loaded CS, SS and the CPL.
 */
export function leftVirtual8086Mode(cpu: Cpu, how: string, oldEflags: number): void {
  cpu.protectedMode = (cpu.state.cr0 & 1) !== 0;
  cpu.virtual8086 = false;
  for (let s = 0; s < 6; s++) cpu.refreshSegment(s);
  cpu.pagingChanged();
  cpu.updateSlowChecks();
  reportVmChange(cpu, oldEflags, how);
}

/** The 'mode-switch' machine event for EFLAGS.VM, which the debugger's `v86` filter stops on. */
function reportVmChange(cpu: Cpu, oldEflags: number, how: string): void {
  const events = cpu.platform.events;
  if (!events.hasListeners) return;
  const st = cpu.state;
  const entering = (st.eflags & FLAG_VM) !== 0;
  const cs = st.segments[SegmentRegister.CS].selector;
  events.emit({
    kind: 'mode-switch',
    cpu: cpu.index,
    register: 'eflags',
    oldValue: oldEflags >>> 0,
    newValue: st.eflags >>> 0,
    description: `EFLAGS.VM ${entering ? '0→1: virtual-8086 mode' : '1→0: protected mode'} (${how}) at ${hex(cs, 4)}:${hex(st.eip, entering ? 4 : 8)}`,
  });
}

function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, '0');
}
