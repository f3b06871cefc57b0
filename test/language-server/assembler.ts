/**
 * Runs nasm / as / gcc directly on a fixture (as a developer would) and
 * returns the zero-based lines of its error messages for that file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export function hasTool(tool: string): boolean {
  const r = spawnSync(tool, [tool === 'nasm' ? '-v' : '--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

export function assemblerErrorLines(path: string): { lines: Set<number>; output: string } {
  const out = mkdtempSync(join(tmpdir(), 'lsp-agree-'));
  try {
    const dir = dirname(path);
    // A fixture may name its nasm options in a comment: `; assembler-args: -f elf32 -DX=1`.
    const custom = /assembler-args:(.*)$/m.exec(readFileSync(path, 'utf8'))?.[1].trim().split(/\s+/) ?? ['-f', 'bin'];
    const args = /\.(asm|inc|nasm)$/.test(path)
      ? ['nasm', [...custom, '-I', dir + '/', '-o', join(out, 'o'), path]]
      : /\.S$/.test(path)
        ? ['gcc', ['-m32', '-c', '-o', join(out, 'o.o'), path]]
        : ['as', ['--32', '-o', join(out, 'o.o'), path]];
    const r = spawnSync(args[0] as string, args[1] as string[], { cwd: dir, encoding: 'utf8', timeout: 20000 });
    const output = `${r.stdout}\n${r.stderr}`;
    const lines = new Set<number>();
    const name = basename(path);
    for (const line of output.split('\n')) {
      const m = /^(.*?):(\d+): (?:error|Error|fatal)/.exec(line);
      if (m !== null && basename(m[1]) === name) lines.add(Number(m[2]) - 1);
    }
    return { lines, output };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
