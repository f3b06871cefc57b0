; LAPIC timer on every CPU: one-shot, periodic and TSC-deadline modes. Each
; CPU runs the three checks itself (run_on_all) and records the results by
; APIC ID; the BSP prints one line per mode. Exit 0x10 (status 33).
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
%include "lib/smpkit.inc"
bits 32
test_main:
    mov eax, 0x60
    mov ebx, isr_timer
    call set_gate
    sti
    mov ebx, timer_checks
    call run_on_all
    print_text 'one-shot interrupts:'
    print_counts oneshot_hits
    print_text 'one-shot current count after expiry:'
    print_counts oneshot_ccr
    print_text 'periodic interrupts (at least 3, shown as 3):'
    print_counts periodic_hits
    print_text 'periodic stopped by initial count 0:'
    print_counts periodic_stopped
    print_text 'periodic reloaded current count nonzero:'
    print_counts periodic_reload
    print_text 'TSC-deadline interrupts:'
    print_counts deadline_hits
    print_text 'TSC-deadline MSR after expiry is 0:'
    print_counts deadline_msr
    exit_with 0x10

; EAX = APIC ID; interrupts enabled
timer_checks:
    sti
    mov ebp, eax
    mov dword [LAPIC_TDCR], 0x0b            ; divide by 1
    ; One-shot: vector 0x60, 100000 ticks.
    mov dword [hits + ebp * 4], 0
    mov dword [LAPIC_LVTT], 0x00000060
    mov dword [LAPIC_TICR], 100000
    mov ecx, 1
    call wait_hits
    mov ecx, 7159                           ; 2 ms more: no second interrupt
    call pm_delay
    mov eax, [hits + ebp * 4]
    mov [oneshot_hits + ebp * 4], eax
    mov eax, [LAPIC_TCCR]
    mov [oneshot_ccr + ebp * 4], eax
    ; Periodic: 3 interrupts, then stop by writing initial count 0.
    mov dword [hits + ebp * 4], 0
    mov dword [LAPIC_LVTT], 0x00020060
    mov dword [LAPIC_TICR], 200000
    mov ecx, 3
    call wait_hits
    mov dword [LAPIC_TICR], 0
    mov ebx, [hits + ebp * 4]
    mov ecx, 7159
    call pm_delay
    xor eax, eax
    cmp ebx, [hits + ebp * 4]
    sete al
    mov [periodic_stopped + ebp * 4], eax
    mov eax, 3
    cmp ebx, eax
    cmovb eax, ebx
    mov [periodic_hits + ebp * 4], eax
    ; After the count restarts it is nonzero again: re-arm and look once.
    mov dword [LAPIC_LVTT], 0x00030060      ; periodic, masked
    mov dword [LAPIC_TICR], 0x7fffffff
    mov eax, [LAPIC_TCCR]
    test eax, eax
    setnz al
    movzx eax, al
    mov [periodic_reload + ebp * 4], eax
    mov dword [LAPIC_TICR], 0
    ; TSC-deadline (CPUID.1:ECX[24]).
    mov eax, 1
    cpuid
    bt ecx, 24
    jnc .no_deadline
    mov dword [hits + ebp * 4], 0
    mov dword [LAPIC_LVTT], 0x00040060
    rdtsc
    add eax, 200000
    adc edx, 0
    mov ecx, 0x6e0
    wrmsr
    mov ecx, 1
    call wait_hits
    mov eax, [hits + ebp * 4]
    mov [deadline_hits + ebp * 4], eax
    mov ecx, 0x6e0
    rdmsr
    or eax, edx
    setz al
    movzx eax, al
    mov [deadline_msr + ebp * 4], eax
    jmp .out
.no_deadline:
    mov dword [deadline_hits + ebp * 4], 99
.out:
    mov dword [LAPIC_LVTT], 0x00010000
    ret

; Wait until hits[EBP] >= ECX or 500 ms pass.
wait_hits:
    pushad
    mov dx, PMTMR
    in eax, dx
    mov edi, eax
.w:
    cmp [hits + ebp * 4], ecx
    jae .d
    pause
    in eax, dx
    sub eax, edi
    and eax, 0xffffff
    cmp eax, 1789772
    jb .w
.d:
    popad
    ret

isr_timer:
    push eax
    call my_apic_id
    lock inc dword [hits + eax * 4]
    mov dword [LAPIC_EOI], 0
    pop eax
    iret

align 4
hits: times 16 dd 0
oneshot_hits: times 16 dd 0
oneshot_ccr: times 16 dd 0
periodic_hits: times 16 dd 0
periodic_reload: times 16 dd 0
periodic_stopped: times 16 dd 0
deadline_hits: times 16 dd 0
deadline_msr: times 16 dd 0
smpkit_end
