; smp-demo — real-mode AP trampoline (NASM, flat binary, ORG 0x8000).
;
; A STARTUP IPI with vector VV starts the AP in real mode at CS:IP =
; VV00:0000, i.e. physical VV000h (Intel SDM Vol. 3A 8.4.4.1, MP spec B.4.2),
; so this code must sit in a 4 KiB-aligned page below 1 MiB. smp.c copies
; it to 0x8000 and sends vector 0x08. The AP then walks the same road the
; BSP's firmware walked: real mode -> protected mode -> paging.
;
; The BSP fills the parameter block at TRAMP_PARAMS (0x8F00, same page)
; before each STARTUP IPI; its layout is struct tramp_params in smp.c.

bits 16
%ifndef TRAMPOLINE_ELF
org 0x8000                  ; flat binary; the ELF build (debug info) is linked at 0x8000 instead
%endif

TRAMP_PARAMS    equ 0x8F00
TP_ALIVE        equ TRAMP_PARAMS + 0x00  ; set by the AP on arrival
TP_GDTR         equ TRAMP_PARAMS + 0x08  ; 6 bytes: limit, base
TP_CR3          equ TRAMP_PARAMS + 0x10  ; kernel page directory
TP_STACK        equ TRAMP_PARAMS + 0x14  ; this AP's initial ESP
TP_CPU          equ TRAMP_PARAMS + 0x18  ; logical CPU number
TP_ENTRY        equ TRAMP_PARAMS + 0x1C  ; ap_entry

SEL_KCODE       equ 0x08
SEL_KDATA       equ 0x10

CR0_PE          equ 1 << 0
CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
CR4_PSE         equ 1 << 4

tramp_start:
        cli
        cld
        xor ax, ax                  ; CS = 0x0800 but DS = 0 lets us use
        mov ds, ax                  ; the ORG 0x8000 absolute offsets
        mov dword [TP_ALIVE], 1     ; "I ran": no second STARTUP needed

        ; LGDT with an operand-size prefix loads all 32 base bits
        ; (without it a 16-bit LGDT uses only 24; SDM Vol. 2A LGDT).
        o32 lgdt [TP_GDTR]
        mov eax, cr0
        or eax, CR0_PE
        mov cr0, eax
        ; A far jump right after setting PE reloads CS from the new GDT
        ; (SDM Vol. 3A 9.9.1 step 3); 32-bit offset form.
        jmp dword SEL_KCODE:tramp_pm

bits 32
tramp_pm:
        mov ax, SEL_KDATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax                  ; ap_main loads the per-CPU selector

        ; Paging exactly like the BSP: 4 MiB pages need CR4.PSE before
        ; CR0.PG (SDM Vol. 3A 4.3), then CR3 = kernel page directory.
        mov eax, cr4
        or eax, CR4_PSE
        mov cr4, eax
        mov eax, [TP_CR3]
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG | CR0_WP
        mov cr0, eax                ; identity-mapped: the next fetch is fine

        mov esp, [TP_STACK]
        mov ebx, [TP_CPU]
        xor esi, esi                ; started via sipi
        jmp [TP_ENTRY]

tramp_end:
%if tramp_end - tramp_start > TRAMP_PARAMS - 0x8000
  %error "trampoline overlaps its parameter block"
%endif
