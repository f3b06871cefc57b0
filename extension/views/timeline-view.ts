/** The IPI timeline webview view: the model renders SVG, the webview script adds interaction. */
import * as vscode from 'vscode';
import type { IpiTimelineModel } from './ipi-timeline-model';
import { layoutTimeline, renderTimelineSvg } from './ipi-timeline-model';
import { webviewPageHtml } from './webview-page';

export interface TimelineMessage {
  type: 'ready' | 'select' | 'zoom' | 'follow' | 'export';
  sender?: number;
  seq?: number;
  kind?: 'ipi' | 'pv';
  zoom?: number;
  follow?: boolean;
  format?: 'json' | 'svg';
}

export class IpiTimelineViewProvider implements vscode.WebviewViewProvider {
  static readonly viewType = 'bringup.ipiTimeline';
  private view: vscode.WebviewView | undefined;
  zoom = 1;
  follow = true;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly model: () => IpiTimelineModel,
    private readonly onSelect: (sender: number, seq: number, kind: 'ipi' | 'pv') => void,
    private readonly onExport: (format: 'json' | 'svg') => void,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'extension', 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = this.html(view.webview, media);
    view.webview.onDidReceiveMessage((m: TimelineMessage) => this.receive(m));
    view.onDidChangeVisibility(() => { if (view.visible) this.update(); });
  }

  private receive(m: TimelineMessage): void {
    switch (m.type) {
      case 'ready': this.update(); break;
      case 'select': if (typeof m.sender === 'number') this.onSelect(m.sender, m.seq ?? -1, m.kind ?? 'ipi'); break;
      case 'zoom': if (typeof m.zoom === 'number') { this.zoom = Math.min(8, Math.max(0.25, m.zoom)); this.update(); } break;
      case 'follow': this.follow = m.follow === true; this.update(); break;
      case 'export': if (m.format === 'json' || m.format === 'svg') this.onExport(m.format); break;
    }
  }

  toggleFollow(): void {
    this.follow = !this.follow;
    this.update();
  }

  /** Re-render (cheap: SVG of the accumulated log). */
  update(): void {
    if (!this.view || !this.view.visible) return;
    const model = this.model();
    const svg = renderTimelineSvg(layoutTimeline(model, this.zoom), { title: `IPI timeline: ${model.ipis.length} IPIs, ${model.paravirt.length} paravirtual events` });
    void this.view.webview.postMessage({ type: 'render', svg, zoom: this.zoom, follow: this.follow, count: model.count });
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    return webviewPageHtml(webview, media, {
      title: 'IPI Timeline',
      stylesheet: 'timeline.css',
      script: 'timeline.js',
      images: true,
      body: `<div class="toolbar" role="toolbar" aria-label="IPI timeline">
  <button id="zoom-out" title="Zoom out (-)" aria-label="Zoom out">−</button>
  <span id="zoom-level" aria-live="polite">100%</span>
  <button id="zoom-in" title="Zoom in (+)" aria-label="Zoom in">+</button>
  <button id="follow" title="Follow new IPIs (F)" aria-pressed="true">Follow</button>
  <button id="export-json" title="Export the IPI log as JSON">JSON</button>
  <button id="export-svg" title="Export the timeline as SVG">SVG</button>
  <span id="count" class="count"></span>
</div>
<div id="scroller" class="scroller" tabindex="-1">
  <div id="timeline" class="timeline-host"><p class="empty">No IPIs yet. Start a Bringup session; IPIs appear here as vCPUs send them.</p></div>
</div>
<div id="details" class="details" role="status" aria-live="polite"></div>`,
    });
  }
}
