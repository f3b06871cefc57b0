; triple-fault-trampoline — the AP trampoline's far jump into protected
; mode names a selector its GDT does not have. The kernel's GDT grew (code
; moved to 0x18 in a rework) but the trampoline's own three-entry GDT did
; not: `jmp 0x18:...` right after CR0.PE=1 is beyond the GDT limit (0x17),
; so the far jump raises #GP(0x18). The trampoline loaded an empty IDT (as
; Linux's does), so the #GP cannot be delivered: #DF, which cannot be
; delivered either: triple fault, and the AP shuts down. On a PC a
; shutdown resets the machine; Bringup ends the run (exit status 2).
%include "common.inc"

main:
        PRINT `triple-fault-trampoline: starting APIC ID 1\n`
        mov edi, TRAMP_BASE
        call copy_trampoline
        mov ebx, 1
        call start_ap
        mov esi, ap_done
        mov ecx, 100 * 3580
        call wait_nonzero
        test eax, eax
        jz .no_ap
        PRINT `triple-fault-trampoline: APIC ID 1 started\n`
        exit_with 0
.no_ap: PRINT `triple-fault-trampoline: FAILED: APIC ID 1 did not start\n`
        exit_with 1

ap_main:
        mov dword [ap_done], 1
.park:  cli
        hlt
        jmp .park

section .data
ap_done: dd 0

; The trampoline (see lib/trampoline.inc for the correct one).
%define TR(label) (TRAMP_BASE + (label) - trampoline_start)
KERNEL_CS       equ 0x18                ; the kernel's new code selector

section .text
bits 16
trampoline_start:
        cli
        cld
        xor ax, ax
        mov ds, ax
        lidt [TR(tr_idtr)]              ; empty IDT: no exception can be handled
        o32 lgdt [TR(tr_gdtr)]          ; 3 entries: limit 0x17
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword KERNEL_CS:TR(tr_pm32) ; the bug: 0x18 is not in this GDT
bits 32
tr_pm32:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, ap_stacks + 2 * AP_STACK_SIZE
        mov ecx, ap_main
        jmp ecx
align 8
tr_gdt: dq 0
        dq 0x00CF9A000000FFFF           ; 0x08: code
        dq 0x00CF92000000FFFF           ; 0x10: data
tr_gdtr:
        dw 3 * 8 - 1
        dd TR(tr_gdt)
tr_idtr:
        dw 0
        dd 0
trampoline_end:
bits 32
