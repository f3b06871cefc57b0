; missing-second-sipi — a kernel that sends INIT and then only ONE STARTUP
; IPI to each AP. The Intel MP specification (B.4, "Universal Start-up
; Algorithm") sends STARTUP twice: on some processors and chipsets the
; first one can be lost (the AP was still completing INIT, or a STARTUP
; that arrives while the APIC is busy is not retried), and an AP that
; missed it never starts. Bringup, like QEMU and most current hardware,
; acts on the first STARTUP an AP in wait-for-SIPI receives, so this kernel
; works here; it counts and prints how many STARTUPs it sent so that the
; gap is visible, and the IPI log shows a single STARTUP per AP.
%include "common.inc"

main:
        PRINT `missing-second-sipi: INIT + one STARTUP per AP (the MP spec says two)\n`
        mov edi, TRAMP_BASE
        call copy_trampoline
        mov ebx, 1
.next:  cmp ebx, 4
        jae .done
        mov dword [checked_in], 0
        mov eax, ICR_INIT
        call send_ipi
        DELAY_MS 10
        mov eax, ICR_STARTUP | TRAMP_VECTOR
        call send_ipi
        ; The bug: no 200 us wait and second STARTUP here.
        mov esi, checked_in
        mov ecx, 100 * 3580
        call wait_nonzero
        call print_lock
        PRINT "missing-second-sipi: APIC ID "
        mov eax, ebx
        call print_dec
        test dword [checked_in], 1
        jz .lost
        PRINT `: started after 1 STARTUP IPI\n`
        inc dword [started]
        jmp .step
.lost:  PRINT `: did not start (its only STARTUP IPI was lost)\n`
.step:  call print_unlock
        inc ebx
        jmp .next
.done:
        cmp dword [started], 3
        jne .fail
        PRINT `missing-second-sipi: this machine acts on the first STARTUP; one that needs the second would have hung here\n`
        exit_with 0
.fail:  PRINT `missing-second-sipi: FAILED: not every AP started\n`
        exit_with 1

ap_main:
        mov dword [checked_in], 1
.park:  cli
        hlt
        jmp .park

section .data
checked_in: dd 0
started:    dd 0

%include "trampoline.inc"
