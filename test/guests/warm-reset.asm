; The warm-reset vector path (MP spec 1.4 B.4, PC/AT BIOS shutdown code 0Ah):
; the BSP stores a far pointer at 0040:0067, sets CMOS 0x0F = 0x0A and has
; AP 1 send it an INIT. The BSP restarts at the reset vector; the firmware
; must jump through 0040:0067 into `warm_entry`, in real mode, with the
; marker the BSP left in memory intact. Exit 0x10 (status 33).
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
%include "lib/smpkit.inc"
bits 32
test_main:
    print_text 'CPUs:'
    mov eax, [cpu_total]
    call print_dec32
    print_nl
    mov dword [marker], 0x600dcafe
    mov word [0x467], warm_entry
    mov word [0x469], 0
    mov al, 0x0f
    out 0x70, al
    mov al, 0x0a
    out 0x71, al
    print_line 'BSP: warm-reset vector set, AP 1 sends INIT to the BSP'
    mov eax, 1
    mov ebx, init_bsp
    call run_on
    ; Not reached: the INIT resets the BSP while it waits.
    print_line 'BSP: still here after INIT (wrong)'
    exit_with 3

init_bsp:
    mov edx, 0                              ; APIC ID 0
    mov eax, 0x00004500                     ; INIT, level assert
    call send_ipi
    mov eax, 0x00008500                     ; INIT level de-assert
    call send_ipi
    ret

bits 16
warm_entry:
    mov dx, 0x3f8
    mov si, msg_warm
.p:
    cs lodsb
    test al, al
    jz .done
    out dx, al
    jmp .p
.done:
    xor ax, ax
    mov ds, ax
    mov eax, cr0
    test al, 1
    jnz .bad
    cmp dword [marker], 0x600dcafe
    jne .bad
    mov ax, cs
    test ax, ax
    jnz .bad
    mov si, msg_ok
    jmp .out
.bad:
    mov si, msg_bad
.out:
    lodsb
    test al, al
    jz .exit
    out dx, al
    jmp .out
.exit:
    mov al, 0x10
    out 0xf4, al
.spin:
    hlt
    jmp .spin

msg_warm: db 'BSP: entered warm_entry through 0040:0067', 10, 0
msg_ok: db 'BSP: real mode, CS 0000, memory kept', 10, 0
msg_bad: db 'BSP: wrong state after the warm reset', 10, 0
bits 32
align 4
marker: dd 0
smpkit_end
