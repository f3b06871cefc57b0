/**
 * Guest CPU throughput: a 32-bit protected-mode CRC-32 loop (NASM, boot
 * sector) run to completion in our emulator, in guest MIPS (figures `cpu.int-loop`, `cpu.mem-loop`, `cpu.paging-loop`).
 * When qemu-system-i386 is installed the same image runs under QEMU TCG in
 * the same run; QEMU's figure is the same instruction count over its wall
 * time (start-up included, so the ratio favours QEMU less than it could).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootSector } from '../test/support/nasm';
import { runGuestBytes } from '../test/support/run-guest';
import { median, type BenchFigure } from './figure';

const ROUNDS = 5;
const PASSES = 400; // CRC-32 over 4 KiB, PASSES times

export const CRC_GUEST = `
%include "lib/io.inc"
%include "lib/pm32.inc"
start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    enter_pm32 pm
bits 32
pm:
    mov esp, 0x90000
    mov ebp, ${PASSES}
    mov eax, 0xffffffff
.pass:
    mov esi, 0x100000 - 4096
    mov ecx, 4096
.byte:
    xor al, [esi]
    inc esi
    mov edx, 8
.bit:
    shr eax, 1
    jnc .nox
    xor eax, 0xedb88320
.nox:
    dec edx
    jnz .bit
    dec ecx
    jnz .byte
    dec ebp
    jnz .pass
    exit_with 0
    pm32_gdt
`;

function qemuAvailable(): boolean {
  return spawnSync('qemu-system-i386', ['--version']).status === 0;
}

function timeQemu(image: Uint8Array): number {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-bench-'));
  const file = join(dir, 'crc.img');
  const padded = new Uint8Array(Math.max(image.length, 512 * 64));
  padded.set(image);
  writeFileSync(file, padded);
  const start = process.hrtime.bigint();
  const r = spawnSync('qemu-system-i386', ['-accel', 'tcg', '-display', 'none', '-serial', 'null', '-monitor', 'none', '-no-reboot',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-drive', `format=raw,file=${file}`], { timeout: 120_000 });
  const ns = Number(process.hrtime.bigint() - start);
  if (r.status !== 1) throw new Error(`qemu exited with ${r.status}: ${r.stderr?.toString()}`);
  return ns;
}

/** Loads and stores over 64 KiB (an array sum and copy), flat 32-bit protected mode. */
export const MEM_GUEST = (paging: boolean): string => `
%include "lib/io.inc"
%include "lib/pm32.inc"
start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    enter_pm32 pm
bits 32
pm:
    mov esp, 0x90000
${paging ? `    ; identity-map the first 4 MiB with 4 KiB pages: page directory at 0x200000, one page table at 0x201000
    mov edi, 0x201000
    mov eax, 0x3
    mov ecx, 1024
.pte:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    dec ecx
    jnz .pte
    mov dword [0x200000], 0x201003
    mov eax, 0x200000
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
` : ''}    mov ebp, ${PASSES / 4}
.pass:
    mov esi, 0x100000
    mov edi, 0x110000
    mov ecx, 16384
    xor ebx, ebx
.word:
    mov eax, [esi]
    add ebx, eax
    mov [edi], ebx
    add esi, 4
    add edi, 4
    dec ecx
    jnz .word
    dec ebp
    jnz .pass
    exit_with 0
    pm32_gdt
`;

async function measure(name: string, image: Uint8Array, note: string): Promise<BenchFigure> {
  const ours: number[] = [];
  let instructions = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    const result = await runGuestBytes(image, { boot: 'bootsector', maxInstructions: 2_000_000_000 });
    const ns = Number(process.hrtime.bigint() - start);
    if (result.exitReason !== 'debug-exit') throw new Error(`${name}: guest ended with ${result.exitReason}`);
    instructions = result.instructions;
    ours.push(instructions / (ns / 1e3));
  }
  const value = median(ours);
  const figure: BenchFigure = { name, value, unit: 'MIPS', note: `median of ${ROUNDS} runs, ${instructions} guest instructions, ${note}; machine set-up included` };
  if (qemuAvailable()) {
    const peer: number[] = [];
    for (let r = 0; r < ROUNDS; r++) peer.push(instructions / (timeQemu(image) / 1e3));
    figure.peer = 'qemu-tcg';
    figure.peerValue = median(peer);
    figure.ratio = value / figure.peerValue;
  }
  return figure;
}

export async function run(): Promise<BenchFigure[]> {
  return [
    await measure('cpu.int-loop', bootSector(CRC_GUEST), 'a 32-bit CRC-32 loop (ALU, shifts, branches)'),
    await measure('cpu.mem-loop', bootSector(MEM_GUEST(false)), 'loads and stores over 64 KiB, paging off'),
    await measure('cpu.paging-loop', bootSector(MEM_GUEST(true)), 'loads and stores over 64 KiB with 4 KiB paging on'),
  ];
}
