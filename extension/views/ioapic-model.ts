/** The IO-APIC view from `bringup/ioapic` (no vscode import). */
import type { IoApicEntryView, IoApicView } from '../../debug-adapter/custom-protocol';
import { hex, type TreeNode } from './format';

/** An entry that was never programmed: masked with vector 0 (the reset state). */
export function isUnprogrammed(e: IoApicEntryView): boolean {
  return e.masked && e.vector === 0 && !e.asserted && !e.remoteIrr;
}

/** Pending: the input is asserted but not delivered (masked, or a level entry waiting for EOI). */
export function isPending(e: IoApicEntryView): boolean {
  return e.asserted && (e.masked || (e.levelTriggered && e.remoteIrr));
}

export function entryDescription(e: IoApicEntryView): string {
  const parts = [
    `vector ${hex(e.vector, 2)}`,
    e.deliveryMode,
    `${e.destinationMode} dest ${e.destination}`,
    e.levelTriggered ? 'level' : 'edge',
    e.activeLow ? 'active-low' : 'active-high',
  ];
  if (e.masked) parts.push('masked');
  if (e.remoteIrr) parts.push('remote IRR');
  if (e.asserted) parts.push('asserted');
  if (isPending(e)) parts.push('pending');
  return parts.join(' · ');
}

function entryTooltip(e: IoApicEntryView): string {
  return [
    `**Redirection entry ${e.pin}** (GSI ${e.pin})`,
    '',
    '| | |',
    '|---|---|',
    `| Vector | ${hex(e.vector, 2)} (${e.vector}) |`,
    `| Delivery mode | ${e.deliveryMode} |`,
    `| Destination | ${e.destinationMode} ${e.destination} |`,
    `| Trigger | ${e.levelTriggered ? 'level' : 'edge'} |`,
    `| Polarity | ${e.activeLow ? 'active low' : 'active high'} |`,
    `| Mask | ${e.masked ? 'masked' : 'unmasked'} |`,
    `| Remote IRR | ${e.remoteIrr ? 'set (waiting for EOI)' : 'clear'} |`,
    `| Input | ${e.asserted ? 'asserted' : 'idle'} |`,
  ].join('\n');
}

export function ioapicNodes(view: IoApicView | undefined): TreeNode[] {
  if (!view) return [];
  const programmed = view.entries.filter((e) => !isUnprogrammed(e));
  const unprogrammed = view.entries.filter(isUnprogrammed);
  const entryNode = (e: IoApicEntryView): TreeNode => ({
    id: `ioapic/${view.id}/pin/${e.pin}`,
    label: `Pin ${e.pin}`,
    description: entryDescription(e),
    tooltip: entryTooltip(e),
    icon: isPending(e) ? 'bell-dot' : e.masked ? 'circle-slash' : e.remoteIrr ? 'sync' : 'arrow-right',
    iconColor: isPending(e) ? 'charts.orange' : e.masked ? 'disabledForeground' : undefined,
  });
  const children = programmed.map(entryNode);
  if (unprogrammed.length > 0) {
    children.push({
      id: `ioapic/${view.id}/unprogrammed`,
      label: 'Not programmed',
      description: `${unprogrammed.length} pin${unprogrammed.length === 1 ? '' : 's'}, masked, vector 0x00`,
      icon: 'circle-slash',
      children: unprogrammed.map(entryNode),
    });
  }
  const pending = view.entries.filter(isPending).length;
  const remote = view.entries.filter((e) => e.remoteIrr).length;
  return [{
    id: `ioapic/${view.id}`,
    label: `IO-APIC ${view.id}`,
    description: `version ${hex(view.version, 2)} · ${view.entries.length} pins · ${pending} pending · ${remote} remote IRR`,
    tooltip: `**IO-APIC ${view.id}**, version ${hex(view.version, 2)}, ${view.entries.length} redirection entries`,
    icon: 'plug',
    children,
    expanded: true,
  }];
}
