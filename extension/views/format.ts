/** Number formatting shared by the view models (no vscode import). */

export function hex(value: number, width = 0): string {
  return '0x' + (value >>> 0).toString(16).padStart(width, '0');
}

/** Hex for values that may exceed 32 bits (addresses, 64-bit entries). */
export function hex64(value: number, width = 0): string {
  if (!Number.isFinite(value) || value < 0) return String(value);
  return '0x' + Math.trunc(value).toString(16).padStart(width, '0');
}

/** "0x31, 0x40-0x42, 0xef" — vectors compacted into ranges. */
export function vectorList(vectors: readonly number[]): string {
  if (vectors.length === 0) return 'none';
  const sorted = [...new Set(vectors)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let prev = start;
  const flush = (): void => {
    parts.push(start === prev ? hex(start, 2) : `${hex(start, 2)}-${hex(prev, 2)}`);
  };
  for (const v of sorted.slice(1)) {
    if (v === prev + 1) { prev = v; continue; }
    flush();
    start = prev = v;
  }
  flush();
  return parts.join(', ');
}

/** Virtual time in ns to a short human string. */
export function formatTime(ns: number): string {
  if (ns < 1_000) return `${ns} ns`;
  if (ns < 1_000_000) return `${trim(ns / 1_000)} µs`;
  if (ns < 1_000_000_000) return `${trim(ns / 1_000_000)} ms`;
  return `${trim(ns / 1_000_000_000)} s`;
}

function trim(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A generic tree node the vscode-facing tree providers turn into TreeItems. */
export interface TreeNode {
  id: string;
  label: string;
  description?: string;
  /** Markdown tooltip. */
  tooltip?: string;
  /** Codicon id, e.g. "vm-running". */
  icon?: string;
  /** Theme color id for the icon, e.g. "charts.green". */
  iconColor?: string;
  children?: TreeNode[];
  /** Expanded by default when it has children. */
  expanded?: boolean;
  /** Value changed since the last stop: highlighted. */
  changed?: boolean;
  contextValue?: string;
  /** vCPU index this node belongs to (selecting selects the vCPU). */
  vcpu?: number;
}

/** Align rows of cells into fixed-width text columns. */
export function alignColumns(rows: string[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] + gap))).join('').trimEnd());
}
