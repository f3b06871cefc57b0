import { strict as assert } from 'node:assert';
import type { VcpusResponse } from '../../debug-adapter/custom-protocol';
import { activityLabel, modeLabel, statusBarText, statusBarTooltip, stopKey, vcpuNodes, vcpuPickItems, vcpusSummary } from '../../extension/views/vcpus-model';
import { recorded } from './fixtures';

describe('extension: vCPUs view model (recorded adapter responses)', () => {
  const entry = recorded<VcpusResponse>('sipi-entry.vcpus');
  const sipi = recorded<VcpusResponse>('sipi-first-startup.vcpus');
  const apMain = recorded<VcpusResponse>('smp-demo-ap-main.vcpus');
  const late = recorded<VcpusResponse>('smp-demo-ioapic-mask.vcpus');

  it('lists one node per vCPU with APIC ID, BSP, state and mode', () => {
    const nodes = vcpuNodes(entry);
    assert.equal(nodes.length, 4);
    assert.equal(nodes[0].label, 'vCPU 0');
    assert.match(nodes[0].description!, /^APIC 0 · BSP · stopped · active · real mode · [\d,]+ instr$/);
    assert.equal(nodes[1].description, 'APIC 1 · stopped · wait-for-SIPI · 0 instr');
    assert.equal(nodes[1].icon, 'watch');
    assert.equal(nodes[0].icon, 'vm-active', 'an active vCPU the debugger holds is not drawn as running');
    assert.ok(nodes.every((n, i) => n.vcpu === i && n.contextValue === 'vcpu'));
  });

  it('the debugger\'s run state and the architectural activity are shown apart: "running" only while the vCPU runs', () => {
    for (const resp of [entry, sipi, apMain, late]) {
      assert.equal(resp.running, false);
      for (const n of vcpuNodes(resp)) {
        assert.doesNotMatch(n.description!, /\brunning\b/, 'the debugger stopped every vCPU');
        assert.equal(n.children!.find((c) => c.label === 'Debugger')!.description, 'stopped');
      }
    }
    const bspRuns: VcpusResponse = { ...apMain, running: true, vcpus: apMain.vcpus.map((v) => ({ ...v, runState: v.index === 0 ? 'running' : 'stopped' })) };
    const nodes = vcpuNodes(bspRuns);
    assert.match(nodes[0].description!, /^APIC 0 · BSP · running · active · protected mode, paging · /);
    assert.equal(nodes[0].icon, 'vm-running');
    assert.match(nodes[1].description!, /^APIC 1 · stopped · active · /);
    assert.equal(nodes[1].children!.find((c) => c.label === 'Activity')!.description, 'active');
    assert.match(statusBarTooltip(bspRuns.vcpus[0]), /running; active, protected mode, paging/);
  });

  it('shows the mode after STARTUP: the APs run in real mode at 0900:0000', () => {
    const nodes = vcpuNodes(sipi);
    for (const n of nodes.slice(1)) {
      assert.match(n.description!, /stopped · active · real mode/);
      assert.equal(n.children!.find((c) => c.label === 'CS:EIP')!.description, '0900:0000');
      assert.equal(n.children!.find((c) => c.label === 'Last event')!.description, 'startup IPI accepted from vCPU 0');
    }
    assert.match(nodes[0].description!, /protected mode/);
  });

  it('marks the selected vCPU and describes paging mode at ap_main', () => {
    const nodes = vcpuNodes(apMain, 1);
    assert.equal(nodes[1].label, '● vCPU 1');
    assert.match(nodes[1].description!, /protected mode, paging/);
    assert.equal(nodes[2].description, 'APIC 2 · stopped · wait-for-SIPI · 0 instr');
  });

  it('never shows raw JSON: every label and description is plain text', () => {
    for (const resp of [entry, sipi, apMain, late]) {
      for (const n of vcpuNodes(resp)) {
        for (const t of [n.label, n.description ?? '', ...(n.children ?? []).map((c) => `${c.label} ${c.description ?? ''}`)]) assert.doesNotMatch(t, /[{}"]/);
      }
    }
  });

  it('status bar text is `vCPU N · mode` (or the activity before start)', () => {
    assert.equal(statusBarText(apMain.vcpus[1]), 'vCPU 1 · protected mode, paging');
    assert.equal(statusBarText(sipi.vcpus[2]), 'vCPU 2 · real mode');
    assert.equal(statusBarText(entry.vcpus[3]), 'vCPU 3 · wait-for-SIPI');
    assert.equal(statusBarText(late.vcpus[2]), 'vCPU 2 · protected mode, paging');
    assert.match(statusBarTooltip(apMain.vcpus[0]), /APIC 0, BSP/);
  });

  it('stop identity: same machine state, same key', () => {
    assert.equal(stopKey(sipi), stopKey(JSON.parse(JSON.stringify(sipi))));
    assert.notEqual(stopKey(sipi), stopKey(entry));
  });

  it('summary, pick items, labels', () => {
    assert.match(vcpusSummary(sipi), /^4 vCPUs · 10\.0 ms · stopped$/);
    assert.equal(vcpusSummary(undefined), '');
    const picks = vcpuPickItems(late);
    assert.equal(picks.length, 4);
    assert.equal(picks[1].description, 'APIC 1 · halted · protected mode, paging');
    assert.equal(picks[0].description, 'APIC 0 · BSP · active · protected mode, paging');
    assert.equal(modeLabel('protected+pae'), 'protected mode, PAE paging');
    assert.equal(activityLabel('not-started'), 'not started');
    assert.equal(activityLabel('active'), 'active');
    assert.deepEqual(vcpuNodes(undefined), []);
  });
});
