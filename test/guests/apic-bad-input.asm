; Bad input from guest code (2 vCPUs): illegal vectors in the ICR and a
; self IPI (ESR send/receive illegal vector), reserved bits and read-only
; registers, reserved and out-of-range offsets in the LAPIC and IO-APIC
; pages, and an INIT/SIPI storm of 1000 IPIs (to AP 1 and to absent APIC
; ID 7). Prints what it reads back; exit 0x10 (status 33).
%include "lib/stage1.inc"
%include "lib/pm32.inc"
%include "lib/io.inc"
%include "lib/smpkit.inc"
bits 32
%macro show 1
    print_text %1
    call print_hex32
    print_nl
%endmacro
%macro esr 0
    mov dword [LAPIC_ESR], 0
    mov eax, [LAPIC_ESR]
%endmacro
test_main:
    mov dword [LAPIC_LVTE], 0x00010000      ; error LVT masked
    esr
    show 'ESR at start: '
    mov edx, 1 << 24
    mov eax, 0x00004005                     ; fixed, vector 5
    call send_ipi
    esr
    show 'ESR after fixed IPI vector 0x05: '
    esr
    show 'ESR read again after clearing: '
    mov edx, 0
    mov eax, 0x00044003                     ; self, vector 3
    call send_ipi
    esr
    show 'ESR after self IPI vector 0x03: '
    mov dword [LAPIC_TPR], 0xffffffff
    mov eax, [LAPIC_TPR]
    show 'TPR after writing ffffffff: '
    mov dword [LAPIC_TPR], 0
    mov eax, [LAPIC + 0x30]
    mov ebx, eax
    mov dword [LAPIC + 0x30], 0
    mov eax, [LAPIC + 0x30]
    cmp eax, ebx
    sete al
    movzx eax, al
    show 'version register unchanged by a write: '
    mov dword [LAPIC + 0x400], 0xdeadbeef
    mov eax, [LAPIC + 0x400]
    show 'LAPIC reserved offset 0x400: '
    mov eax, [LAPIC + 0xffc]
    show 'LAPIC offset 0xffc: '
    ; IO-APIC: a register index past the table, the read-only version register, offsets beyond IOWIN.
    mov dword [IOAPIC], 0x60
    mov dword [IOAPIC + 0x10], 0x12345678
    mov eax, [IOAPIC + 0x10]
    show 'IO-APIC register 0x60: '
    mov dword [IOAPIC], 0x01
    mov dword [IOAPIC + 0x10], 0
    mov eax, [IOAPIC + 0x10]
    and eax, 0x00ff00ff
    show 'IO-APIC version after a write: '
    mov dword [IOAPIC + 0x20], 0xffffffff
    mov eax, [IOAPIC + 0x20]
    show 'IO-APIC offset 0x20: '
    mov eax, [IOAPIC + 0xffc]
    show 'IO-APIC offset 0xffc: '
    ; INIT/SIPI storm: 250 x (INIT to 1, SIPI to 1, INIT to 7, SIPI to 7).
    mov ecx, 250
.storm:
    mov edx, 1 << 24
    mov eax, 0x00004500
    call send_ipi
    mov eax, 0x00004608
    call send_ipi
    mov edx, 7 << 24
    mov eax, 0x00004500
    call send_ipi
    mov eax, 0x00004608
    call send_ipi
    loop .storm
    esr
    show 'ESR after the storm: '
    ; AP 1 still answers: it restarted from the trampoline and runs the command loop.
    mov dword [pong], 0
    mov eax, 1
    mov ebx, ping
    call run_on
    mov eax, [pong]
    show 'AP 1 answers after the storm: '
    exit_with 0x10

ping:
    mov dword [pong], 1
    ret

align 4
pong: dd 0
smpkit_end
