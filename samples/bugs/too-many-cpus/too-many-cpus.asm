; too-many-cpus — a kernel configured for 4 CPUs that never asks the
; firmware how many there are (no MADT, no MP table). It starts APIC IDs
; 1..3 one after the other and waits 10 ms for each to check in. On a
; machine with fewer CPUs (run it with --cpus 2) the IPIs to the absent
; APIC IDs reach nobody: the APIC bus drops them (Bringup records each in
; the IPI log with "no vCPU matched"), and the kernel times out.
%include "common.inc"

CONFIG_CPUS     equ 4                   ; the bug: a constant, not the MADT

main:
        PRINT `too-many-cpus: kernel configured for 4 CPUs, starting APIC IDs 1-3\n`
        mov edi, TRAMP_BASE
        call copy_trampoline
        mov dword [online], 1
        mov ebx, 1
.next:  cmp ebx, CONFIG_CPUS
        jae .done
        mov dword [checked_in], 0
        call start_ap
        mov esi, checked_in
        mov ecx, 10 * 3580              ; 10 ms: a trampoline needs microseconds
        call wait_nonzero
        test eax, eax
        jz .timeout
        inc dword [online]
        jmp .step
.timeout:
        call print_lock
        PRINT "too-many-cpus: APIC ID "
        mov eax, ebx
        call print_dec
        PRINT `: no answer after 10 ms\n`
        call print_unlock
.step:  inc ebx
        jmp .next
.done:
        call print_lock
        mov eax, [online]
        cmp eax, CONFIG_CPUS
        je .ok
        PRINT "too-many-cpus: FAILED: "
        call print_dec
        PRINT ` of 4 CPUs online\n`
        exit_with 1
.ok:    PRINT `too-many-cpus: 4 of 4 CPUs online\n`
        exit_with 0

ap_main:                                ; EAX = APIC ID
        call print_lock
        PRINT "ap: APIC ID "
        call print_dec
        PRINT ` started\n`
        call print_unlock
        mov dword [checked_in], 1
.park:  cli
        hlt
        jmp .park

section .data
checked_in: dd 0
online:     dd 0

%include "trampoline.inc"
