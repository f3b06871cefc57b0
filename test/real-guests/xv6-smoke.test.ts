/**
 * xv6-public, unchanged, on 4 vCPUs: boots to its shell through the BIOS,
 * the MP table, INIT/STARTUP and the IO-APIC, and runs the smoke steps a
 * person would try (echo, ls, a pipe, mkdir/rm, forktest, stressfs) with
 * input typed on COM1 and read by xv6's interrupt-driven UART driver. Its
 * console also draws on the VGA text screen through the CRT controller.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTextScreen, textScreenToString } from '../../emulator/devices/vga/text-screen';
import { runConsoleSession, type ConsoleStep } from '../support/process-console';
import { ConsoleSession } from './console-session';
import { buildXv6 } from './xv6-build';

const PROMPT = '$ ';

describe('xv6-public on 4 vCPUs (smoke)', function () {
  this.timeout(300_000);
  let session: ConsoleSession;
  let boot = '';

  before(function () {
    const built = buildXv6();
    if (!built.ok) {
      console.warn(`      skipped: ${built.reason}`);
      this.skip();
    }
    const { xv6Img, fsImg } = built.images;
    session = new ConsoleSession({ image: xv6Img, boot: 'bootsector', cpus: 4, memorySize: 512 * 1024 * 1024, disks: [readFileSync(xv6Img), readFileSync(fsImg)], seed: 1 });
  });

  it('boots to the shell with every CPU started', async () => {
    boot = await session.waitFor(PROMPT, 3_000_000_000);
    for (let cpu = 0; cpu < 4; cpu++) assert.match(boot, new RegExp(`cpu${cpu}: starting ${cpu}`));
    assert.match(boot, /sb: size 1000 nblocks 941 ninodes 200/);
    assert.match(boot, /init: starting sh/);
    assert.ok(!/panic/.test(boot), boot);
    const started = session.pc.cpus.filter((c) => c.instructionsRetired > 0).length;
    assert.equal(started, 4);
  });

  it('shows the console on the VGA text screen, cursor after the prompt (CRTC 0x0E/0x0F)', () => {
    const screen = readTextScreen(session.pc.platform.vga.registers, session.pc.machine.memory);
    const text = textScreenToString(screen);
    assert.match(text, /cpu0: starting 0/);
    assert.match(text, /init: starting sh\n\$\n/);
    const promptRow = text.split('\n').findIndex((l) => l === '$');
    assert.deepEqual([screen.cursor.row, screen.cursor.column, screen.cursor.visible], [promptRow, 2, true]);
    assert.equal(screen.attributes[0], 0x07, 'xv6 writes light grey on black');
  });

  it('echo', async () => {
    assert.match(await session.command('echo hello bringup', PROMPT), /^echo hello bringup\nhello bringup\n$/);
  });

  it('after the first input, reports once that COM1 interrupts arrive with MCR.OUT2 = 0 (as under QEMU)', () => {
    const notes = session.events.filter((e) => e.kind === 'note' && /MCR\.OUT2 = 0/.test(e.message));
    assert.equal(notes.length, 1);
  });

  it('ls lists the file system', async () => {
    const out = await session.command('ls', PROMPT);
    for (const name of ['README', 'cat', 'forktest', 'stressfs', 'usertests', 'console']) assert.match(out, new RegExp(`^${name} +\\d+ \\d+ \\d+$`, 'm'));
  });

  it('a pipe: cat README | grep xv6 | wc', async () => {
    const out = await session.command('cat README | grep xv6 | wc', PROMPT);
    const m = /^(\d+) (\d+) (\d+) $/m.exec(out);
    assert.ok(m, out);
    assert.ok(Number(m[1]) > 0);
  });

  it('mkdir, ls, rm', async () => {
    await session.command('mkdir testdir', PROMPT);
    assert.match(await session.command('ls', PROMPT), /^testdir +1 \d+ \d+$/m);
    await session.command('rm testdir', PROMPT);
    assert.doesNotMatch(await session.command('ls', PROMPT), /testdir/);
  });

  it('forktest', async () => {
    assert.match(await session.command('forktest', PROMPT), /fork test OK/);
  });

  it('stressfs (four processes writing and reading files on the IDE disk)', async () => {
    const out = await session.command('stressfs', PROMPT, 6_000_000_000);
    assert.match(out, /stressfs starting/);
    assert.match(out, /read/);
    assert.ok(!/panic|failed/.test(out), out);
  });
});

describe('xv6-public through bringup run (the README command line)', function () {
  this.timeout(300_000);

  it('piped stdin reaches the shell; --screen holds the CGA console; the run ends at --max-instructions', function () {
    const built = buildXv6();
    if (!built.ok) {
      console.warn(`      skipped: ${built.reason}`);
      this.skip();
    }
    const { xv6Img, fsImg } = built.images;
    const screenFile = join(mkdtempSync(join(tmpdir(), 'bringup-xv6-')), 'screen.txt');
    const bin = join(__dirname, '..', '..', 'bin', 'bringup.js');
    const r = spawnSync(
      process.execPath,
      [bin, 'run', xv6Img, '--boot', 'bootsector', '--cpus', '4', '--memory', '512M', '--disk', xv6Img, '--disk', fsImg, '--max-instructions', '200000000', '--screen', screenFile],
      { input: 'echo A B\n', encoding: 'latin1' },
    );
    assert.equal(r.status, 124, r.stderr);
    assert.match(r.stdout, /init: starting sh\n\$ A B\n\$ $/, 'typed before the shell ran, executed by it');
    const screen = readFileSync(screenFile, 'utf8').split('\n');
    assert.ok(screen.includes('init: starting sh'), screen.join('\n'));
    assert.ok(screen.includes('$ A B'));
  });
});

describe('xv6-public under QEMU prints what it prints under Bringup', function () {
  this.timeout(300_000);

  it('the same shell session, typed on COM1 at each prompt, gives the same output on both (echo, ls, a pipe, forktest)', async function () {
    const built = buildXv6();
    if (!built.ok) {
      console.warn(`      skipped: ${built.reason}`);
      this.skip();
    }
    if (spawnSync('qemu-system-i386', ['--version']).status !== 0) this.skip();
    const { xv6Img, fsImg } = built.images;
    const steps: ConsoleStep[] = [
      { waitFor: `init: starting sh\n${PROMPT}`, send: 'echo hello bringup' },
      { waitFor: PROMPT, send: 'ls' },
      { waitFor: PROMPT, send: 'cat README | grep xv6 | wc' },
      { waitFor: PROMPT, send: 'forktest' },
      { waitFor: PROMPT },
    ];
    const bin = join(__dirname, '..', '..', 'bin', 'bringup.js');
    const ours = await runConsoleSession(process.execPath, [bin, 'run', xv6Img, '--boot', 'bootsector', '--cpus', '4', '--memory', '512M', '--disk', xv6Img, '--disk', fsImg], steps, 240_000);
    const qemu = await runConsoleSession(
      'qemu-system-i386',
      ['-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-nic', 'none', '-m', '512', '-smp', '4,sockets=4,cores=1,threads=1',
        '-drive', `file=${xv6Img},index=0,media=disk,format=raw,snapshot=on`, '-drive', `file=${fsImg},index=1,media=disk,format=raw,snapshot=on`],
      steps,
      240_000,
    );
    // Step 0 is the boot: SeaBIOS's banner is QEMU's own, and the order in which CPUs print
    // "cpuN: starting" depends on QEMU's host threads. From the first command on, every byte must match.
    for (const boot of [ours.steps[0], qemu.steps[0]]) {
      for (let cpu = 0; cpu < 4; cpu++) assert.match(boot, new RegExp(`cpu${cpu}: starting ${cpu}`));
    }
    assert.deepEqual(ours.steps.slice(1), qemu.steps.slice(1));
    assert.match(ours.steps[1], /^echo hello bringup\nhello bringup\n\$ $/);
    assert.match(ours.steps[4], /fork test OK\n\$ $/);
  });
});
