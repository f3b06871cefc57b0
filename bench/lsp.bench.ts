/**
 * Assembly language server: time to index the repository's NASM sources
 * plus a generated 10,000-line file (`lsp.index-ms`), and hover latency over
 * stdio on that file (`lsp.hover-ms`, median of mixed instruction, label,
 * register and descriptor hovers).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { WorkspaceIndex } from '../language-server/index/workspace-index';
import { median, type BenchFigure } from './figure';

const REPO = join(__dirname, '..');
const LINES = 10000;
const HOVERS = 200;
const ROUNDS = 5;

/** A boot-code-like file: labelled routines with local labels, GDT entries, APIC writes. */
export function generateAssembly(lines: number): string {
  const out = ['bits 32', 'APIC equ 0xfee00000', '%macro io_delay 0', '    out 0x80, al', '%endmacro'];
  for (let r = 0; out.length < lines - 8; r++) {
    out.push(`routine_${r}:`, '    push ebp', '    mov ebp, esp', `    mov eax, [data_${r}]`, '.loop:', '    add eax, ebx', '    cmp eax, 0x1000', '    jb .loop',
      `    mov dword [APIC + 0x300], 0x000c4500`, '    io_delay', '    pop ebp', '    ret', `data_${r}:`, '    dq 0x00cf9a000000ffff', '    dd 0');
  }
  return out.join('\n') + '\n';
}

function repoAsmFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) repoAsmFiles(path, out);
    else if (/\.(asm|inc|s|S)$/.test(name)) out.push(path);
  }
  return out;
}

async function hoverLatency(workspace: string, file: string): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'language-server/main.ts'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], cwd: REPO });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  rpc.listen();
  try {
    const uri = pathToFileURL(file).href;
    await rpc.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(workspace).href, capabilities: {}, initializationOptions: {} });
    await rpc.sendNotification('initialized', {});
    const text = readFileSync(file, 'utf8');
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nasm', version: 1, text } });
    const lines = text.split('\n');
    const targets: { line: number; character: number }[] = [];
    for (let i = 0; targets.length < HOVERS && i < lines.length; i += 7) {
      const col = lines[i].search(/\S/);
      if (col >= 0) targets.push({ line: i, character: col + 1 });
    }
    for (const t of targets.slice(0, 20)) await rpc.sendRequest('textDocument/hover', { textDocument: { uri }, position: t }); // warm-up
    const times: number[] = [];
    for (const t of targets) {
      const start = process.hrtime.bigint();
      await rpc.sendRequest('textDocument/hover', { textDocument: { uri }, position: t });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return times;
  } finally {
    rpc.dispose();
    child.kill();
  }
}

export async function run(): Promise<BenchFigure[]> {
  const work = mkdtempSync(join(tmpdir(), 'bringup-lsp-bench-'));
  try {
    const sources = repoAsmFiles(REPO).filter((p) => !p.includes(`${join('test', 'language-server')}`));
    for (const src of sources) {
      const dest = join(work, 'repo', relative(REPO, src));
      mkdirSync(join(dest, '..'), { recursive: true });
      copyFileSync(src, dest);
    }
    const generated = join(work, 'generated.asm');
    writeFileSync(generated, generateAssembly(LINES));
    const indexTimes: number[] = [];
    let files = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const start = process.hrtime.bigint();
      const index = new WorkspaceIndex();
      index.scanFolders([work]);
      indexTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
      files = index.size;
    }
    const hovers = await hoverLatency(work, generated);
    return [
      { name: 'lsp.index-ms', value: median(indexTimes), unit: 'ms', note: `median of ${ROUNDS} full indexings of ${files} files: the repository's ${sources.length} assembly sources and a generated ${LINES}-line NASM file` },
      { name: 'lsp.hover-ms', value: median(hovers), unit: 'ms', note: `median round trip of ${hovers.length} hovers over stdio (instructions, labels, data) on the ${LINES}-line file` },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
