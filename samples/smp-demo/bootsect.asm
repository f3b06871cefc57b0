; smp-demo — boot sector (NASM, flat, 512 bytes, ORG 0x7C00).
;
; The BIOS loads sector 0 at 0000:7C00 and jumps to it with the boot drive
; in DL. We read the kernel (a flat copy of smp-demo.elf made by objcopy,
; starting at its link address 0x100000) from LBA KERNEL_LBA on with INT 13h
; AH=42h "extended read" (EDD 3.0) into 0x10000, switch to 32-bit protected
; mode ourselves, copy it to 1 MiB and jump to start_bootsector.
;
; Defined on the command line by samples/build.mjs:
;   KERNEL_LBA      first sector of the kernel (16: the flat kernel starts
;                   with the Multiboot header, and keeping it out of the
;                   image's first 8 KiB stops loaders that probe for one,
;                   like Bringup's --boot auto, from taking the image for a
;                   Multiboot kernel)
;   KERNEL_SECTORS  number of 512-byte sectors of the flat kernel
;   KERNEL_ENTRY    physical address of start_bootsector
;
; Sector 1 (LBA 1) of the image is the kernel command line: NUL-terminated
; ASCII, all zeros (empty) as built. It is read to CMDLINE_ADDR and its
; address handed to the kernel in EBX, so `ap=hook` etc. can be chosen by
; writing the sector, e.g.
;   printf 'ap=hook\0' | dd of=smp-demo.img bs=1 seek=512 conv=notrunc

bits 16
org 0x7C00

LOAD_SEG        equ 0x1000          ; 0x1000:0000 = physical 0x10000
LOAD_ADDR       equ 0x10000
KERNEL_ADDR     equ 0x100000
CMDLINE_ADDR    equ 0x7E00          ; sector 1, right after the boot sector
CHUNK           equ 64              ; sectors per call (<= 127 for old BIOSes)

%if KERNEL_SECTORS * 512 > 0x80000 - LOAD_ADDR
  %error "kernel too large for the low-memory bounce buffer"
%endif

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        cld
        mov [drive], dl

        mov si, msg_boot
        call print

        ; --- the command-line sector (LBA 1) to CMDLINE_ADDR
        mov si, dap_cmdline
        mov dl, [drive]
        mov ah, 0x42
        int 0x13
        jc disk_error
        mov byte [CMDLINE_ADDR + 511], 0    ; always NUL-terminated

        ; --- load the kernel with INT 13h AH=42h, CHUNK sectors at a time
        mov bp, KERNEL_SECTORS      ; sectors still to read
.read:
        mov ax, CHUNK
        cmp bp, ax
        jae .count
        mov ax, bp
.count:
        mov [dap.count], ax
        mov si, dap                 ; DS:SI = disk address packet
        mov dl, [drive]
        mov ah, 0x42
        int 0x13
        jc disk_error
        mov ax, [dap.count]
        sub bp, ax
        add dword [dap.lba], CHUNK
        add word [dap.segment], CHUNK * 512 / 16
        test bp, bp
        jnz .read

        ; --- A20 through the "fast A20" port (System Control Port A, bit 1)
        in al, 0x92
        or al, 2
        and al, 0xFE                ; never pulse bit 0 (fast reset)
        out 0x92, al

        ; --- protected mode: LGDT, CR0.PE, far jump (SDM Vol. 3A 9.9.1)
        cli
        lgdt [gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:pm32

bits 32
pm32:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov esp, 0x7C00
        mov esi, LOAD_ADDR          ; copy the image to its link address
        mov edi, KERNEL_ADDR
        mov ecx, KERNEL_SECTORS * 128
        rep movsd
        mov ebx, CMDLINE_ADDR       ; start_bootsector: EBX = command line
        mov eax, KERNEL_ENTRY
        jmp eax

bits 16
disk_error:
        mov si, msg_err
        call print
.halt:  cli
        hlt
        jmp .halt

; print the NUL-terminated string at DS:SI with INT 10h AH=0Eh (teletype)
print:
        lodsb
        test al, al
        jz .done
        mov ah, 0x0E
        xor bx, bx
        int 0x10
        jmp print
.done:  ret

msg_boot: db "smp-demo boot sector: loading kernel", 13, 10, 0
msg_err:  db "smp-demo boot sector: disk read error", 13, 10, 0
drive:    db 0x80

align 4
dap:                                ; EDD disk address packet
        db 0x10, 0                  ; size, reserved
dap.count:   dw 0                   ; sectors to transfer
dap.offset:  dw 0                   ; buffer offset
dap.segment: dw LOAD_SEG            ; buffer segment
dap.lba:     dq KERNEL_LBA          ; first kernel sector

dap_cmdline:                        ; one sector: the command line
        db 0x10, 0
        dw 1
        dw CMDLINE_ADDR, 0
        dq 1

align 8
gdt:
        dq 0
        dq 0x00CF9A000000FFFF       ; 0x08: code, base 0, 4 GiB, 32-bit
        dq 0x00CF92000000FFFF       ; 0x10: data, base 0, 4 GiB
gdtr:
        dw gdtr - gdt - 1
        dd gdt

        times 510 - ($ - $$) db 0
        dw 0xAA55
