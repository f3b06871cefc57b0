/**
 * Bringup's VS Code extension: the `bringup` debugger (configuration
 * provider, inline or process adapter), the vCPU / Local APIC / IO-APIC
 * views, the IPI timeline, the text screen, the system-table commands, the status bar item
 * and the serial console. Logic lives in the view models (extension/views/
 * *-model.ts, no vscode import); this file wires them to VS Code.
 */
import * as vscode from 'vscode';
import { DebugStateBridge } from './debug-state-bridge';
import { BringupAdapterFactory } from './adapter-factory';
import { BringupDocuments, DOC_SCHEME, exportIpiLog, registerCommands } from './commands';
import { BringupConfigurationProvider, BringupDynamicConfigurationProvider } from './config-provider';
import { SerialConsole } from './serial-terminal';
import { BringupState } from './state';
import { ioapicNodes } from './views/ioapic-model';
import { lapicNodes } from './views/lapic-model';
import { IpiTimelineViewProvider } from './views/timeline-view';
import { ScreenViewProvider } from './views/screen-view';
import { ChangedDecorationProvider, ModelTreeProvider } from './views/tree-provider';
import { statusBarText, statusBarTooltip, vcpuNodes, vcpusSummary } from './views/vcpus-model';

export interface BringupExtensionApi {
  state: BringupState;
  trees: { vcpus: ModelTreeProvider; lapics: ModelTreeProvider; ioapic: ModelTreeProvider };
  timeline: IpiTimelineViewProvider;
  screen: ScreenViewProvider;
  statusBar: vscode.StatusBarItem;
  configurationProvider: BringupConfigurationProvider;
}

export function activate(context: vscode.ExtensionContext): BringupExtensionApi {
  const factory = new BringupAdapterFactory(context);
  const focusThread = async (session: vscode.DebugSession, threadId: number): Promise<boolean> => {
    // No public API sets the focused thread; a stopped event that does not
    // preserve focus makes VS Code focus it. The adapter raises one for
    // bringup/focusThread (inline and as a separate process alike).
    if (!state.stopped) return false;
    try {
      await session.customRequest('bringup/focusThread', { vcpu: threadId - 1 });
      return true;
    } catch {
      return false;
    }
  };
  const state = new BringupState(focusThread);
  const serial = new SerialConsole();
  const docs = new BringupDocuments();
  context.subscriptions.push(state, serial);

  // Debugger.
  const provider = new BringupConfigurationProvider();
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('bringup', provider),
    vscode.debug.registerDebugConfigurationProvider('bringup', new BringupDynamicConfigurationProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory('bringup', factory),
    vscode.debug.onDidTerminateDebugSession((s) => factory.forget(s)),
    vscode.debug.onDidStartDebugSession((s) => { if (s.type === 'bringup') serial.sessionStarted(s.name); }),
    vscode.debug.registerDebugAdapterTrackerFactory('bringup', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: Record<string, unknown> }) => {
          if (m.type !== 'event') return;
          if (m.event === 'output' && m.body?.category === 'stdout' && typeof m.body.output === 'string') serial.output(m.body.output);
          else if (m.event === 'stopped' && m.body?.reason !== 'focus') state.onStopped(session, typeof m.body?.threadId === 'number' ? m.body.threadId : undefined);
          else if (m.event === 'continued') state.onContinued(session);
        },
      }),
    }),
  );

  // Views.
  const vcpus = new ModelTreeProvider(() => vcpuNodes(state.vcpus, state.selectedVcpu), 'bringup.selectVcpu');
  const lapics = new ModelTreeProvider(() => lapicNodes(state.lapics, state.tracker, state.selectedVcpu));
  const ioapic = new ModelTreeProvider(() => ioapicNodes(state.ioapic));
  const decorations = new ChangedDecorationProvider();
  const vcpuView = vscode.window.createTreeView('bringup.vcpus', { treeDataProvider: vcpus, showCollapseAll: true });
  const lapicView = vscode.window.createTreeView('bringup.lapics', { treeDataProvider: lapics, showCollapseAll: true });
  const ioapicView = vscode.window.createTreeView('bringup.ioapic', { treeDataProvider: ioapic, showCollapseAll: true });
  const timeline = new IpiTimelineViewProvider(
    context.extensionUri,
    () => state.timeline,
    (sender) => state.setSelected(sender, true),
    (format) => void exportIpiLog(state, format),
  );
  const screen = new ScreenViewProvider(context.extensionUri, state);
  context.subscriptions.push(
    screen,
    vscode.window.registerWebviewViewProvider(ScreenViewProvider.viewType, screen),
    vcpuView, lapicView, ioapicView,
    vscode.window.registerFileDecorationProvider(decorations),
    vscode.window.registerWebviewViewProvider(IpiTimelineViewProvider.viewType, timeline, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, docs),
  );

  // Status bar: the selected vCPU.
  const statusBar = vscode.window.createStatusBarItem('bringup.selectedVcpu', vscode.StatusBarAlignment.Left, 50);
  statusBar.name = 'Bringup vCPU';
  statusBar.command = 'bringup.selectVcpu';
  context.subscriptions.push(statusBar);

  const render = (): void => {
    vcpus.refresh();
    lapics.refresh();
    ioapic.refresh();
    decorations.refresh();
    timeline.update();
    vcpuView.description = vcpusSummary(state.vcpus);
    vcpuView.message = state.lastError ? `Could not read the machine state: ${state.lastError}` : !state.session && state.vcpus ? 'The session has ended; the views show its last state.' : undefined;
    lapicView.description = state.lapics.length ? `${state.lapics.length} APICs` : undefined;
    const selected = state.vcpus?.vcpus.find((v) => v.index === state.selectedVcpu);
    if (state.session && selected) {
      statusBar.text = `$(vm) ${statusBarText(selected)}`;
      statusBar.tooltip = statusBarTooltip(selected);
      statusBar.show();
    } else {
      statusBar.hide();
    }
  };
  context.subscriptions.push(state.onDidChange(render));

  registerCommands(context, state, docs, (format) => exportIpiLog(state, format));
  context.subscriptions.push(
    vscode.commands.registerCommand('bringup.toggleTimelineFollow', () => timeline.toggleFollow()),
    vscode.commands.registerCommand('bringup.showSerialConsole', () => serial.show()),
  );

  startOptionalLanguageClient(context, state);
  if (vscode.debug.activeDebugSession?.type === 'bringup') state.attach(vscode.debug.activeDebugSession);
  return { state, trees: { vcpus, lapics, ioapic }, timeline, screen, statusBar, configurationProvider: provider };
}

/** extension/language-client.ts belongs to the language-server work; start it if it is there, never fail activation over it. */
function startOptionalLanguageClient(context: vscode.ExtensionContext, state: BringupState): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('./language-client') as { startLanguageClient?: (c: vscode.ExtensionContext) => Promise<import('vscode-languageclient/node').LanguageClient> };
    const started = mod.startLanguageClient?.(context);
    if (started !== undefined) {
      // While a session is stopped, the server's hovers show run-time values and editors mark each vCPU's line.
      started.then((client) => context.subscriptions.push(new DebugStateBridge(client, state))).catch((e: unknown) => console.error('Bringup language client failed to start:', e));
    }
  } catch (e) {
    console.error('Bringup language client not started:', e);
  }
}

export function deactivate(): void {
  /* disposables go with the context */
}
