/**
 * The Screen webview view: the guest's VGA text screen (bringup/screen),
 * fetched at every stop and, throttled by bringup.views.liveUpdateInterval,
 * while the guest runs; nothing is fetched while the view is hidden.
 */
import * as vscode from 'vscode';
import type { ScreenView } from '../../debug-adapter/custom-protocol';
import type { BringupState } from '../state';
import { renderScreenHtml, screenPalette, screenSummary, screenText, type ScreenColours } from './screen-model';
import { Throttle } from './throttle';
import { webviewPageHtml } from './webview-page';

export class ScreenViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'bringup.screen';
  private view: vscode.WebviewView | undefined;
  private last: ScreenView | undefined;
  private lastError: string | undefined;
  private readonly live: Throttle;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly state: BringupState) {
    this.live = new Throttle(() => this.fetch(), this.interval());
    this.disposables.push(
      state.onDidChange(() => this.live.request()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('bringup.views.liveUpdateInterval')) this.live.interval = this.interval();
        if (e.affectsConfiguration('bringup.screen.colors')) this.post();
      }),
    );
  }

  private interval(): number {
    return vscode.workspace.getConfiguration('bringup').get<number>('views.liveUpdateInterval', 250);
  }

  private colours(): ScreenColours {
    return vscode.workspace.getConfiguration('bringup').get<string>('screen.colors', 'theme') === 'vga' ? 'vga' : 'theme';
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'extension', 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = this.html(view.webview, media);
    view.webview.onDidReceiveMessage((m: { type?: string }) => {
      if (m.type === 'ready') void this.fetch();
      else if (m.type === 'copy' && this.last !== undefined) void vscode.env.clipboard.writeText(screenText(this.last));
    });
    view.onDidChangeVisibility(() => { if (view.visible) void this.fetch(); });
  }

  /** The last screen fetched (tests, copy). */
  get screen(): ScreenView | undefined {
    return this.last;
  }

  async fetch(): Promise<void> {
    const session = this.state.session;
    if (!this.view?.visible || session === undefined) {
      if (session === undefined && this.last !== undefined) this.post();
      return;
    }
    try {
      this.last = (await session.customRequest('bringup/screen')) as ScreenView;
      this.lastError = undefined;
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
    }
    this.post();
  }

  private post(): void {
    if (!this.view) return;
    const view = this.last;
    this.view.description = view ? screenSummary(view) : undefined;
    void this.view.webview.postMessage(
      view === undefined
        ? { type: 'empty', message: this.lastError ?? 'Start a Bringup debug session to see the guest\'s text screen.' }
        : { type: 'render', html: renderScreenHtml(view), palette: screenPalette(view, this.colours()), columns: view.columns, stale: this.state.session === undefined, error: this.lastError },
    );
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    return webviewPageHtml(webview, media, {
      title: 'Screen',
      stylesheet: 'screen.css',
      script: 'screen.js',
      body: `<div class="toolbar" role="toolbar" aria-label="Screen">
  <button id="copy" title="Copy the screen as text" aria-label="Copy the screen as text">Copy</button>
  <span id="status" class="status" aria-live="polite"></span>
</div>
<div id="screen" class="screen" role="img" aria-label="Guest text screen"><div class="empty">Start a Bringup debug session to see the guest's text screen.</div></div>`,
    });
  }

  dispose(): void {
    this.live.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}
