/**
 * Protection guest tests (SDM Vol. 3A chapter 5, 6.12, 6.13; Vol. 2 CALL,
 * JMP, RET, INT n, IRET, MOV Sreg): call gates with parameter copy and the
 * TSS stack switch, conforming code, RET to an outer level nulling data
 * segments, INT n through interrupt and trap gates from ring 3, selector
 * error codes, segment loads, limits and expand-down segments. Expected
 * output is written from the SDM; where qemu-system-i386 is installed the
 * same image runs there and must print the same (differences are noted
 * per case).
 */
import { strict as assert } from 'node:assert';
import { runBoth, sysImage } from './sys-guest';

describe('Protection (guest, SDM, QEMU)', function () {
  this.timeout(120_000);

  it('call gates: parameter copy and stack switch to ring 0, RET to ring 3 nulls DS/ES, conforming targets, gate faults', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    gdt_gate 0x30, 0x08, cg0, 0xec, 2      ; 32-bit call gate DPL3 -> 0x08:cg0, 2 parameters
    gdt_seg 0x38, 0, 0xfffff, 0x9e, 0xc0   ; conforming readable code DPL0
    gdt_gate 0x40, 0x38, cgc, 0xec, 1      ; call gate DPL3 -> conforming 0x38:cgc
    gdt_gate 0x48, 0x08, cg0, 0x8c, 0      ; call gate DPL0
    gdt_gate 0x50, 0x08, cg0, 0x6c, 0      ; call gate DPL3, not present
    gdt_gate 0x58, 0x10, cg0, 0xec, 0      ; call gate DPL3 -> a data segment
    expect_fault back0
    to_ring3 u1, 0x3002
u1: mov ax, 0x23
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    push dword 0x1111
    push dword 0x2222
    call 0x33:0xdead
    show4 cs
    show4 ss
    mov ebp, esp
    show ebp
    show4 ds
    show4 es
    show4 fs
    show4 gs
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    mov gs, ax
    call 0x43:0
    call 0x38:cgc
    expect3 f1
    call 0x48:0                  ; gate DPL 0 < CPL 3: #GP(0x48)
f1: expect3 f2
    call 0x53:0                  ; gate not present: #NP(0x50)
f2: expect3 f3
    call 0x5b:0                  ; gate names a data segment: #GP(0x10)
f3: expect3 f4
    jmp 0x33:0                   ; JMP through a gate to a more privileged non-conforming segment: #GP(0x08)
f4: expect3 f5
    call 0x08:cg0                ; direct call to DPL 0 non-conforming code: #GP(0x08)
f5: expect_fault back0
    ud2                          ; ring 3 -> ring 0 handler on the TSS stack
back0:
    show4 [frame1]
    show [frame3]
    show4 [frame4]
    show [fault_esp]
    say "| "
    ; JMP through a call gate at the same privilege: no stack change, nothing pushed
    gdt_gate 0x60, 0x08, jg, 0x8c, 0
    mov esp, 0x90000
    jmp 0x60:0
jg: mov ebp, esp
    show ebp
    show4 cs
    jmp fin
cg0:                             ; ring 0 through the gate
    mov ebp, esp
    show4 cs
    show4 ss
    show ebp
    show4 [ebp+4]
    show [ebp+8]
    show [ebp+12]
    show [ebp+16]
    show4 [ebp+20]
    say "| "
    mov ax, 0x10
    mov ds, ax                   ; DPL 0 data: nulled by the RET to ring 3
    mov es, ax
    mov ax, 0x38
    mov gs, ax                   ; conforming code: kept
    retf 8
cgc:
    show4 cs
    mov ebp, esp
    show ebp
    retf
fin:`));
    const expected =
      '0008 0010 0008bfe8 001b 00002222 00001111 0008dff8 0023 | ' +
      '001b 0023 0008e000 0000 0000 0023 0038 ' +
      '003b 0008dff8 003b 0008dff8 ' +
      '#0d/0048 #0b/0050 #0d/0010 #0d/0008 #0d/0008 #06/---- ' +
      '001b 0008e000 0023 0008bfe4 | 00090000 0008 end';
    assert.equal(ours, expected);
    // QEMU (TCG) gives CS.RPL = 0 (the target DPL) for a call gate to a conforming segment from ring 3 (its
    // helper_lcall_protected loads CS with the code DPL); the SDM (CALL, CALL-GATE-TO-SAME-PRIVILEGE) keeps
    // CS.RPL = CPL = 3, which the direct call shows in both.
    if (qemu !== undefined) assert.equal(qemu, expected.replace('0038 003b 0008dff8 003b', '0038 0038 0008dff8 003b'));
  });

  it('INT n / IRET through 32-bit interrupt and trap gates from ring 3: stack switch, IF, gate DPL, not present', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    idt_gate 0x40, 0x08, h_int, 0xee     ; interrupt gate DPL3
    idt_gate 0x41, 0x08, h_trap, 0xef    ; trap gate DPL3
    idt_gate 0x42, 0x08, h_int, 0x8e     ; interrupt gate DPL0
    idt_gate 0x43, 0x08, h_int, 0x6e     ; DPL3, not present
    expect_fault back
    to_ring3 u2, 0x3202                  ; IF=1 (the PICs are masked)
u2: mov ax, 0x23
    mov ds, ax
    int 0x40
    show4 cs
    mov ebp, esp
    show ebp
    pushfd
    pop eax
    and eax, 0x3200
    show eax
    int 0x41
    expect3 g1
    int 0x42                             ; #GP(0x42*8+2)
g1: expect3 g2
    int 0x43                             ; #NP(0x43*8+2)
g2: expect3 g3
    int3                                 ; vector 3 gate is DPL0: #GP(3*8+2)
g3: expect3 g4
    int 0x80                             ; empty IDT entry: #GP(0x80*8+2)
g4: expect_fault back
    ud2
back:
    jmp fin
h_int:
    mov ebp, esp
    pushfd
    pop eax
    and eax, 0x200
    show eax
    show ebp
    show4 [ebp+4]
    show [ebp+8]
    show [ebp+12]
    show4 [ebp+16]
    show4 cs
    show4 ss
    show4 ds
    say "| "
    iretd
h_trap:
    pushfd
    pop eax
    and eax, 0x200
    show eax
    say "| "
    iretd
fin:`));
    const expected =
      '00000000 0008bfec 001b 00003202 0008e000 0023 0008 0010 0023 | 001b 0008e000 00003200 ' +
      '00000200 | #0d/0212 #0b/021a #0d/001a #0d/0402 #06/---- end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('segment loads: null, beyond limit, LDT, not present, wrong type, wrong privilege; accessed bit', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    gdt_seg 0x50, 0, 0xfffff, 0x12, 0xc0   ; writable data, not present
    gdt_seg 0x58, 0, 0xfffff, 0x90, 0xc0   ; read-only data
    gdt_seg 0x60, 0, 0xfffff, 0x98, 0xc0   ; execute-only code
    gdt_seg 0x68, 0, 0x00fff, 0x92, 0x40   ; data, byte limit 0xfff
    gdt_seg 0x88, ldt, 15, 0x82, 0x00      ; LDT with 2 entries
    expect_fault c2
    xor eax, eax
    mov ds, ax                             ; a null selector loads into DS
    say "n "
    mov ax, 0x10
    mov ds, ax
    xor eax, eax
    mov ss, ax                             ; #GP(0)
c2: expect_fault c4
    mov ax, 0x100
    mov ds, ax                             ; beyond the GDT limit: #GP(0x100)
c4: expect_fault c5
    mov ax, 0x50
    mov ds, ax                             ; #NP(0x50)
c5: expect_fault c6
    mov ax, 0x53
    mov ss, ax                             ; RPL 3 != CPL 0: #GP(0x50)
c6: expect_fault c7
    mov ax, 0x50
    mov ss, ax                             ; #SS(0x50)
c7: expect_fault c8
    mov ax, 0x58
    mov ss, ax                             ; read-only: #GP(0x58)
c8: expect_fault c9
    mov ax, 0x60
    mov ds, ax                             ; execute-only: #GP(0x60)
c9: expect_fault c10
    mov ax, 0x08
    mov ss, ax                             ; code: #GP(0x08)
c10: expect_fault c18
    mov ax, 0x28
    mov es, ax                             ; TSS: #GP(0x28)
c18: expect_fault c19
    mov ax, 0x88
    lldt ax
    mov ax, 0x0f
    mov ds, ax
    show4 ds
    mov ax, 0x14
    mov ds, ax                             ; beyond the LDT limit: #GP(0x14)
c19:
    mov ax, 0x68
    mov es, ax
    mov ax, 0x58
    mov fs, ax
    movzx eax, byte [gdt + 0x68 + 5]
    show4 eax                              ; accessed bit set by the load: 0x93
    movzx eax, byte [gdt + 0x58 + 5]
    show4 eax                              ; 0x91
    say "| "
    expect3 d1
    to_ring3 u3, 0x3002
u3: mov ax, 0x10
    mov ds, ax                             ; DPL 0 < CPL 3: #GP(0x10)
d1: expect3 d2
    mov ax, 0x21
    mov ds, ax                             ; RPL 1 <= DPL 3: fine
    show4 ds
    mov ax, 0x21
    mov ss, ax                             ; RPL != CPL: #GP(0x20)
d2: expect3 d3
    mov ax, 0x1b
    mov ss, ax                             ; code: #GP(0x18)
d3: expect_fault fin
    mov ax, 0x08
    mov ds, ax                             ; non-conforming DPL 0: #GP(0x08)
fin:`, `
align 8
ldt: dq 0
     dq 0x00cff2000000ffff
`));
    const expected =
      'n #0d/0000 #0d/0100 #0b/0050 #0d/0050 #0c/0050 #0d/0058 #0d/0060 #0d/0008 #0d/0028 000f #0d/0014 0093 0091 | ' +
      '#0d/0010 0021 #0d/0020 #0d/0018 #0d/0008 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('using segments: null DS, no LDT, write to code and read-only data, limits, expand-down (B=0/1), stack limits #SS(0)', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    gdt_seg 0x58, 0, 0xfffff, 0x90, 0xc0   ; read-only data
    gdt_seg 0x68, 0, 0x00fff, 0x92, 0x40   ; data, byte limit 0xfff
    gdt_seg 0x70, 0, 0x01fff, 0xf2, 0x40   ; ring-3 stack, byte limit 0x1fff
    gdt_seg 0x78, 0, 0x07fff, 0xf6, 0x40   ; ring-3 expand-down stack, B=1, limit 0x7fff
    gdt_seg 0x80, 0, 0x00fff, 0x96, 0x00   ; expand-down data, B=0, limit 0xfff
    expect_fault c1
    xor eax, eax
    mov ds, ax
    mov eax, [0x1000]                      ; null DS: #GP(0)
c1: expect_fault c3
    mov ax, 0x0c
    mov ds, ax                             ; TI=1, LDTR null (never loaded in protected mode): #GP(0x0c)
c3: expect_fault c12
    mov ax, 0x08
    mov ds, ax
    mov eax, [0x7c00]                      ; readable code: reads work
    say "r "
    mov [0x7c00], eax                      ; writes do not: #GP(0)
c12: expect_fault c13
    mov ax, 0x58
    mov ds, ax
    mov eax, [0x7c00]
    mov [0x7c00], eax                      ; read-only: #GP(0)
c13: expect_fault c16
    mov ax, 0x68
    mov es, ax
    mov eax, [es:0xffc]
    say "l "
    mov eax, [es:0xffd]                    ; last byte beyond the limit: #GP(0)
c16: expect_fault c17
    mov ax, 0x80
    mov ds, ax
    mov eax, [0x1000]
    mov eax, [0xfffc]
    say "e "
    mov ax, [0xfff]                        ; at or below the limit: #GP(0)
c17: expect_fault c18
    mov ax, 0x80
    mov ds, ax
    mov eax, [0xfffe]                      ; beyond 0xFFFF with B=0: #GP(0)
c18:
    say "| "
    expect3 c15
    to_ring3 u4, 0x3002
u4: mov ax, 0x73                           ; stack faults at ring 3 so the handler gets the TSS stack
    mov ss, ax
    mov esp, 0x2000
    push eax
    say "s "
    mov esp, 0x2002
    push eax                               ; #SS(0)
c15: expect_fault fin
    mov ax, 0x7b
    mov ss, ax
    mov esp, 0x8014
    push eax                               ; 0x8010: valid
    say "d "                               ; (uses the stack down to 0x8004)
    mov esp, 0x8004
    push eax                               ; 0x8000..0x8003: valid
    push eax                               ; 0x7ffc <= limit: #SS(0)
fin:`));
    const expected = '#0d/0000 #0d/000c r #0d/0000 #0d/0000 l #0d/0000 e #0d/0000 #0d/0000 | s #0c/0000 d #0c/0000 end';
    assert.equal(ours, expected);
    // QEMU (TCG) checks segment limits, types and null selectors only on segment loads, not on data accesses
    // (a known TCG simplification): it runs through every access here without a fault.
    void qemu;
  });

  it('#TS and #SS from a bad TSS.SS0 on a call gate to ring 0 (handled at CPL 3 through a conforming segment)', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    gdt_gate 0x30, 0x08, cg0, 0xec, 0
    gdt_seg 0x38, 0, 0xfffff, 0x9e, 0xc0   ; conforming code DPL0
    gdt_seg 0x50, 0, 0xfffff, 0x12, 0xc0   ; writable data, not present
    gdt_seg 0x58, 0, 0xfffff, 0xb2, 0xc0   ; writable data DPL1
    idt_gate 10, 0x38, xh, 0x8e
    idt_gate 12, 0x38, xh, 0x8e
    to_ring3 t0, 0x3002
t0: mov ax, 0x23
    mov ds, ax
    mov dword [next], t1
    mov dword [tss + 8], 0                ; null SS0: #TS(0)
    call 0x33:0
t1: mov dword [next], t2
    mov dword [tss + 8], 0x13             ; RPL 3 != new CPL 0: #TS(0x10)
    call 0x33:0
t2: mov dword [next], t3
    mov dword [tss + 8], 0x18             ; code segment: #TS(0x18)
    call 0x33:0
t3: mov dword [next], t4
    mov dword [tss + 8], 0x58             ; DPL 1 != 0: #TS(0x58)
    call 0x33:0
t4: mov dword [next], t5
    mov dword [tss + 8], 0x50             ; not present: #SS(0x50)
    call 0x33:0
t5: mov dword [tss + 8], 0x10
    call 0x33:0
xh: mov ax, 0x23
    mov ds, ax
    mov ebp, esp
    show4 cs
    mov eax, [ebp + 4 + 4]
    and eax, 3
    show4 eax                              ; CS RPL of the interrupted code
    show4 [ebp]                            ; error code
    lea esp, [ebp + 16]
    jmp [next]
cg0:
    show4 cs
    show4 ss
    jmp fin
next: dd 0
fin:`));
    const expected = '003b 0003 0000 003b 0003 0010 003b 0003 0018 003b 0003 0058 003b 0003 0050 0008 0010 end';
    assert.equal(ours, expected);
    if (qemu !== undefined) assert.equal(qemu, expected);
  });

  it('EXT bit: a not-present or invalid IDT entry met while delivering an exception (SDM 6.13)', async function () {
    const { ours, qemu } = await runBoth(sysImage(`
    expect_fault a1
    mov byte [idt + 6*8 + 5], 0x0e         ; #UD gate not present
    ud2                                    ; #NP(6*8+2+EXT) = 0x33
a1: expect_fault a2
    mov byte [idt + 6*8 + 5], 0x8a         ; #UD gate of a reserved system type
    ud2                                    ; #GP(0x33)
a2: expect_fault a3
    int 0x80                               ; software INT: EXT=0, #GP(0x402)
a3:`));
    // SDM 6.13: EXT is set when the exception occurred during delivery of an earlier exception.
    const expected = '#0b/0033 #0d/0033 #0d/0402 end';
    assert.equal(ours, expected);
    // QEMU (TCG) leaves EXT clear for IDT errors met while delivering an exception (0x32); real processors set it.
    if (qemu !== undefined) assert.equal(qemu, '#0b/0032 #0d/0032 #0d/0402 end');
  });
});
