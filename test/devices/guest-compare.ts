/**
 * Shared helpers for the guest-level device tests: run an assembled image
 * in Bringup and, where qemu-system-i386 is installed, under QEMU with the
 * same -smp (serial to a file, isa-debug-exit at 0xF4), and compare lines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const guestImage = (name: string): string => join(__dirname, '..', 'guests', 'build', `${name}.bin`);

let qemu: boolean | undefined;
export function qemuAvailable(): boolean {
  qemu ??= spawnSync('qemu-system-i386', ['--version']).status === 0;
  return qemu;
}

export interface QemuRun {
  status: number | null;
  serial: string;
  stderr: string;
}

/** Run under QEMU (TCG) for at most 30 s; `drives` replace the default single -drive of the image. */
export function runQemu(image: string, cpus: number, extra: string[] = [], drives?: string[]): QemuRun {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-qemu-'));
  const out = join(dir, 'serial.txt');
  const driveArgs = (drives ?? [`file=${image},format=raw`]).flatMap((d) => ['-drive', d]);
  const r = spawnSync('timeout', ['30', 'qemu-system-i386', ...driveArgs, '-smp', String(cpus), '-m', '128', '-display', 'none',
    '-serial', `file:${out}`, '-monitor', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', ...extra], { encoding: 'latin1' });
  const serial = existsSync(out) ? readFileSync(out, 'latin1').replace(/\r/g, '') : '';
  return { status: r.status, serial, stderr: r.stderr };
}

/** The lines from the first line starting with `marker` (SeaBIOS prints its banner on the same port first). */
export function linesFrom(serial: string, marker: string): string[] {
  const at = serial.indexOf(marker);
  return (at < 0 ? '' : serial.slice(at)).trimEnd().split('\n').filter((l) => l.length > 0);
}
