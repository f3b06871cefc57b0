; Echoes COM1 input back to COM1 in upper case until a newline, then exits with value 0 (status 1).
bits 16
org 0x7c00
    cli
    mov dx, 0x3fa
    mov al, 0x07          ; FCR: enable and clear the FIFOs
    out dx, al
.read:
    mov dx, 0x3fd
.poll: in al, dx          ; LSR.DR
    test al, 1
    jz .poll
    mov dx, 0x3f8
    in al, dx
    cmp al, 'a'
    jb .send
    cmp al, 'z'
    ja .send
    sub al, 32
.send:
    out dx, al
    cmp al, 10
    jne .read
    mov al, 0
    out 0xf4, al
    hlt
times 510-($-$$) db 0
dw 0xaa55
