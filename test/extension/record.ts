/**
 * Records real responses of the debug adapter's custom requests for the
 * extension's view-model tests: drives dist/debugAdapter.js over stdio with
 * DebugClient against the test guest (test/guests/build/smp-sipi.bin, 4
 * vCPUs) and the smp-demo sample, and writes test/extension/recorded/*.json.
 *
 *   node scripts/build.mjs && node scripts/build-test-guests.mjs
 *   node --import tsx test/extension/record.ts
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const out = join(root, 'test', 'extension', 'recorded');
const adapter = process.env.BRINGUP_ADAPTER ?? join(root, 'dist', 'debugAdapter.js');

function save(name: string, body: unknown): void {
  // Source paths relative to the repository, so the fixtures do not depend on where it is checked out.
  const text = JSON.stringify(body, null, 2).split(JSON.stringify(root + '/').slice(1, -1)).join('./');
  writeFileSync(join(out, `${name}.json`), text + '\n');
  console.log(`recorded ${name}.json`);
}

async function start(): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, adapter, 'bringup');
  dc.defaultTimeout = 60000;
  await dc.start();
  return dc;
}

async function body(dc: DebugClient, command: string, args?: unknown): Promise<unknown> {
  const r = await dc.customRequest(command, args);
  return r.body;
}

async function snapshot(dc: DebugClient, prefix: string, cpus: number, extra: { tables?: number[]; translate?: { vcpu: number; address: number }[]; pv?: number[] } = {}): Promise<void> {
  save(`${prefix}.vcpus`, await body(dc, 'bringup/vcpus'));
  const lapics = [];
  for (let vcpu = 0; vcpu < cpus; vcpu++) lapics.push(await body(dc, 'bringup/lapic', { vcpu }));
  save(`${prefix}.lapics`, lapics);
  save(`${prefix}.ioapic`, await body(dc, 'bringup/ioapic'));
  save(`${prefix}.ipiLog`, await body(dc, 'bringup/ipiLog', { since: 0 }));
  for (const vcpu of extra.tables ?? []) {
    for (const table of ['gdt', 'idt'] as const) save(`${prefix}.${table}-vcpu${vcpu}`, await body(dc, 'bringup/descriptorTable', { vcpu, table }));
    save(`${prefix}.snapshot-vcpu${vcpu}`, await body(dc, 'bringup/registerSnapshot', { vcpu }));
  }
  for (const t of extra.translate ?? []) save(`${prefix}.translate-vcpu${t.vcpu}-${t.address.toString(16)}`, await body(dc, 'bringup/translate', t));
  for (const vcpu of extra.pv ?? []) save(`${prefix}.pv-vcpu${vcpu}`, await body(dc, 'bringup/pvStartupState', { vcpu }));
}

async function continueUntilStopped(dc: DebugClient, threadId: number): Promise<{ threadId?: number; reason: string }> {
  const stopped = dc.waitForEvent('stopped');
  await dc.continueRequest({ threadId });
  const ev = await stopped;
  return ev.body as { threadId?: number; reason: string };
}

async function recordSipiGuest(): Promise<void> {
  const dc = await start();
  try {
    const image = join(root, 'test', 'guests', 'build', 'smp-sipi.bin');
    const stopped = dc.waitForEvent('stopped');
    await Promise.all([
      dc.initializeRequest().then(() => dc.launch({ image, boot: 'bootsector', cpus: 4, stopOnEntry: true, stopOnEvents: ['startup-ipi'] } as never)),
      dc.configurationSequence(),
    ]);
    await stopped;
    await snapshot(dc, 'sipi-entry', 4);
    let stop = await continueUntilStopped(dc, 1);
    console.log('stop 1:', stop);
    await snapshot(dc, 'sipi-first-startup', 4, { tables: [0, 1], translate: [{ vcpu: 0, address: 0x7c00 }] });
    const first = (await body(dc, 'bringup/ipiLog', { since: 0 })) as { next: number };
    stop = await continueUntilStopped(dc, stop.threadId ?? 1);
    console.log('stop 2:', stop);
    save('sipi-second-startup.ipiLog-incremental', { since: first.next, response: await body(dc, 'bringup/ipiLog', { since: first.next }) });
    await snapshot(dc, 'sipi-second-startup', 4, { tables: [1] });
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    // Let the APs come up, then pause and look again.
    await dc.continueRequest({ threadId: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const paused = dc.waitForEvent('stopped', 20000).catch(() => undefined);
    await dc.pauseRequest({ threadId: 1 }).catch(() => undefined);
    if (await paused) await snapshot(dc, 'sipi-later', 4, { tables: [2] });
  } finally {
    await dc.stop();
  }
}

async function recordSmpDemo(): Promise<void> {
  const dc = await start();
  try {
    const image = join(root, 'samples', 'smp-demo', 'smp-demo.elf');
    const stopped = dc.waitForEvent('stopped');
    await Promise.all([
      dc.initializeRequest().then(() => dc.launch({ image, boot: 'multiboot', cpus: 4, memory: '128M' } as never)),
      dc.configurationSequence().then(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ap_main', condition: '$cpu == 1' }] })),
    ]);
    const ev = await stopped;
    console.log('smp-demo stop:', ev.body);
    const tid = (ev.body as { threadId?: number }).threadId ?? 2;
    await snapshot(dc, 'smp-demo-ap-main', 4, { tables: [tid - 1], translate: [{ vcpu: tid - 1, address: 0x100000 }], pv: [tid - 1] });
    const st = await dc.stackTraceRequest({ threadId: tid, levels: 1 });
    const ref = st.body.stackFrames[0]?.instructionPointerReference;
    if (ref) save('smp-demo-ap-main.disassemble', { frame: st.body.stackFrames[0], response: (await dc.customRequest('disassemble', { memoryReference: ref, instructionOffset: -8, instructionCount: 24, resolveSymbols: true })).body });
  } finally {
    await dc.stop();
  }
}

/** The same sample later: fixed IPIs sent, LAPIC timers running, the IO-APIC route being programmed. */
async function recordSmpDemoLater(): Promise<void> {
  const dc = await start();
  try {
    const image = join(root, 'samples', 'smp-demo', 'smp-demo.elf');
    const stopped = dc.waitForEvent('stopped');
    await Promise.all([
      dc.initializeRequest().then(() => dc.launch({ image, boot: 'multiboot', cpus: 4, memory: '128M' } as never)),
      dc.configurationSequence().then(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ioapic_mask' }] })),
    ]);
    const ev = (await stopped).body as { threadId: number };
    console.log('smp-demo stop at ioapic_mask:', ev);
    await snapshot(dc, 'smp-demo-ioapic-mask', 4);
  } finally {
    await dc.stop();
  }
}

/** Paravirtual AP startup (ap=hook, ap=up): the startup-state registrations and VCPU_UP on the timeline. */
async function recordSmpDemoParavirt(mode: 'hook' | 'up'): Promise<void> {
  const dc = await start();
  try {
    const image = join(root, 'samples', 'smp-demo', 'smp-demo.elf');
    const stopped = dc.waitForEvent('stopped');
    await Promise.all([
      dc.initializeRequest().then(() => dc.launch({ image, boot: 'multiboot', cpus: 4, memory: '128M', cmdline: `ap=${mode}`, stopOnEvents: ['pv-startup-state', 'pv-vcpu-up'] } as never)),
      dc.configurationSequence().then(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ap_main', condition: '$cpu == 3' }] })),
    ]);
    let ev = (await stopped).body as { threadId: number; reason: string; text?: string; description?: string };
    console.log(`smp-demo ap=${mode} first stop:`, ev);
    await snapshot(dc, `smp-demo-ap-${mode}-pv-event`, 4, { pv: [1] });
    // On to ap_main of the last AP, past the other paravirtual events.
    for (let i = 0; i < 12; i++) {
      const next = dc.waitForEvent('stopped');
      await dc.continueRequest({ threadId: ev.threadId });
      ev = (await next).body as typeof ev;
      if (ev.reason === 'function breakpoint') break;
    }
    console.log(`smp-demo ap=${mode} stop:`, ev);
    await snapshot(dc, `smp-demo-ap-${mode}`, 4, { pv: [1, 3] });
  } finally {
    await dc.stop();
  }
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const only = process.argv[2];
  if (!only || only === 'sipi') await recordSipiGuest();
  if (!only || only === 'smp-demo') await recordSmpDemo();
  if (!only || only === 'smp-demo-later') await recordSmpDemoLater();
  if (!only || only === 'paravirt') { await recordSmpDemoParavirt('hook'); await recordSmpDemoParavirt('up'); }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
