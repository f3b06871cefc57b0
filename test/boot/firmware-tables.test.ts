/**
 * MP and ACPI tables, guest level: a plain-ELF kernel finds the MP floating
 * pointer and configuration table and the ACPI RSDP → RSDT/XSDT → MADT the
 * way an OS does (scanning the EBDA and the BIOS area), checks every
 * checksum, and prints what it found; the output must describe --cpus.
 */
import { strict as assert } from 'node:assert';
import { runGuestBytes } from '../support/run-guest';
import { linkElf, LINK_SCRIPT } from './guest-images';

const PARSER = linkElf(
  `
bits 32
section .text progbits alloc exec write align=16
global entry
%include "lib/print32.inc"
%include "lib/entry32.inc"

; scan ESI..EDI in 16-byte steps for the dword EAX: ESI = hit or 0
scan16:
.l: cmp esi, edi
    jae .none
    cmp [esi], eax
    je .hit
    add esi, 16
    jmp .l
.none:
    xor esi, esi
.hit:
    ret

; ESI, ECX: AL = byte sum
sum:
    push esi
    push ecx
    xor eax, eax
.l: add al, [esi]
    inc esi
    loop .l
    pop ecx
    pop esi
    ret

; print " checksum ok" / " checksum BAD" for ESI, ECX
checksum:
    call sum
    test al, al
    jnz .bad
    print " checksum ok"
    ret
.bad:
    print " checksum BAD"
    ret

dec:
    call print_dec32
    ret

entry:
    mov esp, entry_stack_top
    ; ---------------- MP floating pointer: EBDA first KiB, then F0000-FFFFF
    movzx esi, word [0x40e]
    shl esi, 4
    lea edi, [esi + 1024]
    mov eax, '_MP_'
    call scan16
    test esi, esi
    jnz .mp_found
    mov esi, 0xf0000
    mov edi, 0x100000
    mov eax, '_MP_'
    call scan16
    test esi, esi
    jnz .mp_found
    print "MP: no floating pointer"
    newline
    jmp .acpi
.mp_found:
    print "MP floating pointer: spec 1."
    movzx eax, byte [esi + 9]
    call dec
    print " feature1="
    movzx eax, byte [esi + 11]
    call dec
    print " imcrp="
    movzx eax, byte [esi + 12]
    shr eax, 7
    call dec
    movzx ecx, byte [esi + 8]
    shl ecx, 4
    call checksum
    newline
    mov ebp, [esi + 4]          ; configuration table
    check "MP config signature PCMP", [ebp], 'PCMP'
    print "MP config: lapic="
    mov eax, [ebp + 36]
    call print_hex32
    print " entries="
    movzx eax, word [ebp + 34]
    call dec
    mov esi, ebp
    movzx ecx, word [ebp + 4]
    call checksum
    newline
    movzx edi, word [ebp + 34]  ; entry count
    lea esi, [ebp + 44]
.mp_entry:
    test edi, edi
    jz .mp_done
    movzx eax, byte [esi]
    cmp al, 0
    je .mp_cpu
    cmp al, 1
    je .mp_bus
    cmp al, 2
    je .mp_ioapic
    cmp al, 3
    je .mp_ioint
    cmp al, 4
    je .mp_lint
    print "MP: unknown entry type "
    call dec
    newline
    jmp .mp_done
.mp_cpu:
    print "MP cpu apic="
    movzx eax, byte [esi + 1]
    call dec
    print " flags="
    movzx eax, byte [esi + 3]
    call dec
    newline
    add esi, 20
    dec edi
    jmp .mp_entry
.mp_bus:
    print "MP bus "
    movzx eax, byte [esi + 1]
    call dec
    print " ["
    push esi
    push ecx
    add esi, 2
    mov ecx, 6
    mov dx, 0x3f8
.bus_c:
    lodsb
    out dx, al
    loop .bus_c
    pop ecx
    pop esi
    print "]"
    newline
    add esi, 8
    dec edi
    jmp .mp_entry
.mp_ioapic:
    print "MP ioapic id="
    movzx eax, byte [esi + 1]
    call dec
    print " version="
    movzx eax, byte [esi + 2]
    call print_hex32
    print " flags="
    movzx eax, byte [esi + 3]
    call dec
    print " addr="
    mov eax, [esi + 4]
    call print_hex32
    newline
    add esi, 8
    dec edi
    jmp .mp_entry
.mp_ioint:
    inc dword [mp_ioints]
    cmp byte [esi + 5], 0       ; source IRQ 0
    jne .ioint_next
    cmp byte [esi + 1], 0       ; type INT (not ExtINT)
    jne .ioint_next
    print "MP irq0 -> ioapic "
    movzx eax, byte [esi + 6]
    call dec
    print " pin "
    movzx eax, byte [esi + 7]
    call dec
    newline
.ioint_next:
    add esi, 8
    dec edi
    jmp .mp_entry
.mp_lint:
    print "MP lint type="
    movzx eax, byte [esi + 1]
    call dec
    print " dest="
    movzx eax, byte [esi + 6]
    call dec
    print " lint"
    movzx eax, byte [esi + 7]
    call dec
    newline
    add esi, 8
    dec edi
    jmp .mp_entry
.mp_done:
    print "MP io interrupt entries="
    mov eax, [mp_ioints]
    call dec
    newline

    ; ---------------- ACPI: RSDP in the EBDA first KiB, then E0000-FFFFF
.acpi:
    movzx esi, word [0x40e]
    shl esi, 4
    lea edi, [esi + 1024]
    call find_rsdp
    test esi, esi
    jnz .rsdp
    mov esi, 0xe0000
    mov edi, 0x100000
    call find_rsdp
    test esi, esi
    jnz .rsdp
    print "ACPI: no RSDP"
    newline
    jmp .end
.rsdp:
    mov [rsdp], esi
    print "RSDP revision="
    movzx eax, byte [esi + 15]
    call dec
    mov ecx, 20
    call checksum
    print ", extended"
    mov ecx, [esi + 20]
    call checksum
    newline
    ; RSDT
    mov ebx, [esi + 16]
    mov esi, ebx
    print "RSDT"
    mov ecx, [esi + 4]
    call checksum
    mov ecx, [ebx + 4]
    sub ecx, 36
    shr ecx, 2
    lea esi, [ebx + 36]
    mov edx, 4
    call list_tables
    mov [rsdt_madt], eax
    ; XSDT
    mov esi, [rsdp]
    mov ebx, [esi + 24]
    mov esi, ebx
    print "XSDT"
    mov ecx, [esi + 4]
    call checksum
    mov ecx, [ebx + 4]
    sub ecx, 36
    shr ecx, 3
    lea esi, [ebx + 36]
    mov edx, 8
    call list_tables
    mov [xsdt_madt], eax
    check "RSDT and XSDT name the same MADT", [xsdt_madt], [rsdt_madt]
    ; MADT
    mov ebp, [rsdt_madt]
    test ebp, ebp
    jz .end
    print "MADT lapic="
    mov eax, [ebp + 36]
    call print_hex32
    print " flags="
    mov eax, [ebp + 40]
    call dec
    mov esi, ebp
    mov ecx, [ebp + 4]
    call checksum
    newline
    mov edi, ebp
    add edi, [ebp + 4]
    lea esi, [ebp + 44]
.madt_entry:
    cmp esi, edi
    jae .madt_done
    movzx eax, byte [esi]
    cmp al, 0
    je .m_lapic
    cmp al, 1
    je .m_ioapic
    cmp al, 2
    je .m_iso
    cmp al, 4
    je .m_nmi
    print "MADT entry type "
    call dec
    newline
    jmp .m_next
.m_lapic:
    test byte [esi + 4], 1
    jz .m_next
    inc dword [madt_cpus]
    print "MADT cpu uid="
    movzx eax, byte [esi + 2]
    call dec
    print " apic="
    movzx eax, byte [esi + 3]
    call dec
    newline
    jmp .m_next
.m_ioapic:
    print "MADT ioapic id="
    movzx eax, byte [esi + 2]
    call dec
    print " addr="
    mov eax, [esi + 4]
    call print_hex32
    print " gsi base="
    mov eax, [esi + 8]
    call dec
    newline
    jmp .m_next
.m_iso:
    print "MADT override bus="
    movzx eax, byte [esi + 2]
    call dec
    print " irq"
    movzx eax, byte [esi + 3]
    call dec
    print " -> gsi"
    mov eax, [esi + 4]
    call dec
    print " flags="
    movzx eax, word [esi + 8]
    call print_hex32
    newline
    jmp .m_next
.m_nmi:
    print "MADT lapic nmi uid="
    movzx eax, byte [esi + 2]
    call print_hex32
    print " lint"
    movzx eax, byte [esi + 5]
    call dec
    newline
.m_next:
    movzx eax, byte [esi + 1]
    add esi, eax
    jmp .madt_entry
.madt_done:
    print "MADT enabled cpus="
    mov eax, [madt_cpus]
    call dec
    newline
.end:
    print "done"
    newline
    mov al, 0x10
    out 0xf4, al
    cli
    hlt

; ESI..EDI: ESI = RSDP with a valid signature, or 0
find_rsdp:
.l: mov eax, 'RSD '
    call scan16
    test esi, esi
    jz .out
    cmp dword [esi + 4], 'PTR '
    je .out
    add esi, 16
    jmp .l
.out:
    ret

; ESI = entry array, ECX = count, EDX = entry size (4 or 8): prints the
; signatures; EAX = the MADT's address (0 if none)
list_tables:
    push ebx
    xor ebx, ebx
    print ":"
.l: jecxz .done
    push esi
    mov esi, [esi]
    print " "
    push ecx
    mov ecx, 4
    push esi
    push edx
    mov dx, 0x3f8
.c: lodsb
    out dx, al
    loop .c
    pop edx
    pop esi
    mov ecx, [esi + 4]
    call sum
    test al, al
    jz .sum_ok
    print "(checksum BAD)"
.sum_ok:
    cmp dword [esi], 'APIC'
    jne .notmadt
    mov ebx, esi
.notmadt:
    pop ecx
    pop esi
    add esi, edx
    dec ecx
    jmp .l
.done:
    newline
    mov eax, ebx
    pop ebx
    ret

align 4
mp_ioints: dd 0
madt_cpus: dd 0
rsdp: dd 0
rsdt_madt: dd 0
xsdt_madt: dd 0
entry_state_data
`,
  LINK_SCRIPT,
).bytes;

function expected(cpus: number): string[] {
  const ioapic = cpus; // ioApicIdFor: the first ID after the processors
  const lines = [
    'MP floating pointer: spec 1.4 feature1=0 imcrp=0 checksum ok',
    'MP config signature PCMP: ok',
  ];
  // processors, bus, IO-APIC, IO interrupts (ExtINT pin 0 + 15 ISA IRQs without the cascade IRQ2), 2 local interrupts
  const ioints = 1 + 15;
  lines.push(`MP config: lapic=fee00000 entries=${cpus + 1 + 1 + ioints + 2} checksum ok`);
  for (let id = 0; id < cpus; id++) lines.push(`MP cpu apic=${id} flags=${id === 0 ? 3 : 1}`);
  lines.push('MP bus 0 [ISA   ]');
  lines.push(`MP ioapic id=${ioapic} version=00000020 flags=1 addr=fec00000`);
  lines.push(`MP irq0 -> ioapic ${ioapic} pin 2`);
  lines.push('MP lint type=3 dest=255 lint0', 'MP lint type=1 dest=255 lint1');
  lines.push(`MP io interrupt entries=${ioints}`);
  lines.push('RSDP revision=2 checksum ok, extended checksum ok');
  lines.push('RSDT checksum ok: FACP APIC', 'XSDT checksum ok: FACP APIC', 'RSDT and XSDT name the same MADT: ok');
  lines.push('MADT lapic=fee00000 flags=1 checksum ok');
  for (let id = 0; id < cpus; id++) lines.push(`MADT cpu uid=${id} apic=${id}`);
  lines.push(`MADT ioapic id=${ioapic} addr=fec00000 gsi base=0`);
  lines.push('MADT override bus=0 irq0 -> gsi2 flags=00000000');
  lines.push('MADT override bus=0 irq9 -> gsi9 flags=0000000d');
  lines.push('MADT lapic nmi uid=000000ff lint1');
  lines.push(`MADT enabled cpus=${cpus}`, 'done');
  return lines;
}

describe('MP and ACPI tables parsed by a guest', function () {
  for (const cpus of [1, 2, 4, 8]) {
    it(`--cpus ${cpus}: MP processors/bus/IO-APIC/IRQ0→pin 2 and MADT CPUs/IO-APIC/IRQ0→GSI2 agree with the machine`, async function () {
      const r = await runGuestBytes(PARSER, { boot: 'elf', cpus, maxInstructions: 5_000_000 });
      assert.equal(r.exitStatus, 33, r.serial);
      assert.deepEqual(r.serial.replace(/\n$/, '').split('\n'), expected(cpus));
    });
  }
});
