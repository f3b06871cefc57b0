; Prints "hello, screen" through INT 10h teletype, draws a box corner with
; CP437 glyphs straight into the text buffer, then exits with value 0 (status 1).
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov si, msg
    mov ah, 0x0e
.t: lodsb
    test al, al
    jz .box
    int 0x10
    jmp .t
.box:
    push 0xb800
    pop es
    mov word [es:160*2], 0x07c9   ; row 2: ╔═╗
    mov word [es:160*2+2], 0x07cd
    mov word [es:160*2+4], 0x07bb
    mov al, 0
    out 0xf4, al
    hlt
msg: db "hello, screen", 13, 10, 0
times 510-($-$$) db 0
dw 0xaa55
