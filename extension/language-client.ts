/**
 * Starts the assembly language server (dist/languageServer.js, built from
 * language-server/main.ts) over stdio with vscode-languageclient, and
 * forwards the debugger's state to it. Called from activate().
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/** Mirrors language-server/debug/debug-state.ts (kept apart: the server must not import vscode, this file must not import the server). */
export interface DebugStateMessage {
  stopped: boolean;
  vcpus: { index: number; registers: Record<string, number>; linearEip: number; csEip?: string | number }[];
  symbolFiles: { path: string; offset?: number; sections?: Record<string, number> }[];
}

export interface CurrentLine {
  vcpu: number;
  line: number;
  exact: boolean;
}

export async function startLanguageClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/languageServer.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'nasm' },
      { language: 'gas' },
      { scheme: 'file', pattern: '**/*.{asm,nasm,inc,s,S}' },
    ],
    initializationOptions: { trusted: vscode.workspace.isTrusted },
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{asm,nasm,inc,s,S}') },
  };
  const client = new LanguageClient('bringupAsm', 'Bringup assembly', serverOptions, clientOptions);
  await client.start();
  context.subscriptions.push(
    client,
    // Assemblers may run on save only once the user trusts the workspace.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client.sendNotification('bringup/setTrusted', { trusted: true })),
  );
  return client;
}

/** Tell the server whether a Bringup session is stopped, the vCPUs' registers and the ELF files to read symbols from. */
export function sendDebugState(client: LanguageClient, state: DebugStateMessage): Promise<void> {
  return client.sendNotification('bringup/debugState', state);
}

/** The line each vCPU is executing in a document, for inline decorations. */
export function requestCurrentLines(client: LanguageClient, uri: vscode.Uri): Promise<CurrentLine[]> {
  return client.sendRequest<CurrentLine[]>('bringup/currentLines', { uri: uri.toString() });
}
