/**
 * Guest images for the boot-protocol tests: NASM sources for Multiboot
 * (ELF and a.out kludge), PVH and plain ELF kernels that check their entry
 * state register by register and print one line per check, plus the
 * linking step (nasm -f elf32 + ld -m elf_i386 -T script in a temp dir) and
 * a QEMU runner.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nasm } from '../support/nasm';

const work = mkdtempSync(join(tmpdir(), 'bringup-boot-'));
let counter = 0;

/** Assemble `source` as elf32 and link it with `script`; returns the ELF file's path and bytes. */
export function linkElf(source: string, script: string): { path: string; bytes: Uint8Array } {
  const obj = nasm(source, 'elf32');
  const n = counter++;
  const o = join(work, `k${n}.o`);
  const ld = join(work, `k${n}.ld`);
  const out = join(work, `k${n}.elf`);
  writeFileSync(o, obj);
  writeFileSync(ld, script);
  const r = spawnSync('ld', ['-m', 'elf_i386', '-n', '-T', ld, '-o', out, o], { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error('GNU ld is needed for guest-level boot tests');
  if (r.status !== 0) throw new Error(`ld failed:\n${r.stderr}`);
  return { path: out, bytes: new Uint8Array(readFileSync(out)) };
}

/** Write bytes to a temp file (for QEMU). */
export function tempFile(bytes: Uint8Array, name: string): string {
  const p = join(work, `${counter++}-${name}`);
  writeFileSync(p, bytes);
  return p;
}

/** Everything at 1 MiB, one loadable segment, notes in their own PT_NOTE. */
export const LINK_SCRIPT = `
ENTRY(entry)
SECTIONS {
  . = 0x100000;
  .text : { *(.multiboot) *(.text) }
  .note : { *(.note.Xen) }
  /DISCARD/ : { *(.comment) }
}
`;

const XEN_NOTE = `
section .note.Xen note alloc noexec nowrite align=4
    dd 4, 4, 18            ; namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd entry
`;

const EXIT = `
    mov al, 0x10
    out 0xf4, al
.spin:
    hlt
    jmp .spin
`;

/** The helpers (code and macros) go before the code that uses the macros. */
const HELPERS = `
global entry
%include "lib/print32.inc"
%include "lib/entry32.inc"
; print_qword: EAX:EDX = low:high, printed as 16 hex digits
print_qword:
    push eax
    mov eax, edx
    call print_hex32
    pop eax
    call print_hex32
    ret
; print_n: ESI = bytes, ECX = count (printable as they are)
print_n:
    pushad
    mov dx, 0x3f8
    jecxz .done
.next:
    lodsb
    out dx, al
    loop .next
.done:
    popad
    ret
; A20: bit 20 of physical addresses is not masked
check_a20:
    mov dword [0x600000], 0x11111111
    mov dword [0x700000], 0x22222222
    check "A20 enabled", [0x600000], 0x11111111
    ret
`;

const COMMON_TAIL = `
entry_state_data
`;

/** Multiboot 1 flags the test kernels ask for: page-aligned modules, memory information. */
const MB_FLAGS = 0x3;

/** Body shared by the Multiboot kernels, after the header. */
function multibootBody(): string {
  return `
${HELPERS}
entry:
    save_entry_state
    check "EAX=0x2BADB002", [entry_eax], 0x2badb002
    check_flat_state
    call check_a20
    mov ebp, [entry_ebx]
    ; --- hypervisor-independent part ends with the command line ---
    print "cmdline="
    mov esi, [ebp + 16]
    call print_bracketed
    check_mask "info flags 0,2,3,6 (mem, cmdline, mods, mmap)", [ebp], 0x4d, 0x4d
    print "flags="
    mov eax, [ebp]
    call print_hex32
    newline
    test dword [ebp], 0x200
    jz .noname
    print "boot_loader_name="
    mov esi, [ebp + 64]
    call print_bracketed
.noname:
    print "mem_lower="
    mov eax, [ebp + 4]
    call print_dec32
    print " mem_upper="
    mov eax, [ebp + 8]
    call print_dec32
    newline
    test dword [ebp], 2
    jz .noboot
    print "boot_device="
    mov eax, [ebp + 12]
    call print_hex32
    newline
    jmp .mods
.noboot:
    print "boot_device: none"
    newline
.mods:
    print "mods_count="
    mov eax, [ebp + 20]
    call print_dec32
    newline
    mov ebx, [ebp + 24]
    mov edi, [ebp + 20]
.mod:
    test edi, edi
    jz .mmap
    print "module start&0xfff="
    mov eax, [ebx]
    and eax, 0xfff
    call print_hex32
    print " size="
    mov eax, [ebx + 4]
    sub eax, [ebx]
    call print_dec32
    print " string="
    mov esi, [ebx + 8]
    call print_bracketed
    print "  data="
    mov esi, [ebx]
    mov ecx, [ebx + 4]
    sub ecx, esi
    call print_n
    newline
    add ebx, 16
    dec edi
    jmp .mod
.mmap:
    mov ebx, [ebp + 48]
    mov edi, ebx
    add edi, [ebp + 44]
.entry:
    cmp ebx, edi
    jae .done
    print "mmap "
    mov eax, [ebx + 4]
    mov edx, [ebx + 8]
    call print_qword
    print " "
    mov eax, [ebx + 12]
    mov edx, [ebx + 16]
    call print_qword
    print " type="
    mov eax, [ebx + 20]
    call print_dec32
    newline
    mov eax, [ebx]
    lea ebx, [ebx + eax + 4]
    jmp .entry
.done:
    print "done"
    newline
${EXIT}
${COMMON_TAIL}
`;
}

/** Multiboot kernel as an ELF file (no address fields). */
export function multibootElf(extraNotes = ''): { path: string; bytes: Uint8Array } {
  return linkElf(
    `
bits 32
section .multiboot progbits alloc exec write align=4
    dd 0x1BADB002, ${MB_FLAGS}, -(0x1BADB002 + ${MB_FLAGS})
section .text progbits alloc exec write align=16
${multibootBody()}
${extraNotes}
`,
    LINK_SCRIPT,
  );
}

/** Multiboot kernel as a flat binary with the a.out kludge (flag 16, address fields). */
export function multibootKludge(): Uint8Array {
  const flags = MB_FLAGS | 0x10000;
  return nasm(`
bits 32
org 0x100000
mb_header:
    dd 0x1BADB002, ${flags}, -(0x1BADB002 + ${flags})
    dd mb_header, 0x100000, load_end, bss_end, entry
${multibootBody()}
    align 16
load_end:
bss_end equ load_end + 0x1000
`);
}

/** PVH kernel: XEN_ELFNOTE_PHYS32_ENTRY note, checks the PVH ABI entry state and prints hvm_start_info. */
export function pvhElf(): { path: string; bytes: Uint8Array } {
  return linkElf(
    `
bits 32
section .text progbits alloc exec write align=16
${HELPERS}
entry:
    save_entry_state
    check "EBX=hvm_start_info magic 0x336ec578", [ebx], 0x336ec578
    check_flat_state
    check_mask "EFLAGS.TF=0", [entry_eflags], 0x100, 0
    check_mask "CR0 other writable bits clear (ET ignored)", [entry_cr0], 0xffffffee, 0
    check "CR4=0", [entry_cr4], 0
    ; TR: a 32-bit busy TSS with base 0 and limit 0x67
    str eax
    movzx ecx, ax
    call segment_facts
    check_mask "TR type: busy 32-bit TSS, present", [seg_ar], 0x00009f00, 0x00008b00
    check "TR limit 0x67", [seg_limit], 0x67
    check "TR base 0", [seg_base], 0
    call check_a20
    mov ebp, [entry_ebx]
    print "cmdline="
    mov esi, [ebp + 24]
    test esi, esi
    jz .nocmd
    call print_bracketed
    jmp .info
.nocmd:
    print "(none)"
    newline
.info:
    check "start_info version=1", [ebp + 4], 1
    check "start_info flags", [ebp + 8], 0
    ; rsdp_paddr points at an RSDP
    mov edi, [ebp + 32]
    check "rsdp_paddr: 'RSD '", [edi], 'RSD '
    check "rsdp_paddr: 'PTR '", [edi + 4], 'PTR '
    print "nr_modules="
    mov eax, [ebp + 12]
    call print_dec32
    newline
    mov ebx, [ebp + 16]
    mov edi, [ebp + 12]
.mod:
    test edi, edi
    jz .mmap
    print "module paddr&0xfff="
    mov eax, [ebx]
    and eax, 0xfff
    call print_hex32
    print " size="
    mov eax, [ebx + 8]
    call print_dec32
    print " cmdline="
    mov esi, [ebx + 16]
    call print_bracketed
    print "  data="
    mov esi, [ebx]
    mov ecx, [ebx + 8]
    call print_n
    newline
    add ebx, 32
    dec edi
    jmp .mod
.mmap:
    mov ebx, [ebp + 40]
    mov edi, [ebp + 48]
.entry:
    test edi, edi
    jz .done
    print "memmap "
    mov eax, [ebx]
    mov edx, [ebx + 4]
    call print_qword
    print " "
    mov eax, [ebx + 8]
    mov edx, [ebx + 12]
    call print_qword
    print " type="
    mov eax, [ebx + 16]
    call print_dec32
    newline
    add ebx, 24
    dec edi
    jmp .entry
.done:
    print "done"
    newline
${EXIT}
${COMMON_TAIL}
${XEN_NOTE}
`,
    LINK_SCRIPT,
  );
}

/** Plain ELF kernel: Bringup's documented state (flat, EAX = EBX = 0). */
export function plainElf(): { path: string; bytes: Uint8Array } {
  return linkElf(
    `
bits 32
section .text progbits alloc exec write align=16
${HELPERS}
entry:
    save_entry_state
    check "EAX=0", [entry_eax], 0
    check "EBX=0", [entry_ebx], 0
    check_flat_state
    call check_a20
    print "done"
    newline
${EXIT}
${COMMON_TAIL}
`,
    LINK_SCRIPT,
  );
}

/** Multiboot ELF that also carries a PVH note (auto must choose Multiboot: rule 1). */
export function multibootWithPvhNote(): { path: string; bytes: Uint8Array } {
  return multibootElf(XEN_NOTE);
}

export function qemuAvailable(): boolean {
  return spawnSync('qemu-system-i386', ['--version']).status === 0;
}

/**
 * Run a -kernel image under QEMU; returns status and serial output (CR
 * stripped). Serial goes to a file rather than -serial stdio: QEMU writes a
 * pipe non-blocking and drops bytes when it is full, which made output
 * comparisons flaky.
 */
export function runQemuKernel(path: string, cmdline: string, extra: string[] = []): { status: number | null; serial: string; stderr: string } {
  const serialPath = join(work, `${counter++}-serial.txt`);
  const r = spawnSync(
    'timeout',
    ['30', 'qemu-system-i386', '-kernel', path, '-append', cmdline, '-m', '128', '-display', 'none', '-no-reboot', '-monitor', 'none', '-serial', `file:${serialPath}`,
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', ...extra],
    { encoding: 'latin1' },
  );
  let serial = '';
  try {
    serial = readFileSync(serialPath, 'latin1');
  } catch {
    // no output file: QEMU did not start
  }
  return { status: r.status, serial: serial.replace(/\r/g, ''), stderr: r.stderr };
}
