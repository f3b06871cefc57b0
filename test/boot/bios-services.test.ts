/**
 * BIOS services, guest level: a boot sector (test/guests/lib/stage1.inc
 * loads the rest with INT 13h AH=42h) calls every real-mode service the
 * firmware offers and prints what came back; the test asserts the whole
 * output, the E820 walk against firmware/e820's map for that memory size.
 */
import { strict as assert } from 'node:assert';
import { buildE820, extendedMemoryKiB } from '../../emulator/firmware/e820';
import { nasm } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';

const hex = (v: number, w: number): string => (v >>> 0).toString(16).padStart(w, '0');

const PROGRAM = nasm(`
%include "lib/stage1.inc"
    jmp start
%include "lib/print16.inc"
start:
    mov sp, 0x7c00
    sti
    ; ---- INT 10h AH=0Eh teletype, AH=0Fh mode
    mov si, tty_text
.tty:
    lodsb
    test al, al
    jz .tty_done
    mov ah, 0x0e
    mov bx, 0x0007
    int 0x10
    jmp .tty
.tty_done:
    mov ah, 0x0f
    int 0x10
    print16 "int10 0f: ax="
    call hex16_16
    nl16
    ; ---- INT 11h, INT 12h (and the BDA words they come from)
    int 0x11
    print16 "int11 ax="
    call hex16_16
    print16 " bda[410]="
    mov ax, [0x410]
    call hex16_16
    nl16
    int 0x12
    print16 "int12 ax="
    call hex16_16
    print16 " bda[413]="
    mov ax, [0x413]
    call hex16_16
    nl16
    ; ---- INT 13h
    mov ah, 0x08
    mov dl, 0x80
    int 0x13
    pushf
    print16 "int13 08: cx="
    mov ax, cx
    call hex16_16
    print16 " dx="
    mov ax, dx
    call hex16_16
    popf
    call carry
    mov ah, 0x41
    mov bx, 0x55aa
    mov dl, 0x80
    int 0x13
    pushf
    print16 "int13 41: bx="
    mov ax, bx
    call hex16_16
    print16 " cx="
    mov ax, cx
    call hex16_16
    popf
    call carry
    ; CHS reads: C0 H0 S17 = LBA 16, C0 H1 S8 = LBA 70, C1 H0 S1 = LBA 1008 (2 sectors)
    mov cx, 0x0011
    mov dh, 0
    call chs_read
    mov cx, 0x0008
    mov dh, 1
    call chs_read
    mov cx, 0x0101
    mov dh, 0
    call chs_read
    ; extended read of LBA 2000..2001 to 2000:0000
    mov dword [dap_lba], 2000
    call ext_read
    ; beyond the end of the disk
    mov dword [dap_lba], 5000
    call ext_read
    ; AH=01h: status of the last operation
    mov ah, 0x01
    mov dl, 0x80
    int 0x13
    print16 "int13 01: ah="
    mov al, ah
    xor ah, ah
    call hex16_16
    nl16
    ; write is refused (read-only disk)
    mov ax, 0x0301
    mov cx, 0x0011
    mov dx, 0x0080
    mov bx, 0x3000
    mov es, bx
    xor bx, bx
    int 0x13
    pushf
    print16 "int13 03: ah="
    mov al, ah
    xor ah, ah
    call hex16_16
    popf
    call carry
    xor ax, ax
    mov es, ax
    ; ---- INT 15h E820: walk the whole map
    xor ebx, ebx
.e820:
    mov di, 0x600
    mov dword [di + 20], 0xffffffff
    mov eax, 0xe820
    mov edx, 0x534d4150
    mov ecx, 24
    int 0x15
    jc .e820_cf
    cmp eax, 0x534d4150
    jne .e820_bad
    print16 "e820 "
    mov eax, [di + 4]
    call hex32_16
    mov eax, [di]
    call hex32_16
    print16 " "
    mov eax, [di + 12]
    call hex32_16
    mov eax, [di + 8]
    call hex32_16
    print16 " type="
    mov ax, [di + 16]
    call hex16_16
    print16 " size="
    mov ax, cx
    call hex16_16
    cmp cx, 24
    jne .e820_next
    print16 " attr="
    mov eax, [di + 20]
    call hex32_16
.e820_next:
    nl16
    test ebx, ebx
    jnz .e820
    print16 "e820 end"
    nl16
    jmp .e801
.e820_cf:
    print16 "e820 CF"
    nl16
    jmp .e801
.e820_bad:
    print16 "e820 EAX not SMAP"
    nl16
.e801:
    mov ax, 0xe801
    int 0x15
    pushf
    print16 "e801 ax="
    call hex16_16
    print16 " bx="
    mov ax, bx
    call hex16_16
    print16 " cx="
    mov ax, cx
    call hex16_16
    print16 " dx="
    mov ax, dx
    call hex16_16
    popf
    call carry
    mov ah, 0x88
    int 0x15
    pushf
    print16 "int15 88: ax="
    call hex16_16
    popf
    call carry
    ; ---- A20 2400h-2403h
    mov ax, 0x2403
    int 0x15
    pushf
    print16 "a20 2403: bx="
    mov ax, bx
    call hex16_16
    popf
    call carry
    mov ax, 0x2400
    int 0x15
    call a20_query
    mov ax, 0x2401
    int 0x15
    call a20_query
    ; ---- INT 16h: no key
    mov ah, 0x01
    int 0x16
    jz .nokey
    print16 "int16 01: key waiting"
    nl16
    jmp .clock
.nokey:
    print16 "int16 01: ZF=1 (no key)"
    nl16
    mov ah, 0x11
    int 0x16
    jz .nokey2
    print16 "int16 11: key waiting"
    nl16
    jmp .clock
.nokey2:
    print16 "int16 11: ZF=1 (no key)"
    nl16
    ; ---- INT 1Ah
.clock:
    mov ah, 0x04
    int 0x1a
    pushf
    print16 "int1a 04: cx="
    mov ax, cx
    call hex16_16
    print16 " dx="
    mov ax, dx
    call hex16_16
    popf
    call carry
    mov ah, 0x02
    int 0x1a
    pushf
    print16 "int1a 02: ch:cl:dh="
    mov al, ch
    call hex8
    print16 ":"
    mov al, cl
    call hex8
    print16 ":"
    mov al, dh
    call hex8
    popf
    call carry
    ; set the tick count and read it back
    mov ah, 0x01
    mov cx, 0x0001
    mov dx, 0x2345
    int 0x1a
    mov ah, 0x00
    int 0x1a
    print16 "int1a 00 after set 0x12345: cx="
    mov ax, cx
    call hex16_16
    print16 " dx>=2345: "
    cmp dx, 0x2345
    jae .ticks_ok
    print16 "no"
    jmp .ticks_done
.ticks_ok:
    print16 "yes"
.ticks_done:
    nl16
    print16 "done"
    nl16
    mov al, 0x10
    out 0xf4, al
    cli
    hlt

; prints " CF=n" and a newline (flags on entry)
carry:
    jc .set
    print16 " CF=0"
    nl16
    ret
.set:
    print16 " CF=1"
    nl16
    ret

a20_query:
    mov ax, 0x2402
    int 0x15
    pushf
    print16 "a20 2402: al="
    xor ah, ah
    call hex16_16
    popf
    call carry
    ret

; AL as 2 hex digits
hex8:
    push ax
    push bx
    push cx
    push dx
    mov bl, al
    mov cx, 2
    mov dx, 0x3f8
.d: rol bl, 4
    mov al, bl
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '9' - 1
.o: out dx, al
    loop .d
    pop dx
    pop cx
    pop bx
    pop ax
    ret

; CX/DH = CHS: read 2 sectors to 3000:0000 with AH=02h; print the first 11 bytes of each sector
chs_read:
    mov ax, 0x3000
    mov es, ax
    xor bx, bx
    mov ax, 0x0202
    mov dl, 0x80
    int 0x13
    pushf
    print16 "int13 02: al="
    xor ah, ah
    call hex16_16
    print16 " "
    push ds
    mov ax, 0x3000
    mov ds, ax
    xor si, si
    mov cx, 11
    call put_n
    mov al, '|'
    mov dx, 0x3f8
    out dx, al
    mov si, 512
    mov cx, 11
    call put_n
    pop ds
    popf
    call carry
    xor ax, ax
    mov es, ax
    ret

ext_read:
    mov si, dap
    mov ah, 0x42
    mov dl, 0x80
    int 0x13
    pushf
    print16 "int13 42: ah="
    mov al, ah
    xor ah, ah
    call hex16_16
    print16 " count="
    mov ax, [dap + 2]
    call hex16_16
    print16 " "
    push ds
    mov ax, 0x2000
    mov ds, ax
    xor si, si
    mov cx, 11
    call put_n
    mov al, '|'
    mov dx, 0x3f8
    out dx, al
    mov si, 512
    mov cx, 11
    call put_n
    pop ds
    popf
    call carry
    mov word [dap + 2], 2
    ; clear the buffer for the next read
    push es
    mov ax, 0x2000
    mov es, ax
    xor di, di
    mov cx, 512
    xor ax, ax
    rep stosw
    pop es
    ret

; DS:SI, CX bytes, zero bytes shown as '.'
put_n:
    push ax
    push dx
    mov dx, 0x3f8
.n: lodsb
    test al, al
    jnz .p
    mov al, '.'
.p: out dx, al
    loop .n
    pop dx
    pop ax
    ret

tty_text: db "teletype: hello via INT 10h", 10, 0
align 4
dap: db 0x10, 0
    dw 2, 0x0000, 0x2000
dap_lba: dq 0
stage_end:
`);

const SECTORS = 2048;

/** The program, then from LBA 16 on every sector starts with "sector NNNN". */
function diskImage(): Uint8Array {
  const disk = new Uint8Array(SECTORS * 512);
  disk.set(PROGRAM);
  for (let lba = 16; lba < SECTORS; lba++) disk.set(new TextEncoder().encode(`sector ${String(lba).padStart(4, '0')}`), lba * 512);
  return disk;
}

function expected(memorySize: number): string[] {
  const ext = extendedMemoryKiB(buildE820(memorySize));
  const below16 = Math.min(ext, 15 * 1024);
  const above16 = Math.floor(Math.max(0, ext - 15 * 1024) / 64);
  return [
    'teletype: hello via INT 10h',
    'int10 0f: ax=5003',
    'int11 ax=0222 bda[410]=0222',
    'int12 ax=027f bda[413]=027f',
    // 2048 sectors / (16 heads * 63 sectors) = 2 cylinders: max cylinder 1, max head 15, 63 sectors, 1 drive
    'int13 08: cx=013f dx=0f01 CF=0',
    'int13 41: bx=aa55 cx=0001 CF=0',
    'int13 02: al=0002 sector 0016|sector 0017 CF=0',
    'int13 02: al=0002 sector 0070|sector 0071 CF=0',
    'int13 02: al=0002 sector 1008|sector 1009 CF=0',
    'int13 42: ah=0000 count=0002 sector 2000|sector 2001 CF=0',
    'int13 42: ah=0004 count=0000 ...........|........... CF=1',
    'int13 01: ah=0004',
    'int13 03: ah=0003 CF=1',
    ...buildE820(memorySize).map(
      (e) => `e820 ${hex(Math.floor(e.base / 2 ** 32), 8)}${hex(e.base, 8)} ${hex(Math.floor(e.length / 2 ** 32), 8)}${hex(e.length, 8)} type=${hex(e.type, 4)} size=0018 attr=00000001`,
    ),
    'e820 end',
    `e801 ax=${hex(below16, 4)} bx=${hex(above16, 4)} cx=${hex(below16, 4)} dx=${hex(above16, 4)} CF=0`,
    `int15 88: ax=${hex(Math.min(ext, 0xfc00), 4)} CF=0`,
    'a20 2403: bx=0003 CF=0',
    'a20 2402: al=0000 CF=0',
    'a20 2402: al=0001 CF=0',
    'int16 01: ZF=1 (no key)',
    'int16 11: ZF=1 (no key)',
    'int1a 04: cx=2000 dx=0101 CF=0',
    'int1a 02: ch:cl:dh=00:00:00 CF=0',
    'int1a 00 after set 0x12345: cx=0001 dx>=2345: yes',
    'done',
  ];
}

describe('BIOS services from a boot sector (guest level)', function () {
  for (const mib of [32, 128, 3584]) {
    it(`${mib} MiB: INT 10h, 11h, 12h, 13h (CHS, LBA, errors), 15h (E820 walk = firmware map, E801, 88h, A20), 16h, 1Ah`, async function () {
      const disk = diskImage();
      const r = await runGuestBytes(disk, { boot: 'bootsector', disk, memorySize: mib * 1024 * 1024, maxInstructions: 5_000_000 });
      assert.equal(r.exitStatus, 33, r.serial);
      assert.deepEqual(r.serial.replace(/\n$/, '').split('\n'), expected(mib * 1024 * 1024));
    });
  }
});
