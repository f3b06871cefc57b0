/**
 * Guest CPU throughput: a 32-bit protected-mode CRC-32 loop (NASM, boot
 * sector) run to completion in our emulator, in guest MIPS (figures `cpu.int-loop`, `cpu.mem-loop`, `cpu.paging-loop`).
 * When qemu-system-i386 is installed the same image runs under QEMU TCG in
 * the same run; QEMU's figure is the same instruction count over its wall
 * time (start-up included, so the ratio favours QEMU less than it could).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootSector } from '../test/support/nasm';
import { median, type BenchFigure } from './figure';

const ROUNDS = 5;
const PASSES = 400; // CRC-32 over 4 KiB, PASSES times

/** Boot sector start: flat 32-bit protected mode, stack at 0x90000 (the guests below continue at label pm). */
const FLAT_PM_PROLOGUE = `%include "lib/io.inc"
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
`;

export const CRC_GUEST = `
${FLAT_PM_PROLOGUE}    mov ebp, ${PASSES}
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
${FLAT_PM_PROLOGUE}${paging ? `    ; identity-map the first 4 MiB with 4 KiB pages: page directory at 0x200000, one page table at 0x201000
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

/**
 * One run of the bundled CLI (dist/cli.js, what `bringup run` executes) on
 * the image: guest instructions from --json over wall time, process start-up
 * included. The bundle matters: esbuild inlines const enums across modules
 * when bundling, which per-file transpilation (tsx) cannot.
 */
function timeOurs(image: Uint8Array): { ns: number; instructions: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-bench-'));
  const file = join(dir, 'guest.img');
  const json = join(dir, 'run.json');
  writeFileSync(file, image);
  const cli = join(__dirname, '..', 'dist', 'cli.js');
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, 'run', file, '--boot', 'bootsector', '--json', json], { timeout: 300_000 });
  const ns = Number(process.hrtime.bigint() - start);
  if (r.status !== 1) throw new Error(`bringup run exited with ${r.status}: ${r.stderr?.toString()}`);
  const summary = JSON.parse(readFileSync(json, 'utf8')) as { instructions: { total: number } };
  return { ns, instructions: summary.instructions.total };
}

async function measure(name: string, image: Uint8Array, note: string): Promise<BenchFigure> {
  if (!existsSync(join(__dirname, '..', 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run npm run build first');
  const ours: number[] = [];
  let instructions = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = timeOurs(image);
    instructions = t.instructions;
    ours.push(instructions / (t.ns / 1e3));
  }
  const value = median(ours);
  const figure: BenchFigure = { name, value, unit: 'MIPS', note: `median of ${ROUNDS} runs of bringup run (bundled CLI), ${instructions} guest instructions, ${note}; process start-up included, as for QEMU` };
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
