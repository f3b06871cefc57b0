/**
 * CPU core, guest level: small programs assembled with NASM run through the
 * whole PC machine; assertions on registers, memory, serial output and how
 * the run ended.
 */
import { strict as assert } from 'node:assert';
import { bootSector, nasm } from '../support/nasm';
import { runGuestBytes, type GuestRun } from '../support/run-guest';
import type { PcMachine } from '../../emulator/machine/pc-machine';

async function run(image: Uint8Array, maxInstructions = 2_000_000, cpus = 1): Promise<{ run: GuestRun; pc: PcMachine }> {
  let pc!: PcMachine;
  const result = await runGuestBytes(image, { maxInstructions, boot: 'bootsector', cpus, inspect: (p) => (pc = p) });
  return { run: result, pc };
}

const HALT = 'cli\nhlt\n';

/**
 * Flat 32-bit protected mode with an IDT of 0x41 empty gates loaded
 * (`idt`, `idtr`); `gate N, handler` installs a 32-bit interrupt gate.
 * Guests continue after the prologue and end with PM32_IDT_EPILOGUE.
 */
const PM32_IDT_PROLOGUE = `
      %include "lib/stage1.inc"
      %include "lib/pm32.inc"
      %include "lib/io.inc"
      bits 16
      enter_pm32 start32
      pm32_gdt
      %include "lib/print32.inc"
      bits 32
      %macro gate 2
      mov eax, %2
      mov [idt + %1*8], ax
      mov word [idt + %1*8 + 2], 0x08
      mov word [idt + %1*8 + 4], 0x8e00
      shr eax, 16
      mov [idt + %1*8 + 6], ax
      %endmacro
      start32:
      mov esp, 0x90000
      lidt [idtr]`;
const PM32_IDT_EPILOGUE = `
      align 8
      idt: times 0x41 dq 0
      idtr: dw 0x41*8-1
            dd idt
      stage_end:`;

describe('CPU core (guest programs)', function () {
  it('real mode: ALU results and flags, MUL/DIV, shifts', async function () {
    const { run: r, pc } = await run(bootSector(`
      mov ax, 0x7fff
      add ax, 1            ; OF=1 SF=1
      pushf
      pop bx               ; flags after add
      mov cx, 1234
      mov ax, 5678
      mul cx               ; DX:AX = 7006652 = 0x6AE9BC
      mov si, ax
      mov di, dx
      mov ax, 1000
      xor dx, dx
      mov cx, 7
      div cx               ; 142 r 6
      mov bp, dx
      mov sp, ax
      ${HALT}`));
    assert.equal(r.exitReason, 'all-halted');
    const g = pc.cpus[0].state.gpr;
    assert.equal(g[3] & 0x08d5, 0x0880 | 0x0010 | 0x0004); // OF SF AF PF set (0x8000: even parity of low byte 0x00)
    assert.equal(g[6] & 0xffff, 0xe9bc);
    assert.equal(g[7] & 0xffff, 0x006a);
    assert.equal(g[4] & 0xffff, 142);
    assert.equal(g[5] & 0xffff, 6);
  });

  it('real mode: REP MOVSB forwards and backwards, REPNE SCASB', async function () {
    const { pc } = await run(bootSector(`
      xor ax, ax
      mov ds, ax
      mov es, ax
      cld
      mov si, src
      mov di, 0x600
      mov cx, 5
      rep movsb
      std
      mov si, src+4
      mov di, 0x614
      mov cx, 5
      rep movsb
      cld
      mov di, src
      mov al, 'l'
      mov cx, 5
      repne scasb          ; stops after the first 'l' (index 2): CX = 2
      mov bx, cx
      mov dx, di
      ${HALT}
      src: db 'hello'`));
    const mem = pc.machine.memory;
    assert.equal(Buffer.from(mem.readBytes(0x600, 5)).toString('latin1'), 'hello');
    assert.equal(Buffer.from(mem.readBytes(0x610, 5)).toString('latin1'), 'hello');
    const g = pc.cpus[0].state.gpr;
    assert.equal(g[3] & 0xffff, 2);
    assert.equal((g[2] & 0xffff) - 0x7c00 > 0, true);
  });

  it('real mode → protected mode → paging, with the descriptor caches loaded from the GDT', async function () {
    const { run: r, pc } = await run(bootSector(`
      cli
      lgdt [gdtr]
      mov eax, cr0
      or al, 1
      mov cr0, eax
      jmp 0x08:pm
      bits 32
      pm:
      mov ax, 0x10
      mov ds, ax
      mov es, ax
      mov ss, ax
      mov esp, 0x90000
      ; identity-map the first 4 MiB with one 4 MiB page (PSE)
      mov dword [0x10000], 0x00000083
      mov eax, cr4
      or eax, 0x10
      mov cr4, eax
      mov eax, 0x10000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80000000
      mov cr0, eax
      mov dword [0x500], 0xcafef00d
      mov ebx, [0x500]
      ${HALT}
      align 8
      gdt: dq 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
      gdtr: dw 23
            dd gdt`));
    assert.equal(r.exitReason, 'all-halted');
    const st = pc.cpus[0].state;
    assert.equal(st.gpr[3], 0xcafef00d);
    assert.equal((st.cr0 & 0x80000001) >>> 0, 0x80000001);
    assert.equal(st.segments[1].selector, 0x08);
    assert.equal(st.segments[1].limit >>> 0, 0xffffffff);
    assert.equal(st.segments[1].attributes & 0x40ff, 0x409b); // D=1, present code, accessed
    assert.equal(st.segments[2].selector, 0x10);
  });

  it('unreal mode: a 4 GiB data-segment limit survives the return to real mode', async function () {
    const { run: r, pc } = await run(bootSector(`
      cli
      xor ax, ax
      mov ds, ax
      lgdt [gdtr]
      mov eax, cr0
      or al, 1
      mov cr0, eax
      mov bx, 0x08
      mov ds, bx
      and al, 0xfe
      mov cr0, eax
      xor ax, ax
      mov ds, ax
      mov dword [dword 0x200000], 0x12345678
      mov ecx, [dword 0x200000]
      ${HALT}
      align 8
      gdt: dq 0, 0x00cf92000000ffff
      gdtr: dw 15
            dd gdt`));
    assert.equal(r.exitReason, 'all-halted');
    assert.equal(pc.cpus[0].state.gpr[1], 0x12345678);
    assert.equal(pc.cpus[0].state.segments[3].limit >>> 0, 0xffffffff);
  });

  it('a page fault reaches its handler with CR2 and the error code', async function () {
    const { run: r } = await run(nasm(`${PM32_IDT_PROLOGUE}
      gate 14, pf_handler
      ; page directory at 0x20000: 4 MiB identity page, PDE 1 not present
      mov dword [0x20000], 0x83
      mov eax, cr4
      or eax, 0x10
      mov cr4, eax
      mov eax, 0x20000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80000000
      mov cr0, eax
      mov dword [0x00401234], 1     ; not present: #PF, error code 2 (write)
      exit_with 1
      pf_handler:
      pop ebx                       ; error code
      mov eax, cr2
      call print_hex32
      putc ' '
      mov eax, ebx
      call print_hex32
      putc 10
      exit_with 0x20
      ${PM32_IDT_EPILOGUE}`));
    assert.equal(r.serial, '00401234 00000002\n');
    assert.equal(r.exitStatus, 0x41);
  });

  it('#DE from DIV by zero is delivered through the IVT in real mode', async function () {
    const { run: r } = await run(bootSector(`
      xor ax, ax
      mov ds, ax
      mov word [0], de_handler
      mov word [2], 0
      mov ax, 5
      xor cl, cl
      div cl
      mov al, 1
      out 0xf4, al
      de_handler:
      mov al, 'D'
      out 0xe9, al
      mov al, 0x30
      out 0xf4, al`));
    assert.equal(r.serial, 'D');
    assert.equal(r.exitStatus, 0x61);
  });

  it('a triple fault (no IDT) ends the run with status 2', async function () {
    const { run: r } = await run(bootSector(`
      cli
      lidt [idtr]
      int 3
      idtr: dw 0
            dd 0`));
    assert.equal(r.exitReason, 'triple-fault');
    assert.equal(r.exitStatus, 2);
  });

  it('CPUID reports the vendor and the features the emulator implements', async function () {
    const { pc } = await run(bootSector(`
      xor eax, eax
      cpuid
      mov [0x600], ebx
      mov [0x604], edx
      mov [0x608], ecx
      mov eax, 1
      cpuid
      mov [0x610], edx
      ${HALT}`));
    const vendor = Buffer.from(pc.machine.memory.readBytes(0x600, 12)).toString('latin1');
    assert.match(vendor, /^[ -~]{12}$/);
    const edx = pc.machine.memory.read32(0x610);
    for (const bit of [0, 4, 5, 8, 9]) assert.ok(edx & (1 << bit), `CPUID.1:EDX bit ${bit} (FPU/TSC/MSR/CX8/APIC)`);
  });

  it('x87 detection: FNINIT then FNSTSW gives 0 and FNSTCW gives 0x037F', async function () {
    const { pc } = await run(bootSector(`
      mov word [0x600], 0x5a5a
      mov word [0x602], 0x5a5a
      fninit
      fnstsw [0x600]
      fnstcw [0x602]
      ${HALT}`));
    assert.equal(pc.machine.memory.read16(0x600), 0);
    assert.equal(pc.machine.memory.read16(0x602), 0x037f);
  });

  it('an invalid opcode raises #UD (delivered through the IVT)', async function () {
    const { run: r } = await run(bootSector(`
      xor ax, ax
      mov ds, ax
      mov word [6*4], ud_handler
      mov word [6*4+2], 0
      ud2
      ud_handler:
      mov al, 0x06
      out 0xf4, al`));
    assert.equal(r.exitStatus, 13);
  });

  it('BIOS INT 10h teletype reaches the serial port', async function () {
    const { run: r } = await run(bootSector(`
      mov si, msg
      next:
      lodsb
      test al, al
      jz done
      mov ah, 0x0e
      int 0x10
      jmp next
      done:
      ${HALT}
      msg: db 'hi from int 10h', 0`));
    assert.match(r.serial, /hi from int 10h/);
  });
});

describe('CPU core: faults while delivering an external interrupt', function () {
  it('an interrupt through a not-present gate raises #NP with EXT set and the interrupted EIP as return address', async function () {
    const { run: r } = await run(nasm(`${PM32_IDT_PROLOGUE}
      gate 11, np_handler
      ; vector 0x40: an interrupt gate with P = 0
      mov dword [idt + 0x40*8], 0x00080000
      mov dword [idt + 0x40*8 + 4], 0x00000e00
      mov dword [0xfee000f0], 0x1ff
      sti
      mov dword [0xfee00300], 0x00044040   ; fixed IPI to self, vector 0x40
      interrupted:
      nop
      exit_with 1
      np_handler:
      pop eax                               ; error code
      call print_hex32
      putc ' '
      pop eax                               ; return EIP
      cmp eax, interrupted
      jne .bad
      putc 'E'
      putc 'I'
      putc 'P'
      putc 10
      exit_with 0x20
      .bad:
      call print_hex32
      exit_with 2
      ${PM32_IDT_EPILOGUE}`));
    assert.equal(r.serial, '00000203 EIP\n', 'error code = vector 0x40 * 8 + IDT (2) + EXT (1); EIP = the interrupted instruction');
    assert.equal(r.exitStatus, 0x41);
  });
});

describe('CPU core: self-modifying code', function () {
  it('a write to an instruction that already ran (and was decoded and cached) is seen the next time it runs', async function () {
    const { run: r } = await run(bootSector(`
      xor ax, ax
      mov ds, ax
      mov cx, 3
      again:
      patch: mov al, 'A'
      out 0xe9, al
      inc byte [patch + 1]
      loop again
      cli
      hlt`));
    assert.equal(r.serial, 'ABC');
  });

  it('code written by another vCPU is executed as written (trampoline copied by the BSP, patched by AP 1 for AP 2)', async function () {
    const { run: r } = await run(nasm(`
      %include "lib/stage1.inc"
      %include "lib/pm32.inc"
      %include "lib/io.inc"
      bits 16
      enter_pm32 start32
      pm32_gdt
      bits 32
      start32:
      mov esp, 0x7000
      ; copy the trampoline to 0x9000
      mov esi, tramp
      mov edi, 0x9000
      mov ecx, tramp_end - tramp
      rep movsb
      mov dword [0xfee000f0], 0x1ff
      ; start AP 1: it prints its mark, then patches the mark for the next AP
      mov dword [0xfee00310], 1 << 24
      mov dword [0xfee00300], 0x00004500
      mov dword [0xfee00300], 0x00004609
      .w1: cmp byte [0x8000], 1
      jne .w1
      mov dword [0xfee00310], 2 << 24
      mov dword [0xfee00300], 0x00004500
      mov dword [0xfee00300], 0x00004609
      .w2: cmp byte [0x8000], 2
      jne .w2
      exit_with 0x10
      bits 16
      tramp:
      xor ax, ax
      mov ds, ax
      mark: mov al, 'X'
      out 0xe9, al
      mov byte [0x9000 + (mark - tramp) + 1], 'Y'
      inc byte [0x8000]
      cli
      hlt
      tramp_end:
      stage_end:`), 5_000_000, 3);
    assert.equal(r.serial, 'XY');
    assert.equal(r.exitStatus, 33);
  });
});

describe('CPU core: interrupt shadow and NMI blocking', function () {

  it('sti; hlt with an interrupt already pending: the interrupt wakes the HLT instead of being taken before it (SDM 6.8.3)', async function () {
    const { run: r } = await run(nasm(`${PM32_IDT_PROLOGUE}
      mov dword [0xfee000f0], 0x1ff
      gate 0x40, handler
      cli
      mov dword [0xfee00300], 0x00044040   ; self IPI, vector 0x40, pending while IF=0
      sti
      hlt                                  ; the interrupt shadow of STI covers this HLT
      cmp dword [0x600], 1
      jne .bad
      exit_with 0x20
      .bad: exit_with 1
      handler:
      inc dword [0x600]
      mov dword [0xfee000b0], 0
      iret
      ${PM32_IDT_EPILOGUE}`));
    assert.equal(r.exitStatus, 0x41, `exit ${r.exitReason}`);
  });

  it('NMIs are blocked from the NMI handler until IRET (SDM 6.7.1): a second NMI waits for the first handler to return', async function () {
    const { run: r } = await run(nasm(`${PM32_IDT_PROLOGUE}
      mov dword [0xfee000f0], 0x1ff
      gate 2, nmi
      mov dword [0xfee00310], 0            ; destination APIC 0 (ourselves; the self shorthand is not valid for NMI, SDM Table 10-3)
      mov dword [0xfee00300], 0x00004400   ; NMI
      ; the first NMI's handler sends a second NMI and checks it does not nest
      .wait: cmp dword [0x604], 2
      jne .wait
      cmp dword [0x608], 0
      jne .bad
      exit_with 0x20
      .bad: exit_with 1
      nmi:
      inc dword [0x604]
      cmp dword [0x604], 1
      jne .second
      mov dword [0xfee00300], 0x00004400   ; a second NMI to ourselves from inside the handler
      mov ecx, 1000
      .spin: loop .spin                    ; the second NMI must not interrupt this
      cmp dword [0x604], 1
      je .ok
      mov dword [0x608], 1                 ; nested: wrong
      .ok: iret
      .second: iret
      ${PM32_IDT_EPILOGUE}`));
    assert.equal(r.exitStatus, 0x41, `exit ${r.exitReason} ${r.serial}`);
  });
});
