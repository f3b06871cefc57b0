/**
 * Real guests end to end, in wall time, each under `bringup run` (the
 * bundled CLI, what users run) and QEMU TCG in the same run; for a time,
 * ratio = QEMU's time / ours (above 1.0: we are faster).
 * - `guests.xv6-smoke-s`: xv6's smoke session (boot to the shell, echo, ls,
 *   a pipe, mkdir/rm, forktest, stressfs) on 4 vCPUs, typed on COM1, with
 *   the xv6 guest kit README's command lines.
 * - `guests.linux-boot-s`: the real-guest suite's Linux 6.1 i386 bzImage on
 *   4 vCPUs (`-kernel` under QEMU), from start to its /init's output.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildXv6 } from '../test/real-guests/xv6-build';
import { buildLinuxI386 } from '../test/real-guests/linux-build';
import { timeConsoleSession, type ConsoleStep } from '../test/support/process-console';
import type { BenchFigure } from './figure';

const PROMPT = '$ ';
const SMOKE: ConsoleStep[] = [
  { waitFor: 'init: starting sh', send: undefined },
  { waitFor: PROMPT, send: 'echo hello bringup' },
  { waitFor: 'hello bringup\n', send: undefined },
  { waitFor: PROMPT, send: 'ls' },
  { waitFor: 'console', send: undefined },
  { waitFor: PROMPT, send: 'cat README | grep xv6 | wc' },
  { waitFor: PROMPT, send: 'mkdir benchdir' },
  { waitFor: PROMPT, send: 'rm benchdir' },
  { waitFor: PROMPT, send: 'forktest' },
  { waitFor: 'fork test OK', send: undefined },
  { waitFor: PROMPT, send: 'stressfs' },
  { waitFor: 'stressfs starting', send: undefined },
  { waitFor: PROMPT, send: undefined },
];
const TIMEOUT_MS = 20 * 60 * 1000;

function qemuInstalled(): boolean {
  return spawnSync('qemu-system-i386', ['--version']).status === 0;
}

export async function run(): Promise<BenchFigure[]> {
  return [await xv6Smoke(), await linuxBoot()];
}

async function linuxBoot(): Promise<BenchFigure> {
  const built = buildLinuxI386();
  if (!built.ok) throw new Error(`guests.linux-boot-s: ${built.reason}`);
  const { bzImage } = built.images;
  const cmdline = 'console=ttyS0 panic=-1';
  const steps: ConsoleStep[] = [{ waitFor: 'bringup-init: 004 CPUs online' }];
  const bin = join(__dirname, '..', 'bin', 'bringup.js');
  const ours = await timeConsoleSession(process.execPath, [bin, 'run', bzImage, '--boot', 'linux', '--cpus', '4', '--memory', '256M', '--cmdline', cmdline], steps, TIMEOUT_MS);
  const figure: BenchFigure = { name: 'guests.linux-boot-s', value: ours / 1000, unit: 's', note: 'Linux 6.1 i386 bzImage on 4 vCPUs, wall time from start to /init\'s line; ratio = QEMU time / ours' };
  if (qemuInstalled()) {
    const qemu = await timeConsoleSession(
      'qemu-system-i386',
      ['-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-nic', 'none', '-m', '256', '-smp', '4', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', bzImage, '-append', cmdline],
      steps,
      TIMEOUT_MS,
    );
    figure.peer = 'qemu-system-i386 TCG';
    figure.peerValue = qemu / 1000;
    figure.ratio = qemu / ours;
  }
  return figure;
}

async function xv6Smoke(): Promise<BenchFigure> {
  const built = buildXv6();
  if (!built.ok) throw new Error(`guests.xv6-smoke-s: ${built.reason}`);
  const { xv6Img, fsImg } = built.images;
  const bin = join(__dirname, '..', 'bin', 'bringup.js');
  const ours = await timeConsoleSession(process.execPath, [bin, 'run', xv6Img, '--boot', 'bootsector', '--cpus', '4', '--memory', '512M', '--disk', xv6Img, '--disk', fsImg], SMOKE, TIMEOUT_MS);
  const figure: BenchFigure = { name: 'guests.xv6-smoke-s', value: ours / 1000, unit: 's', note: 'xv6 smoke session on 4 vCPUs, wall time from start to the last prompt; ratio = QEMU time / ours' };
  if (qemuInstalled()) {
    const qemu = await timeConsoleSession(
      'qemu-system-i386',
      ['-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-nic', 'none', '-m', '512', '-smp', '4,sockets=4,cores=1,threads=1',
        '-drive', `file=${xv6Img},index=0,media=disk,format=raw,snapshot=on`, '-drive', `file=${fsImg},index=1,media=disk,format=raw,snapshot=on`],
      SMOKE,
      TIMEOUT_MS,
    );
    figure.peer = 'qemu-system-i386 TCG';
    figure.peerValue = qemu / 1000;
    figure.ratio = qemu / ours;
  }
  return figure;
}
