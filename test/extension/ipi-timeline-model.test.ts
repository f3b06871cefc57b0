import { strict as assert } from 'node:assert';
import type { IpiLogResponse, VcpusResponse } from '../../debug-adapter/custom-protocol';
import { decodeIcr, IpiTimelineModel, ipiKindLabel, layoutTimeline, parseIpiRecord, renderTimelineSvg, type ArrowLayout, type MarkLayout } from '../../extension/views/ipi-timeline-model';
import { HAND_BUILT_PARAVIRT, recorded } from './fixtures';

describe('extension: IPI timeline model (recorded adapter responses)', () => {
  const first = recorded<IpiLogResponse>('sipi-first-startup.ipiLog');
  const incremental = recorded<{ since: number; response: IpiLogResponse }>('sipi-second-startup.ipiLog-incremental');
  const full = recorded<IpiLogResponse>('smp-demo-ioapic-mask.ipiLog');
  const vcpus = recorded<VcpusResponse>('smp-demo-ioapic-mask.vcpus');

  it('accumulates incremental fetches without duplicates and tracks `next`', () => {
    const m = new IpiTimelineModel();
    assert.equal(m.apply(first), 2);
    assert.equal(m.next, 2);
    assert.equal(incremental.since, 2);
    assert.equal(m.apply(incremental.response), incremental.response.records.length);
    assert.equal(m.apply(first), 0, 'a repeated response adds nothing');
    assert.deepEqual(m.ipis.map((i) => i.deliveryMode), ['init', 'startup', 'startup']);
    assert.equal(m.next, incremental.response.next);
  });

  it('decodes the ICR: INIT, then STARTUP vector 0x09 → 0900:0000', () => {
    const m = new IpiTimelineModel();
    m.apply(first);
    const [init, sipi] = m.ipis;
    assert.equal(ipiKindLabel(init), 'INIT');
    assert.equal(ipiKindLabel(sipi), 'SIPI 0x09');
    const lines = decodeIcr(sipi);
    assert.equal(lines[0], 'IPI #1 at 10.0 ms from vCPU 0 (APIC 0)');
    assert.equal(lines[1], 'ICR 0x00000000:0x000c4609 via xapic-icr');
    assert.equal(lines[2], 'Delivery: STARTUP, vector 0x09 → AP starts at 0900:0000 (physical 0x09000) in real mode');
    assert.equal(lines[4], 'Destination: shorthand all-excluding-self');
    assert.equal(lines[5], '→ vCPU 1 (APIC 1): accepted — started: real mode at 0900:0000');
  });

  it('marks the ignored second STARTUP with its reason', () => {
    const m = new IpiTimelineModel();
    m.apply(first);
    m.apply(incremental.response);
    const layout = layoutTimeline(m);
    const second = layout.items[2] as ArrowLayout;
    assert.equal(second.kind, 'ipi');
    assert.ok(second.targets.every((t) => t.outcome === 'ignored'));
    assert.match(second.targets[0].reason, /not in wait-for-SIPI/);
    const svg = renderTimelineSvg(layout);
    assert.match(svg, /class="shaft startup ignored"/);
    assert.match(svg, /<text class="reason"[^>]*>ignored: no…<\/text>/, 'visible reason fitted to the column');
    assert.match(renderTimelineSvg(layoutTimeline(m, 8)), /<text class="reason"[^>]*>ignored: not in wait-for-SIPI \(halted\)/, 'zoomed in: the whole reason');
    assert.match(svg, /<title>[^<]*→ vCPU 1 \(APIC 1\): ignored — not in wait-for-SIPI/, 'the full reason on hover');
  });

  it('lays out one lane per vCPU and an arrow per target, in time order', () => {
    const m = new IpiTimelineModel();
    m.setVcpus(vcpus);
    m.apply(full);
    const layout = layoutTimeline(m);
    assert.deepEqual(layout.lanes.map((l) => l.label), ['vCPU 0 · APIC 0 · BSP', 'vCPU 1 · APIC 1', 'vCPU 2 · APIC 2', 'vCPU 3 · APIC 3']);
    assert.equal(layout.items.length, full.records.length);
    const xs = layout.items.map((i) => i.x);
    assert.deepEqual(xs, [...xs].sort((a, b) => a - b));
    const times = layout.items.map((i) => i.time);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    const fixed = layout.items.filter((i): i is ArrowLayout => i.kind === 'ipi' && i.cls === 'fixed');
    assert.ok(fixed.length > 0);
    for (const f of fixed) for (const t of f.targets) assert.equal(t.y, layout.lanes.find((l) => l.cpu === t.cpu)!.y);
  });

  it('zoom scales the spacing, clamped', () => {
    const m = new IpiTimelineModel();
    m.apply(full);
    const a = layoutTimeline(m, 1);
    const b = layoutTimeline(m, 2);
    assert.ok(b.width > a.width);
    assert.equal(layoutTimeline(m, 100).zoom, 8);
    assert.equal(layoutTimeline(m, 0).zoom, 0.25);
  });

  it('SVG: themed markup uses classes only (CSP-safe), keyboard-focusable events with decoded ICR', () => {
    const m = new IpiTimelineModel();
    m.setVcpus(vcpus);
    m.apply(full);
    const svg = renderTimelineSvg(layoutTimeline(m));
    assert.doesNotMatch(svg, /style=|<style|<script|href="http/);
    const events = svg.match(/<g class="ev [^"]*"[^>]*>/g)!;
    assert.equal(events.length, full.records.length);
    assert.ok(events.every((g) => /tabindex="0"/.test(g) && /role="button"/.test(g) && /aria-label="IPI #\d+/.test(g) && /data-sender="\d+"/.test(g)));
    assert.match(svg, /<title>IPI #0 at [^<]+\nICR 0x01000000:0x0000c500 via xapic-icr\nDelivery: INIT\n/);
  });

  it('SVG export is standalone with concrete colours and escaped text', () => {
    const m = new IpiTimelineModel();
    m.apply(first);
    const svg = renderTimelineSvg(layoutTimeline(m), { standalone: true, title: 'a <b> & "c"' });
    assert.match(svg, /^<\?xml version="1.0"/);
    assert.match(svg, /<style>[^<]*\.startup\{stroke:#/);
    assert.match(svg, /aria-label="a &lt;b&gt; &amp; &quot;c&quot;"/);
    assert.doesNotMatch(svg, /var\(--vscode/);
  });

  it('JSON export has every record and lane', () => {
    const m = new IpiTimelineModel();
    m.setVcpus(vcpus);
    m.apply(full);
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    assert.equal(json.format, 'bringup-ipi-log/1');
    assert.equal(json.ipis.length, full.records.length);
    assert.equal(json.lanes.length, 4);
    assert.equal(json.ipis[0].targets[0].outcome, 'accepted');
    assert.equal(json.ipis[1].targets[0].outcome, 'ignored');
  });

  it('ignores records that are not IPI records', () => {
    assert.equal(parseIpiRecord(null), undefined);
    assert.equal(parseIpiRecord({ seq: 'x' }), undefined);
    const m = new IpiTimelineModel();
    assert.equal(m.apply({ records: [42, { nope: true }], next: 0, paravirt: [] }), 0);
  });

  it('dropped IPIs are marked with why (from a recorded record with its targets removed)', () => {
    const rec = { ...(first.records[1] as object), seq: 7, targets: [], dropped: 'no APIC matched destination 0x0f' };
    const m = new IpiTimelineModel();
    m.apply({ records: [rec], next: 8, paravirt: [] });
    assert.equal(decodeIcr(m.ipis[0]).at(-1), 'Dropped: no APIC matched destination 0x0f');
    assert.match(renderTimelineSvg(layoutTimeline(m, 8)), /dropped: no APIC matched destination 0x0f/);
  });

  it('HAND-BUILT paravirtual events sit on the lanes: registration, VCPU_UP, refusal, stale state', () => {
    const m = new IpiTimelineModel();
    m.setVcpus(vcpus);
    m.apply({ ...first, paravirt: HAND_BUILT_PARAVIRT });
    const layout = layoutTimeline(m);
    const marks = layout.items.filter((i): i is MarkLayout => i.kind === 'pv');
    assert.deepEqual(marks.map((x) => x.label), ['PV state', 'VCPU_UP', 'PV refused', 'PV stale state']);
    assert.deepEqual(marks.map((x) => x.cls), ['pv-reg', 'pv-up', 'pv-bad', 'pv-bad']);
    assert.equal(marks[2].cpu, 3, 'no vCPU given: placed on the lane of its APIC ID');
    // In time order between the INIT (200 ns) and the STARTUP (10 ms).
    assert.deepEqual(layout.items.map((i) => i.kind), ['ipi', 'pv', 'pv', 'pv', 'pv', 'ipi']);
    assert.match(renderTimelineSvg(layout), /data-kind="pv"[^>]*aria-label="VCPU_UP at 5.10 ms on vCPU 0, APIC 2/);
  });
});
