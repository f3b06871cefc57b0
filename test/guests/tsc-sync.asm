; TSC synchronisation between CPUs, checked as Linux checks it before it
; trusts the TSC as a clocksource (arch/x86/kernel/tsc_sync.c,
; check_tsc_warp): every AP, in parallel, takes a spinlock, reads the TSC,
; compares it with the last value any CPU read under the same lock and
; stores its own. A reading below the previous one is a "warp": time seen
; to run backwards across CPUs. The BSP prints each CPU's warp count, the
; largest warp in TSC cycles and each CPU's number of passes. Exit 0x10.
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
%include "lib/smpkit.inc"
PASSES equ 5000
bits 32
test_main:
    mov ebx, warp_check
    call run_on_all
    print_text 'warps:'
    print_counts warps
    print_text 'max warp: '
    mov eax, [max_warp]
    call print_dec32
    print_nl
    print_text 'passes:'
    print_counts passes
    exit_with 0x10

; EAX = APIC ID. The BSP runs it alone after the APs: it only adds passes.
warp_check:
    mov ebp, eax
    mov ecx, PASSES
.pass:
    mov al, 1
.lock:
    xchg [sync_lock], al
    test al, al
    jz .locked
.spin:
    pause
    cmp byte [sync_lock], 0
    jne .spin
    mov al, 1
    jmp .lock
.locked:
    mov esi, [last_tsc]
    mov edi, [last_tsc + 4]
    lfence
    rdtsc
    mov [last_tsc], eax
    mov [last_tsc + 4], edx
    mov byte [sync_lock], 0
    inc dword [passes + ebp * 4]
    ; prev (EDI:ESI) > now (EDX:EAX)?
    cmp edx, edi
    ja .next
    jb .warp
    cmp eax, esi
    jae .next
.warp:
    inc dword [warps + ebp * 4]
    mov ebx, esi
    sub ebx, eax                            ; a warp of under 2^32 cycles
    lock inc dword [warp_events]
.max:
    mov eax, [max_warp]
    cmp ebx, eax
    jbe .next
    lock cmpxchg [max_warp], ebx
    jne .max
.next:
    dec ecx
    jnz .pass
    ret

align 8
last_tsc:    dq 0
sync_lock:   db 0
align 4
max_warp:    dd 0
warp_events: dd 0
warps:       times 64 dd 0
passes:      times 64 dd 0
smpkit_end
