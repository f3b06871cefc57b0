/**
 * Shared framework for the system-architecture guest tests
 * (protection.test.ts, paging.test.ts, tasks-io.test.ts): a flat 32-bit
 * protected-mode image with ring 0 and ring 3 segments, a 32-bit TSS, and
 * an IDT whose vectors 0-31 print "#vv/eeee " (vector, error code; "----"
 * when the vector pushes none) and resume at the case's recovery label with
 * CPL 0 and flat segments. Copied and extended from the IDT framework of
 * guest-instructions.test.ts.
 *
 * GDT: 0x08 code DPL0, 0x10 data DPL0, 0x18 code DPL3, 0x20 data DPL3,
 * 0x28 TSS (32-bit, ESP0=0x8c000 SS0=0x10), 0x30.. free for the test
 * (gdt_seg / gdt_gate macros at run time). Memory: code at 0x7C00..,
 * ring-0 stack 0x90000, TSS ring-0 stack 0x8c000, ring-3 stack 0x8e000.
 * The handler saves the frame words after the error code in frame0..4
 * (EIP, CS, EFLAGS, ESP, SS), and the ESP at entry in fault_esp.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nasm } from '../support/nasm';
import { runGuestBytes, type GuestRun } from '../support/run-guest';
import { FAULT_STUBS } from './fault-stubs';


export function sysImage(body: string, data = ''): Uint8Array {
  return nasm(`
%include "lib/stage1.inc"
%include "lib/io.inc"
%define ABS(x) ((x) - $$ + 0x7c00)
; to_ring3 label, eflags: IRET to 0x1b:label with SS:ESP = 0x23:0x8e000
%macro to_ring3 2
    push dword 0x23
    push dword 0x8e000
    push dword %2
    push dword 0x1b
    push dword %1
    iretd
%endmacro
bits 16
    cli
    lgdt [gdtr]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp 0x08:pm
bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, 0x90000
    mov al, 0xff                ; mask both PICs: ring-3 code runs with IF=1
    out 0x21, al
    out 0xa1, al
    mov edi, idt
    mov ebx, stubs
    mov ecx, 32
.fill:
    mov eax, ebx
    mov [edi], ax
    mov word [edi+2], 0x08
    mov word [edi+4], 0x8e00
    shr eax, 16
    mov [edi+6], ax
    add edi, 8
    add ebx, stub_size
    loop .fill
    lidt [idtr]
    ; TSS descriptor base
    mov eax, tss
    mov [gdt + 0x28 + 2], ax
    shr eax, 16
    mov [gdt + 0x28 + 4], al
    mov [gdt + 0x28 + 7], ah
    mov dword [tss + 4], 0x8c000
    mov dword [tss + 8], 0x10
    mov word [tss + 0x66], 0x68     ; I/O map base: the bitmap follows the 104-byte TSS
    mov ax, 0x28
    ltr ax
    jmp body
fault_common:
    push eax
    mov ax, 0x10                ; the fault may come from code running with a null DS
    mov ds, ax
    pop eax
    mov eax, [esp]
    mov [fault_vec], eax
    mov eax, [esp+4]
    mov [fault_err], eax
    mov [fault_esp], esp
    mov eax, [esp+8]
    mov [frame0], eax
    mov eax, [esp+12]
    mov [frame1], eax
    mov eax, [esp+16]
    mov [frame2], eax
    mov eax, [esp+20]
    mov [frame3], eax
    mov eax, [esp+24]
    mov [frame4], eax
    mov dx, 0x3f8
    mov al, '#'
    out dx, al
    mov eax, [fault_vec]
    mov ecx, 2
    call hexn
    mov al, '/'
    out dx, al
    mov eax, [fault_err]
    cmp eax, -1
    je .noerr
    mov ecx, 4
    call hexn
    jmp .errdone
.noerr:
    mov al, '-'
    out dx, al
    out dx, al
    out dx, al
    out dx, al
.errdone:
    cmp dword [fault_vec], 14
    jne .nocr2
    mov al, '@'
    out dx, al
    mov eax, cr2
    mov ecx, 8
    call hexn
.nocr2:
    mov al, ' '
    out dx, al
    mov esp, 0x90000
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov eax, [resume3]
    test eax, eax
    jz .r0
    mov dword [resume3], 0
    mov [r3target], eax
    to_ring3 r3_entry, [r3flags]
.r0:
    cmp dword [resume], 0
    je .stop
    jmp [resume]
.stop:
    mov al, '!'
    out dx, al
    exit_with 0x33
; EAX printed as ECX hex digits (low ones); clobbers nothing but flags
hexn:
    pushad
    mov ebx, eax
    mov edx, ecx
    shl edx, 2
    mov ecx, 32
    sub ecx, edx
    shl ebx, cl                ; move the wanted digits to the top (ecx < 32)
    shr edx, 2
    mov ecx, edx
    mov dx, 0x3f8
.d: rol ebx, 4
    mov al, bl
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '9' - 1
.o: out dx, al
    loop .d
    popad
    ret
${FAULT_STUBS}%macro expect_fault 1
    mov dword [resume], %1
%endmacro
; expect3 label: after the next fault, continue at label in ring 3 (DS..GS = 0x23, EFLAGS [r3flags]: IOPL 3, IF 0)
%macro expect3 1
    mov dword [resume3], %1
%endmacro
; show x: 8 hex digits and a space
%macro show 1
    push eax
    mov eax, %1
    call show_eax
    pop eax
%endmacro
; show4 x: low 4 hex digits and a space
%macro show4 1
    push eax
    push ecx
    mov eax, %1
    mov ecx, 4
    call hexn
    call space
    pop ecx
    pop eax
%endmacro
%macro say 1
    jmp %%go
%%s: db %1, 0
%%go:
    push esi
    mov esi, %%s
    call say_str
    pop esi
%endmacro
; gdt_seg selector, base, raw limit (20 bits), access byte, flags (0xC0 = G+D)
%macro gdt_seg 5
    mov edi, gdt + ((%1) & 0xfff8)
    mov eax, %3
    mov [edi], ax
    shr eax, 16
    and al, 0x0f
    or al, %5
    mov [edi+6], al
    mov eax, %2
    mov [edi+2], ax
    shr eax, 16
    mov [edi+4], al
    mov [edi+7], ah
    mov byte [edi+5], %4
%endmacro
; gdt_gate selector, target selector, offset, access byte (0xEC = 32-bit call gate DPL3), parameter count
%macro gdt_gate 5
    mov edi, gdt + ((%1) & 0xfff8)
    mov eax, %3
    mov [edi], ax
    shr eax, 16
    mov [edi+6], ax
    mov word [edi+2], %2
    mov byte [edi+4], %5
    mov byte [edi+5], %4
%endmacro
; idt_gate vector, selector, offset, access byte (0x8E int gate, 0x8F trap gate, 0x85 task gate; | 0x60 for DPL 3)
%macro idt_gate 4
    mov edi, idt + (%1) * 8
    mov eax, %3
    mov [edi], ax
    shr eax, 16
    mov [edi+6], ax
    mov word [edi+2], %2
    mov byte [edi+4], 0
    mov byte [edi+5], %4
%endmacro
%include "lib/print32.inc"
show_eax:
    push ecx
    mov ecx, 8
    call hexn
    pop ecx
space:
    push eax
    push edx
    mov dx, 0x3f8
    mov al, ' '
    out dx, al
    pop edx
    pop eax
    ret
say_str:
    push eax
    push edx
    mov dx, 0x3f8
.n: mov al, [cs:esi]
    inc esi
    test al, al
    jz .e
    out dx, al
    jmp .n
.e: pop edx
    pop eax
    ret
r3_entry:
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    jmp [r3target]
body:
${body}
    mov dword [resume], 0
    say "end"
    exit_with 0
align 4
resume: dd 0
resume3: dd 0
r3target: dd 0
r3flags: dd 0x3002              ; EFLAGS for expect3 resumes (IOPL 3)
fault_vec: dd 0
fault_err: dd 0
fault_esp: dd 0
frame0: dd 0
frame1: dd 0
frame2: dd 0
frame3: dd 0
frame4: dd 0
${data}
align 8
idt: times 256 dq 0
idtr: dw 256*8-1
      dd idt
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff   ; 0x08 code DPL0
    dq 0x00cf92000000ffff   ; 0x10 data DPL0
    dq 0x00cffa000000ffff   ; 0x18 code DPL3
    dq 0x00cff2000000ffff   ; 0x20 data DPL3
    dq 0x0000890000002068   ; 0x28 32-bit TSS, limit 0x2068 (TSS + I/O bitmap + 0xff byte)
    times 26 dq 0           ; 0x30..0xf8 for the tests
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
align 16
tss: times 0x68 db 0
iobitmap: times 0x2000 db 0
    db 0xff
stage_end:
`);
}

export interface BothRuns {
  ours: string;
  run: GuestRun;
  /** QEMU's serial output, undefined when qemu-system-i386 is not installed. */
  qemu?: string;
}

export function qemuAvailable(): boolean {
  return spawnSync('qemu-system-i386', ['--version']).status === 0;
}

/** Run under QEMU (TCG) with COM1 to a file (stdio drops bytes). */
export function runQemu(img: Uint8Array): string | undefined {
  if (!qemuAvailable()) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bringup-qsys-'));
  const f = join(dir, 'g.img');
  const out = join(dir, 'serial.txt');
  const padded = new Uint8Array(Math.max(64 * 512, Math.ceil(img.length / 512) * 512));
  padded.set(img);
  writeFileSync(f, padded);
  spawnSync('timeout', ['30', 'qemu-system-i386', '-accel', 'tcg', '-cpu', 'max', '-display', 'none', '-serial', `file:${out}`, '-monitor', 'none', '-no-reboot',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-drive', `format=raw,file=${f}`], { timeout: 40_000 });
  return existsSync(out) ? readFileSync(out, 'latin1') : '';
}

export async function runBoth(img: Uint8Array, withQemu = true): Promise<BothRuns> {
  const run = await runGuestBytes(img, { boot: 'auto', maxInstructions: 20_000_000 });
  if (process.env.GUEST_DEBUG) console.log(run.exitReason, run.instructions, JSON.stringify(run.serial.slice(0, 600)));
  const qemu = withQemu && !process.env.NO_QEMU ? runQemu(img) : undefined;
  if (process.env.GUEST_DEBUG && qemu !== undefined) console.log("qemu:", JSON.stringify(qemu.slice(0, 600)));
  return { ours: run.serial, run, qemu };
}
