; Prints on port 0xE9 and COM1, then ends the run with isa-debug-exit value 5 (exit status 11).
bits 16
org 0x7c00
start:
    cli
    mov si, e9_text
    mov dx, 0xe9
.e9: lodsb
    test al, al
    jz .serial
    out dx, al
    jmp .e9
.serial:
    mov si, com1_text
.next: lodsb
    test al, al
    jz .done
    mov bl, al
    mov dx, 0x3fd
.wait: in al, dx          ; LSR.THRE: the polling loop every kernel's early console has
    test al, 0x20
    jz .wait
    mov dx, 0x3f8
    mov al, bl
    out dx, al
    jmp .next
.done:
    mov al, 5
    out 0xf4, al
    hlt
e9_text: db "debug console", 10, 0
com1_text: db "serial line", 10, 0
times 510-($-$$) db 0
dw 0xaa55
