/**
 * Virtual-8086 mode guest tests (SDM Vol. 3B chapter 20): a V86 monitor that
 * runs a real-mode routine calling INT 10h/13h-style handlers, at IOPL 0
 * (every CLI/STI/PUSHF/POPF/INT n/IRET is #GP(0) to the monitor, which
 * emulates it) and at IOPL 3 (they run in hardware; INT n goes through the
 * IDT and the monitor reflects it to the real-mode handler); a task switch
 * into a V86 task and back; faults inside V86 mode with their error codes
 * and the V86 interrupt frame. Expected output is written from the SDM;
 * where qemu-system-i386 is installed the same image runs there and must
 * print the same. Cases where Bringup follows the SDM and QEMU does not
 * (segment limit checks on data accesses) run on Bringup only.
 */
import { strict as assert } from 'node:assert';
import { runBoth, sysImage } from './sys-guest';
import { runGuestBytes } from '../support/run-guest';
import { matchEvent } from '../../run-control/event-filters';

/** Macros and the ring-0 V86 monitor, shared by the cases (assembled in the 32-bit body). */
const V86_KIT = `
; to_v86 ip, eflags: IRETD from ring 0 to 0000:ip in V86 mode, SS:SP = 0000:6000, DS = ES = FS = GS = 0
%macro to_v86 2
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0x6000
    push dword (%2) | 0x20000
    push dword 0
    push dword %1
    iretd
%endmacro
`;

/**
 * The monitor: a #GP handler that emulates the IOPL-sensitive instructions
 * for V86 code (virtual IF in [vif]) and ends the V86 run at HLT; a
 * reflector for INT 10h/13h taken through the IDT at IOPL 3. Frame offsets
 * from EBP (the EIP slot): +0 EIP, +4 CS, +8 EFLAGS, +12 ESP, +16 SS, +20 ES,
 * +24 DS, +28 FS, +32 GS (SDM Vol. 3B Figure 20-4).
 */
const MONITOR = `
v86_gp:
    test dword [esp + 12], 0x20000
    jz near stubs + 13 * stub_size     ; a #GP outside V86 mode: the usual report
    pushad
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    lea ebp, [esp + 36]
    movzx esi, word [ebp + 4]
    shl esi, 4
    movzx eax, word [ebp]
    add esi, eax
    movzx eax, byte [esi]
    cmp al, 0xfa
    je .cli
    cmp al, 0xfb
    je .sti
    cmp al, 0x9c
    je .pushf
    cmp al, 0x9d
    je .popf
    cmp al, 0xcd
    je .int
    cmp al, 0xcf
    je .iret
    cmp al, 0xf4
    je .hlt
    say "monitor: opcode "
    show4 eax
    exit_with 0x22
.cli:
    mov dword [vif], 0
    inc dword [n_cli]
    inc word [ebp]
    jmp .back
.sti:
    mov dword [vif], 0x200
    inc dword [n_sti]
    inc word [ebp]
    jmp .back
.pushf:
    mov eax, [ebp + 8]
    and eax, 0x0dd5
    or eax, [vif]
    call v86_push
    inc dword [n_pushf]
    inc word [ebp]
    jmp .back
.popf:
    call v86_pop
    call v86_flags
    inc dword [n_popf]
    inc word [ebp]
    jmp .back
.int:
    movzx ebx, byte [esi + 1]
    mov eax, [ebp + 8]
    and eax, 0x0dd5
    or eax, [vif]
    call v86_push
    movzx eax, word [ebp + 4]
    call v86_push
    movzx eax, word [ebp]
    add eax, 2
    call v86_push
    mov dword [vif], 0
    and dword [ebp + 8], ~0x100
    movzx eax, word [ebx * 4]
    mov [ebp], eax
    movzx eax, word [ebx * 4 + 2]
    mov [ebp + 4], eax
    inc dword [n_int]
    jmp .back
.iret:
    call v86_pop
    mov [ebp], eax
    call v86_pop
    mov [ebp + 4], eax
    call v86_pop
    call v86_flags
    inc dword [n_iret]
    jmp .back
.hlt:
    mov esp, 0x90000
    jmp [v86_done]
.back:
    popad
    add esp, 4
    iretd
; a popped FLAGS image in EAX: IF to [vif], the status flags and DF/TF to the frame
v86_flags:
    mov ecx, eax
    and ecx, 0x200
    mov [vif], ecx
    and eax, 0x0dd5
    and dword [ebp + 8], ~0x0dd5
    or [ebp + 8], eax
    ret
; AX onto the V86 stack of the frame at EBP
v86_push:
    push edi
    push ecx
    movzx ecx, word [ebp + 12]
    sub cx, 2
    mov [ebp + 12], cx
    movzx edi, word [ebp + 16]
    shl edi, 4
    mov [edi + ecx], ax
    pop ecx
    pop edi
    ret
; EAX = a word popped from the V86 stack of the frame at EBP
v86_pop:
    push edi
    push ecx
    movzx ecx, word [ebp + 12]
    movzx edi, word [ebp + 16]
    shl edi, 4
    movzx eax, word [edi + ecx]
    add cx, 2
    mov [ebp + 12], cx
    pop ecx
    pop edi
    ret
; IOPL 3: INT 10h/13h come through DPL-3 interrupt gates; reflect them to the real-mode IVT
v86_reflect10:
    push dword 0x10
    jmp v86_reflect
v86_reflect13:
    push dword 0x13
v86_reflect:
    pushad
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    lea ebp, [esp + 36]
    mov ebx, [esp + 32]
    mov eax, [ebp + 8]
    call v86_push
    movzx eax, word [ebp + 4]
    call v86_push
    movzx eax, word [ebp]
    call v86_push
    and dword [ebp + 8], ~0x300
    movzx eax, word [ebx * 4]
    mov [ebp], eax
    movzx eax, word [ebx * 4 + 2]
    mov [ebp + 4], eax
    inc dword [n_reflect]
    popad
    add esp, 4
    iretd
; print and clear the monitor's counters
v86_summary:
    say "| cli "
    show4 [n_cli]
    say "sti "
    show4 [n_sti]
    say "pushf "
    show4 [n_pushf]
    say "popf "
    show4 [n_popf]
    say "int "
    show4 [n_int]
    say "iret "
    show4 [n_iret]
    say "reflected "
    show4 [n_reflect]
    mov edi, n_cli
    mov ecx, 7
    xor eax, eax
    rep stosd
    ret
`;

const MONITOR_DATA = `
align 4
vif: dd 0
v86_done: dd 0
n_cli: dd 0
n_sti: dd 0
n_pushf: dd 0
n_popf: dd 0
n_int: dd 0
n_iret: dd 0
n_reflect: dd 0
`;

/** 16-bit helpers for V86 code: AX as 4 hex digits and a space through INT 10h. */
const V86_HEX4 = `
v86_hex4:
    push ax
    push bx
    push cx
    mov bx, ax
    mov cx, 4
.d: rol bx, 4
    mov al, bl
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '9' - 1
.o: int 0x10
    loop .d
    mov al, ' '
    int 0x10
    pop cx
    pop bx
    pop ax
    ret
`;

/** Real-mode code run in V86 mode: INT 10h-style teletype, INT 13h-style read, PUSHF/POPF/CLI/STI. */
const REAL_MODE_ROUTINE = `
bits 16
v86_main:
    cli
    sti
    pushf
    pop ax
    and ax, 0x3200                ; IOPL and IF as the routine sees them
    call v86_hex4
    push word 0
    popf                          ; IF = 0; IOPL is not changed by POPF in V86 mode
    pushf
    pop ax
    and ax, 0x3200
    call v86_hex4
    mov ax, 0x0e00 | 'H'
    int 0x10
    mov al, 'i'
    int 0x10
    mov ax, 0x07c0
    mov es, ax
    mov bx, v86_buf - 0x7c00      ; ES:BX = 07C0:(v86_buf - 7C00h): the 8086 base rule
    mov ah, 2
    stc
    int 0x13
    jc .fail
    mov si, v86_buf
    mov cx, 4
.l: lodsb
    int 0x10
    loop .l
    mov ax, 0x07c0
    mov ds, ax
    mov al, [v86_buf - 0x7c00]
    int 0x10
    mov al, ' '
    int 0x10
    xor ax, ax
    mov ds, ax
    hlt                           ; #GP(0) at CPL 3: the monitor ends the run
.fail:
    mov al, '!'
    int 0x10
    hlt
v86_int10:                        ; teletype: AL to COM1 (the I/O bitmap allows 3F8h)
    push dx
    mov dx, 0x3f8
    out dx, al
    pop dx
    iret
v86_int13:                        ; read: 4 bytes of the "disk" to ES:BX, CF = 0 in the stacked FLAGS
    push bp
    mov bp, sp
    push si
    push di
    push cx
    mov si, v86_disk
    mov di, bx
    mov cx, 4
    cld
    rep movsb
    and byte [bp + 6], 0xfe
    pop cx
    pop di
    pop si
    pop bp
    iret
${V86_HEX4}
v86_disk: db 'DISK'
v86_buf: times 4 db '.'
bits 32
`;

const INSTALL_MONITOR = `
    idt_gate 13, 0x08, v86_gp, 0x8e
    idt_gate 0x10, 0x08, v86_reflect10, 0xee
    idt_gate 0x13, 0x08, v86_reflect13, 0xee
    mov word [0x10 * 4], v86_int10
    mov word [0x10 * 4 + 2], 0
    mov word [0x13 * 4], v86_int13
    mov word [0x13 * 4 + 2], 0
    jmp v86_installed
${MONITOR}
v86_installed:
`;

describe('Virtual-8086 mode (guest, SDM, QEMU)', function () {
  this.timeout(120_000);

  it('a V86 monitor runs a real-mode routine with INT 10h/13h-style handlers: IOPL 0 traps every sensitive instruction, IOPL 3 runs them', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
${V86_KIT}
${INSTALL_MONITOR}
    mov dword [v86_done], run2
    to_v86 v86_main, 0x0202
run2:
    call v86_summary
    say "| "
    mov dword [v86_buf], '....'
    mov dword [v86_done], run3
    to_v86 v86_main, 0x3202
run3:
    call v86_summary
`, MONITOR_DATA + REAL_MODE_ROUTINE));
    // IOPL 0: the monitor's FLAGS image (IOPL 0); 2 x 5 + 2 + 4 + 2 INT 10h and one INT 13h, each with its IRET.
    // IOPL 3: the hardware's (IOPL 3 kept by POPF); the 19 INTs reflected through the IDT, nothing trapped.
    const expected =
      '0200 0000 HiDISKD | cli 0001 sti 0001 pushf 0002 popf 0001 int 0013 iret 0013 reflected 0000 | ' +
      '3200 3000 HiDISKD | cli 0000 sti 0000 pushf 0000 popf 0000 int 0000 iret 0000 reflected 0013 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('faults inside V86 mode: error codes, the V86 frame (GS/FS/DS/ES pushed, then null in the handler), IRET back to V86', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
${V86_KIT}
    idt_gate 0x21, 0x08, h21, 0x8e         ; DPL 0 gate: INT 21h from CPL 3 is #GP(21h * 8 + 2)
    idt_gate 0x22, 0x18, 0, 0xee           ; DPL 3 gate to a DPL 3 code segment: #GP(0018h) from V86
    idt_gate 0x23, 0x08, h23, 0xee         ; DPL 3 gate to ring 0
    or byte [iobitmap + 0x80 / 8], 1       ; deny port 80h
    expect_fault f1
    to_v86 vf_div, 0x0002
f1: mov eax, [frame2]
    and eax, ~0x10000
    show eax                               ; EFLAGS image with VM (ZF PF from XOR): 00020046
    show4 [frame3]                         ; V86 SP: 6000
    expect_fault f2
    to_v86 vf_int21, 0x0002                ; IOPL 0: #GP(0)
f2: expect_fault f3
    to_v86 vf_int21, 0x3002                ; IOPL 3: through the IDT, gate DPL 0 < CPL 3
f3: expect_fault f4
    to_v86 vf_int3, 0x0002                 ; INT3 is not IOPL-sensitive: gate DPL 0, #GP(001Ah)
f4: expect_fault f5
    to_v86 vf_lar, 0x3002                  ; LAR is #UD in V86 mode
f5: expect_fault f6
    to_v86 vf_movcr, 0x3002                ; MOV from CR0 at CPL 3: #GP(0)
f6: expect_fault f7
    to_v86 vf_in, 0x3002                   ; the I/O bitmap is consulted whatever IOPL says
f7: expect_fault f8
    to_v86 vf_int22, 0x3002
f8: expect_fault f9
    to_v86 vf_int23, 0x3002                ; handler shows the frame and returns; HLT ends it
f9:
    jmp fin
h21:
    say "h21 "
    iretd
h23:
    mov ebp, esp
    show4 [ebp + 20]                       ; ES 2345
    show4 [ebp + 24]                       ; DS 1234
    show4 [ebp + 28]                       ; FS 3456
    show4 [ebp + 32]                       ; GS 4567
    mov eax, ds
    show4 eax                              ; null: 0000
    mov eax, gs
    show4 eax                              ; 0000
    iretd
fin:
`, `
bits 16
vf_div:
    xor cx, cx
    div cx
vf_int21:
    int 0x21
vf_int3:
    int3
vf_lar:
    lar ax, bx
vf_movcr:
    mov eax, cr0
vf_in:
    in al, 0x81                            ; allowed
    in al, 0x80
vf_int22:
    int 0x22
vf_int23:
    mov ax, 0x1234
    mov ds, ax
    mov ax, 0x2345
    mov es, ax
    mov ax, 0x3456
    mov fs, ax
    mov ax, 0x4567
    mov gs, ax
    int 0x23
    mov ax, ds                             ; IRETD restored the V86 segment registers
    cmp ax, 0x1234
    jne .bad
    mov ax, gs
    cmp ax, 0x4567
    jne .bad
    hlt
.bad:
    ud2
bits 32
`));
    const expected =
      '#00/---- 00020046 6000 #0d/0000 #0d/010a #0d/001a #06/---- #0d/0000 #0d/0000 #0d/0018 2345 1234 3456 4567 0000 0000 #0d/0000 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('task switches into V86 tasks: CALL and back by IRET with NT from the ring-0 handler, JMP and back through a task gate on #UD', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    gdt_seg 0x30, tss2, 0x67, 0x89, 0x00
    mov dword [tss2 + 0x04], 0x8a000       ; ESP0
    mov dword [tss2 + 0x08], 0x10          ; SS0
    mov dword [tss2 + 0x20], vt_call       ; EIP
    mov dword [tss2 + 0x24], 0x23002       ; EFLAGS: VM, IOPL 3
    mov dword [tss2 + 0x38], 0x6000        ; ESP
    mov dword [tss2 + 0x54], 0x07c0        ; DS: an 8086 selector
    gdt_seg 0x38, tss3, 0x67, 0x89, 0x00
    mov dword [tss3 + 0x04], 0x8a000
    mov dword [tss3 + 0x08], 0x10
    mov dword [tss3 + 0x20], vt_jmp
    mov dword [tss3 + 0x24], 0x20002       ; EFLAGS: VM, IOPL 0
    mov dword [tss3 + 0x38], 0x5000
    idt_gate 0x50, 0x08, h50, 0xee
    call 0x30:0
    say "back "
    str ax
    show4 eax                              ; 0028
    movzx eax, byte [gdt + 0x30 + 5]
    show4 eax                              ; task 2 no longer busy: 0089
    idt_gate 6, 0x28, 0, 0x85              ; #UD -> task gate -> task 1
    jmp 0x38:0
    say "again "
    mov eax, [tss3 + 0x24]
    and eax, 0xfffef000
    show eax                               ; task 3 saved with VM set, IOPL 0, no NT (JMP): 00020000
    mov eax, [tss3 + 0x20]
    sub eax, vt_ud
    show4 eax                              ; at its UD2 (a fault: EIP of the instruction): 0000
    show4 [tss3 + 0x4c]                    ; CS 0000
    show4 [tss3 + 0x38]                    ; SP 5000
    jmp fin
h50:                                       ; ring 0 in task 2, entered from V86
    say "h50 "
    mov ebp, esp
    show4 [ebp + 24]                       ; DS pushed: 07c0
    str ax
    show4 eax                              ; 0030
    pushfd
    or dword [esp], 0x4000                 ; the gate cleared NT; the task was CALLed: return to it
    popfd
    iretd
fin:
`, `
align 16
tss2: times 0x68 db 0
tss3: times 0x68 db 0
bits 16
vt_call:
    mov ax, ds
    cmp ax, 0x07c0
    jne .bad
    int 0x50
.bad:
    ud2
vt_jmp:
    nop
vt_ud:
    ud2
bits 32
`));
    const expected = 'h50 07c0 0030 back 0028 0089 again 00020000 0000 0000 5000 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('every entry to and exit from V86 mode is a machine event the `v86` filter matches, alternating, with how it happened', async function () {
    const hits: { entering: boolean; description: string }[] = [];
    const run = await runGuestBytes(sysImage(`
${V86_KIT}
${INSTALL_MONITOR}
    mov dword [v86_done], run2
    to_v86 v86_main, 0x0202
run2:
`, MONITOR_DATA + REAL_MODE_ROUTINE), {
      maxInstructions: 20_000_000,
      onEvent: (e) => {
        for (const h of matchEvent(e)) if (h.filter === 'v86') hits.push({ entering: h.variables.$entering === true, description: h.description });
      },
    });
    assert.equal(run.serial, '0200 0000 HiDISKD end');
    // Entered by IRETD; then every trapped instruction leaves (#GP) and the monitor's IRETD re-enters;
    // the last #GP (HLT) leaves for good: 1 + (1+1+2+1+19+19) trapped instructions, each out and in, + the HLT.
    assert.equal(hits.length, 1 + 2 * 43 + 1);
    hits.forEach((h, i) => assert.equal(h.entering, i % 2 === 0, `hit ${i}: ${h.description}`));
    assert.match(hits[0].description, /entered virtual-8086 mode: EFLAGS\.VM 0→1: virtual-8086 mode \(IRET\)/);
    assert.match(hits[1].description, /left virtual-8086 mode: .*#GP .* through the IDT/);
  });

  it('SDM rules QEMU does not model: the 64 KiB limit on V86 data and stack accesses, and IRET to V86 with EIP above FFFFh (Bringup only)', async function () {
    const { ours } = await runBoth(sysImage(`
${V86_KIT}
    expect_fault g1
    to_v86 vl_word, 0x0002                 ; a word at offset FFFFh: #GP(0)
g1: expect_fault g2
    to_v86 vl_push, 0x0002                 ; a push with SP = 1: #SS(0)
g2: expect_fault g3
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0x6000
    push dword 0x20002
    push dword 0
    push dword 0x10000                     ; EIP beyond the 8086 CS limit: #GP(0) in ring 0
    iretd
g3: show4 [frame1]                         ; the fault is taken at CPL 0: CS 0008
    jmp fin
fin:
`, `
bits 16
vl_word:
    mov ax, [0xffff]
vl_push:
    mov sp, 1
    push ax
bits 32
`), false);
    assert.equal(ours, '#0d/0000 #0c/0000 #0d/0000 0008 end');
  });
});
