/**
 * Runs the real assembler on save (nasm, or as / gcc for .S) in a temporary
 * directory with a 5 s limit, and turns its messages into diagnostics.
 * Never called for an untrusted workspace: assembling runs %include'd paths
 * and, for .S, the C preprocessor.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Dialect } from '../model';
import { pathToUri } from '../index/uris';

export const ASSEMBLER_TIMEOUT_MS = 5000;

const available = new Map<string, boolean>();

export function toolAvailable(tool: string): boolean {
  let ok = available.get(tool);
  if (ok === undefined) {
    const r = spawnSync(tool, [tool === 'nasm' ? '-v' : '--version'], { timeout: ASSEMBLER_TIMEOUT_MS, stdio: 'ignore' });
    ok = r.error === undefined && r.status === 0;
    available.set(tool, ok);
  }
  return ok;
}

interface Command {
  tool: string;
  args: string[];
}

/**
 * NASM: `bin` unless the file declares global/extern (then elf32, or elf64
 * with `bits 64`), NASM manual 8.1/8.9. GAS: `as --32` (9.16.1), .S through
 * gcc so cpp runs first.
 */
export function assemblerCommand(path: string, dialect: Dialect, out: string): Command | undefined {
  if (dialect === 'nasm') {
    if (!toolAvailable('nasm')) return undefined;
    const text = readFileSync(path, 'utf8');
    const linkable = /^\s*(global|extern)\s/im.test(text);
    const format = linkable ? (/^\s*\[?\s*bits\s+64/im.test(text) ? 'elf64' : 'elf32') : 'bin';
    return { tool: 'nasm', args: ['-f', format, '-I', dirname(path) + '/', '-o', join(out, 'out'), path] };
  }
  if (/\.S$|\.sx$/.test(path)) {
    if (!toolAvailable('gcc')) return undefined;
    return { tool: 'gcc', args: ['-m32', '-c', '-I', dirname(path), '-o', join(out, 'out.o'), path] };
  }
  if (!toolAvailable('as')) return undefined;
  return { tool: 'as', args: ['--32', '-I', dirname(path), '-o', join(out, 'out.o'), path] };
}

export interface AssemblerResult {
  tool: string;
  /** Diagnostics by file URI (files the messages name). */
  diagnostics: Map<string, Diagnostic[]>;
  /** Messages that name no line. */
  other: string[];
  timedOut: boolean;
}

/** `file:line: error: text` (nasm) and `file:line: Error: text` (as). */
const MESSAGE = /^(.*?):(\d+):(?:\d+:)? (error|warning|fatal|Error|Warning|Fatal error): (.*)$/;

export function parseAssemblerOutput(output: string, cwd: string, tool: string, fallbackUri: string): Omit<AssemblerResult, 'tool' | 'timedOut'> {
  const diagnostics = new Map<string, Diagnostic[]>();
  const other: string[] = [];
  const add = (uri: string, d: Diagnostic): void => {
    const list = diagnostics.get(uri) ?? [];
    list.push(d);
    diagnostics.set(uri, list);
  };
  for (const line of output.split(/\r?\n/)) {
    const m = MESSAGE.exec(line);
    if (m === null) {
      const lineless = /^(.*?): (Error|Warning|error|warning): (.*)$/.exec(line);
      if (lineless !== null && !/Assembler messages/.test(line)) {
        add(fallbackUri, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: /error/i.test(lineless[2]) ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, source: tool, message: lineless[3] });
        other.push(line);
      }
      continue;
    }
    const file = isAbsolute(m[1]) ? m[1] : resolve(cwd, m[1]);
    const lineNo = Math.max(0, Number(m[2]) - 1);
    const severity = /error|fatal/i.test(m[3]) ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;
    add(pathToUri(file), { range: { start: { line: lineNo, character: 0 }, end: { line: lineNo, character: 1000 } }, severity, source: tool, message: m[4] });
  }
  return { diagnostics, other };
}

export function runAssembler(path: string, dialect: Dialect): Promise<AssemblerResult | undefined> {
  const out = mkdtempSync(join(tmpdir(), 'bringup-lsp-'));
  const command = assemblerCommand(path, dialect, out);
  if (command === undefined) {
    rmSync(out, { recursive: true, force: true });
    return Promise.resolve(undefined);
  }
  const cwd = dirname(path);
  return new Promise((resolvePromise) => {
    execFile(command.tool, command.args, { cwd, timeout: ASSEMBLER_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      rmSync(out, { recursive: true, force: true });
      const timedOut = error !== null && (error as NodeJS.ErrnoException & { killed?: boolean }).killed === true;
      const parsed = parseAssemblerOutput(`${stdout}\n${stderr}`, cwd, command.tool === 'gcc' ? 'as' : command.tool, pathToUri(path));
      resolvePromise({ tool: command.tool, timedOut, ...parsed });
    });
  });
}
