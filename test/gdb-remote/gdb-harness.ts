/**
 * What the gdb tests share: whether Debian's gdb and QEMU are installed, a
 * `bringup run --gdb` process (the bundled CLI, as users run it) with the
 * port it printed, the same image under QEMU's gdbstub with the port QEMU
 * printed, and gdb in batch mode against a port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SymbolFile } from '../../symbols/symbol-file';

export const root = join(__dirname, '..', '..');
export const sampleElf = join(root, 'samples', 'smp-demo', 'smp-demo.elf');
export const trampolineElf = join(root, 'samples', 'smp-demo', 'trampoline.elf');

export function haveTool(command: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore' });
  return r.status === 0;
}

/** Skip the suite, saying why, when a tool is missing (`.ci/run` installs them). */
export function requireTool(context: Mocha.Context, command: string, what: string): void {
  if (haveTool(command)) return;
  console.log(`      skipped: ${command} is not installed (${what}; apt-get install ${command === 'qemu-system-i386' ? 'qemu-system-x86' : command})`);
  context.skip();
}

export function symbolAddress(elf: string, name: string): number {
  const symbol = new SymbolFile({ path: elf, bytes: new Uint8Array(readFileSync(elf)) }).symbols.byName(name);
  if (symbol === undefined) throw new Error(`${elf} has no symbol ${name}`);
  return symbol.value;
}

export interface StubProcess {
  port: number;
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
}

/** `bringup run ARGS --gdb 0 ...`: resolves once the stub prints its port. */
export function startBringupStub(args: string[]): Promise<StubProcess> {
  const child = spawn(process.execPath, [join(root, 'bin', 'bringup.js'), 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port printed within 20 s:\n${stderr}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      const m = /gdb stub listening on [^ ]*:(\d+)/.exec(stderr);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child, stderr: () => stderr, stdout: () => stdout, exit });
      }
    });
    void exit.then((code) => reject(new Error(`bringup exited (${code}) before listening:\n${stderr}`)));
  });
}

/** The options the QEMU peer runs with, besides the gdbstub and the image: as the sample's README, serial on stdout. */
export function qemuMachineArgs(cpus: number): string[] {
  return ['-cpu', 'qemu32', '-smp', String(cpus), '-m', '128', '-nographic', '-monitor', 'none', '-no-reboot', '-nic', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'];
}

/**
 * `qemu-system-i386 ARGS -S` with its gdbstub on a port the kernel picks:
 * a socket chardev on 127.0.0.1 port 0 with wait=on makes QEMU print
 * `QEMU waiting for connection on: disconnected:tcp:127.0.0.1:PORT` and
 * hold its start-up until a debugger connects (as `bringup run --gdb
 * --gdb-wait` prints its port). Resolves with that port.
 */
export function startQemuStub(args: string[]): Promise<StubProcess> {
  const gdbArgs = ['-S', '-chardev', 'socket,id=gdb0,host=127.0.0.1,port=0,server=on,wait=on,nodelay=on', '-gdb', 'chardev:gdb0'];
  const child = spawn('qemu-system-i386', [...args, ...gdbArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`QEMU printed no gdbstub port within 20 s:\n${stderr}`)), 20_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      const m = /waiting for connection on: disconnected:tcp:[^:]+:(\d+)/.exec(stderr);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child, stderr: () => stderr, stdout: () => stdout, exit });
      }
    });
    void exit.then((code) => reject(new Error(`QEMU exited (${code}) before listening:\n${stderr}`)));
  });
}

/** SIGKILL a stub process that is still running (after hooks: no orphans). */
export function killStub(stub: StubProcess | undefined): void {
  if (stub !== undefined && stub.child.exitCode === null && stub.child.signalCode === null) stub.child.kill('SIGKILL');
}

export interface GdbRun {
  output: string;
  status: number | null;
}

/**
 * gdb -batch with one -ex per command; its stdout and stderr together, in
 * order: both are one pipe (`2>&1`), since two pipes read apart can
 * interleave a monitor reply or an error line out of place.
 */
export function runGdbBatch(commands: string[], timeoutMs = 120_000): Promise<GdbRun> {
  const args = ['-batch', '-nx', '-q'];
  for (const c of commands) args.push('-ex', c);
  const child = spawn('/bin/sh', ['-c', 'exec gdb "$@" 2>&1', 'gdb', ...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
  let output = '';
  child.stdout.setEncoding('utf8'); // a UTF-8 sequence split between two reads stays one character
  child.stdout.on('data', (d: string) => (output += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ output, status });
    });
  });
}

/** The text gdb printed between two `echo` markers. */
export function section(output: string, name: string): string {
  const start = output.indexOf(`<<${name}>>`);
  const end = output.indexOf(`<</${name}>>`);
  if (start < 0 || end < 0) throw new Error(`gdb output has no section ${name}:\n${output}`);
  return output.slice(start + name.length + 4, end);
}

/** gdb commands that print a marked section. */
export function marked(name: string, ...commands: string[]): string[] {
  return [`echo <<${name}>>\\n`, ...commands, `echo <</${name}>>\\n`];
}
