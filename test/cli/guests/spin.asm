; Spins forever: ended only by --max-instructions or --timeout.
bits 16
org 0x7c00
    cli
.loop: inc ax
    jmp .loop
times 510-($-$$) db 0
dw 0xaa55
