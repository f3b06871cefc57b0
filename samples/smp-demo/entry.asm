; smp-demo — entry points, boot headers and interrupt stubs (NASM, 32-bit).
;
; One ELF image carries two boot headers:
;   * a Multiboot 1 header (Multiboot spec 0.6.96 §3.1), which must lie
;     4-byte aligned within the first 8192 bytes of the file — the linker
;     script puts .multiboot first;
;   * a Xen PVH ELF note (XEN_ELFNOTE_PHYS32_ENTRY = 18, name "Xen"), whose
;     descriptor is the 32-bit physical entry point (Xen PVH boot ABI,
;     xen/include/public/elfnote.h and arch-x86/hvm/start_info.h).
; A third entry point, start_bootsector, is jumped to by bootsect.asm.

bits 32

MB_MAGIC        equ 0x1BADB002
MB_PAGE_ALIGN   equ 1 << 0          ; align modules on 4 KiB
MB_MEMINFO      equ 1 << 1          ; give us mem_lower/mem_upper
MB_FLAGS        equ MB_PAGE_ALIGN | MB_MEMINFO   ; no bit 16: loaded as ELF

BOOT_MULTIBOOT  equ 1
BOOT_PVH        equ 2
BOOT_SECTOR     equ 3

STACK_SIZE      equ 16384

section .multiboot progbits alloc noexec nowrite align=4
multiboot_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)   ; magic + flags + checksum = 0

section .note.Xen note alloc noexec nowrite align=4
        dd 4                        ; namesz: "Xen\0"
        dd 4                        ; descsz: a 32-bit entry address
        dd 18                       ; XEN_ELFNOTE_PHYS32_ENTRY
        db "Xen", 0
        dd start_pvh

section .text
extern kmain, ap_main, isr_dispatch, __bss_start, __bss_end, ap_start_path
global start_multiboot, start_pvh, start_bootsector, ap_entry
global boot_stack_top, trampoline_blob, trampoline_blob_end

; Multiboot 3.2: EAX = 0x2BADB002, EBX = physical address of the
; multiboot information structure, flat CS/DS, paging off, IF = 0.
; ESP is undefined: we set our own before touching the stack.
start_multiboot:
        mov ebp, BOOT_MULTIBOOT
        jmp common_entry

; PVH boot ABI: EBX = physical address of struct hvm_start_info, 32-bit
; protected mode, paging off, flat segments, ESP undefined.
start_pvh:
        mov ebp, BOOT_PVH
        mov eax, 0                  ; no magic in EAX; C checks start_info.magic
        jmp common_entry

; From bootsect.asm: flat protected mode, EBX = the NUL-terminated command
; line the boot sector read from the image's sector 1 (empty as built).
start_bootsector:
        mov ebp, BOOT_SECTOR
        xor eax, eax

common_entry:
        cli
        cld
        mov esi, eax                ; keep magic and info pointer safe:
        mov edx, ebx                ; rep stosd uses EAX, ECX and EDI
        ; Zero .bss. Multiboot and PVH loaders do this (p_memsz > p_filesz),
        ; the boot sector copies only the file bytes, so do it ourselves.
        mov edi, __bss_start
        mov ecx, __bss_end
        sub ecx, edi
        shr ecx, 2
        xor eax, eax
        rep stosd
        mov esp, boot_stack_top
        push edx                    ; kmain(path, magic, info)
        push esi
        push ebp
        xor ebp, ebp                ; terminate the frame-pointer chain
        call kmain
.halt:  cli
        hlt
        jmp .halt

; Common 32-bit entry of every application processor, whatever started it:
;   the trampoline (ap=sipi) jumps here, and the paravirtual startup state
;   (ap=hook / ap=up) has EIP = ap_entry.
; In: paging on, flat CS/DS/SS, ESP = this CPU's stack top,
;     EBX = logical CPU number, ESI = how it was started (0 sipi, 1 hook, 2 up).
ap_entry:
        lea eax, [esi + 1]
        mov [ap_start_path + ebx * 4], eax   ; tells the BSP "I am alive"
        xor ebp, ebp
        push ebx
        call ap_main                ; void ap_main(unsigned cpu), never returns
.halt:  cli
        hlt
        jmp .halt

; ---------------------------------------------------------------------
; Interrupt stubs. The CPU pushes EFLAGS, CS, EIP and, for some exceptions,
; an error code (Intel SDM Vol. 3A 6.12, table 6-1 "Error Code" column).
; Each stub pushes a dummy error code where the CPU does not, then the
; vector, so isr_common sees one frame layout (struct frame in kernel.h).
; ---------------------------------------------------------------------
%macro ISR_NOERR 1
isr_%1:
        push 0
        push %1
        jmp isr_common
%endmacro

%assign v 0
%rep 32
isr_ %+ v:
  %if !(v == 8 || v == 10 || v == 11 || v == 12 || v == 13 || v == 14 || v == 17 || v == 21 || v == 29 || v == 30)
        push 0                      ; no CPU error code for this vector
  %endif
        push v
        jmp isr_common
  %assign v v + 1
%endrep
        ISR_NOERR 0x30              ; PIT via IO-APIC
        ISR_NOERR 0x40              ; IPI from the BSP
        ISR_NOERR 0x41              ; IPI reply to the BSP
        ISR_NOERR 0x42              ; "start your LAPIC timer"
        ISR_NOERR 0x50              ; LAPIC timer
        ISR_NOERR 0xFF              ; LAPIC spurious vector

isr_common:
        pushad
        push ds
        push es
        mov ax, 0x10                ; kernel data; GS stays the per-CPU selector
        mov ds, ax
        mov es, ax
        push esp                    ; struct frame *
        call isr_dispatch
        add esp, 4
        pop es
        pop ds
        popad
        add esp, 8                  ; vector and error code
        iretd

section .rodata
global isr_table
; (vector, stub) pairs for idt_init(), terminated by vector 0xFFFFFFFF.
isr_table:
%assign v 0
%rep 32
        dd v, isr_ %+ v
  %assign v v + 1
%endrep
        dd 0x30, isr_0x30
        dd 0x40, isr_0x40
        dd 0x41, isr_0x41
        dd 0x42, isr_0x42
        dd 0x50, isr_0x50
        dd 0xFF, isr_0xFF
        dd 0xFFFFFFFF, 0

; The real-mode AP trampoline, assembled separately (trampoline.asm, flat,
; ORG 0x8000) and copied to 0x8000 by smp.c before the STARTUP IPIs.
align 16
trampoline_blob:
        incbin "build/trampoline.bin"
trampoline_blob_end:

section .bss
align 16
boot_stack:
        resb STACK_SIZE
boot_stack_top:
