; stale-gs — paravirtual AP start-up (SET_AP_STARTUP_STATE, docs/paravirt.md)
; with a stale GS selector. The kernel registers a protected-mode startup
; state for APIC ID 1 whose GS = 0x18, the per-CPU data segment of cpu 1.
; Before it sends INIT/STARTUP, its "per-CPU GDT rework" renumbers the
; per-CPU segments: 0x18 now belongs to cpu 0 (the BSP), cpu 1's moved to
; 0x20. The registered state still says GS = 0x18, so the AP starts with
; cpu 0's per-CPU data: it believes it is cpu 0 and bumps cpu 0's counter.
; Bringup reports the changed GDT entry as a pv-stale-state event at the
; STARTUP IPI (the state is still valid, so the AP does start in it).
%include "common.inc"

PV_SET_AP_STARTUP_STATE equ 1
SEL_PERCPU_OLD  equ 0x18                ; cpu 1's per-CPU segment, before the rework
SEL_PERCPU_NEW  equ 0x20                ; ... and after it

; struct percpu { u32 cpu; u32 count; }
PERCPU_CPU      equ 0
PERCPU_COUNT    equ 4

; A data descriptor: base EAX, limit 0xFFF bytes, DPL 0,
; writable, 32-bit. Written at runtime since the base is a link-time symbol.
; EDI = GDT entry address.
set_data_descriptor:                    ; EAX = base
        mov word [edi + 0], 0x0FFF      ; limit 15:0
        mov [edi + 2], ax               ; base 15:0
        shr eax, 16
        mov [edi + 4], al               ; base 23:16
        mov byte [edi + 5], 0x92        ; present, DPL 0, data, writable
        mov byte [edi + 6], 0x40        ; D/B = 32-bit, G = 0, limit 19:16 = 0
        mov [edi + 7], ah               ; base 31:24
        ret

main:
        ; Bringup's paravirtual interface: CPUID 0x40000000 = "BringupPVirt"
        mov eax, 0x40000000
        cpuid
        cmp ebx, 'Brin'
        jne .no_pv
        cmp ecx, 'gupP'
        jne .no_pv
        cmp edx, 'Virt'
        jne .no_pv

        mov dword [percpu0 + PERCPU_CPU], 0
        mov dword [percpu1 + PERCPU_CPU], 1
        mov edi, gdt + SEL_PERCPU_OLD
        mov eax, percpu1
        call set_data_descriptor
        PRINT `stale-gs: GDT 0x18 = per-CPU segment of cpu 1\n`

        ; The startup state: protected mode, no paging, GS = 0x18.
        mov eax, cr0
        mov [state.cr0], eax
        mov dword [state.gdtr_base], gdt
        mov word [state.gdtr_limit], gdt_end - gdt - 1
        mov dword [state.eip], ap_main
        mov dword [state.esp], ap_stacks + 2 * AP_STACK_SIZE
        mov eax, PV_SET_AP_STARTUP_STATE
        mov ebx, 1                      ; APIC ID
        mov ecx, state
        vmcall
        test eax, eax
        jnz .refused
        PRINT `stale-gs: SET_AP_STARTUP_STATE(APIC ID 1) registered, GS = 0x18\n`

        ; The per-CPU GDT rework: 0x18 -> cpu 0, cpu 1 -> 0x20.
        ; The bug: the registered state is not registered again.
        mov edi, gdt + SEL_PERCPU_OLD
        mov eax, percpu0
        call set_data_descriptor
        mov edi, gdt + SEL_PERCPU_NEW
        mov eax, percpu1
        call set_data_descriptor
        PRINT `stale-gs: per-CPU GDT rework: 0x18 is now cpu 0's segment, cpu 1's is 0x20\n`

        mov edi, TRAMP_BASE             ; the fallback path, never taken here
        call copy_trampoline
        mov ebx, 1
        call start_ap
        mov esi, ap_done
        mov ecx, 100 * 3580
        call wait_nonzero
        test eax, eax
        jz .no_ap

        call print_lock
        PRINT "stale-gs: per-CPU counters: cpu 0 = "
        mov eax, [percpu0 + PERCPU_COUNT]
        call print_dec
        PRINT ", cpu 1 = "
        mov eax, [percpu1 + PERCPU_COUNT]
        call print_dec
        PRINT `\n`
        cmp dword [percpu1 + PERCPU_COUNT], 1
        je .ok
        PRINT `stale-gs: FAILED: cpu 1 ran on cpu 0's per-CPU data (stale GS selector in its startup state)\n`
        exit_with 1
.ok:    PRINT `stale-gs: cpu 1 used its own per-CPU data\n`
        exit_with 0
.no_pv: PRINT `stale-gs: the Bringup paravirtual interface is absent (run it under bringup)\n`
        exit_with 2
.refused:
        PRINT `stale-gs: SET_AP_STARTUP_STATE refused\n`
        exit_with 2
.no_ap: PRINT `stale-gs: APIC ID 1 did not start\n`
        exit_with 2

; The AP starts here, in the registered state (EAX = 0). A real kernel
; would reach its per-CPU data through GS everywhere: current CPU number,
; run queue, statistics.
ap_main:
        mov eax, [gs:PERCPU_CPU]
        lock inc dword [gs:PERCPU_COUNT]
        call print_lock
        PRINT "cpu 1: started in its paravirtual state; GS:cpu says cpu "
        call print_dec
        PRINT `\n`
        call print_unlock
        mov dword [ap_done], 1
.park:  cli
        hlt
        jmp .park

section .data
align 4
ap_done:        dd 0
percpu0:        dd 0, 0
percpu1:        dd 0, 0
; Startup state, layout version 1 (docs/paravirt.md), 92 bytes.
align 4
state:
state.version:     dd 1
state.flags:       dd 0
state.cr0:         dd 0
state.cr3:         dd 0
state.cr4:         dd 0
state.efer:        dd 0
state.gdtr_base:   dd 0
state.gdtr_limit:  dw 0
state.idtr_limit:  dw 0
state.idtr_base:   dd 0
state.ldtr:        dw 0
state.tr:          dw 0
state.cs:          dw 0x08
state.ss:          dw 0x10
state.ds:          dw 0x10
state.es:          dw 0x10
state.fs:          dw 0x10
state.gs:          dw SEL_PERCPU_OLD
state.eip:         dd 0
state.esp:         dd 0
state.eflags:      dd 0x2
state.regs:        times 7 dd 0     ; eax ecx edx ebx ebp esi edi
state_end:
%if state_end - state != 92
  %error "startup state must be 92 bytes"
%endif

%include "trampoline.inc"
