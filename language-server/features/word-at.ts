/** The word under the cursor: identifier, register (with GAS `%`) or number. */
import type { Position } from 'vscode-languageserver';

export interface WordAt {
  text: string;
  start: number;
  end: number;
  kind: 'ident' | 'number';
}

const WORD = /%?[A-Za-z_.?@$][\w.$#@~?]*|\$?[0-9][\w]*/g;

export function wordAt(lineText: string, pos: Position): WordAt | undefined {
  for (const m of lineText.matchAll(WORD)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (pos.character >= start && pos.character <= end) {
      let text = m[0];
      let s = start;
      if (text.startsWith('$') && !/^\$[0-9]/.test(text.slice(0, 2))) { text = text.slice(1); s++; }
      const kind = /^\$?[0-9]/.test(text) ? 'number' : 'ident';
      // GAS immediates: `$0x10` is the number 0x10.
      if (kind === 'number' && text.startsWith('$') && /^\$0x/i.test(text)) return { text: text.slice(1), start: s + 1, end, kind };
      return { text, start: s, end, kind };
    }
  }
  return undefined;
}
