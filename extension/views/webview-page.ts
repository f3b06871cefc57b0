/**
 * The HTML shell every Bringup webview view uses: a strict CSP (no inline
 * styles or scripts; the one script by nonce; resources only from the
 * extension's media folder), the view's stylesheet and script from there.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  title: string;
  /** File names in extension/media. */
  stylesheet: string;
  script: string;
  body: string;
  /** Allow images from the media folder and data: URIs (the timeline's SVG export). */
  images?: boolean;
}

export function webviewPageHtml(webview: vscode.Webview, media: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const css = webview.asWebviewUri(vscode.Uri.joinPath(media, page.stylesheet));
  const js = webview.asWebviewUri(vscode.Uri.joinPath(media, page.script));
  const img = page.images ? ` img-src ${webview.cspSource} data:;` : '';
  const csp = `default-src 'none';${img} style-src ${webview.cspSource}; script-src 'nonce-${nonce}'; font-src ${webview.cspSource};`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>${page.title}</title>
</head>
<body>
${page.body}
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
}
