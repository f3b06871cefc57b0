/**
 * VGA text mode: the register file (read back, index/data pairs, the
 * attribute flip-flop, I/O address select, retrace in virtual time), the
 * screen decoded from the text buffer and CRTC, and a boot-sector guest
 * that draws through INT 10h and through the CRT controller the way xv6's
 * cgaputc does.
 */
import { strict as assert } from 'node:assert';
import { PhysicalMemory } from '../../emulator/memory/physical-memory';
import { VgaText } from '../../emulator/devices/vga/vga-text';
import { readTextScreen, textScreenToString } from '../../emulator/devices/vga/text-screen';
import { CP437 } from '../../emulator/devices/vga/cp437';
import type { PcMachine } from '../../emulator/machine/pc-machine';
import { bootSector, nasm } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';

function rig() {
  let now = 0;
  const reports: string[] = [];
  const vga = new VgaText({ now: () => now, report: (m) => reports.push(m) });
  const memory = new PhysicalMemory(2 * 1024 * 1024);
  return {
    vga,
    memory,
    reports,
    setTime: (t: number) => (now = t),
    inb: (p: number) => vga.readPort(p, 1),
    outb: (p: number, v: number) => vga.writePort(p, 1, v),
    outw: (p: number, v: number) => vga.writePort(p, 2, v),
    screen: () => readTextScreen(vga.registers, memory),
  };
}

describe('VGA text mode', () => {
  describe('registers', () => {
    it('starts as a BIOS leaves mode 3: misc 0x67, 80x25 geometry, underline cursor at 0', () => {
      const { inb, screen } = rig();
      assert.equal(inb(0x3cc), 0x67);
      const s = screen();
      assert.deepEqual([s.columns, s.rows, s.address], [80, 25, 0xb8000]);
      assert.deepEqual(s.cursor, { row: 0, column: 0, visible: true, startScanLine: 0x0d, endScanLine: 0x0e });
    });

    it('CRT controller: index/data read back, cursor location as xv6 reads it, word writes to 0x3D4', () => {
      const { inb, outb, outw, screen } = rig();
      outb(0x3d4, 14);
      outb(0x3d5, 0x03);
      outb(0x3d4, 15);
      outb(0x3d5, 0x52);
      outb(0x3d4, 14);
      assert.equal(inb(0x3d4), 14);
      assert.equal(inb(0x3d5), 0x03);
      // xv6 cgaputc: pos = inb(0x3d5) << 8 after index 14, | inb(0x3d5) after index 15.
      outb(0x3d4, 15);
      assert.equal((0x03 << 8) | inb(0x3d5), 850);
      assert.deepEqual([screen().cursor.row, screen().cursor.column], [10, 50]);
      outw(0x3d4, 0x200a); // index 0x0A, data 0x20: cursor disabled
      assert.equal(screen().cursor.visible, false);
      outw(0x3d4, 0x0a0c); // start address high = 0x0A
      assert.equal(screen().address, 0xb8000 + 0x0a00 * 2);
    });

    it('registers beyond the CRTC set read back what was written and are reported once', () => {
      const { inb, outb, reports } = rig();
      outb(0x3d4, 0x40);
      outb(0x3d5, 0x5a);
      assert.equal(inb(0x3d5), 0x5a);
      outb(0x3d4, 0x41);
      assert.equal(reports.filter((r) => /CRT controller index/.test(r)).length, 1);
    });

    it('CRTC 0x11 bit 7 write-protects registers 0-7 except the line-compare bit of register 7', () => {
      const { inb, outb } = rig();
      outb(0x3d4, 0x11);
      outb(0x3d5, 0x8e);
      outb(0x3d4, 0x01);
      outb(0x3d5, 0x27);
      assert.equal(inb(0x3d5), 0x4f, 'horizontal display end unchanged');
      outb(0x3d4, 0x07);
      outb(0x3d5, 0x00);
      assert.equal(inb(0x3d5), 0x1f & ~0x10, 'only bit 4 changed');
    });

    it('Miscellaneous Output bit 0 selects 0x3Dx or 0x3Bx; the other pair reads 0xFF and is reported', () => {
      const { inb, outb, reports } = rig();
      assert.equal(inb(0x3b4), 0xff);
      assert.equal(reports.length, 1);
      outb(0x3c2, 0x66); // monochrome addresses
      assert.equal(inb(0x3cc), 0x66);
      outb(0x3b4, 0x0e);
      outb(0x3b5, 0x01);
      assert.equal(inb(0x3b5), 0x01);
      assert.equal(inb(0x3d5), 0xff);
      assert.equal(reports.length, 2);
    });

    it('attribute controller: index/data flip-flop on 0x3C0, reset by reading Input Status 1, data read at 0x3C1', () => {
      const { inb, outb } = rig();
      inb(0x3da);
      outb(0x3c0, 0x01);
      outb(0x3c0, 0x3f);
      outb(0x3c0, 0x21); // index again (with PAS)
      assert.equal(inb(0x3c1), 0x3f);
      outb(0x3c0, 0x11); // data: overscan of index 1 (flip-flop is at data)
      inb(0x3da); // reset to index
      outb(0x3c0, 0x02);
      assert.equal(inb(0x3c0), 0x02);
      assert.equal(inb(0x3c1), 0x02, 'palette entry 2 unchanged');
      inb(0x3da);
      outb(0x3c0, 0x01);
      assert.equal(inb(0x3c1), 0x11);
    });

    it('sequencer, graphics controller and DAC read back; the DAC index advances every three components', () => {
      const { inb, outb } = rig();
      outb(0x3c4, 0x02);
      outb(0x3c5, 0x0f);
      assert.equal(inb(0x3c5), 0x0f);
      outb(0x3ce, 0x05);
      outb(0x3cf, 0x40);
      assert.equal(inb(0x3cf), 0x40);
      outb(0x3c8, 7);
      for (const v of [1, 2, 3, 4, 5, 6]) outb(0x3c9, v);
      assert.equal(inb(0x3c8), 9);
      outb(0x3c7, 7);
      assert.equal(inb(0x3c7), 3);
      assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => inb(0x3c9)), [1, 2, 3, 4, 5, 6]);
    });

    it('Input Status 1: vertical retrace comes once per 70 Hz frame of virtual time, the same on every run', () => {
      const { inb, setTime } = rig();
      const sample = (): number[] => {
        const bits: number[] = [];
        for (let t = 0; t < 30_000_000; t += 10_000) {
          setTime(t);
          bits.push(inb(0x3da) & 0x08);
        }
        return bits;
      };
      const a = sample();
      const rises = a.filter((b, i) => b !== 0 && (i === 0 || a[i - 1] === 0)).length;
      assert.equal(rises, 2, '30 ms hold two frames of 14.3 ms');
      assert.deepEqual(sample(), a);
      setTime(1_000);
      assert.equal(inb(0x3da) & 0x01, 0, 'displaying at the start of a line');
    });
  });

  describe('the screen', () => {
    it('decodes characters and attributes from 0xB8000, CP437 mapped, trailing blanks trimmed', () => {
      const { memory, screen } = rig();
      const put = (row: number, col: number, text: number[], attr: number) => text.forEach((c, i) => memory.write16(0xb8000 + (row * 80 + col + i) * 2, c | (attr << 8)));
      for (let i = 0; i < 80 * 25; i++) memory.write16(0xb8000 + i * 2, 0x0720);
      put(0, 0, [...Buffer.from('Hello')], 0x1f);
      put(2, 3, [0xc9, 0xcd, 0xbb, 0x01, 0xb0], 0x07);
      const s = screen();
      assert.equal(s.characters[0], 0x48);
      assert.equal(s.attributes[0], 0x1f);
      const lines = textScreenToString(s).split('\n');
      assert.equal(lines.length, 26);
      assert.deepEqual(lines.slice(0, 3), ['Hello', '', '   ╔═╗☺░']);
      assert.equal(s.palette[1], '#0000aa');
      assert.equal(s.palette[6], '#aa5500', 'brown through attribute entry 6 = DAC 0x14');
    });

    it('CP437 has 256 entries, distinct but for NUL, which the font draws blank like a space', () => {
      assert.equal(CP437.length, 256);
      assert.equal(new Set(CP437).size, 255);
      assert.deepEqual([CP437[0x00], CP437[0x20], CP437[0x01], CP437[0xdb], CP437[0xff]], [' ', ' ', '☺', '█', '\u00a0']);
    });

    it('a monochrome memory map (GR6 = 0x0A) reads 0xB0000', () => {
      const { memory, outb, screen } = rig();
      memory.write16(0xb0000, 0x0741);
      outb(0x3ce, 0x06);
      outb(0x3cf, 0x0a);
      assert.equal(screen().address, 0xb0000);
      assert.equal(textScreenToString(screen()).split('\n')[0], 'A');
    });
  });

  describe('guest level: a boot sector drawing through INT 10h and the CRT controller', () => {
    const SECTOR = bootSector(`
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ah, 0x0e            ; teletype "BIOS", CR LF
    mov si, msg
.t: lodsb
    test al, al
    jz .t_done
    int 0x10
    jmp .t
.t_done:
    mov ah, 0x02            ; cursor to row 5, column 10
    xor bh, bh
    mov dx, 0x050a
    int 0x10
    mov ax, 0x0958          ; 3 x 'X', yellow on blue
    mov bx, 0x001e
    mov cx, 3
    int 0x10
    mov ah, 0x03            ; read the cursor back: DX must be 050A
    int 0x10
    cmp dx, 0x050a
    jne fail
    ; as xv6's cgaputc: read the cursor position from CRTC 14/15, write a cell, move the cursor on
    mov dx, 0x3d4
    mov al, 14
    out dx, al
    inc dx
    in al, dx
    mov ah, al
    dec dx
    mov al, 15
    out dx, al
    inc dx
    in al, dx
    cmp ax, 5 * 80 + 10
    jne fail
    mov bx, ax
    push 0xb800
    pop es
    shl bx, 1
    mov word [es:bx], 0x4721   ; '!' white on red at the cursor
    shr bx, 1
    inc bx
    mov dx, 0x3d4
    mov al, 14
    out dx, al
    inc dx
    mov al, bh
    out dx, al
    dec dx
    mov al, 15
    out dx, al
    inc dx
    mov al, bl
    out dx, al
    mov al, 0
    out 0xf4, al
fail:
    mov al, 1
    out 0xf4, al
    hlt
msg: db "BIOS", 13, 10, 0
`);

    it('shows both on the screen with the cursor where the guest left it', async () => {
      let pc: PcMachine | undefined;
      const r = await runGuestBytes(SECTOR, { boot: 'bootsector', maxInstructions: 1_000_000, inspect: (m) => (pc = m) });
      assert.equal(r.exitStatus, 1, `guest's own checks (status 3 = failed): ${r.serial}`);
      assert.equal(r.serial, 'BIOS\r\n', 'teletype also goes to the serial console');
      const screen = readTextScreen(pc!.platform.vga.registers, pc!.machine.memory);
      const lines = textScreenToString(screen).split('\n');
      assert.equal(lines[0], 'BIOS');
      assert.equal(lines[5], '          !XX');
      assert.equal(screen.attributes[5 * 80 + 10], 0x47);
      assert.equal(screen.attributes[5 * 80 + 11], 0x1e);
      assert.deepEqual([screen.cursor.row, screen.cursor.column], [5, 11]);
      assert.equal(pc!.machine.memory.read16(0x450), 0x050a, 'BDA cursor as INT 10h left it (the guest moved only the CRTC cursor)');
      assert.equal(pc!.machine.memory.read16(0x463), 0x3d4, 'BDA: CRTC base port');
    });
  });
});
