import { strict as assert } from 'node:assert';
import type { IoApicView } from '../../debug-adapter/custom-protocol';
import { entryDescription, ioapicNodes, isPending, isUnprogrammed } from '../../extension/views/ioapic-model';
import { recorded } from './fixtures';

describe('extension: IO-APIC view model (recorded adapter responses)', () => {
  const reset = recorded<IoApicView>('sipi-entry.ioapic');
  const routed = recorded<IoApicView>('smp-demo-ioapic-mask.ioapic');

  it('after reset: all 24 pins unprogrammed, grouped away', () => {
    const [root] = ioapicNodes(reset);
    assert.match(root.label, /^IO-APIC \d+$/);
    assert.match(root.description!, /24 pins · 0 pending · 0 remote IRR/);
    assert.equal(root.children!.length, 1);
    assert.equal(root.children![0].label, 'Not programmed');
    assert.equal(root.children![0].children!.length, 24);
  });

  it('the PIT route (GSI 2 → vector 0x30, APIC 3) decoded, input asserted', () => {
    const [root] = ioapicNodes(routed);
    assert.equal(root.label, `IO-APIC ${routed.id}`);
    const pin2 = root.children!.find((c) => c.label === 'Pin 2')!;
    assert.equal(pin2.description, 'vector 0x30 · fixed · physical dest 3 · edge · active-high · asserted');
    assert.match(pin2.tooltip!, /\| Destination \| physical 3 \|/);
    assert.equal(root.children!.find((c) => c.label === 'Not programmed')!.children!.length, 23);
  });

  it('pending: asserted and masked, or level with remote IRR', () => {
    const e = routed.entries.find((x) => x.pin === 2)!;
    assert.equal(isPending(e), false);
    assert.equal(isPending({ ...e, masked: true }), true);
    assert.equal(isPending({ ...e, levelTriggered: true, remoteIrr: true }), true);
    assert.equal(isUnprogrammed(reset.entries[0]), true);
    assert.match(entryDescription({ ...e, masked: true, remoteIrr: true, levelTriggered: true }), /masked · remote IRR · asserted · pending$/);
    assert.deepEqual(ioapicNodes(undefined), []);
  });
});
