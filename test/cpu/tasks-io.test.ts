/**
 * Tasks and I/O guest tests (SDM Vol. 3A chapter 7 task switching, 6.15 #DF,
 * Vol. 1 18.5 I/O permissions, Vol. 2 SYSENTER/SYSEXIT, FXSAVE, string
 * instructions; Vol. 3A 2.5 CR0.TS/EM/MP and #NM).
 */
import { strict as assert } from 'node:assert';
import { runBoth, sysImage } from './sys-guest';

/** A second 32-bit TSS (selector 0x30) whose task starts at `task2` with its own stack. */
const TSS2 = `
align 16
tss2: times 0x68 db 0
`;
const SETUP_TSS2 = `
    gdt_seg 0x30, tss2, 0x67, 0x89, 0x00
    mov dword [tss2 + 0x20], task2         ; EIP
    mov dword [tss2 + 0x24], 0x2           ; EFLAGS
    mov dword [tss2 + 0x38], 0x88000       ; ESP
    mov dword [tss2 + 0x4c], 0x08          ; CS
    mov dword [tss2 + 0x48], 0x10
    mov dword [tss2 + 0x50], 0x10
    mov dword [tss2 + 0x54], 0x10
    mov dword [tss2 + 0x58], 0x10
    mov dword [tss2 + 0x5c], 0x10
`;

describe('Tasks and I/O (guest, SDM, QEMU)', function () {
  this.timeout(120_000);

  it('task switches: CALL to a TSS (busy, back link, NT, CR0.TS), IRET back, JMP to a busy TSS #GP, task gate via INT, JMP to a TSS', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
${SETUP_TSS2}
    idt_gate 0x50, 0x30, 0, 0x85           ; task gate -> TSS 0x30
    mov ebx, 0xb0b0
    call 0x30:0
    ; back in task 1
    str ax
    show4 eax                              ; 0028
    movzx eax, byte [gdt + 0x30 + 5]
    show4 eax                              ; task 2 no longer busy: 0089
    movzx eax, byte [gdt + 0x28 + 5]
    show4 eax                              ; 008b
    pushfd
    pop eax
    and eax, 0x4000
    show4 eax                              ; NT clear: 0000
    show ebx                               ; task 1 registers restored: 0000b0b0
    say "| "
    expect_fault t1f
    call 0x30:0                            ; resumes task 2 after its IRET
t1b:
    say "| "
    int 0x50                               ; through the task gate
    say "| "
    jmp 0x30:0                             ; JMP: no NT, no back link, task 1 made available
t1j:
    movzx eax, byte [gdt + 0x28 + 5]
    show4 eax                              ; 008b
    movzx eax, byte [gdt + 0x30 + 5]
    show4 eax                              ; 0089
    jmp fin
task2:
    str ax
    show4 eax                              ; 0030
    show4 [tss2]                           ; back link 0028
    movzx eax, byte [gdt + 0x30 + 5]
    show4 eax                              ; 008b
    movzx eax, byte [gdt + 0x28 + 5]
    show4 eax                              ; 008b (CALL leaves the caller busy)
    pushfd
    pop eax
    and eax, 0x4000
    show4 eax                              ; NT: 4000
    mov eax, cr0
    and eax, 8
    show4 eax                              ; CR0.TS: 0008
    clts
    show4 ebx                              ; task 2's own EBX from its TSS: 0000
    show [tss + 0x34]                      ; task 1's EBX saved in its TSS... (EBX at 0x34)
    iretd
    ; second CALL: resumes here
    say "again "
    jmp 0x28:0                             ; task 1 is busy (nested): #GP(0x28)
t1f:                                       ; the #GP handler resumes here, still in task 2
    pushfd                                 ; the interrupt gate cleared NT (SDM 6.12.1.2): set it again
    or dword [esp], 0x4000
    popfd
    iretd                                  ; NT set: back to task 1 after its CALL
    ; INT 0x50 resumes here
    pushfd
    pop eax
    and eax, 0x4000
    show4 eax                              ; 4000
    show4 [tss2]                           ; 0028
    iretd
    ; JMP resumes here
    pushfd
    pop eax
    and eax, 0x4000
    show4 eax                              ; JMP does not set NT: 0000
    movzx eax, byte [gdt + 0x28 + 5]
    show4 eax                              ; 0089
    jmp 0x28:0                             ; back to task 1 after its JMP
fin:`, TSS2));
    const expected =
      '0030 0028 008b 008b 4000 0008 0000 0000b0b0 0028 0089 008b 0000 0000b0b0 | again #0d/0028 | 4000 0028 | 0000 0089 008b 0089 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('#DF through a task gate when the IDT is too short for #GP, then a triple fault when it is too short for #DF', async function () {
    const img = sysImage(`
${SETUP_TSS2}
    idt_gate 8, 0x30, 0, 0x85              ; #DF -> task gate -> TSS 0x30
    lidt [short_idtr]
    int 0x20                               ; beyond the limit: #GP(0x102); #GP beyond the limit: #DF
    say "not here "
    jmp fin
task2:
    say "DF "
    pop eax
    show eax                               ; #DF error code 0 on the new task's stack
    show4 [tss2]                           ; back link 0028
    pushfd
    pop eax
    and eax, 0x4000
    show4 eax                              ; 4000
    lidt [tiny_idtr]
    ud2                                    ; #UD, #GP, #DF all beyond the limit: shutdown
    say "not here either "
short_idtr: dw 8 * 8 + 7
            dd idt
tiny_idtr: dw 0
           dd idt
fin:`, TSS2);
    const { ours, qemu, run } = await runBoth(img);
    assert.equal(ours, 'DF 00000000 0028 4000 ');
    assert.equal(run.exitReason, 'triple-fault');
    if (qemu !== undefined) assert.equal(qemu, ours);
  });

  it('IN/OUT at CPL 3: IOPL, the TSS I/O permission bitmap (multi-byte accesses, map beyond the limit)', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    or byte [iobitmap + 0x80 / 8], 1       ; deny port 0x80
    mov dword [r3flags], 0x0002            ; resume ring 3 with IOPL 0 too
    expect3 a1
    to_ring3 u, 0x0002                     ; IOPL 0
u:  in al, 0x81                            ; allowed by the bitmap
    say "a "
    in al, 0x80                            ; #GP(0)
a1: expect3 a2
    mov al, 0
    out 0x80, al                           ; #GP(0)
a2: expect3 a3
    in al, 0x7f
    say "b "
    mov dx, 0x7f
    in ax, dx                              ; 0x7f-0x80: #GP(0)
a3: expect3 a4
    mov dx, 0x7d
    in eax, dx                             ; 0x7d-0x80: #GP(0)
a4: expect3 a5
    mov esi, iobuf
    mov dx, 0x80
    outsb                                  ; OUTS checks too: #GP(0)
a5: expect_fault a6
    cli                                    ; IOPL 0 < CPL 3: #GP(0)
a6: mov word [tss + 0x66], 0x3000          ; map base beyond the TSS limit: every port denied
    expect_fault a7
    to_ring3 u2, 0x0002
u2: in al, 0x81                            ; #GP(0)
a7: mov word [tss + 0x66], 0x68
    expect_fault fin
    to_ring3 u3, 0x3002                    ; IOPL 3: the bitmap is not consulted
u3: mov ax, 0x23
    mov ds, ax
    in al, 0x80
    say "c "
    cli
    sti
    cli
    ud2
fin:`, 'iobuf: db 0'));
    const expected = 'a #0d/0000 #0d/0000 b #0d/0000 #0d/0000 #0d/0000 #0d/0000 #0d/0000 c #06/---- end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('SYSENTER / SYSEXIT with the SYSENTER MSRs; #GP(0) for SYSENTER_CS = 0 and SYSEXIT at CPL 3', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    mov ecx, 0x174
    xor edx, edx
    mov eax, 0x08
    wrmsr
    mov ecx, 0x175
    mov eax, 0x8b000
    wrmsr
    mov ecx, 0x176
    mov eax, kentry
    wrmsr
    expect_fault back
    to_ring3 u, 0x3202
u:  mov ax, 0x23
    mov ds, ax
    mov ecx, 0x8d000
    mov edx, uback
    sysenter
kentry:
    show4 cs                               ; 0008
    show4 ss                               ; 0010
    mov ebp, esp
    show ebp                               ; 0008b000
    pushfd
    pop eax
    and eax, 0x200
    show4 eax                              ; IF cleared: 0000
    sysexit
uback:
    show4 cs                               ; 001b
    show4 ss                               ; 0023
    mov ebp, esp
    show ebp                               ; 0008d000
    pushfd
    pop eax
    and eax, 0x200
    show4 eax                              ; SYSEXIT leaves IF as it is (0)
    expect3 b1
    sysexit                                ; CPL 3: #GP(0)
b1: expect_fault back
    mov ecx, 0x174                         ; (ring 3 cannot WRMSR: #GP(0) first)
    wrmsr
back:
    mov ecx, 0x174
    xor eax, eax
    xor edx, edx
    wrmsr
    expect_fault fin
    sysenter                               ; SYSENTER_CS = 0: #GP(0)
fin:`));
    const expected = '0008 0010 0008b000 0000 001b 0023 0008d000 0000 #0d/0000 #0d/0000 #0d/0000 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('#NM from CR0.TS/EM on x87 and WAIT (MP), FXSAVE #NM and unaligned #GP(0), FXSAVE layout', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    mov eax, cr0
    and eax, ~0xe                          ; MP=EM=TS=0
    mov cr0, eax
    fninit
    expect_fault a1
    mov eax, cr0
    or eax, 8                              ; TS
    mov cr0, eax
    fwait                                  ; TS without MP: no #NM
    say "w "
    fninit                                 ; #NM
a1: expect_fault a2
    mov eax, cr0
    or eax, 2                              ; MP + TS
    mov cr0, eax
    fwait                                  ; #NM
a2: expect_fault a3
    fxsave [fxarea]                        ; TS: #NM
a3: expect_fault a4
    mov eax, cr0
    and eax, ~0xa
    or eax, 4                              ; EM, no TS, no MP
    mov cr0, eax
    fwait                                  ; no #NM
    say "e "
    fnstcw [cw]                            ; #NM
a4: expect_fault a5
    mov eax, cr0
    and eax, ~0xe
    or eax, 0x22                           ; MP, NE
    mov cr0, eax
    fninit
    fldcw [cw2]
    fxsave [fxarea + 8]                    ; unaligned: #GP(0)
a5: mov eax, cr4
    or eax, 0x200                          ; OSFXSR: MXCSR is saved (implementation-dependent without it)
    mov cr4, eax
    fxsave [fxarea]
    show4 [fxarea]                         ; FCW 0x037e
    show4 [fxarea + 2]                     ; FSW 0
    movzx eax, byte [fxarea + 4]
    show4 eax                              ; abridged tag: all empty 00
    show [fxarea + 24]                     ; MXCSR 00001f80
fin:`, `
align 16
fxarea: times 512 db 0xee
cw: dw 0
cw2: dw 0x037e
`));
    const expected = 'w #07/---- #07/---- #07/---- e #07/---- #0d/0000 037e 0000 0000 00001f80 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('16-bit address size string operations in 32-bit code wrap SI/DI at 0xFFFF and leave the upper halves', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    mov dword [0xfffc], 0x44332211
    mov dword [0x0000], 0x88776655         ; (the real-mode IVT, unused here)
    mov esi, 0x1234fffe
    mov edi, 0xabcd2000
    mov ecx, 0x56780004
    cld
    a16 rep movsb
    show esi                               ; 12340002
    show edi                               ; abcd2004
    show ecx                               ; 56780000
    show [0x2000]                          ; 66554433
    mov edi, 0x9999ffff
    mov al, 0x5a
    a16 stosb
    show edi                               ; 99990000
    movzx eax, byte [0xffff]
    show4 eax                              ; 005a
    std
    mov esi, 0x77770001
    a16 lodsw                              ; reads 0x0001-0x0002, SI -> 0xffff
    cld
    show esi                               ; 7777ffff
    show4 eax`));
    const expected = '12340002 abcd2004 56780000 66554433 99990000 005a 7777ffff 7766 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });
});
