/**
 * The extension's view of the running Bringup session: fetches the custom
 * requests on every stop and, throttled, while running, and tells the views.
 */
import * as vscode from 'vscode';
import type { IoApicView, IpiLogResponse, LapicView, StateChangedEvent, VcpusResponse } from '../debug-adapter/custom-protocol';
import { STATE_CHANGED_EVENT } from '../debug-adapter/custom-protocol';
import { IpiTimelineModel } from './views/ipi-timeline-model';
import { LapicChangeTracker } from './views/lapic-model';
import { Throttle } from './views/throttle';
import { stopKey } from './views/vcpus-model';

export type FocusThread = (session: vscode.DebugSession, threadId: number) => Promise<boolean>;

export class BringupState implements vscode.Disposable {
  session: vscode.DebugSession | undefined;
  vcpus: VcpusResponse | undefined;
  lapics: LapicView[] = [];
  ioapic: IoApicView | undefined;
  readonly timeline = new IpiTimelineModel();
  readonly tracker = new LapicChangeTracker();
  selectedVcpu = 0;
  stopped = false;
  lastError: string | undefined;

  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly selection = new vscode.EventEmitter<number>();
  readonly onDidChangeSelection = this.selection.event;
  private readonly live: Throttle;
  private readonly disposables: vscode.Disposable[] = [];
  private generation = 0;
  /** Identity (virtual time, instructions) of the last stop the change tracker rotated on. */
  private lastStopKey: string | undefined;

  constructor(private readonly focusThread: FocusThread) {
    this.live = new Throttle(() => this.fetch(false), this.interval());
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((s) => { if (s.type === 'bringup') this.attach(s); }),
      vscode.debug.onDidChangeActiveDebugSession((s) => { if (s?.type === 'bringup' && s !== this.session) this.attach(s); }),
      vscode.debug.onDidTerminateDebugSession((s) => { if (s === this.session) this.detach(); }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session !== this.session || e.event !== STATE_CHANGED_EVENT) return;
        const body = e.body as StateChangedEvent;
        if (body.reason === 'running') { this.stopped = false; this.live.request(); } else void this.refreshAtStop();
      }),
      vscode.debug.onDidChangeActiveStackItem((item) => {
        if (!item || item.session !== this.session) return;
        this.setSelected(item.threadId - 1, false);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('bringup.views.liveUpdateInterval')) this.live.interval = this.interval(); }),
    );
  }

  private interval(): number {
    return vscode.workspace.getConfiguration('bringup').get<number>('views.liveUpdateInterval', 250);
  }

  attach(session: vscode.DebugSession): void {
    this.session = session;
    this.generation++;
    this.vcpus = undefined;
    this.lapics = [];
    this.ioapic = undefined;
    this.timeline.clear();
    this.tracker.reset();
    this.lastStopKey = undefined;
    this.selectedVcpu = 0;
    this.stopped = false;
    void vscode.commands.executeCommand('setContext', 'bringup.sessionActive', true);
    this.changed.fire();
  }

  private detach(): void {
    this.session = undefined;
    this.stopped = false;
    this.lastError = undefined;
    this.live.dispose();
    void vscode.commands.executeCommand('setContext', 'bringup.sessionActive', false);
    this.changed.fire();
  }

  /** From the adapter tracker: a DAP stopped event. */
  onStopped(session: vscode.DebugSession, threadId: number | undefined): void {
    if (session !== this.session) this.attach(session);
    this.stopped = true;
    if (threadId !== undefined) this.setSelected(threadId - 1, false);
    void this.refreshAtStop();
  }

  onContinued(session: vscode.DebugSession): void {
    if (session !== this.session) return;
    this.stopped = false;
    this.live.request();
  }

  refreshAtStop(): Promise<void> {
    this.stopped = true;
    return this.fetch(true);
  }

  refresh(): Promise<void> {
    return this.fetch(this.stopped);
  }

  setSelected(vcpu: number, focus: boolean): void {
    if (vcpu < 0) return;
    const changed = vcpu !== this.selectedVcpu;
    this.selectedVcpu = vcpu;
    if (changed) { this.selection.fire(vcpu); this.changed.fire(); }
    if (focus && this.session) void this.focusThread(this.session, vcpu + 1);
  }

  async request<T>(command: string, args?: unknown): Promise<T> {
    if (!this.session) throw new Error('No Bringup debug session is active. Start one with F5 or the Run and Debug view.');
    return (await this.session.customRequest(command, args)) as T;
  }

  private async fetch(atStop: boolean): Promise<void> {
    const session = this.session;
    if (!session) return;
    const gen = this.generation;
    try {
      const vcpus = await session.customRequest('bringup/vcpus') as VcpusResponse;
      if (gen !== this.generation || session !== this.session) return;
      const [lapics, ioapic, log] = await Promise.all([
        Promise.all(vcpus.vcpus.map((v) => session.customRequest('bringup/lapic', { vcpu: v.index }) as Promise<LapicView>)),
        (session.customRequest('bringup/ioapic') as Promise<IoApicView>).then((x) => x, () => undefined),
        session.customRequest('bringup/ipiLog', { since: this.timeline.next }) as Promise<IpiLogResponse>,
      ]);
      if (gen !== this.generation || session !== this.session) return;
      this.vcpus = vcpus;
      this.lapics = lapics;
      this.ioapic = ioapic;
      this.timeline.setVcpus(vcpus);
      this.timeline.apply(log);
      if (atStop) {
        // The same stop can be reported twice (DAP stopped + bringup/stateChanged) or refreshed:
        // rotate the "changed since the last stop" baseline only for a new machine state.
        const key = stopKey(vcpus);
        if (key !== this.lastStopKey) this.tracker.atStop(lapics); else this.tracker.sameStop(lapics);
        this.lastStopKey = key;
      } else {
        this.tracker.whileRunning(lapics);
      }
      this.lastError = undefined;
    } catch (e) {
      // A session that is ending answers no more requests: not worth a message.
      if (session === this.session) this.lastError = e instanceof Error ? e.message : String(e);
    }
    this.changed.fire();
  }

  dispose(): void {
    this.live.dispose();
    this.disposables.forEach((d) => d.dispose());
    this.changed.dispose();
    this.selection.dispose();
  }
}
