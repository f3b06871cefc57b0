/**
 * What the gdb tests share: whether Debian's gdb and QEMU are installed, a
 * `bringup run --gdb` process (the bundled CLI, as users run it) with the
 * port it printed, and gdb in batch mode against a port.
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

export interface GdbRun {
  output: string;
  status: number | null;
}

/** gdb -batch with one -ex per command; its stdout and stderr together, in order. */
export function runGdbBatch(commands: string[], timeoutMs = 120_000): Promise<GdbRun> {
  const args = ['-batch', '-nx', '-q'];
  for (const c of commands) args.push('-ex', c);
  const child = spawn('gdb', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
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
