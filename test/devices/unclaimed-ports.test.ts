/**
 * Ports no device claims read all-ones (an ISA bus with nothing there), and
 * each is reported once as a machine event, so a kernel that misreads a
 * missing COM2 or floppy controller can be traced. Port 0x80 (POST codes,
 * Linux's I/O delay) is a device: written often, never reported.
 */
import { strict as assert } from 'node:assert';
import type { MachineEvent } from '../../emulator/events/machine-events';
import type { PcMachine } from '../../emulator/machine/pc-machine';
import { bootSector } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';

const GUEST = bootSector(`
    xor ax, ax
    mov ds, ax
    mov dx, 0x2fd          ; COM2 LSR: no COM2 here
    in al, dx
    mov [0x600], al
    in al, dx              ; the same port again: no second report
    mov dx, 0x378          ; LPT1 data
    mov al, 0x55
    out dx, al
    in ax, dx
    mov [0x602], ax
    mov al, 0x12           ; POST code
    out 0x80, al
    out 0x80, al
    mov al, 0
    out 0xf4, al
    hlt
`);

describe('unclaimed I/O ports', () => {
  it('read all-ones and are reported once per port; port 0x80 keeps the POST code quietly', async () => {
    const events: MachineEvent[] = [];
    let pc: PcMachine | undefined;
    const r = await runGuestBytes(GUEST, { boot: 'bootsector', maxInstructions: 10_000, onEvent: (e) => events.push(e), inspect: (m) => (pc = m) });
    assert.equal(r.exitStatus, 1);
    assert.equal(pc!.machine.memory.read8(0x600), 0xff);
    assert.equal(pc!.machine.memory.read16(0x602), 0xffff);
    const notes = events.filter((e): e is Extract<MachineEvent, { kind: 'note' }> => e.kind === 'note' && /has no device/.test(e.message)).map((e) => e.message);
    assert.deepEqual(notes, [
      'I/O port 0x02fd has no device on this machine: read returns 0xFF (as on a PC without it)',
      'I/O port 0x0378 has no device on this machine: write ignored (as on a PC without it)',
    ]);
    assert.equal(pc!.platform.postCode.lastCode, 0x12);
  });
});
