/**
 * Tells the assembly language server what the stopped machine knows (each
 * vCPU's registers and EIP, the session's symbol files) so its hovers show
 * run-time values, and marks the line every vCPU is executing in open
 * NASM/GAS editors.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { requestCurrentLines, sendDebugState, type DebugStateMessage } from './language-client';
import type { BringupState } from './state';

export class DebugStateBridge implements vscode.Disposable {
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.stackFrameHighlightBackground'),
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em' },
  });
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly client: LanguageClient, private readonly state: BringupState) {
    this.disposables.push(
      state.onDidChange(() => void this.update()),
      vscode.window.onDidChangeVisibleTextEditors(() => void this.decorate()),
    );
  }

  private message(): DebugStateMessage {
    const session = this.state.session;
    const config = (session?.configuration ?? {}) as { image?: string; symbolFiles?: (string | { path: string; offset?: number | string; sections?: { name: string; address: number | string }[] })[] };
    const files = (config.symbolFiles ?? (config.image ? [config.image] : [])).map((f) => {
      const spec = typeof f === 'string' ? { path: f } : f;
      const sections: Record<string, number> = {};
      for (const s of (spec as { sections?: { name: string; address: number | string }[] }).sections ?? []) sections[s.name] = Number(s.address);
      return { path: spec.path, offset: (spec as { offset?: number | string }).offset === undefined ? undefined : Number((spec as { offset?: number | string }).offset), sections };
    });
    return {
      stopped: this.state.stopped && session !== undefined,
      vcpus: (this.state.vcpus?.vcpus ?? []).map((v) => ({ index: v.index, registers: v.registers ?? {}, linearEip: v.linearEip, csEip: v.csEip })),
      symbolFiles: files,
    };
  }

  private async update(): Promise<void> {
    try {
      await sendDebugState(this.client, this.message());
      await this.decorate();
    } catch {
      // The language server may be starting or gone; hovers simply show no run-time values then.
    }
  }

  private async decorate(): Promise<void> {
    for (const editor of vscode.window.visibleTextEditors) {
      const lang = editor.document.languageId;
      if (lang !== 'nasm' && lang !== 'gas') continue;
      if (!this.state.stopped) {
        editor.setDecorations(this.decoration, []);
        continue;
      }
      let lines: { vcpu: number; line: number; exact: boolean }[] = [];
      try {
        lines = await requestCurrentLines(this.client, editor.document.uri);
      } catch {
        lines = [];
      }
      const byLine = new Map<number, number[]>();
      for (const l of lines) byLine.set(l.line, [...(byLine.get(l.line) ?? []), l.vcpu]);
      editor.setDecorations(this.decoration, [...byLine].map(([line, cpus]) => ({
        range: new vscode.Range(line, 0, line, 0),
        renderOptions: { after: { contentText: `◀ vCPU ${cpus.join(', ')}` } },
      })));
    }
  }

  dispose(): void {
    this.decoration.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
