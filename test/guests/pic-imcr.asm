; PIC mode through the IMCR (MP spec 3.6.2.1): with IMCR = 0 the 8259's INTR
; reaches the BSP directly although its LAPIC's LINT0 is masked; with IMCR = 1
; (APIC mode) and LINT0 masked nothing arrives; with LINT0 = ExtINT (virtual
; wire) it arrives again. Source: PIT channel 0, mode 2, 100 Hz, IRQ0 at
; vector 0x20. Exit 0x10 (status 33).
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
%include "lib/smpkit.inc"
bits 32
test_main:
    mov eax, 0x20
    mov ebx, isr_irq0
    call set_gate
    mov eax, 0x30
    mov ebx, isr_wake
    call set_gate
    ; 8259 pair: vectors 0x20/0x28, cascade on IRQ2, 8086 mode; only IRQ0 unmasked.
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xa1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01
    out 0x21, al
    out 0xa1, al
    mov al, 0xfe
    out 0x21, al
    mov al, 0xff
    out 0xa1, al
    ; LINT0 masked (ExtINT), IMCR = 0: PIC mode.
    mov dword [LAPIC_LINT0], 0x00010700
    mov al, 0x70
    out 0x22, al
    mov al, 0x00
    out 0x23, al
    ; PIT channel 0, mode 2, count 11932 (100 Hz).
    mov al, 0x34
    out 0x43, al
    mov al, 11932 & 0xff
    out 0x40, al
    mov al, 11932 >> 8
    out 0x40, al
    mov dword [count], 0
    sti
    call wait_three
    cli
    print_text 'PIC mode (IMCR=0), LINT0 masked: at least 3 IRQ0 at vector 0x20: '
    call yes_no
    ; APIC mode, LINT0 still masked: nothing until the LAPIC timer wakes the BSP.
    mov al, 0x70
    out 0x22, al
    mov al, 0x01
    out 0x23, al
    mov dword [count], 0
    mov dword [woken], 0
    mov dword [LAPIC_TDCR], 0x0b
    mov dword [LAPIC_LVTT], 0x00000030      ; one-shot wake-up at vector 0x30
    mov dword [LAPIC_TICR], 50000000
    sti
.window:
    hlt
    cmp dword [woken], 0
    je .window
    cli
    print_text 'APIC mode (IMCR=1), LINT0 masked: interrupts until a LAPIC timer wake-up: '
    mov eax, [count]
    call print_dec32
    print_nl
    ; Virtual wire: LINT0 = ExtINT, unmasked.
    mov dword [LAPIC_LINT0], 0x00000700
    mov dword [count], 0
    sti
    call wait_three
    cli
    print_text 'APIC mode, LINT0 ExtINT (virtual wire): at least 3 IRQ0: '
    call yes_no
    exit_with 0x10

; Halt until 3 interrupts came (IF=1 on entry); EAX = 1. If none ever
; comes the machine idles for ever (Bringup ends the run; QEMU times out).
wait_three:
.w:
    cmp dword [count], 3
    jae .yes
    hlt
    jmp .w
.yes:
    mov eax, 1
    ret

yes_no:
    test eax, eax
    jz .no
    print_line 'yes'
    ret
.no:
    print_line 'no'
    ret

isr_irq0:
    push eax
    lock inc dword [count]
    mov al, 0x20
    out 0x20, al
    pop eax
    iret

isr_wake:
    mov dword [woken], 1
    mov dword [LAPIC_EOI], 0
    iret

align 4
count: dd 0
woken: dd 0
smpkit_end
