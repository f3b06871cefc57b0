/** The guest's serial output (COM1 and port 0xE9, the adapter's stdout output events) in a pseudo-terminal. */
import * as vscode from 'vscode';

/** Convert guest text to terminal text: bare LF → CRLF. */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export class SerialConsole implements vscode.Disposable {
  private terminal: vscode.Terminal | undefined;
  private readonly write = new vscode.EventEmitter<string>();
  private opened = false;
  private buffer: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(vscode.window.onDidCloseTerminal((t) => {
      if (t === this.terminal) { this.terminal = undefined; this.opened = false; }
    }));
  }

  private ensure(): vscode.Terminal {
    if (this.terminal) return this.terminal;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.write.event,
      open: () => {
        this.opened = true;
        this.write.fire('\x1b[2m[Bringup serial console: COM1 and port 0xE9 output of the guest]\x1b[0m\r\n');
        for (const chunk of this.buffer) this.write.fire(chunk);
        this.buffer = [];
      },
      close: () => { this.opened = false; this.terminal = undefined; },
      handleInput: () => { /* output only: the adapter paces no input into COM1 */ },
    };
    this.terminal = vscode.window.createTerminal({ name: 'Bringup Serial', pty, iconPath: new vscode.ThemeIcon('terminal') });
    return this.terminal;
  }

  /** A new session: start a fresh section. */
  sessionStarted(name: string): void {
    this.ensure();
    this.append(`\r\n\x1b[2m--- ${name} ---\x1b[0m\r\n`, true);
  }

  output(text: string): void {
    this.ensure();
    this.append(toTerminalText(text), true);
  }

  private append(text: string, raw: boolean): void {
    void raw;
    if (this.opened) this.write.fire(text);
    else {
      this.buffer.push(text);
      if (this.buffer.length > 5000) this.buffer.splice(0, this.buffer.length - 5000);
    }
  }

  show(): void {
    this.ensure().show(true);
  }

  dispose(): void {
    this.terminal?.dispose();
    this.write.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
