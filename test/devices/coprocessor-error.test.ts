/**
 * FERR# → IRQ 13, guest level (PC/AT compatible x87 error reporting): with
 * CR0.NE = 0 an unmasked x87 exception is signalled at the next waiting
 * instruction as IRQ 13 through the 8259s (INT 75h in real mode); the
 * handler acknowledges with a write to port F0h and FNCLEX, and the line
 * stays low until the next error.
 */
import { strict as assert } from 'node:assert';
import type { PcMachine } from '../../emulator/machine/pc-machine';
import { bootSector } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';

const GUEST = bootSector(`
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov word [0x75*4], irq13
    mov word [0x75*4+2], 0
    ; 8259 pair: master vectors 08h, slave 70h, cascade on IRQ2; unmask IRQ2 and IRQ13 only.
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x70
    out 0xa1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01
    out 0x21, al
    out 0xa1, al
    mov al, 0xfb
    out 0x21, al
    mov al, 0xdf
    out 0xa1, al
    mov eax, cr0
    and eax, ~0x20            ; CR0.NE = 0: PC-style error reporting
    mov cr0, eax
    sti
    fninit
    fldcw [cw]                ; zero-divide unmasked
    fld1
    fldz
    fdivp st1, st0            ; sets ZE and ES; no interrupt yet
    cmp byte [count], 0
    jne fail
    fwait                     ; the waiting instruction signals FERR#: IRQ 13
    nop
    cmp byte [count], 1
    jne fail
    fninit                    ; a second error after the acknowledgement raises it again
    fldcw [cw]
    fld1
    fldz
    fdivp st1, st0
    fwait
    nop
    cmp byte [count], 2
    jne fail
    mov al, 0
    out 0xf4, al
fail:
    mov al, 1
    out 0xf4, al
    hlt
irq13:
    push ax
    inc byte [count]
    xor al, al
    out 0xf0, al              ; clear the coprocessor error latch (IRQ 13 low)
    fnclex
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop ax
    iret
cw: dw 0x037b
count: db 0
`);

describe('x87 errors with CR0.NE = 0: FERR# to IRQ 13 (guest level)', () => {
  it('the waiting instruction raises IRQ 13; port F0h clears it; the next error raises it again', async () => {
    let pc: PcMachine | undefined;
    const r = await runGuestBytes(GUEST, { boot: 'bootsector', maxInstructions: 100_000, inspect: (m) => (pc = m) });
    assert.equal(r.exitStatus, 1, `guest checks (3 = an interrupt count was wrong), count=${pc?.machine.memory.read8(0x7c00 + 0)}`);
    assert.equal(pc!.platform.coprocessorError.irqLevel, false);
  });
});
