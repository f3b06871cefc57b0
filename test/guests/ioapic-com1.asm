; An IO-APIC routed COM1 interrupt (ISA IRQ4 = IO-APIC pin 4) delivered to
; a chosen CPU: the UART's THRE interrupt (IER bit 1, MCR.OUT2 gating the
; line) first edge-triggered to APIC ID 2, then level-triggered to APIC ID 3,
; where remote IRR is set until the EOI and the vector's TMR bit is set.
; Exit 0x10 (status 33).
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
%include "lib/smpkit.inc"
bits 32
test_main:
    mov eax, 0x70
    mov ebx, isr_edge
    call set_gate
    mov eax, 0x71
    mov ebx, isr_level
    call set_gate
    ; Edge, active high, fixed, physical, to APIC ID 2.
    mov eax, 4
    mov ebx, 0x00000070
    mov ecx, 2 << 24
    call ioapic_route
    mov dx, 0x3fc
    mov al, 0x0b                            ; DTR, RTS, OUT2
    out dx, al
    mov dx, 0x3f9
    mov al, 0x02                            ; THRE interrupt
    out dx, al
    mov ecx, 1
    call wait_hits
    mov dx, 0x3f9
    xor al, al
    out dx, al
    print_text 'edge to CPU 2:'
    print_counts hits
    print_text 'IIR seen by the handler:'
    print_counts iir_seen
    call clear
    ; Level, active high, to APIC ID 3.
    mov eax, 4
    mov ebx, 0x00008071
    mov ecx, 3 << 24
    call ioapic_route
    mov dx, 0x3f9
    mov al, 0x02
    out dx, al
    mov ecx, 1
    call wait_hits
    mov dx, 0x3f9
    xor al, al
    out dx, al
    print_text 'level to CPU 3:'
    print_counts hits
    print_text 'IIR seen by the handler:'
    print_counts iir_seen
    print_text 'remote IRR before EOI:'
    print_counts rirr_before
    print_text 'TMR bit of vector 0x71:'
    print_counts tmr_seen
    mov dword [IOAPIC], 0x10 + 2 * 4
    mov eax, [IOAPIC + 0x10]
    shr eax, 14
    and eax, 1
    print_text 'remote IRR after EOI: '
    call print_dec32
    print_nl
    ; Mask the pin again.
    mov dword [IOAPIC], 0x10 + 2 * 4
    mov dword [IOAPIC + 0x10], 0x00010000
    exit_with 0x10

; EAX = pin, EBX = low dword, ECX = high dword
ioapic_route:
    push eax
    lea eax, [0x10 + eax * 2]
    inc eax
    mov [IOAPIC], eax
    mov [IOAPIC + 0x10], ecx
    dec eax
    mov [IOAPIC], eax
    mov [IOAPIC + 0x10], ebx
    pop eax
    ret

; sum of hits >= ECX or 500 ms
wait_hits:
    pushad
    mov dx, PMTMR
    in eax, dx
    mov edi, eax
.w:
    xor eax, eax
    xor ebx, ebx
.s:
    add eax, [hits + ebx * 4]
    inc ebx
    cmp ebx, 16
    jb .s
    cmp eax, ecx
    jae .d
    pause
    in eax, dx
    sub eax, edi
    and eax, 0xffffff
    cmp eax, 1789772
    jb .w
.d:
    mov ecx, 3580
    call pm_delay
    popad
    ret

clear:
    push edi
    push ecx
    push eax
    mov edi, hits
    mov ecx, 16 * 4
    xor eax, eax
    rep stosd
    pop eax
    pop ecx
    pop edi
    ret

isr_edge:
    pushad
    call my_apic_id
    mov ebx, eax
    mov dx, 0x3fa
    in al, dx
    and eax, 0x0f
    mov [iir_seen + ebx * 4], eax
    lock inc dword [hits + ebx * 4]
    mov dword [LAPIC_EOI], 0
    popad
    iret

isr_level:
    pushad
    call my_apic_id
    mov ebx, eax
    mov dx, 0x3fa
    in al, dx                               ; THRE: reading IIR clears it and drops the line
    and eax, 0x0f
    mov [iir_seen + ebx * 4], eax
    mov dword [IOAPIC], 0x10 + 2 * 4
    mov eax, [IOAPIC + 0x10]
    shr eax, 14
    and eax, 1
    mov [rirr_before + ebx * 4], eax
    mov eax, [LAPIC_TMR + 0x30]
    shr eax, 17
    and eax, 1
    mov [tmr_seen + ebx * 4], eax
    lock inc dword [hits + ebx * 4]
    mov dword [LAPIC_EOI], 0
    popad
    iret

align 4
hits: times 16 dd 0
iir_seen: times 16 dd 0
rirr_before: times 16 dd 0
tmr_seen: times 16 dd 0
smpkit_end
