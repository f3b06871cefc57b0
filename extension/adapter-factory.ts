/** Runs the debug adapter inline (in the extension host) or as a Node process over stdio, per `bringup.adapter`. */
import * as vscode from 'vscode';
import * as fs from 'node:fs';

interface InlineSession extends vscode.DebugAdapter {
  sendEvent?(event: { type: 'event'; seq: number; event: string; body?: unknown }): void;
}

export class BringupAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  /** Inline adapter instances by session id (to raise a focus event for a vCPU). */
  readonly inline = new Map<string, InlineSession>();

  constructor(private readonly context: vscode.ExtensionContext) {}

  adapterPath(): string {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'debugAdapter.js').fsPath;
  }

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const mode = vscode.workspace.getConfiguration('bringup').get<string>('adapter', 'inline');
    const adapter = this.adapterPath();
    if (!fs.existsSync(adapter)) {
      throw new Error(`The Bringup debug adapter is missing (${adapter}). Run "npm run build".`);
    }
    // VS Code checks an event filter in the Breakpoints view from the initialize response's `default` (and then
    // remembers the user's choice), so the adapter learns the launch list before initialize.
    const raw: unknown = session.configuration.stopOnEvents;
    const stopOnEvents = Array.isArray(raw) ? raw.filter((id): id is string => typeof id === 'string') : [];
    if (mode === 'process') {
      return new vscode.DebugAdapterExecutable(process.execPath, stopOnEvents.length > 0 ? [adapter, `--stop-on-events=${stopOnEvents.join(',')}`] : [adapter]);
    }
    // Loaded lazily: the bundle exports the session class and only serves stdio when it is the main module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(adapter) as { BringupDebugSession?: new (options: { stopOnEvents?: readonly string[] }) => InlineSession };
    if (typeof mod.BringupDebugSession !== 'function') {
      throw new Error(`${adapter} does not export BringupDebugSession; set "bringup.adapter": "process" or rebuild.`);
    }
    const instance = new mod.BringupDebugSession({ stopOnEvents });
    this.inline.set(session.id, instance);
    return new vscode.DebugAdapterInlineImplementation(instance);
  }

  forget(session: vscode.DebugSession): void {
    this.inline.delete(session.id);
  }
}
