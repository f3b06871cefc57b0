; trampoline-above-1mib — the kernel copies the AP trampoline to memory its
; page allocator handed out, 0x110000, above 1 MiB. A STARTUP IPI carries an
; 8-bit vector VV and starts the AP in real mode at VV000h (CS = VV00h,
; IP = 0), so only 4 KiB-aligned addresses below 1 MiB can be reached.
; The kernel computes (0x110000 >> 12) & 0xFF = 0x10 and the AP starts at
; 0x10000, 1 MiB below its trampoline, in whatever is there: here zeroed
; memory, which decodes as `add [bx+si], al` over and over. The AP never
; reaches protected mode and never checks in; the kernel gives up.
%include "common.inc"

TRAMP_HIGH      equ 0x110000            ; the bug: above 1 MiB

main:
        PRINT "trampoline-above-1mib: trampoline copied to "
        mov eax, TRAMP_HIGH
        call print_hex
        PRINT ", STARTUP vector "
        mov eax, (TRAMP_HIGH >> 12) & 0xFF
        call print_hex
        PRINT `\n`
        mov edi, TRAMP_HIGH
        call copy_trampoline
        mov ebx, 1
        mov eax, ICR_INIT
        call send_ipi
        DELAY_MS 10
        mov eax, ICR_STARTUP | ((TRAMP_HIGH >> 12) & 0xFF)
        call send_ipi
        DELAY_US 200
        mov eax, ICR_STARTUP | ((TRAMP_HIGH >> 12) & 0xFF)
        call send_ipi
        mov esi, ap_done
        mov ecx, 10 * 3580              ; 10 ms: a trampoline needs microseconds
        call wait_nonzero
        test eax, eax
        jz .no_ap
        PRINT `trampoline-above-1mib: APIC ID 1 started\n`
        exit_with 0
.no_ap: PRINT `trampoline-above-1mib: FAILED: APIC ID 1 did not check in within 10 ms\n`
        exit_with 1

ap_main:
        mov dword [ap_done], 1
.park:  cli
        hlt
        jmp .park

section .data
ap_done: dd 0

%include "trampoline.inc"
