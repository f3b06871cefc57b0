; INIT-SIPI-SIPI bring-up of every AP the MADT lists, with the classic
; real-mode trampoline at 0x9000 (STARTUP vector 0x09). Each AP prints its
; APIC ID (from CPUID) under a spinlock and counts itself; the BSP waits for
; all of them and ends the run with isa-debug-exit 0x10 (status 33).
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
bits 16
    enter_pm32 bsp32
    pm32_gdt
%include "lib/print32.inc"
%include "lib/madt.inc"
bits 32
bsp32:
    mov esp, 0x7000
    call count_madt_cpus
    mov [cpu_total], eax
    mov esi, msg_bsp
    call print_str32
    call print_dec32
    mov esi, msg_cpus
    call print_str32
    ; Software-enable the local APIC (SVR bit 8, spurious vector 0xFF).
    mov dword [0xfee000f0], 0x1ff
    ; INIT to all excluding self, then 10 ms.
    mov dword [0xfee00300], 0x000c4500
    mov ecx, 35795
    call pm_delay
    ; STARTUP twice, 200 us apart (Intel MP spec B.4).
    mov dword [0xfee00300], 0x000c4609
    mov ecx, 716
    call pm_delay
    mov dword [0xfee00300], 0x000c4609
    ; Wait for every AP (timeout 1 s of virtual time).
    mov ebx, [cpu_total]
    dec ebx
    mov dx, 0x608
    in eax, dx
    mov edi, eax
.wait:
    cmp [ap_count], ebx
    je .all
    pause
    in eax, dx
    sub eax, edi
    and eax, 0xffffff
    cmp eax, 3579545
    jb .wait
    mov esi, msg_timeout
    call print_str32
    exit_with 3
.all:
    mov esi, msg_started
    call print_str32
    mov eax, [ap_count]
    call print_dec32
    mov esi, msg_aps
    call print_str32
    exit_with 0x10

; ECX = PM timer ticks to wait (3.579545 MHz)
pm_delay:
    push eax
    push edx
    push edi
    mov dx, 0x608
    in eax, dx
    mov edi, eax
.loop:
    pause
    in eax, dx
    sub eax, edi
    and eax, 0xffffff
    cmp eax, ecx
    jb .loop
    pop edi
    pop edx
    pop eax
    ret

msg_bsp: db 'BSP: ', 0
msg_cpus: db ' CPUs in the MADT', 10, 0
msg_started: db 'BSP: ', 0
msg_aps: db ' APs started', 10, 0
msg_timeout: db 'BSP: timeout waiting for APs', 10, 0
align 4
cpu_total: dd 0
ap_count: dd 0
ap_lock: db 0

; ---- AP trampoline at physical 0x9000: CS = 0x0900, IP = 0, real mode ----
times 0x9000 - 0x7c00 - ($ - $$) db 0
bits 16
trampoline:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
.lock:
    mov al, 1
    xchg al, [ap_lock]
    test al, al
    jz .locked
    pause
    jmp .lock
.locked:
    ; Each AP uses a stack slot just below 0x7000 chosen by its APIC ID.
    mov eax, 1
    cpuid
    shr ebx, 24
    mov sp, bx
    shl sp, 6
    neg sp
    add sp, 0x6000
    mov dx, 0x3f8
    mov al, 'A'
    out dx, al
    mov al, 'P'
    out dx, al
    mov al, ' '
    out dx, al
    mov ax, bx
    mov cl, 10
    div cl                 ; AL = tens, AH = ones
    test al, al
    jz .ones
    add al, '0'
    out dx, al
.ones:
    mov al, ah
    add al, '0'
    out dx, al
    mov al, 10
    out dx, al
    lock inc dword [ap_count]
    mov byte [ap_lock], 0
.park:
    hlt
    jmp .park
stage_end:
