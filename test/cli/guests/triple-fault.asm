; Loads an empty real-mode IDT and raises INT3: #GP, #DF, then shutdown (SDM Vol. 3A 6.15, 20.1.4).
bits 16
org 0x7c00
    cli
    mov ax, 0x1234
    mov bx, 0x5678
    lidt [empty_idt]
    int3
    hlt
empty_idt: dw 0
           dd 0
times 510-($-$$) db 0
dw 0xaa55
