/**
 * The paravirtual interface (docs/paravirt.md) driven by guest code: a
 * plain-ELF kernel detects it with CPUID, starts AP 1 with
 * SET_AP_STARTUP_STATE + INIT/STARTUP in protected mode with paging, AP 2
 * with VCPU_UP, triggers every refusal code and checks EAX, and makes a
 * registration stale (a GDT entry changed before the STARTUP IPI). The APs
 * print what they find. The test asserts the output and the machine events.
 */
import { strict as assert } from 'node:assert';
import type { MachineEvent } from '../../emulator/events/machine-events';
import type { PcMachine } from '../../emulator/machine/pc-machine';
import { runGuestBytes } from '../support/run-guest';
import { linkElf, LINK_SCRIPT } from '../boot/guest-images';

// Startup state layout version 1 offsets (docs/paravirt.md).
const KERNEL = linkElf(
  `
bits 32
section .text progbits alloc exec write align=16
global entry
%include "lib/print32.inc"
%include "lib/entry32.inc"

%define S_VERSION 0x00
%define S_FLAGS 0x04
%define S_CR0 0x08
%define S_CR3 0x0c
%define S_CR4 0x10
%define S_EFER 0x14
%define S_GDTR_BASE 0x18
%define S_GDTR_LIMIT 0x1c
%define S_IDTR_LIMIT 0x1e
%define S_IDTR_BASE 0x20
%define S_LDTR 0x24
%define S_TR 0x26
%define S_CS 0x28
%define S_SS 0x2a
%define S_DS 0x2c
%define S_ES 0x2e
%define S_FS 0x30
%define S_GS 0x32
%define S_EIP 0x34
%define S_ESP 0x38
%define S_EFLAGS 0x3c
%define S_EAX 0x40
%define S_ECX 0x44
%define S_EDX 0x48
%define S_EBX 0x4c

%define PD 0x90000
%define PT 0x91000
%define TSS 0x80000
%define TSS5 0x81000

; pv_call fn, apic, state: EAX = result
%macro pv_call 3
    mov eax, %1
    mov ebx, %2
    mov ecx, %3
    vmcall
%endmacro

; refusal "name", fn, apic, state, expected code: one line with the EAX found
%macro refusal 5
    pv_call %2, %3, %4
    check %1, eax, %5
%endmacro

; ipi apic, low: xAPIC ICR
%macro ipi 2
    mov dword [0xfee00310], (%1) << 24
    mov dword [0xfee00300], %2
%endmacro

entry:
    mov esp, entry_stack_top
    lgdt [gdtr]
    jmp 0x08:.cs
.cs:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    ; a TSS at 0x80000 (ESP0 for the ring-3 test at the end)
    mov edi, TSS
    mov ecx, 0x68 / 4
    xor eax, eax
    rep stosd
    mov dword [TSS + 4], entry_stack_top
    mov dword [TSS + 8], 0x10
    mov ax, 0x30
    ltr ax
    ; identity page tables for the first 4 MiB
    mov edi, PT
    mov eax, 3
    mov ecx, 1024
.pt:
    stosd
    add eax, 0x1000
    loop .pt
    mov dword [PD], PT + 3
    mov edi, PD + 4
    mov ecx, 1023
    xor eax, eax
    rep stosd

    ; ---------------- detection
    mov eax, 0x40000000
    cpuid
    mov [sig], ebx
    mov [sig + 4], ecx
    mov [sig + 8], edx
    print "cpuid 40000000: eax="
    call print_hex32
    print " signature="
    mov esi, sig
    call print_bracketed
    mov eax, 0x40000001
    cpuid
    print "cpuid 40000001: eax="
    call print_hex32
    print " ebx="
    mov eax, ebx
    call print_hex32
    print " ecx="
    mov eax, ecx
    call print_hex32
    print " edx="
    mov eax, edx
    call print_hex32
    newline

    ; ---------------- AP 1: SET_AP_STARTUP_STATE with paging, then INIT + STARTUP
    call fresh_state
    mov dword [st + S_CR0], 0x80000011
    mov dword [st + S_CR3], PD
    mov dword [st + S_EIP], ap_entry
    mov dword [st + S_ESP], ap1_stack
    mov dword [st + S_EAX], 1
    pv_call 1, 1, st
    check "SET_AP_STARTUP_STATE(1, paging) returns 0", eax, 0
    mov dword [st + S_EIP], 0xdeadbeef      ; the state was copied at the call
    ipi 1, 0x00004500
    ipi 1, 0x00004609
    mov ebx, 1
    call wait_ap

    ; ---------------- AP 2: VCPU_UP, no IPI, no paging, registers passed through
    call fresh_state
    mov dword [st + S_EIP], ap_entry
    mov dword [st + S_ESP], ap2_stack
    mov dword [st + S_EAX], 2
    mov dword [st + S_EDX], 0x12345678
    pv_call 2, 2, st
    check "VCPU_UP(2) returns 0", eax, 0
    mov ebx, 2
    call wait_ap

    ; ---------------- every refusal
    mov ebp, 0x5a5a5a5a
    mov esi, 0x01010101
    mov edi, 0x02020202
    mov edx, 0x03030303
    mov eax, 99
    mov ebx, 1
    mov ecx, st
    vmcall
    mov [r_regs], eax
    mov [r_regs + 4], ebx
    mov [r_regs + 8], ecx
    mov [r_regs + 12], edx
    mov [r_regs + 16], ebp
    mov [r_regs + 20], esi
    mov [r_regs + 24], edi
    check "-1 PV_E_UNKNOWN_FUNCTION (EAX=99)", [r_regs], -1
    check "  EBX kept", [r_regs + 4], 1
    check "  ECX kept", [r_regs + 8], st
    check "  EDX kept", [r_regs + 12], 0x03030303
    check "  EBP kept", [r_regs + 16], 0x5a5a5a5a
    check "  ESI kept", [r_regs + 20], 0x01010101
    check "  EDI kept", [r_regs + 24], 0x02020202
    call fresh_state
    refusal "-3 PV_E_BAD_APIC_ID (APIC 200)", 1, 200, st, -3
    call fresh_state
    mov dword [st + S_VERSION], 2
    refusal "-4 PV_E_BAD_VERSION (version 2)", 1, 3, st, -4
    call fresh_state
    mov dword [st + S_FLAGS], 1
    refusal "-4 PV_E_BAD_VERSION (flags 1)", 1, 3, st, -4
    refusal "-5 PV_E_BAD_ADDRESS (state at 0xF0000000)", 1, 3, 0xf0000000, -5
    refusal "-5 PV_E_BAD_ADDRESS (state across the end of RAM)", 1, 3, 0x8000000 - 40, -5
    call fresh_state
    mov dword [st + S_CR0], 0x80000000
    refusal "-6 PV_E_CONTROL_REGISTERS (PG without PE)", 1, 3, st, -6
    call fresh_state
    mov dword [st + S_CR0], 0x20000011
    refusal "-6 PV_E_CONTROL_REGISTERS (NW without CD)", 1, 3, st, -6
    call fresh_state
    mov dword [st + S_EFER], 0x100
    refusal "-6 PV_E_CONTROL_REGISTERS (EFER.LME)", 1, 3, st, -6
    call fresh_state
    mov dword [st + S_GDTR_BASE], 0xf0000000
    refusal "-7 PV_E_DESCRIPTOR_TABLE (GDT not RAM)", 1, 3, st, -7
    call fresh_state
    mov word [st + S_DS], 0x14
    refusal "-7 PV_E_DESCRIPTOR_TABLE (DS with TI=1)", 1, 3, st, -7
    call fresh_state
    mov word [st + S_CS], 0x80
    refusal "-8 PV_E_CODE_SEGMENT (CS beyond the GDT limit)", 1, 3, st, -8
    call fresh_state
    mov word [st + S_CS], 0x10
    refusal "-8 PV_E_CODE_SEGMENT (CS a data segment)", 1, 3, st, -8
    call fresh_state
    mov word [st + S_CS], 0x40
    refusal "-8 PV_E_CODE_SEGMENT (CS not present)", 1, 3, st, -8
    call fresh_state
    mov word [st + S_CS], 0
    refusal "-8 PV_E_CODE_SEGMENT (CS null)", 1, 3, st, -8
    call fresh_state
    mov word [st + S_SS], 0
    refusal "-9 PV_E_DATA_SEGMENT (SS null)", 1, 3, st, -9
    call fresh_state
    mov word [st + S_SS], 0x22
    refusal "-9 PV_E_DATA_SEGMENT (SS DPL 3 at CPL 0)", 1, 3, st, -9
    call fresh_state
    mov word [st + S_TR], 0x10
    refusal "-10 PV_E_SYSTEM_SEGMENT (TR a data segment)", 1, 3, st, -10
    call fresh_state
    mov dword [st + S_EFLAGS], 0x20002
    refusal "-11 PV_E_EFLAGS (VM=1)", 1, 3, st, -11
    call fresh_state
    mov dword [st + S_EFLAGS], 0x8002
    refusal "-11 PV_E_EFLAGS (reserved bit 15)", 1, 3, st, -11
    call fresh_state
    mov word [st + S_CS], 0x38
    mov dword [st + S_EIP], 0x20000
    refusal "-12 PV_E_BAD_EIP (beyond a 64 KiB CS limit)", 1, 3, st, -12
    call fresh_state
    mov dword [st + S_EIP], 0xf0000000
    refusal "-12 PV_E_BAD_EIP (not RAM)", 1, 3, st, -12
    call fresh_state
    mov dword [st + S_CR0], 0x80000011
    mov dword [st + S_CR3], PD
    mov dword [st + S_EIP], 0x00800000
    refusal "-12 PV_E_BAD_EIP (not mapped by the page tables)", 1, 3, st, -12
    call fresh_state
    refusal "-13 PV_E_CPU_RUNNING (VCPU_UP for AP 2, halted)", 2, 2, st, -13
    refusal "-13 PV_E_CPU_RUNNING (VCPU_UP for the BSP)", 2, 0, st, -13

    ; ---------------- AP 3: a registration that goes stale
    call fresh_state
    mov word [st + S_FS], 0x28
    mov dword [st + S_EIP], ap_entry
    mov dword [st + S_ESP], ap3_stack
    mov dword [st + S_EAX], 3
    pv_call 1, 3, st
    check "SET_AP_STARTUP_STATE(3, FS=0x28) returns 0", eax, 0
    mov byte [gdt + 0x28 + 4], 0x01         ; base 0 -> 0x10000: the state is stale
    ipi 3, 0x00004500
    ipi 3, 0x00004609
    mov ebx, 3
    call wait_ap

    ; ---------------- AP 4: a registration that is no longer valid at STARTUP (its CS
    ; descriptor marked not present): the AP takes the architectural path, real mode at 0x9000
    mov esi, trampoline
    mov edi, 0x9000
    mov ecx, trampoline_end - trampoline
    rep movsb
    mov byte [0x9100], 0
    call fresh_state
    mov word [st + S_CS], 0x48
    mov dword [st + S_EIP], ap_entry
    mov dword [st + S_ESP], ap3_stack
    mov dword [st + S_EAX], 4
    pv_call 1, 4, st
    check "SET_AP_STARTUP_STATE(4, CS=0x48) returns 0", eax, 0
    mov byte [gdt + 0x48 + 5], 0x1a         ; CS descriptor: present bit cleared
    ipi 4, 0x00004500
    ipi 4, 0x00004609
    mov ecx, 10000000
.w4:
    cmp byte [0x9100], 0
    jne .ap4
    pause
    loop .w4
.ap4:

    ; ---------------- AP 5: the processor's own accessed bit is not staleness; TR is
    ; loaded as LTR would (descriptor marked busy)
    mov dword [TSS5 + 4], ap3_stack
    call fresh_state
    mov word [st + S_FS], 0x50
    mov word [st + S_TR], 0x58
    mov dword [st + S_EIP], ap_entry
    mov dword [st + S_ESP], ap5_stack
    mov dword [st + S_EAX], 5
    pv_call 1, 5, st
    check "SET_AP_STARTUP_STATE(5, FS=0x50, TR=0x58) returns 0", eax, 0
    mov ax, 0x50
    mov gs, ax                              ; sets the accessed bit of 0x50
    mov ax, 0x10
    mov gs, ax
    ipi 5, 0x00004500
    ipi 5, 0x00004609
    mov ebx, 5
    call wait_ap
    check_mask "GDT 0x50 accessed", [gdt + 0x50 + 4], 0x100, 0x100
    check_mask "GDT 0x58 busy TSS", [gdt + 0x58 + 4], 0xf00, 0xb00

    ; ---------------- CPL 3: VMCALL refused with -2 (IOPL 3 so ring 3 can print and exit)
    push 0x23
    push ring3_stack
    push 0x3002
    push 0x1b
    push ring3
    iret
ring3:
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    refusal "-2 PV_E_PERMISSION (VMCALL at CPL 3)", 1, 3, st, -2
    print "done"
    newline
    mov al, 0x10
    out 0xf4, al
.spin:
    jmp .spin

; EBX = AP number: wait until it has reported
wait_ap:
    mov ecx, 10000000
.w: cmp [ap_done + ebx * 4], dword 0
    jne .ok
    pause
    loop .w
    print "AP did not report"
    newline
.ok:
    ret

fresh_state:
    pushad
    mov esi, template
    mov edi, st
    mov ecx, 92
    rep movsb
    popad
    ret

; Every AP starts here with EAX = its number (from the state), paging as the state says.
ap_entry:
    pushfd
    pop dword [ap_eflags + eax * 4]
    mov ebp, eax
    mov [ap_edx + ebp * 4], edx
    call .here
.here:
    pop ebx
    ; APs print one at a time: the BSP waits for each
    print "AP "
    mov eax, ebp
    call print_dec32
    print ": cr0="
    mov eax, cr0
    call print_hex32
    print " cr3="
    mov eax, cr3
    call print_hex32
    print " cs="
    mov eax, cs
    call print_hex32
    print " ss="
    mov eax, ss
    call print_hex32
    print " fs="
    mov eax, fs
    call print_hex32
    print " eflags="
    mov eax, [ap_eflags + ebp * 4]
    call print_hex32
    print " edx="
    mov eax, [ap_edx + ebp * 4]
    call print_hex32
    print " eip "
    cmp ebx, .here
    jne .bad
    print "ok"
    jmp .str
.bad:
    print "BAD"
.str:
    print " tr="
    str eax
    call print_hex32
    newline
    mov dword [ap_done + ebp * 4], 1
.halt:
    cli
    hlt
    jmp .halt

; Real-mode trampoline for AP 4, copied to 0x9000 (position independent).
bits 16
trampoline:
    mov dx, 0x3f8
%strlen TLEN "AP 4: real mode, CS=0900"
%assign i 1
%rep TLEN
%substr ch "AP 4: real mode, CS=0900" i
    mov al, ch
    out dx, al
%assign i i+1
%endrep
    mov ax, cs
    cmp ax, 0x0900
    je .cs_ok
    mov al, '?'
    out dx, al
.cs_ok:
    mov al, 10
    out dx, al
    mov byte [0x9100], 1
.h: cli
    hlt
    jmp .h
trampoline_end:
bits 32

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff   ; 0x08 code, ring 0
    dq 0x00cf92000000ffff   ; 0x10 data, ring 0
    dq 0x00cffa000000ffff   ; 0x18 code, ring 3
    dq 0x00cff2000000ffff   ; 0x20 data, ring 3
    dq 0x00cf92000000ffff   ; 0x28 data (AP 3's FS; changed before its STARTUP IPI)
    dq 0x0000890800000067   ; 0x30 32-bit TSS at 0x80000
    dq 0x00409a000000ffff   ; 0x38 code, 64 KiB limit
    dq 0x00cf1a000000ffff   ; 0x40 code, not present
    dq 0x00cf9a000000ffff   ; 0x48 code (AP 4's CS; made not present before its STARTUP IPI)
    dq 0x00cf92000000ffff   ; 0x50 data (AP 5's FS; the BSP loads it after the registration)
    dq 0x0000890810000067   ; 0x58 32-bit TSS at 0x81000 (AP 5's TR)
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt

align 4
template:
    dd 1, 0                 ; version, flags
    dd 0x11, 0, 0, 0        ; cr0, cr3, cr4, efer
    dd gdt                  ; gdtr base
    dw gdt_end - gdt - 1    ; gdtr limit
    dw 0                    ; idtr limit
    dd 0                    ; idtr base
    dw 0, 0                 ; ldtr, tr
    dw 0x08, 0x10, 0x10, 0x10, 0x10, 0x10   ; cs ss ds es fs gs
    dd 0, 0, 2              ; eip, esp, eflags
    dd 0, 0, 0, 0, 0, 0, 0  ; eax ecx edx ebx ebp esi edi
st: times 92 db 0
sig: times 13 db 0
align 4
r_regs: times 8 dd 0
align 4
ap_done: times 8 dd 0
ap_edx: times 8 dd 0
ap_eflags: times 8 dd 0
times 1024 db 0
ap1_stack:
times 1024 db 0
ap2_stack:
times 1024 db 0
ap3_stack:
times 1024 db 0
ap5_stack:
times 1024 db 0
ring3_stack:
entry_state_data
`,
  LINK_SCRIPT,
).bytes;

describe('Paravirtual interface from guest code', function () {
  let lines: string[] = [];
  let status = 0;
  const events: MachineEvent[] = [];
  let pc!: PcMachine;

  before(async function () {
    const r = await runGuestBytes(KERNEL, { boot: 'elf', cpus: 6, maxInstructions: 20_000_000, onEvent: (e) => events.push(e), inspect: (p) => (pc = p) });
    lines = r.serial.replace(/\n$/, '').split('\n');
    status = r.exitStatus;
  });

  const pv = (): MachineEvent[] => events.filter((e) => e.kind.startsWith('pv-'));

  it('runs to the end (isa-debug-exit 0x10 from ring 3)', function () {
    assert.equal(status, 33, lines.join('\n'));
    assert.equal(lines[lines.length - 1], 'done');
  });

  it('CPUID 0x40000000: max leaf 0x40000001 and "BringupPVirt"; 0x40000001: version 1, features 3', function () {
    assert.deepEqual(lines.slice(0, 2), [
      'cpuid 40000000: eax=40000001 signature=[BringupPVirt]',
      'cpuid 40000001: eax=00000001 ebx=00000003 ecx=00000000 edx=00000000',
    ]);
  });

  it('SET_AP_STARTUP_STATE + INIT + STARTUP starts AP 1 in protected mode with paging at the registered EIP', function () {
    assert.deepEqual(lines.slice(2, 4), [
      'SET_AP_STARTUP_STATE(1, paging) returns 0: ok',
      'AP 1: cr0=80000011 cr3=00090000 cs=00000008 ss=00000010 fs=00000010 eflags=00000002 edx=00000000 eip ok tr=00000000',
    ]);
    const started = pv().filter((e) => e.kind === 'pv-startup-state');
    assert.deepEqual(started.slice(0, 2).map((e) => e.kind === 'pv-startup-state' && [e.action, e.apicId, e.cpu]), [['registered', 1, 0], ['started', 1, 1]]);
  });

  it('VCPU_UP starts AP 2 at once, with no IPI, registers from the state', function () {
    assert.deepEqual(lines.slice(4, 6), [
      'VCPU_UP(2) returns 0: ok',
      'AP 2: cr0=00000011 cr3=00000000 cs=00000008 ss=00000010 fs=00000010 eflags=00000002 edx=12345678 eip ok tr=00000000',
    ]);
    const up = pv().filter((e) => e.kind === 'pv-vcpu-up');
    assert.equal(up.length, 1);
    assert.equal(up[0].kind === 'pv-vcpu-up' && up[0].apicId, 2);
    // No IPI was sent to APIC 2.
    const targets = events.flatMap((e) => (e.kind === 'ipi' ? e.record.targets.map((t) => [e.record.deliveryMode, t.apicId]) : []));
    assert.deepEqual(targets, [['init', 1], ['startup', 1], ['init', 3], ['startup', 3], ['init', 4], ['startup', 4], ['init', 5], ['startup', 5]]);
  });

  const REFUSALS: [string, number, string][] = [
    ['-1 PV_E_UNKNOWN_FUNCTION (EAX=99)', -1, 'PV_E_UNKNOWN_FUNCTION'],
    ['-3 PV_E_BAD_APIC_ID (APIC 200)', -3, 'PV_E_BAD_APIC_ID'],
    ['-4 PV_E_BAD_VERSION (version 2)', -4, 'PV_E_BAD_VERSION'],
    ['-4 PV_E_BAD_VERSION (flags 1)', -4, 'PV_E_BAD_VERSION'],
    ['-5 PV_E_BAD_ADDRESS (state at 0xF0000000)', -5, 'PV_E_BAD_ADDRESS'],
    ['-5 PV_E_BAD_ADDRESS (state across the end of RAM)', -5, 'PV_E_BAD_ADDRESS'],
    ['-6 PV_E_CONTROL_REGISTERS (PG without PE)', -6, 'PV_E_CONTROL_REGISTERS'],
    ['-6 PV_E_CONTROL_REGISTERS (NW without CD)', -6, 'PV_E_CONTROL_REGISTERS'],
    ['-6 PV_E_CONTROL_REGISTERS (EFER.LME)', -6, 'PV_E_CONTROL_REGISTERS'],
    ['-7 PV_E_DESCRIPTOR_TABLE (GDT not RAM)', -7, 'PV_E_DESCRIPTOR_TABLE'],
    ['-7 PV_E_DESCRIPTOR_TABLE (DS with TI=1)', -7, 'PV_E_DESCRIPTOR_TABLE'],
    ['-8 PV_E_CODE_SEGMENT (CS beyond the GDT limit)', -8, 'PV_E_CODE_SEGMENT'],
    ['-8 PV_E_CODE_SEGMENT (CS a data segment)', -8, 'PV_E_CODE_SEGMENT'],
    ['-8 PV_E_CODE_SEGMENT (CS not present)', -8, 'PV_E_CODE_SEGMENT'],
    ['-8 PV_E_CODE_SEGMENT (CS null)', -8, 'PV_E_CODE_SEGMENT'],
    ['-9 PV_E_DATA_SEGMENT (SS null)', -9, 'PV_E_DATA_SEGMENT'],
    ['-9 PV_E_DATA_SEGMENT (SS DPL 3 at CPL 0)', -9, 'PV_E_DATA_SEGMENT'],
    ['-10 PV_E_SYSTEM_SEGMENT (TR a data segment)', -10, 'PV_E_SYSTEM_SEGMENT'],
    ['-11 PV_E_EFLAGS (VM=1)', -11, 'PV_E_EFLAGS'],
    ['-11 PV_E_EFLAGS (reserved bit 15)', -11, 'PV_E_EFLAGS'],
    ['-12 PV_E_BAD_EIP (beyond a 64 KiB CS limit)', -12, 'PV_E_BAD_EIP'],
    ['-12 PV_E_BAD_EIP (not RAM)', -12, 'PV_E_BAD_EIP'],
    ['-12 PV_E_BAD_EIP (not mapped by the page tables)', -12, 'PV_E_BAD_EIP'],
    ['-13 PV_E_CPU_RUNNING (VCPU_UP for AP 2, halted)', -13, 'PV_E_CPU_RUNNING'],
    ['-13 PV_E_CPU_RUNNING (VCPU_UP for the BSP)', -13, 'PV_E_CPU_RUNNING'],
  ];
  const CPL3: [string, number, string] = ['-2 PV_E_PERMISSION (VMCALL at CPL 3)', -2, 'PV_E_PERMISSION'];

  it('every refusal code comes back in EAX, and no other register changes', function () {
    const got = lines.filter((l) => /^-\d+ PV_E_/.test(l));
    assert.deepEqual(got, [...REFUSALS, CPL3].map(([name]) => `${name}: ok`));
    assert.deepEqual(lines.slice(7, 13), ['  EBX kept: ok', '  ECX kept: ok', '  EDX kept: ok', '  EBP kept: ok', '  ESI kept: ok', '  EDI kept: ok']);
  });

  it('every refusal is a pv-refused event with its code, name and a reason, in order', function () {
    const refused = pv().filter((e) => e.kind === 'pv-refused');
    assert.deepEqual(
      refused.map((e) => e.kind === 'pv-refused' && [e.operation, e.errorCode, e.errorName]),
      [
        ...REFUSALS.map(([text, code, name]): [string, number, string] => [code === -1 ? 'UNKNOWN_FUNCTION' : code === -13 ? 'VCPU_UP' : 'SET_AP_STARTUP_STATE', code, name]),
        ['STARTUP_IPI', -8, 'PV_E_CODE_SEGMENT'],
        ['SET_AP_STARTUP_STATE', CPL3[1], CPL3[2]],
      ],
    );
    for (const e of refused) assert.ok(e.kind === 'pv-refused' && e.reason.length > 10);
    const last = refused[refused.length - 1];
    assert.ok(last.kind === 'pv-refused' && last.cpu === 0 && /CPL 3/.test(last.reason));
  });

  it('refusals changed nothing: AP 3 was still waiting for SIPI and no registration was replaced', function () {
    // The only registrations are AP 1's and AP 3's (both accepted).
    const registered = pv().filter((e) => e.kind === 'pv-startup-state' && e.action === 'registered');
    assert.deepEqual(registered.map((e) => e.kind === 'pv-startup-state' && e.apicId), [1, 3, 4, 5]);
  });

  it('a registration no longer valid at STARTUP (CS made not present): pv-refused STARTUP_IPI, the AP starts in real mode at vector << 12', function () {
    assert.ok(lines.includes('SET_AP_STARTUP_STATE(4, CS=0x48) returns 0: ok'));
    assert.ok(lines.includes('AP 4: real mode, CS=0900'), lines.join('\n'));
    const refused = pv().filter((e) => e.kind === 'pv-refused' && e.operation === 'STARTUP_IPI');
    assert.equal(refused.length, 1);
    assert.ok(refused[0].kind === 'pv-refused' && refused[0].apicId === 4 && refused[0].cpu === 4);
    // The stale-state event names the changed CS entry too.
    const stale = pv().filter((e) => e.kind === 'pv-stale-state' && e.apicId === 4);
    assert.equal(stale.length, 1);
    assert.ok(stale[0].kind === 'pv-stale-state');
    assert.deepEqual(stale[0].changes.map((c) => [c.selector, c.usedBy]), [[0x48, ['cs']]]);
  });

  it('the accessed bit set by the processor is not staleness; TR is loaded as LTR would (busy), FS marked accessed', function () {
    assert.ok(lines.includes('SET_AP_STARTUP_STATE(5, FS=0x50, TR=0x58) returns 0: ok'));
    assert.ok(lines.includes('AP 5: cr0=00000011 cr3=00000000 cs=00000008 ss=00000010 fs=00000050 eflags=00000002 edx=00000000 eip ok tr=00000058'), lines.join('\n'));
    assert.deepEqual(pv().filter((e) => e.kind === 'pv-stale-state' && e.apicId === 5), []);
    assert.ok(lines.includes('GDT 0x50 accessed: ok'));
    assert.ok(lines.includes('GDT 0x58 busy TSS: ok'));
    const tr = pc.cpus[5].state.tr;
    assert.deepEqual([tr.selector, tr.base, tr.limit, tr.attributes & 0x8f], [0x58, 0x81000, 0x67, 0x8b]);
  });

  it('a GDT entry changed between registration and STARTUP: pv-stale-state names selector 0x28 used by FS; AP 3 still starts', function () {
    assert.ok(lines.includes('SET_AP_STARTUP_STATE(3, FS=0x28) returns 0: ok'));
    assert.ok(lines.includes('AP 3: cr0=00000011 cr3=00000000 cs=00000008 ss=00000010 fs=00000028 eflags=00000002 edx=00000000 eip ok tr=00000000'), lines.join('\n'));
    const stale = pv().filter((e) => e.kind === 'pv-stale-state' && e.apicId === 3);
    assert.equal(stale.length, 1);
    const s = stale[0];
    assert.ok(s.kind === 'pv-stale-state');
    assert.equal(s.apicId, 3);
    assert.deepEqual(s.changes.map((c) => ({ ...c, before: { ...c.before }, after: { ...c.after } })), [
      { selector: 0x28, usedBy: ['fs'], before: { low: 0x0000ffff, high: 0x00cf9200 }, after: { low: 0x0000ffff, high: 0x00cf9201 } },
    ]);
    // The AP's FS hidden base is the descriptor as it is now.
    const fs = pc.cpus[3].state.segments[4];
    assert.equal(fs.base, 0x10000);
  });
});
