import { strict as assert } from 'node:assert';
import type { LapicView } from '../../debug-adapter/custom-protocol';
import { LapicChangeTracker, lapicNodes, lvtDescription } from '../../extension/views/lapic-model';
import type { TreeNode } from '../../extension/views/format';
import { recorded } from './fixtures';

function find(nodes: readonly TreeNode[], label: string): TreeNode {
  for (const n of nodes) {
    if (n.label === label) return n;
    const inner = n.children ? findOrUndefined(n.children, label) : undefined;
    if (inner) return inner;
  }
  throw new Error(`no node ${label}`);
}
function findOrUndefined(nodes: readonly TreeNode[], label: string): TreeNode | undefined {
  try { return find(nodes, label); } catch { return undefined; }
}

describe('extension: Local APICs view model (recorded adapter responses)', () => {
  const entry = recorded<LapicView[]>('sipi-entry.lapics');
  const sipi = recorded<LapicView[]>('sipi-first-startup.lapics');
  const second = recorded<LapicView[]>('sipi-second-startup.lapics');
  const apMain = recorded<LapicView[]>('smp-demo-ap-main.lapics');
  const late = recorded<LapicView[]>('smp-demo-ioapic-mask.lapics');

  it('one node per vCPU with APIC ID, xAPIC mode, software enable and base', () => {
    const nodes = lapicNodes(entry);
    assert.equal(nodes.length, 4);
    assert.equal(nodes[2].label, 'vCPU 2 · APIC 2');
    assert.match(nodes[0].description!, /^xAPIC · software-disabled \(SVR bit 8 clear\) · base 0xfee00000$/);
    const enabled = lapicNodes(sipi)[0];
    assert.match(enabled.description!, /xAPIC · software-enabled/);
  });

  it('decodes the registers, grouped: SVR, ICR with the STARTUP just sent', () => {
    const nodes = lapicNodes(sipi);
    const svr = find(nodes[0].children!, 'SVR');
    assert.equal(svr.description, '0x000001ff  spurious vector 0xff, APIC software-enabled');
    const icr = find(nodes[0].children!, 'ICR_LOW');
    assert.match(icr.description!, /^0x000c4609  /);
    assert.match(icr.description!, /startup/i);
    assert.ok(find(nodes[0].children!, 'Priority').children!.some((c) => c.label === 'PPR'));
  });

  it('IRR / ISR / TMR as vector lists, LVT entries and timer decoded', () => {
    const nodes = lapicNodes(late);
    const irr = find(nodes[3].children!, 'IRR');
    assert.equal(irr.description, 'none');
    const timerLvt = find(nodes[3].children!, 'LVT timer');
    assert.equal(timerLvt.description, `0x00010000  vector 0x00 · fixed · one-shot · edge · masked`);
    assert.equal(timerLvt.icon, 'circle-slash');
    assert.equal(find(nodes[3].children!, 'Divide by').description, '16');
    assert.equal(lvtDescription({ name: 'LINT0', raw: 0x700, vector: 0, deliveryMode: 'ExtINT', masked: false, levelTriggered: true }), 'vector 0x00 · ExtINT · level');
  });

  it('highlights values that changed since the last stop (INIT/STARTUP written, APIC enabled)', () => {
    const t = new LapicChangeTracker();
    t.atStop(entry);
    t.atStop(sipi);
    assert.deepEqual(t.changedKeys(0), ['enabled', 'reg:SVR', 'reg:ICR_LOW']);
    const nodes = lapicNodes(sipi, t);
    assert.equal(nodes[0].changed, true);
    assert.equal(find(nodes[0].children!, 'SVR').changed, true);
    assert.equal(find(nodes[0].children!, 'ICR_LOW').changed, true);
    assert.equal(find(nodes[0].children!, 'ICR_HIGH').changed, false);
    assert.equal(find(nodes[0].children!, 'Interrupt Command (ICR)').changed, true);
    assert.equal(nodes[1].changed, false);
    // Next stop (second STARTUP, same ICR value): nothing changed any more.
    t.atStop(second);
    assert.equal(lapicNodes(second, t).some((n) => n.changed), false);
  });

  it('while running compares with the last stop, and the next stop with that stop', () => {
    const t = new LapicChangeTracker();
    t.atStop(apMain);
    t.whileRunning(late);
    assert.ok(t.changedKeys(1).includes('reg:SVR'), 'AP enabled its APIC after ap_main');
    assert.ok(t.changedKeys(0).includes('reg:ICR_LOW'), 'BSP sent fixed IPIs');
    t.whileRunning(apMain);
    assert.deepEqual(t.changedKeys(1), [], 'back to the stop values: no change');
    t.atStop(late);
    assert.ok(t.changedKeys(2).includes('timer:divide'));
    t.reset();
    assert.deepEqual(t.changedKeys(2), []);
  });

  it('a second fetch at the same stop keeps the highlights', () => {
    const t = new LapicChangeTracker();
    t.atStop(entry);
    t.atStop(sipi);
    t.sameStop(sipi);
    assert.deepEqual(t.changedKeys(0), ['enabled', 'reg:SVR', 'reg:ICR_LOW']);
    t.atStop(second);
    assert.deepEqual(t.changedKeys(0), [], 'the next stop compares with the values of this one');
  });

  it('expands the selected vCPU and marks it', () => {
    const nodes = lapicNodes(apMain, undefined, 1);
    assert.equal(nodes[1].label, '● vCPU 1 · APIC 1');
    assert.equal(nodes[1].expanded, true);
    assert.equal(nodes[0].expanded, false);
  });
});
