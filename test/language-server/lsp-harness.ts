/**
 * Starts the bundled language server (`node dist/languageServer.js --stdio`)
 * and talks JSON-RPC to it over its stdin/stdout, as any editor would.
 * The bundle is rebuilt from language-server/main.ts once per mocha run with
 * the same esbuild options as scripts/build.mjs (only this entry, so a
 * half-edited other entry cannot break these tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export const REPO = resolve(__dirname, '..', '..');
export const FIXTURES = join(__dirname, 'fixtures');
export const SERVER = join(REPO, 'dist', 'languageServer.js');

let built: Promise<void> | undefined;

export function buildServer(): Promise<void> {
  built ??= build({
    entryPoints: { languageServer: join(REPO, 'language-server', 'main.ts') },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: join(REPO, 'dist'),
    sourcemap: true,
    logLevel: 'warning',
  }).then(() => undefined);
  return built;
}

export function uriOf(path: string): string {
  return pathToFileURL(path).href;
}

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  source?: string;
  code?: string;
  severity?: number;
}

export class LspSession {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Other notifications from the server (bringup/assembled, window/logMessage...). */
  readonly notifications: { method: string; params: unknown }[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  stderr = '';

  private constructor(child: ChildProcess) {
    this.child = child;
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.poke();
    });
    this.connection.onNotification((method: string, params: unknown) => {
      this.notifications.push({ method, params });
      this.poke();
    });
    this.connection.onRequest(() => null);
    this.connection.listen();
  }

  private poke(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  static async start(workspace: string, initializationOptions: Record<string, unknown> = {}): Promise<LspSession> {
    await buildServer();
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const session = new LspSession(child);
    await session.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uriOf(workspace),
      workspaceFolders: [{ uri: uriOf(workspace), name: 'fixtures' }],
      capabilities: {},
      initializationOptions,
    });
    await session.connection.sendNotification('initialized', {});
    return session;
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  /** didOpen with the file's text from disk; resolves when its diagnostics arrive. */
  async open(path: string, languageId?: string): Promise<string> {
    const uri = uriOf(path);
    this.diagnostics.delete(uri);
    const lang = languageId ?? (/\.s$/i.test(path) ? 'gas' : 'nasm');
    await this.notify('textDocument/didOpen', { textDocument: { uri, languageId: lang, version: 1, text: readFileSync(path, 'utf8') } });
    await this.waitFor(() => this.diagnostics.has(uri));
    return uri;
  }

  waitFor(check: () => boolean, timeoutMs = 20000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for the server; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({ check, resolve: () => { clearTimeout(timer); resolvePromise(); } });
    });
  }

  async hover(uri: string, line: number, character: number): Promise<string> {
    const h = await this.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } });
    return h?.contents.value ?? '';
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      await this.notify('exit', null);
    } catch {
      // already gone
    }
    this.connection.dispose();
    this.child.kill();
  }
}

/** Zero-based line of the first line containing `needle`, and the column of `needle` (+ offset). */
export function find(path: string, needle: string, nth = 0, offset = 0): { line: number; character: number } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const col = lines[i].indexOf(needle);
    if (col >= 0 && seen++ === nth) return { line: i, character: col + offset };
  }
  throw new Error(`'${needle}' (#${nth}) not found in ${path}`);
}
