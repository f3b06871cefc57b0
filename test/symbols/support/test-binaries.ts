/**
 * Test programs compiled in the test run by the machine's compilers: GCC
 * (and Clang when installed) × -O0/-O1/-O2 × DWARF 4/5 × 32/64-bit, each a
 * freestanding "kernel" (two C units and a real-mode trampoline in its own
 * section), plus one hosted program per compiler and width (crt code
 * without DWARF). Built once per process into a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestBinary {
  name: string;
  path: string;
  compiler: 'gcc' | 'clang';
  optimization: 'O0' | 'O1' | 'O2';
  dwarf: 4 | 5;
  bits: 32 | 64;
  hosted: boolean;
}

export const FIXTURES = join(__dirname, '..', 'fixtures');

let matrix: TestBinary[] | undefined;
let built = false;
let directory: string | undefined;

export function hasTool(tool: string, args = ['--version']): boolean {
  return spawnSync(tool, args, { encoding: 'utf8' }).status === 0;
}

function run(tool: string, args: string[], cwd: string): void {
  const r = spawnSync(tool, args, { encoding: 'utf8', cwd });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${r.stderr}`);
}

interface BuildStep {
  binary: TestBinary;
  commands: { tool: string; args: string[] }[];
}

const steps: BuildStep[] = [];

/**
 * The test binaries, without building them (so describe() can name one
 * test per binary even when a compiler is missing: the tests then fail in
 * buildTestBinaries(), not the whole mocha run).
 */
export function testBinaries(): TestBinary[] {
  if (matrix !== undefined) return matrix;
  directory = mkdtempSync(join(tmpdir(), 'bringup-symbols-'));
  const dir = directory;
  const compilers: ('gcc' | 'clang')[] = hasTool('clang') ? ['gcc', 'clang'] : ['gcc'];
  const out: TestBinary[] = [];
  for (const compiler of compilers) {
    for (const bits of [32, 64] as const) {
      for (const optimization of ['O0', 'O1', 'O2'] as const) {
        for (const dwarf of [4, 5] as const) {
          const name = `kernel-${compiler}-m${bits}-${optimization}-dwarf${dwarf}`;
          const flags = [`-m${bits}`, `-${optimization}`, `-gdwarf-${dwarf}`, '-ffreestanding', '-fno-pic', '-fno-stack-protector', '-fno-asynchronous-unwind-tables'];
          if (optimization === 'O0') flags.push('-fno-omit-frame-pointer');
          const commands: BuildStep['commands'] = [];
          const objects: string[] = [];
          for (const source of ['kernel.c', 'geometry.c', 'trampoline.S']) {
            const object = `${name}-${source}.o`;
            commands.push({ tool: compiler, args: [...flags, '-c', join(FIXTURES, source), '-o', object] });
            objects.push(object);
          }
          commands.push({ tool: compiler, args: [`-m${bits}`, '-nostdlib', '-static', '-Wl,--build-id=none', '-Wl,-no-pie', ...objects, '-o', name] });
          const binary: TestBinary = { name, path: join(dir, name), compiler, optimization, dwarf, bits, hosted: false };
          out.push(binary);
          steps.push({ binary, commands });
        }
      }
      const name = `hosted-${compiler}-m${bits}`;
      const binary: TestBinary = { name, path: join(dir, name), compiler, optimization: 'O2', dwarf: 5, bits, hosted: true };
      out.push(binary);
      steps.push({ binary, commands: [{ tool: compiler, args: [`-m${bits}`, '-O2', '-gdwarf-5', join(FIXTURES, 'hosted.c'), join(FIXTURES, 'geometry.c'), '-o', name] }] });
    }
  }
  matrix = out;
  return out;
}

/** Compile every test binary (once per process); throws when gcc or binutils are missing (they are the oracle). */
export function buildTestBinaries(): TestBinary[] {
  const binaries = testBinaries();
  if (built) return binaries;
  for (const tool of ['gcc', 'objdump', 'addr2line', 'readelf']) if (!hasTool(tool)) throw new Error(`${tool} is needed by the symbol tests (apt-get install gcc gcc-multilib binutils)`);
  for (const step of steps) for (const c of step.commands) run(c.tool, c.args, directory!);
  built = true;
  return binaries;
}
