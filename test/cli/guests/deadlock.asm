; Masks both PICs and waits for an interrupt that can never come.
bits 16
org 0x7c00
    cli
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    mov al, 0x30          ; PIT channel 0, mode 0, one count: stops after one terminal count
    out 0x43, al
    sti
.wait: hlt
    jmp .wait
times 510-($-$$) db 0
dw 0xaa55
