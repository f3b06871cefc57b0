/**
 * The Linux boot protocol, guest level, with a bzImage-shaped test kernel:
 * a boot sector holding the real-mode header ("HdrS", protocol 2.15,
 * LOADED_HIGH), one setup sector that checks what the boot loader must
 * give it (CS = 0x1020, DS = 0x1000, type_of_loader, CAN_USE_HEAP,
 * heap_end_ptr, the command line at cmd_line_ptr), then enters protected
 * mode and jumps to code32_start like Linux's setup does, where the
 * "kernel" at 1 MiB checks the initrd at ramdisk_image/ramdisk_size.
 * Each failed check ends the run with its own isa-debug-exit value.
 */
import { strict as assert } from 'node:assert';
import { nasm } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';
import { createPcMachine } from '../../emulator/machine/pc-machine';

const BZIMAGE = nasm(`
bits 16
org 0
times 0x1f1-($-$$) db 0
setup_sects:      db 1
root_flags:       dw 0
syssize:          dd 0
ram_size:         dw 0
vid_mode:         dw 0xffff
root_dev:         dw 0
boot_flag:        dw 0xaa55
                  jmp short start
header:           db "HdrS"
version:          dw 0x020f
realmode_swtch:   dd 0
start_sys_seg:    dw 0x1000
kernel_version:   dw 0
type_of_loader:   db 0
loadflags:        db 0x01
setup_move_size:  dw 0x8000
code32_start:     dd 0x100000
ramdisk_image:    dd 0
ramdisk_size:     dd 0
bootsect_kludge:  dd 0
heap_end_ptr:     dw 0
ext_loader_ver:   db 0
ext_loader_type:  db 0
cmd_line_ptr:     dd 0
initrd_addr_max:  dd 0x7fffffff
kernel_alignment: dd 0x200000
relocatable:      db 0
min_alignment:    db 0
xloadflags:       dw 0
cmdline_size:     dd 2047
times 0x268-($-$$) db 0
%macro fail 1
    mov al, %1
    out 0xf4, al
    hlt
%endmacro
start:
    mov ax, cs
    cmp ax, 0x1020
    je .cs_ok
    fail 2
.cs_ok:
    mov ax, ds
    cmp ax, 0x1000
    je .ds_ok
    fail 3
.ds_ok:
    cmp byte [type_of_loader], 0xff
    je .loader_ok
    fail 4
.loader_ok:
    test byte [loadflags], 0x80
    jnz .heap_ok
    fail 5
.heap_ok:
    cmp word [heap_end_ptr], 0xfe00
    je .heap_end_ok
    fail 6
.heap_end_ok:
    cmp dword [cmd_line_ptr], 0x20000
    je .cmdline_ok
    fail 7
.cmdline_ok:
    mov ax, 0x2000
    mov es, ax
    xor bx, bx
    mov dx, 0x3f8
.print:
    mov al, [es:bx]
    test al, al
    jz .printed
    out dx, al
    inc bx
    jmp .print
.printed:
    mov al, 10
    out dx, al
    cli
    lgdt [gdt_descriptor]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:0x100000
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff
    dq 0x00cf92000000ffff
gdt_descriptor:
    dw 23
    dd 0x10000 + gdt
times 1024-($-$$) db 0

section kernel vstart=0x100000
bits 32
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esi, [0x10000 + 0x218]
    mov ecx, [0x10000 + 0x21c]
    cmp ecx, 4096 + 8
    je .size_ok
    fail 8
.size_ok:
    test esi, 0xfff
    jz .aligned
    fail 9
.aligned:
    cmp dword [esi], 'INIT'
    je .head_ok
    fail 10
.head_ok:
    cmp dword [esi + ecx - 4], 'END!'
    je .tail_ok
    fail 11
.tail_ok:
    mov esi, ok_text
    mov dx, 0x3f8
.p: lodsb
    test al, al
    jz .done
    out dx, al
    jmp .p
.done:
    fail 0
ok_text: db "initrd ok", 10, 0
`);

function initrd(): Uint8Array {
  const bytes = new Uint8Array(4096 + 8).fill(0x5a);
  bytes.set(Buffer.from('INIT'), 0);
  bytes.set(Buffer.from('END!'), bytes.length - 4);
  return bytes;
}

describe('Linux boot protocol (--boot linux)', () => {
  it('auto-detects the bzImage; the setup code gets its segments, header fields and command line; the kernel its initrd', async () => {
    const r = await runGuestBytes(BZIMAGE, { cmdline: 'console=ttyS0 bringup=yes', initrd: initrd(), memorySize: 64 * 1024 * 1024, maxInstructions: 1_000_000 });
    assert.equal(r.exitStatus, 1, `failed check ${(r.exitStatus - 1) >> 1}: ${r.serial}`);
    assert.equal(r.serial, 'console=ttyS0 bringup=yes\ninitrd ok\n');
  });

  it('says what it found and where it put everything (--trace boot)', () => {
    const pc = createPcMachine({ image: BZIMAGE, boot: 'auto', cpus: 1, memorySize: 64 * 1024 * 1024, initrd: initrd() }, { serialOutput: () => {}, debugConsoleOutput: () => {} });
    assert.equal(pc.boot.protocol, 'linux');
    assert.match(pc.boot.explanation, /auto chose linux/);
    assert.match(pc.boot.explanation, /Linux boot protocol 2\.15: setup \(1 sectors\) at 0x10000, kernel at 0x100000, command line at 0x20000, initrd at 0x3ffe000 \(4104 bytes\)/);
    const initrdRegion = pc.boot.loaded.find((l) => l.what === 'initrd')!;
    assert.ok(initrdRegion.end <= 64 * 1024 * 1024, 'below the top of RAM');
  });

  it('refuses what it cannot boot, naming the reason', () => {
    const make = (patch: (b: Uint8Array) => void): Uint8Array => {
      const b = new Uint8Array(BZIMAGE);
      patch(b);
      return b;
    };
    const boot = (image: Uint8Array, extra: Record<string, unknown> = {}) => () => createPcMachine({ image, boot: 'linux', cpus: 1, memorySize: 64 * 1024 * 1024, ...extra }, { serialOutput: () => {}, debugConsoleOutput: () => {} });
    assert.throws(boot(make((b) => (b[0x211] = 0))), /zImage .* only bzImage kernels/);
    assert.throws(boot(make((b) => { b[0x206] = 0x01; b[0x207] = 0x02; })), /Linux boot protocol 2\.01 is too old/);
    assert.throws(boot(make((b) => (b[0x202] = 0x58))), /not a Linux bzImage/);
    assert.throws(boot(BZIMAGE.subarray(0, 1024)), /ends \(1024 bytes\) inside its setup code/);
    assert.throws(boot(BZIMAGE, { cmdline: 'x'.repeat(3000) }), /command line is 3000 bytes; this kernel accepts at most 2047/);
    assert.throws(boot(BZIMAGE, { initrd: new Uint8Array(80 * 1024 * 1024) }), /initrd \(83886080 bytes\) does not fit in RAM/);
  });
});
