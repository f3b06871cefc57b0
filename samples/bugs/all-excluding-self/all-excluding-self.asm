; all-excluding-self — a kernel built for 2 CPUs (one AP) that starts "the
; other CPU" with INIT and STARTUP IPIs using the all-excluding-self
; destination shorthand instead of the AP's APIC ID. The shorthand reaches
; every AP on the machine, so on a 4-CPU machine three APs wake up and run
; the trampoline, on stacks and per-CPU slots the kernel never planned.
%include "common.inc"

PLANNED_APS     equ 1                   ; the kernel was configured for 2 CPUs

main:
        PRINT `all-excluding-self: kernel configured for 2 CPUs (1 AP)\n`
        mov edi, TRAMP_BASE
        call copy_trampoline
        ; The bug: shorthand 11b (all excluding self) instead of the AP's ID.
        xor ebx, ebx
        mov eax, ICR_ALL_BUT_SELF | ICR_INIT
        call send_ipi
        DELAY_MS 10
        mov eax, ICR_ALL_BUT_SELF | ICR_STARTUP | TRAMP_VECTOR
        call send_ipi
        DELAY_US 200
        mov eax, ICR_ALL_BUT_SELF | ICR_STARTUP | TRAMP_VECTOR
        call send_ipi
        DELAY_MS 10                     ; let every AP that woke up check in

        PRINT "all-excluding-self: APs that started: APIC ID"
        mov ecx, 1
.list:  cmp ecx, MAX_APIC_ID
        jae .listed
        bt dword [started_mask], ecx
        jnc .skip
        PRINT " "
        mov eax, ecx
        call print_dec
.skip:  inc ecx
        jmp .list
.listed:
        PRINT `\n`
        mov eax, [ap_count]
        cmp eax, PLANNED_APS
        je .ok
        PRINT "all-excluding-self: FAILED: "
        call print_dec
        PRINT ` APs started, the kernel planned for 1\n`
        exit_with 1
.ok:    PRINT `all-excluding-self: 1 AP started, as planned\n`
        exit_with 0

ap_main:                                ; EAX = APIC ID
        lock bts dword [started_mask], eax
        lock inc dword [ap_count]
.park:  cli
        hlt
        jmp .park

section .data
started_mask:   dd 0
ap_count:       dd 0

%include "trampoline.inc"
