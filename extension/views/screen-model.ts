/**
 * The Screen view's model (no vscode import): a ScreenView from the adapter
 * as rows of runs of equal attributes, rendered to HTML with classes only
 * (the webview's CSP allows no inline styles; the palette is set as CSS
 * variables by the webview script). Attribute byte: bits 0-3 foreground,
 * 4-6 background, bit 7 blink, or a bright background when blinking is off
 * (VGA Attribute Mode Control bit 3).
 */
import type { ScreenView } from '../../debug-adapter/custom-protocol';

export interface ScreenRun {
  text: string;
  foreground: number;
  background: number;
  blink: boolean;
  /** Column of the run's first character. */
  column: number;
}

export type ScreenColours = 'vga' | 'theme';

export function attributeColours(attribute: number, blinkEnabled: boolean): { foreground: number; background: number; blink: boolean } {
  const foreground = attribute & 0x0f;
  const background = blinkEnabled ? (attribute >> 4) & 0x07 : (attribute >> 4) & 0x0f;
  return { foreground, background, blink: blinkEnabled && (attribute & 0x80) !== 0 };
}

/** Row `r` as runs; a new run starts where the colours change. */
export function screenRuns(view: ScreenView, row: number): ScreenRun[] {
  const runs: ScreenRun[] = [];
  const line = [...view.lines[row]];
  for (let c = 0; c < view.columns; c++) {
    const colours = attributeColours(view.attributes[row * view.columns + c] ?? 0x07, view.blink);
    const last = runs[runs.length - 1];
    const ch = line[c] ?? ' ';
    if (last !== undefined && last.foreground === colours.foreground && last.background === colours.background && last.blink === colours.blink) last.text += ch;
    else runs.push({ text: ch, ...colours, column: c });
  }
  return runs;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : '&quot;'));
}

/**
 * The screen as HTML: one `div.row` per row, `span.f<N>.b<M>` per run, the
 * cursor cell as `span.cursor` inside its run (so it blinks over the glyph).
 */
export function renderScreenHtml(view: ScreenView): string {
  const rows: string[] = [];
  for (let r = 0; r < view.rows; r++) {
    const parts: string[] = [];
    for (const run of screenRuns(view, r)) {
      const cls = `f${run.foreground} b${run.background}${run.blink ? ' blink' : ''}`;
      const chars = [...run.text];
      const cursorAt = view.cursor.visible && view.cursor.row === r ? view.cursor.column - run.column : -1;
      if (cursorAt >= 0 && cursorAt < chars.length) {
        const before = chars.slice(0, cursorAt).join('');
        const at = chars[cursorAt];
        const after = chars.slice(cursorAt + 1).join('');
        parts.push(`<span class="${cls}">${escapeHtml(before)}<span class="cursor" aria-label="cursor">${escapeHtml(at)}</span>${escapeHtml(after)}</span>`);
      } else parts.push(`<span class="${cls}">${escapeHtml(run.text)}</span>`);
    }
    rows.push(`<div class="row">${parts.join('')}</div>`);
  }
  return rows.join('');
}

/** The colours the webview sets as --c0..--c15: the VGA palette, or with 'theme' black and light grey become the editor's background and foreground. */
export function screenPalette(view: ScreenView, colours: ScreenColours): string[] {
  if (colours === 'vga') return [...view.palette];
  return view.palette.map((c, i) => (i === 0 ? 'var(--vscode-editor-background)' : i === 7 ? 'var(--vscode-editor-foreground)' : c));
}

/** One line for the view's description: size, cursor, where the text buffer is. */
export function screenSummary(view: ScreenView): string {
  const cursor = view.cursor.visible ? `cursor ${view.cursor.row + 1},${view.cursor.column + 1}` : 'cursor hidden';
  return `${view.columns}x${view.rows} at 0x${view.address.toString(16).toUpperCase()}, ${cursor}`;
}

/** Plain text of the screen (for copy): trailing blanks trimmed. */
export function screenText(view: ScreenView): string {
  return view.lines.map((l) => l.replace(/[ \u00a0]+$/, '')).join('\n') + '\n';
}
