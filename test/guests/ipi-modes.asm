; Fixed IPIs between APs in physical, logical flat and logical cluster
; destination mode, lowest-priority delivery and NMI IPIs, all sent from
; guest code on 4 vCPUs. Every CPU counts the interrupts it takes per vector
; (by APIC ID); the BSP prints the counts after each step. Ends with
; isa-debug-exit 0x10 (status 33).
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
%include "lib/smpkit.inc"
bits 32
test_main:
    mov eax, 0x41
    mov ebx, isr_fixed
    call set_gate
    mov eax, 0x51
    mov ebx, isr_lowest
    call set_gate
    mov eax, 2
    mov ebx, isr_nmi
    call set_gate
    sti
    print_text 'CPUs:'
    mov eax, [cpu_total]
    call print_dec32
    print_nl

    ; 1. Physical: AP 1 sends vector 0x41 to APIC ID 2.
    mov dword [ipi_hi], 2 << 24
    mov dword [ipi_lo], 0x00004041
    mov eax, 1
    mov ebx, do_send
    call run_on
    mov ecx, 1
    call settle
    print_text 'physical 1->2:'
    print_counts hits_fixed
    call clear_counts

    ; AP 3 to APIC ID 0 (the BSP).
    mov dword [ipi_hi], 0 << 24
    mov eax, 3
    mov ebx, do_send
    call run_on
    mov ecx, 1
    call settle
    print_text 'physical 3->0:'
    print_counts hits_fixed
    call clear_counts

    ; 2. Logical flat: every CPU LDR = 1 << (24 + id), DFR = all ones.
    mov ebx, set_flat
    call run_on_all
    mov dword [ipi_hi], 0x05 << 24          ; CPUs 0 and 2
    mov dword [ipi_lo], 0x00004841          ; fixed, logical
    mov eax, 3
    mov ebx, do_send
    call run_on
    mov ecx, 2
    call settle
    print_text 'flat 3->0x05:'
    print_counts hits_fixed
    call clear_counts
    mov dword [ipi_hi], 0x0e << 24          ; CPUs 1, 2, 3 (the sender included)
    mov eax, 1
    mov ebx, do_send
    call run_on
    mov ecx, 3
    call settle
    print_text 'flat 1->0x0e:'
    print_counts hits_fixed
    call clear_counts

    ; 3. Logical cluster: DFR model 0; LDR = cluster (1 + id/2) << 28 | member (1 << id%2) << 24.
    mov ebx, set_cluster
    call run_on_all
    mov dword [ipi_hi], 0x23 << 24          ; cluster 2, members 0 and 1: CPUs 2 and 3
    mov eax, 1
    mov ebx, do_send
    call run_on
    mov ecx, 2
    call settle
    print_text 'cluster 1->0x23:'
    print_counts hits_fixed
    call clear_counts
    mov dword [ipi_hi], 0x12 << 24          ; cluster 1, member 1: CPU 1
    mov eax, 2
    mov ebx, do_send
    call run_on
    mov ecx, 1
    call settle
    print_text 'cluster 2->0x12:'
    print_counts hits_fixed
    call clear_counts
    mov dword [ipi_hi], 0x11 << 24          ; cluster 1, member 0: CPU 0
    mov eax, 3
    mov ebx, do_send
    call run_on
    mov ecx, 1
    call settle
    print_text 'cluster 3->0x11:'
    print_counts hits_fixed
    call clear_counts

    ; 4. Lowest priority (back to flat), vector 0x51 to CPUs 1-3: the one with the lowest TPR takes it.
    mov ebx, set_flat
    call run_on_all
    mov dword [tpr_of + 4], 0x20
    mov dword [tpr_of + 8], 0x10
    mov dword [tpr_of + 12], 0x30
    mov ebx, set_tpr
    call run_on_all
    mov edx, 0x0e << 24
    mov eax, 0x00004951                     ; lowest priority, logical
    call send_ipi
    mov ecx, 1
    call settle
    print_text 'lowest TPR 1:20 2:10 3:30:'
    print_counts hits_lowest
    call clear_counts
    mov dword [tpr_of + 4], 0x40
    mov dword [tpr_of + 8], 0x40
    mov dword [tpr_of + 12], 0x00
    mov ebx, set_tpr
    call run_on_all
    mov edx, 0x0e << 24
    mov eax, 0x00004951
    call send_ipi
    mov ecx, 1
    call settle
    print_text 'lowest TPR 1:40 2:40 3:00:'
    print_counts hits_lowest
    call clear_counts
    mov dword [tpr_of + 12], 0x40
    mov ebx, set_tpr
    call run_on_all

    ; 5. NMI: to APIC ID 3 (physical), then all excluding self from AP 2.
    mov edx, 3 << 24
    mov eax, 0x00004400
    call send_ipi
    mov ecx, 1
    call settle
    print_text 'NMI ->3:'
    print_counts hits_nmi
    mov dword [ipi_hi], 0
    mov dword [ipi_lo], 0x000c4400
    mov eax, 2
    mov ebx, do_send
    call run_on
    mov ecx, 4
    call settle
    print_text 'NMI 2->all-but-self:'
    print_counts hits_nmi
    ; ESR of the BSP after all that: no errors.
    mov dword [LAPIC_ESR], 0
    mov eax, [LAPIC_ESR]
    print_text 'BSP ESR:'
    call print_hex32
    print_nl
    exit_with 0x10

do_send:
    mov edx, [ipi_hi]
    mov eax, [ipi_lo]
    call send_ipi
    ret

set_flat:
    mov dword [LAPIC_DFR], 0xffffffff
    mov ecx, eax
    mov eax, 1
    shl eax, cl
    shl eax, 24
    mov [LAPIC_LDR], eax
    ret

set_cluster:
    mov dword [LAPIC_DFR], 0x0fffffff
    mov ecx, eax
    shr ecx, 1
    inc ecx
    shl ecx, 4                              ; cluster in bits 7:4 of the logical ID
    mov edx, eax
    and edx, 1
    bts ecx, edx                            ; member bit
    shl ecx, 24
    mov [LAPIC_LDR], ecx
    ret

set_tpr:
    mov edx, [tpr_of + eax * 4]
    mov [LAPIC_TPR], edx
    ret

; Wait until the counters add up to the expected number (ECX) or 200 ms pass,
; then 1 ms more, so that a wrongly delivered extra interrupt is seen too.
settle:
    pushad
    mov dx, PMTMR
    in eax, dx
    mov edi, eax
.wait:
    xor eax, eax
    xor ebx, ebx
.sum:
    add eax, [hits_fixed + ebx * 4]
    inc ebx
    cmp ebx, 16 * 3
    jb .sum
    cmp eax, ecx
    jae .done
    pause
    in eax, dx
    sub eax, edi
    and eax, 0xffffff
    cmp eax, 715909
    jb .wait
.done:
    mov ecx, 3580
    call pm_delay
    popad
    ret

clear_counts:
    push edi
    push ecx
    push eax
    mov edi, hits_fixed
    mov ecx, 16 * 3
    xor eax, eax
    rep stosd
    pop eax
    pop ecx
    pop edi
    ret

isr_fixed:
    push eax
    call my_apic_id
    lock inc dword [hits_fixed + eax * 4]
    mov dword [LAPIC_EOI], 0
    pop eax
    iret
isr_lowest:
    push eax
    call my_apic_id
    lock inc dword [hits_lowest + eax * 4]
    mov dword [LAPIC_EOI], 0
    pop eax
    iret
isr_nmi:
    push eax
    call my_apic_id
    lock inc dword [hits_nmi + eax * 4]
    pop eax
    iret

align 4
ipi_hi: dd 0
ipi_lo: dd 0x00004041
tpr_of: times 16 dd 0
hits_fixed: times 16 dd 0
hits_lowest: times 16 dd 0
hits_nmi: times 16 dd 0
smpkit_end
