/**
 * The IPI timeline: accumulates `bringup/ipiLog` responses incrementally,
 * lays them out as one lane per vCPU with an arrow per IPI, and renders the
 * layout as SVG — themed (CSS classes the webview styles from VS Code's
 * theme variables) or standalone with concrete colours (export). No vscode
 * import; the webview script only attaches interaction to this markup.
 */
import type { IpiLogResponse, VcpusResponse } from '../../debug-adapter/custom-protocol';
import { escapeXml, formatTime, hex } from './format';

export interface TimelineTarget {
  cpu: number;
  apicId: number;
  outcome: 'accepted' | 'ignored' | 'dropped';
  reason: string;
}

export interface TimelineIpi {
  seq: number;
  time: number;
  sender: number;
  senderApicId: number;
  via: string;
  icrLow: number;
  icrHigh: number;
  vector: number;
  deliveryMode: string;
  destinationMode: string;
  level: string;
  trigger: string;
  shorthand: string;
  destination: number;
  targets: TimelineTarget[];
  dropped?: string;
}

export interface TimelinePvEvent {
  seq: number;
  time: number;
  cpu: number | undefined;
  kind: string;
  apicId: number | undefined;
  summary: string;
}

const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);

/** Narrow one record of `bringup/ipiLog` (shape of the emulator's IpiRecord); undefined when it is not one. */
export function parseIpiRecord(raw: unknown): TimelineIpi | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.seq !== 'number' || typeof r.sender !== 'number') return undefined;
  const targets = Array.isArray(r.targets) ? r.targets : [];
  return {
    seq: r.seq,
    time: num(r.time),
    sender: r.sender,
    senderApicId: num(r.senderApicId, r.sender),
    via: str(r.via, 'xapic-icr'),
    icrLow: num(r.icrLow),
    icrHigh: num(r.icrHigh),
    vector: num(r.vector),
    deliveryMode: str(r.deliveryMode, 'fixed'),
    destinationMode: str(r.destinationMode, 'physical'),
    level: str(r.level, 'assert'),
    trigger: str(r.trigger, 'edge'),
    shorthand: str(r.shorthand, 'none'),
    destination: num(r.destination),
    targets: targets.filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null).map((t) => ({
      cpu: num(t.cpu, -1),
      apicId: num(t.apicId, -1),
      outcome: (t.outcome === 'ignored' || t.outcome === 'dropped' ? t.outcome : 'accepted') as TimelineTarget['outcome'],
      reason: str(t.reason),
    })),
    dropped: typeof r.dropped === 'string' ? r.dropped : undefined,
  };
}

/** Short label on the arrow. */
export function ipiKindLabel(ipi: TimelineIpi): string {
  switch (ipi.deliveryMode) {
    case 'init': return 'INIT';
    case 'init-deassert': return 'INIT de-assert';
    case 'startup': return `SIPI ${hex(ipi.vector, 2)}`;
    case 'nmi': return 'NMI';
    case 'smi': return 'SMI';
    case 'fixed': return `FIXED ${hex(ipi.vector, 2)}`;
    case 'lowest-priority': return `LOWPRI ${hex(ipi.vector, 2)}`;
    default: return ipi.deliveryMode.toUpperCase();
  }
}

/** CSS class suffix of the IPI kind. */
export function ipiKindClass(ipi: TimelineIpi): string {
  switch (ipi.deliveryMode) {
    case 'init': case 'init-deassert': return 'init';
    case 'startup': return 'startup';
    case 'nmi': case 'smi': return 'nmi';
    case 'fixed': case 'lowest-priority': return 'fixed';
    default: return 'other';
  }
}

/** The ICR decoded, one fact a line (hover, keyboard details, export). */
export function decodeIcr(ipi: TimelineIpi): string[] {
  const lines: string[] = [];
  lines.push(`IPI #${ipi.seq} at ${formatTime(ipi.time)} from vCPU ${ipi.sender} (APIC ${ipi.senderApicId})`);
  lines.push(`ICR ${hex(ipi.icrHigh, 8)}:${hex(ipi.icrLow, 8)} via ${ipi.via}`);
  if (ipi.deliveryMode === 'startup') {
    const seg = (ipi.vector << 8) & 0xffff;
    lines.push(`Delivery: STARTUP, vector ${hex(ipi.vector, 2)} → AP starts at ${seg.toString(16).padStart(4, '0')}:0000 (physical ${hex(ipi.vector << 12, 5)}) in real mode`);
  } else if (ipi.deliveryMode === 'init' || ipi.deliveryMode === 'init-deassert' || ipi.deliveryMode === 'nmi' || ipi.deliveryMode === 'smi') {
    lines.push(`Delivery: ${ipi.deliveryMode === 'init-deassert' ? 'INIT level de-assert' : ipi.deliveryMode.toUpperCase()}`);
  } else {
    lines.push(`Delivery: ${ipi.deliveryMode}, vector ${hex(ipi.vector, 2)}`);
  }
  lines.push(`Level ${ipi.level}, trigger ${ipi.trigger}`);
  lines.push(ipi.shorthand !== 'none'
    ? `Destination: shorthand ${ipi.shorthand}`
    : `Destination: ${ipi.destinationMode} ${hex(ipi.destination, ipi.via === 'xapic-icr' ? 2 : 8)}`);
  for (const t of ipi.targets) {
    lines.push(`→ vCPU ${t.cpu} (APIC ${t.apicId}): ${t.outcome}${t.reason ? ` — ${t.reason}` : ''}`);
  }
  if (ipi.dropped !== undefined) lines.push(`Dropped: ${ipi.dropped}`);
  if (ipi.targets.length === 0 && ipi.dropped === undefined) lines.push('No target');
  return lines;
}

export function pvKindLabel(kind: string): string {
  const k = kind.toLowerCase();
  if (k.includes('refus')) return 'PV refused';
  if (k.includes('stale')) return 'PV stale state';
  if (/vcpu[-_ ]?up/.test(k)) return 'VCPU_UP';
  if (k.includes('regist') || k.includes('state')) return 'PV state';
  return kind;
}

export function pvKindClass(kind: string): string {
  const k = kind.toLowerCase();
  if (k.includes('refus') || k.includes('stale')) return 'pv-bad';
  if (/vcpu[-_ ]?up/.test(k)) return 'pv-up';
  return 'pv-reg';
}

export interface LaneInfo {
  cpu: number;
  label: string;
}

/** Accumulates the IPI log across incremental fetches. */
export class IpiTimelineModel {
  readonly ipis: TimelineIpi[] = [];
  readonly paravirt: TimelinePvEvent[] = [];
  /** `since` for the next `bringup/ipiLog` request. */
  next = 0;
  lanes: LaneInfo[] = [];
  private seenIpi = new Set<number>();
  private seenPv = new Set<number>();

  /** Add one response; duplicates (same seq) are ignored. Returns how many new items arrived. */
  apply(resp: IpiLogResponse): number {
    let added = 0;
    for (const raw of resp.records ?? []) {
      const ipi = parseIpiRecord(raw);
      if (!ipi || this.seenIpi.has(ipi.seq)) continue;
      this.seenIpi.add(ipi.seq);
      this.ipis.push(ipi);
      added++;
    }
    for (const pv of resp.paravirt ?? []) {
      if (this.seenPv.has(pv.seq)) continue;
      this.seenPv.add(pv.seq);
      this.paravirt.push({ ...pv });
      added++;
    }
    this.ipis.sort((a, b) => a.seq - b.seq);
    this.paravirt.sort((a, b) => a.seq - b.seq);
    if (typeof resp.next === 'number' && resp.next > this.next) this.next = resp.next;
    return added;
  }

  setVcpus(resp: VcpusResponse | undefined): void {
    if (!resp) return;
    this.lanes = resp.vcpus.map((v) => ({ cpu: v.index, label: `vCPU ${v.index} · APIC ${v.apicId}${v.isBsp ? ' · BSP' : ''}` }));
  }

  clear(): void {
    this.ipis.length = 0;
    this.paravirt.length = 0;
    this.next = 0;
    this.seenIpi.clear();
    this.seenPv.clear();
  }

  get count(): number {
    return this.ipis.length + this.paravirt.length;
  }

  /** The whole log as the JSON export. */
  toJSON(): { format: string; ipis: TimelineIpi[]; paravirt: TimelinePvEvent[]; lanes: LaneInfo[] } {
    return { format: 'bringup-ipi-log/1', lanes: this.lanes, ipis: this.ipis, paravirt: this.paravirt };
  }
}

export interface ArrowLayout {
  kind: 'ipi';
  seq: number;
  x: number;
  sender: number;
  fromY: number;
  label: string;
  cls: string;
  time: number;
  detail: string[];
  targets: { cpu: number; y: number; outcome: TimelineTarget['outcome']; reason: string }[];
  dropped?: string;
}

export interface MarkLayout {
  kind: 'pv';
  seq: number;
  x: number;
  y: number;
  cpu: number;
  label: string;
  cls: string;
  time: number;
  detail: string[];
}

export interface TimelineLayout {
  /** Horizontal distance between two events. */
  step: number;
  width: number;
  height: number;
  lanes: { cpu: number; y: number; label: string }[];
  items: (ArrowLayout | MarkLayout)[];
  zoom: number;
}

export const LANE_HEIGHT = 44;
export const TOP = 34;
export const GUTTER = 150;
export const STEP = 84;
/** Approximate width of one character of the 10-11px labels. */
const CHAR_WIDTH = 6;

/** Fit text into `width` pixels, with an ellipsis (the full text is in the title and the details bar). */
export function fitText(text: string, width: number): string {
  const max = Math.max(3, Math.floor(width / CHAR_WIDTH));
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/** Lay the events out in time order (one column per event, `zoom` scales the spacing). */
export function layoutTimeline(model: IpiTimelineModel, zoom = 1): TimelineLayout {
  const z = Math.min(8, Math.max(0.25, zoom));
  const cpus = new Set<number>(model.lanes.map((l) => l.cpu));
  for (const i of model.ipis) { cpus.add(i.sender); i.targets.forEach((t) => t.cpu >= 0 && cpus.add(t.cpu)); }
  for (const p of model.paravirt) if (p.cpu !== undefined) cpus.add(p.cpu);
  if (cpus.size === 0) cpus.add(0);
  const laneOrder = [...cpus].sort((a, b) => a - b);
  const laneY = new Map<number, number>();
  const lanes = laneOrder.map((cpu, i) => {
    const y = TOP + i * LANE_HEIGHT + LANE_HEIGHT / 2;
    laneY.set(cpu, y);
    return { cpu, y, label: model.lanes.find((l) => l.cpu === cpu)?.label ?? `vCPU ${cpu}` };
  });
  type Ev = { time: number; order: number; ipi?: TimelineIpi; pv?: TimelinePvEvent };
  const evs: Ev[] = [
    ...model.ipis.map((ipi) => ({ time: ipi.time, order: ipi.seq * 2, ipi })),
    ...model.paravirt.map((pv) => ({ time: pv.time, order: pv.seq * 2 + 1, pv })),
  ].sort((a, b) => a.time - b.time || a.order - b.order);
  const step = STEP * z;
  const apicToCpu = (apicId: number | undefined): number | undefined => {
    if (apicId === undefined) return undefined;
    for (const i of model.ipis) {
      if (i.senderApicId === apicId) return i.sender;
      const t = i.targets.find((x) => x.apicId === apicId);
      if (t) return t.cpu;
    }
    return undefined;
  };
  const items = evs.map<ArrowLayout | MarkLayout>((ev, i) => {
    const x = GUTTER + step / 2 + i * step;
    if (ev.ipi) {
      const ipi = ev.ipi;
      return {
        kind: 'ipi', seq: ipi.seq, x, sender: ipi.sender, fromY: laneY.get(ipi.sender) ?? lanes[0].y,
        label: ipiKindLabel(ipi), cls: ipiKindClass(ipi), time: ipi.time, detail: decodeIcr(ipi),
        targets: ipi.targets.filter((t) => laneY.has(t.cpu)).map((t) => ({ cpu: t.cpu, y: laneY.get(t.cpu)!, outcome: t.outcome, reason: t.reason })),
        dropped: ipi.dropped,
      };
    }
    const pv = ev.pv!;
    const cpu = pv.cpu ?? apicToCpu(pv.apicId) ?? laneOrder[0];
    return {
      kind: 'pv', seq: pv.seq, x, y: laneY.get(cpu) ?? lanes[0].y, cpu, label: pvKindLabel(pv.kind), cls: pvKindClass(pv.kind), time: pv.time,
      detail: [`${pvKindLabel(pv.kind)} at ${formatTime(pv.time)}${pv.cpu !== undefined ? ` on vCPU ${pv.cpu}` : ''}${pv.apicId !== undefined ? `, APIC ${pv.apicId}` : ''}`, pv.summary],
    };
  });
  const width = Math.max(GUTTER + step * Math.max(items.length, 1) + 40, 320);
  const height = TOP + lanes.length * LANE_HEIGHT + 12;
  return { step, width: Math.ceil(width), height, lanes, items, zoom: z };
}

/** Concrete colours for the standalone export (the webview uses theme variables instead). */
const EXPORT_STYLE = `
.bg{fill:#ffffff}.lane-line{stroke:#c8c8c8;stroke-width:1}.lane-label{fill:#333;font:12px sans-serif}
.time{fill:#777;font:10px sans-serif}.label{font:11px sans-serif;fill:#222}
.init{stroke:#b35900;fill:#b35900}.startup{stroke:#0066b8;fill:#0066b8}.fixed{stroke:#388a34;fill:#388a34}
.nmi{stroke:#a1260d;fill:#a1260d}.other{stroke:#6c6c6c;fill:#6c6c6c}
.shaft{fill:none;stroke-width:2}.ignored{stroke-dasharray:4 3}.x{stroke:#c72e0f;stroke-width:2}.reason{fill:#c72e0f;font:10px sans-serif}
.pv-reg{fill:#8a4fb8}.pv-up{fill:#388a34}.pv-bad{fill:#c72e0f}`;

/** SVG markup for a layout; `standalone` embeds colours and an XML header for export. */
export function renderTimelineSvg(layout: TimelineLayout, options: { standalone?: boolean; title?: string } = {}): string {
  const out: string[] = [];
  const title = options.title ?? 'IPI timeline';
  if (options.standalone) out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="group" aria-label="${escapeXml(title)}" class="timeline">`);
  out.push(`<title>${escapeXml(title)}</title>`);
  if (options.standalone) out.push(`<style>${EXPORT_STYLE}</style><rect class="bg" x="0" y="0" width="${layout.width}" height="${layout.height}"/>`);
  out.push('<defs>');
  for (const cls of ['init', 'startup', 'fixed', 'nmi', 'other']) {
    out.push(`<marker id="head-${cls}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="${cls}"/></marker>`);
  }
  out.push('</defs>');
  out.push('<g class="lanes">');
  for (const lane of layout.lanes) {
    out.push(`<line class="lane-line" x1="${GUTTER - 6}" y1="${lane.y}" x2="${layout.width - 10}" y2="${lane.y}"/>`);
    out.push(`<text class="lane-label" x="8" y="${lane.y + 4}">${escapeXml(lane.label)}</text>`);
  }
  out.push('</g><g class="events">');
  for (const item of layout.items) {
    const aria = escapeXml(item.detail.join('. '));
    const time = `<text class="time" x="${item.x}" y="14" text-anchor="middle">${escapeXml(formatTime(item.time))}</text>`;
    if (item.kind === 'ipi') {
      out.push(`<g class="ev ipi k-${item.cls}" data-seq="${item.seq}" data-sender="${item.sender}" data-kind="ipi" tabindex="0" role="button" aria-label="${aria}">`);
      out.push(`<title>${escapeXml(item.detail.join('\n'))}</title>`);
      out.push(time);
      out.push(`<circle class="${item.cls}" cx="${item.x}" cy="${item.fromY}" r="4"/>`);
      out.push(`<text class="label" x="${item.x + 6}" y="${item.fromY - 8}">${escapeXml(fitText(item.label, layout.step - 8))}</text>`);
      const hitTop = Math.min(item.fromY, ...item.targets.map((t) => t.y)) - 16;
      const hitBottom = Math.max(item.fromY, ...item.targets.map((t) => t.y)) + 8;
      out.push(`<rect class="hit" x="${item.x - 14}" y="${hitTop}" width="28" height="${hitBottom - hitTop}" fill="transparent"/>`);
      for (const t of item.targets) {
        const ok = t.outcome === 'accepted';
        if (t.cpu === item.sender || t.y === item.fromY) {
          out.push(`<path class="shaft ${item.cls}${ok ? '' : ' ignored'}" d="M${item.x},${item.fromY} c 14,-18 14,18 0,0"/>`);
        } else {
          const dir = t.y > item.fromY ? 1 : -1;
          out.push(`<line class="shaft ${item.cls}${ok ? '' : ' ignored'}" x1="${item.x}" y1="${item.fromY + dir * 4}" x2="${item.x}" y2="${t.y - dir * 3}" marker-end="url(#head-${item.cls})"/>`);
        }
        if (!ok) {
          out.push(`<path class="x" d="M${item.x - 5},${t.y - 5} l10,10 m0,-10 l-10,10"/>`);
          out.push(`<text class="reason" x="${item.x + 8}" y="${t.y + 14}">${escapeXml(fitText(`${t.outcome}: ${t.reason}`, layout.step - 10))}</text>`);
        }
      }
      if (item.dropped !== undefined) {
        out.push(`<path class="x" d="M${item.x - 5},${item.fromY + 9} l10,10 m0,-10 l-10,10"/>`);
        out.push(`<text class="reason" x="${item.x + 8}" y="${item.fromY + 18}">${escapeXml(fitText(`dropped: ${item.dropped}`, layout.step - 10))}</text>`);
      }
      out.push('</g>');
    } else {
      out.push(`<g class="ev pv k-${item.cls}" data-seq="${item.seq}" data-sender="${item.cpu}" data-kind="pv" tabindex="0" role="button" aria-label="${aria}">`);
      out.push(`<title>${escapeXml(item.detail.join('\n'))}</title>`);
      out.push(time);
      out.push(`<path class="${item.cls}" d="M${item.x},${item.y - 7} l7,7 l-7,7 l-7,-7 z"/>`);
      out.push(`<text class="label" x="${item.x + 9}" y="${item.y - 9}">${escapeXml(fitText(item.label, layout.step - 10))}</text>`);
      out.push('</g>');
    }
  }
  out.push('</g></svg>');
  return out.join('');
}
