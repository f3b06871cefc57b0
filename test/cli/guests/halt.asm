; Halts with interrupts disabled: the runner ends with status 0.
bits 16
org 0x7c00
    cli
    mov al, 'H'
    out 0xe9, al
    hlt
    jmp $-1
times 510-($-$$) db 0
dw 0xaa55
