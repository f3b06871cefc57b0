; ATA PIO on the primary slave (device 1): IDENTIFY and READ SECTORS by
; polling, READ SECTORS interrupt-driven (IRQ14 through IO-APIC pin 14 to the
; BSP at vector 0x2E), then WRITE SECTORS to LBA 7 and read it back. The test
; attaches a slave whose sector n begins with 'S', 'L', n (byte), 0.
; Exit 0x10 (status 33).
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
%include "lib/smpkit.inc"
bits 32
test_main:
    mov eax, 0x2e
    mov ebx, isr_ata
    call set_gate
    print_text 'BDA hard disks: '
    movzx eax, byte [0x475]
    call print_dec32
    print_nl
    ; Polling: select the slave, IDENTIFY.
    mov dx, 0x1f6
    mov al, 0xb0
    out dx, al
    call wait_not_busy
    mov dx, 0x1f7
    mov al, 0xec
    out dx, al
    call wait_drq
    call read_sector
    print_text 'slave IDENTIFY status/words 60-61: '
    mov eax, [last_status]
    call print_hex32
    mov al, ' '
    mov dx, 0x3f8
    out dx, al
    mov eax, [buffer + 120]
    call print_hex32
    print_nl
    ; Polling READ SECTORS, LBA 3.
    mov eax, 3
    mov bl, 0x20
    call issue
    call wait_drq
    call read_sector
    print_text 'slave LBA 3 by polling: '
    mov eax, [buffer]
    call print_hex32
    print_nl
    ; Interrupt-driven READ SECTORS, LBA 5: IO-APIC pin 14, edge, to the BSP.
    mov dword [IOAPIC], 0x10 + 2 * 14 + 1
    mov dword [IOAPIC + 0x10], 0
    mov dword [IOAPIC], 0x10 + 2 * 14
    mov dword [IOAPIC + 0x10], 0x2e
    mov dx, 0x3f6
    xor al, al                              ; nIEN = 0
    out dx, al
    mov dword [irq_count], 0
    mov eax, 5
    mov bl, 0x20
    sti
    call issue
.wait_irq:
    cmp dword [irq_count], 0
    jne .got
    hlt
    jmp .wait_irq
.got:
    cli
    call read_sector
    print_text 'slave LBA 5 by IRQ14, status in the handler: '
    mov eax, [irq_status]
    call print_hex32
    mov al, ' '
    mov dx, 0x3f8
    out dx, al
    mov eax, [buffer]
    call print_hex32
    print_nl
    ; nIEN again for the polling write.
    mov dx, 0x3f6
    mov al, 0x02
    out dx, al
    ; WRITE SECTORS, LBA 7: 'WRIT' then the byte index.
    mov dword [buffer], 'WRIT'
    mov ecx, 4
.fill:
    mov [buffer + ecx], cl
    inc ecx
    cmp ecx, 512
    jb .fill
    mov eax, 7
    mov bl, 0x30
    call issue
    call wait_drq
    mov esi, buffer
    mov ecx, 256
    mov dx, 0x1f0
    rep outsw
    call wait_not_busy
    mov dx, 0x1f7
    in al, dx
    movzx eax, al
    print_text 'write status: '
    call print_hex32
    print_nl
    mov dword [buffer], 0
    mov eax, 7
    mov bl, 0x20
    call issue
    call wait_drq
    call read_sector
    print_text 'slave LBA 7 read back: '
    mov eax, [buffer]
    call print_hex32
    print_nl
    exit_with 0x10

; EAX = LBA (slave, LBA28, 1 sector), BL = command
issue:
    push eax
    call wait_not_busy
    pop eax
    push eax
    mov dx, 0x1f6
    shr eax, 24
    and al, 0x0f
    or al, 0xf0                             ; LBA, device 1
    out dx, al
    mov dx, 0x1f2
    mov al, 1
    out dx, al
    pop eax
    mov dx, 0x1f3
    out dx, al
    shr eax, 8
    inc dx
    out dx, al
    shr eax, 8
    inc dx
    out dx, al
    mov dx, 0x1f7
    mov al, bl
    out dx, al
    ret

wait_not_busy:
    mov dx, 0x3f6
.w:
    in al, dx
    test al, 0x80
    jnz .w
    ret

; wait for BSY = 0 and DRQ or ERR; last_status = status
wait_drq:
    mov dx, 0x3f6
.w:
    in al, dx
    test al, 0x80
    jnz .w
    test al, 0x09
    jz .w
    mov dx, 0x1f7
    in al, dx
    movzx eax, al
    mov [last_status], eax
    ret

read_sector:
    push edi
    mov edi, buffer
    mov ecx, 256
    mov dx, 0x1f0
    rep insw
    pop edi
    ret

isr_ata:
    push eax
    push edx
    mov dx, 0x1f7
    in al, dx                               ; acknowledges the device's interrupt
    movzx eax, al
    mov [irq_status], eax
    inc dword [irq_count]
    mov dword [LAPIC_EOI], 0
    pop edx
    pop eax
    iret

align 4
last_status: dd 0
irq_status: dd 0
irq_count: dd 0
buffer: times 512 db 0
smpkit_end
