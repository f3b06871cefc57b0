/**
 * PCI configuration mechanism #1, guest level: a boot sector probes the way
 * Linux's pci_check_type1/type2 do, enumerates bus 0, and reads back what it
 * wrote; the test checks the values the guest stored, against the IDs of
 * QEMU's `pc` machine (i440FX 8086:1237 at 00.0, PIIX3 8086:7000 at 01.0).
 */
import { strict as assert } from 'node:assert';
import type { PcMachine } from '../../emulator/machine/pc-machine';
import { bootSector } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';

const GUEST = bootSector(`
%macro cfg_addr 1
    mov dx, 0xcf8
    mov eax, %1
    out dx, eax
%endmacro
%macro store_data 1            ; dword from CONFIG_DATA to [%1]
    mov dx, 0xcfc
    in eax, dx
    mov [%1], eax
%endmacro
    xor ax, ax
    mov ds, ax
    ; Linux pci_check_type1: outb(0x01, 0xCFB); save 0xCF8; outl(0x80000000, 0xCF8); inl(0xCF8) == 0x80000000
    mov dx, 0xcfb
    mov al, 1
    out dx, al
    cfg_addr 0x80000000
    in eax, dx
    mov [0x1000], eax
    ; pci_check_type2: outb(0) to 0xCFB, 0xCF8, 0xCFA; both must read 0 for mechanism #2
    mov dx, 0xcf8
    xor al, al
    out dx, al
    mov dx, 0xcfa
    out dx, al
    in al, dx
    mov [0x1004], al
    mov dx, 0xcf8
    in al, dx
    mov [0x1005], al
    cfg_addr 0x80000000            ; 00.0 vendor/device
    store_data 0x1008
    cfg_addr 0x80000800            ; 01.0
    store_data 0x100c
    cfg_addr 0x80001000            ; 02.0: nothing there
    store_data 0x1010
    cfg_addr 0x80000008            ; 00.0 class code and revision
    store_data 0x1014
    cfg_addr 0x8000080c            ; 01.0 header type (bits 23:16)
    store_data 0x1018
    cfg_addr 0x80000004            ; 00.0 command: write a word, read the dword back
    mov dx, 0xcfc
    mov ax, 0x0007
    out dx, ax
    store_data 0x101c
    cfg_addr 0x80000000            ; vendor/device are read-only
    mov dx, 0xcfc
    mov eax, 0xffffffff
    out dx, eax
    store_data 0x1020
    cfg_addr 0x8000083c            ; 01.0 interrupt line: byte write, byte read at 0xCFC
    mov dx, 0xcfc
    mov al, 0x0b
    out dx, al
    in al, dx
    mov [0x1024], al
    cfg_addr 0x80000000            ; byte read at 0xCFE = offset 2: device ID low byte
    mov dx, 0xcfe
    in al, dx
    mov [0x1025], al
    cfg_addr 0x00000000            ; enable bit clear: nothing is selected
    store_data 0x1028
    cfg_addr 0x80010000            ; bus 1 does not exist
    store_data 0x102c
    cfg_addr 0x80000860            ; 01.0 PIRQ route A, starts disabled (0x80)
    store_data 0x1030
    mov al, 0
    out 0xf4, al
    hlt
`);

describe('PCI configuration mechanism #1 (guest level)', () => {
  it('is found as type 1 (not type 2), bus 0 has the i440FX and PIIX3, registers read back by their write masks', async () => {
    let pc: PcMachine | undefined;
    const r = await runGuestBytes(GUEST, { boot: 'bootsector', maxInstructions: 100_000, inspect: (m) => (pc = m) });
    assert.equal(r.exitStatus, 1);
    const m = pc!.machine.memory;
    const d = (a: number): number => m.read32(a) >>> 0;
    assert.equal(d(0x1000), 0x80000000, 'CONFIG_ADDRESS reads back: mechanism #1');
    assert.deepEqual([m.read8(0x1004), m.read8(0x1005)], [0xff, 0xff], 'byte ports 0xCFA/0xCF8 do not decode: not mechanism #2');
    assert.equal(d(0x1008), 0x12378086, '00.0 i440FX');
    assert.equal(d(0x100c), 0x70008086, '01.0 PIIX3');
    assert.equal(d(0x1010), 0xffffffff, '02.0 absent: master abort reads all-ones');
    assert.equal(d(0x1014), 0x06000002, 'host bridge class, revision 2');
    assert.equal((d(0x1018) >>> 16) & 0xff, 0x80, 'PIIX3 is multi-function');
    assert.equal(d(0x101c) & 0xffff, 0x0007, 'command register took I/O, memory, bus master');
    assert.equal(d(0x1020), 0x12378086, 'IDs unchanged by writes');
    assert.equal(m.read8(0x1024), 0x0b, 'interrupt line');
    assert.equal(m.read8(0x1025), 0x37, 'byte read at 0xCFE selects offset 2');
    assert.equal(d(0x1028), 0xffffffff, 'enable bit clear');
    assert.equal(d(0x102c), 0xffffffff, 'bus 1');
    assert.equal(d(0x1030), 0x80808080, 'PIRQ routing disabled until programmed');
  });

  it('a byte write to 0xCF9 is still the reset control register', async () => {
    const sector = bootSector(`
    mov dx, 0xcf9
    mov al, 0x06
    out dx, al
    hlt
`);
    const r = await runGuestBytes(sector, { boot: 'bootsector', maxInstructions: 10_000 });
    assert.equal(r.exitReason, 'reset-requested');
  });
});
