/** The Bringup commands (thin: the text and tables come from the view models). */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DescriptorTableView, PvStartupStateView, RegisterSnapshotResponse, TranslationView } from '../debug-adapter/custom-protocol';
import type { BringupState } from './state';
import { descriptorTableHtml, descriptorTableText, disassemblyText, parseAddress, pvStartupText, TABLE_TITLES, translationSummary, translationText, type DisassembledInstructionLike, type TableName } from './views/system-tables-model';
import { layoutTimeline, renderTimelineSvg } from './views/ipi-timeline-model';
import { vcpuPickItems } from './views/vcpus-model';
import { hex64 } from './views/format';

export const DOC_SCHEME = 'bringup';

/** Read-only virtual documents the commands open. */
export class BringupDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }

  async open(name: string, content: string, language?: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: DOC_SCHEME, path: '/' + name });
    this.docs.set(uri.toString(), content);
    this.emitter.fire(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (language && doc.languageId !== language) doc = await vscode.languages.setTextDocumentLanguage(doc, language);
    return vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Active });
  }
}

async function pickTable(arg: unknown): Promise<TableName | undefined> {
  if (arg === 'gdt' || arg === 'idt' || arg === 'ldt') return arg;
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'GDT', description: 'Global Descriptor Table', table: 'gdt' as const },
      { label: 'IDT', description: 'Interrupt Descriptor Table', table: 'idt' as const },
      { label: 'LDT', description: 'Local Descriptor Table', table: 'ldt' as const },
    ],
    { title: 'Descriptor table of the selected vCPU' },
  );
  return picked?.table;
}

/** The vCPU a command acts on: the tree item's, else the selected one. */
function vcpuOf(state: BringupState, arg: unknown): number {
  if (typeof arg === 'number') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { vcpu?: unknown }).vcpu === 'number') return (arg as { vcpu: number }).vcpu;
  return state.selectedVcpu;
}

function fail(e: unknown): void {
  void vscode.window.showErrorMessage(`Bringup: ${e instanceof Error ? e.message : String(e)}`);
}

export function registerCommands(context: vscode.ExtensionContext, state: BringupState, docs: BringupDocuments, exportLog: (format: 'json' | 'svg') => Promise<void>): void {
  const media = vscode.Uri.joinPath(context.extensionUri, 'extension', 'media');
  const reg = (id: string, fn: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try { await fn(...args); } catch (e) { fail(e); }
    }));
  };

  reg('bringup.selectVcpu', async (arg) => {
    let vcpu: number | undefined = typeof arg === 'number' ? arg : undefined;
    if (vcpu === undefined) {
      const picked = await vscode.window.showQuickPick(vcpuPickItems(state.vcpus), { title: 'Select vCPU' });
      vcpu = picked?.vcpu;
    }
    if (vcpu !== undefined) state.setSelected(vcpu, true);
  });

  reg('bringup.refreshViews', () => state.refresh());

  reg('bringup.showDescriptorTable', async (arg, tableArg) => {
    const table = await pickTable(tableArg ?? (typeof arg === 'string' ? arg : undefined));
    if (!table) return;
    const vcpu = vcpuOf(state, arg);
    const view = await state.request<DescriptorTableView>('bringup/descriptorTable', { vcpu, table });
    const panel = vscode.window.createWebviewPanel('bringup.descriptorTable', `${TABLE_TITLES[table]} · vCPU ${vcpu}`, vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [media] });
    const css = panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'table.css'));
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${panel.webview.cspSource}; script-src 'nonce-${nonce}';"><link rel="stylesheet" href="${css}"><title>${TABLE_TITLES[table]}</title></head><body>${descriptorTableHtml(view)}</body></html>`;
  });

  reg('bringup.openDescriptorTableDocument', async (arg, tableArg) => {
    const table = await pickTable(tableArg ?? (typeof arg === 'string' ? arg : undefined));
    if (!table) return;
    const vcpu = vcpuOf(state, arg);
    const view = await state.request<DescriptorTableView>('bringup/descriptorTable', { vcpu, table });
    await docs.open(`vCPU ${vcpu} ${TABLE_TITLES[table]}.txt`, descriptorTableText(view));
  });

  reg('bringup.translateAddress', async (arg, addressArg) => {
    const vcpu = vcpuOf(state, arg);
    let text = typeof addressArg === 'string' || typeof addressArg === 'number' ? String(addressArg) : undefined;
    if (text === undefined) {
      text = await vscode.window.showInputBox({
        title: `Translate a linear address on vCPU ${vcpu}`,
        prompt: 'Linear address: 0xC0100000, 3221225472, or seg:off in real mode (0800:0000)',
        validateInput: (v) => (parseAddress(v) === undefined ? 'Not an address: use 0x…, a decimal number or seg:off' : undefined),
      });
    }
    if (text === undefined) return;
    const address = parseAddress(text);
    if (address === undefined) throw new Error(`"${text}" is not an address.`);
    const view = await state.request<TranslationView>('bringup/translate', { vcpu, address });
    await docs.open(`vCPU ${vcpu} translate ${hex64(address, 8)}.txt`, translationText(view));
    void vscode.window.setStatusBarMessage(translationSummary(view), 8000);
  });

  reg('bringup.showPvStartupState', async (arg) => {
    const vcpu = vcpuOf(state, arg);
    const view = await state.request<PvStartupStateView>('bringup/pvStartupState', { vcpu });
    await docs.open(`vCPU ${vcpu} paravirtual startup state.txt`, pvStartupText(view));
  });

  reg('bringup.copyRegisterSnapshot', async (arg) => {
    const vcpu = vcpuOf(state, arg);
    const snap = await state.request<RegisterSnapshotResponse>('bringup/registerSnapshot', { vcpu });
    await vscode.env.clipboard.writeText(snap.text);
    void vscode.window.setStatusBarMessage(`Bringup: registers of vCPU ${vcpu} copied`, 4000);
  });

  reg('bringup.openDisassemblyDocument', async (arg) => {
    const vcpu = vcpuOf(state, arg);
    const session = state.session;
    if (!session) throw new Error('No Bringup debug session is active.');
    const st = await session.customRequest('stackTrace', { threadId: vcpu + 1, startFrame: 0, levels: 1 }) as { stackFrames: { instructionPointerReference?: string; name: string }[] };
    const ref = st.stackFrames[0]?.instructionPointerReference;
    if (!ref) throw new Error(`vCPU ${vcpu} has no instruction pointer to disassemble at (not started?).`);
    const dis = await session.customRequest('disassemble', { memoryReference: ref, instructionOffset: -8, instructionCount: 48, resolveSymbols: true }) as { instructions: DisassembledInstructionLike[] };
    await docs.open(`vCPU ${vcpu} at ${ref}.bringup-disasm`, disassemblyText(dis.instructions, `vCPU ${vcpu}, ${st.stackFrames[0].name}`, ref), 'bringup-disasm');
  });

  reg('bringup.exportIpiLogJson', () => exportLog('json'));
  reg('bringup.exportIpiLogSvg', () => exportLog('svg'));

  reg('bringup.walkthrough.openSample', async () => {
    const sample = await findSample();
    if (sample) {
      const main = vscode.Uri.file(path.join(path.dirname(sample.fsPath), 'main.c'));
      await vscode.window.showTextDocument(fs.existsSync(main.fsPath) ? main : sample);
      return;
    }
    const bundled = vscode.Uri.joinPath(context.extensionUri, 'samples', 'smp-demo');
    const choice = await vscode.window.showInformationMessage('The smp-demo sample is not in this workspace. Open the copy that ships with Bringup?', 'Open Folder');
    if (choice) await vscode.commands.executeCommand('vscode.openFolder', bundled, { forceNewWindow: true });
  });

  reg('bringup.walkthrough.debugSampleStopOnSipi', async () => {
    const sample = await findSample();
    const image = sample?.fsPath ?? vscode.Uri.joinPath(context.extensionUri, 'samples', 'smp-demo', 'smp-demo.elf').fsPath;
    const folder = sample ? vscode.workspace.getWorkspaceFolder(sample) : vscode.workspace.workspaceFolders?.[0];
    await vscode.debug.startDebugging(folder, { type: 'bringup', request: 'launch', name: 'smp-demo: stop on STARTUP IPI', image, boot: 'auto', cpus: 4, memory: '128M', stopOnEvents: ['startup-ipi'], schedulerLocking: 'step' });
  });

  reg('bringup.walkthrough.runToApMain', async () => {
    const existing = vscode.debug.breakpoints.find((b) => b instanceof vscode.FunctionBreakpoint && b.functionName === 'ap_main');
    if (!existing) vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint('ap_main', true, '$cpu != 0')]);
    if (state.session && state.stopped) await vscode.commands.executeCommand('workbench.action.debug.continue');
  });

  reg('bringup.walkthrough.openBugs', async () => {
    const found = await vscode.workspace.findFiles('samples/bugs/**/*', '**/build/**', 50);
    if (found.length === 0) throw new Error('samples/bugs/ is not in this workspace: open the Bringup repository folder.');
    const readme = found.find((u) => /readme\.md$/i.test(u.fsPath)) ?? found.find((u) => /gs/i.test(path.basename(u.fsPath))) ?? found[0];
    await vscode.window.showTextDocument(readme);
    await vscode.commands.executeCommand('revealInExplorer', readme);
  });
}

async function findSample(): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles('**/smp-demo/smp-demo.elf', '**/node_modules/**', 1);
  return found[0];
}

/** The IPI log export (JSON or standalone SVG) through a save dialog. */
export async function exportIpiLog(state: BringupState, format: 'json' | 'svg'): Promise<void> {
  const model = state.timeline;
  if (model.count === 0) {
    void vscode.window.showInformationMessage('Bringup: the IPI log is empty.');
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: format === 'json' ? 'Export IPI log as JSON' : 'Export IPI timeline as SVG',
    defaultUri: folder ? vscode.Uri.joinPath(folder, `ipi-log.${format}`) : undefined,
    filters: format === 'json' ? { JSON: ['json'] } : { SVG: ['svg'] },
  });
  if (!target) return;
  const text = format === 'json'
    ? JSON.stringify(model.toJSON(), null, 2) + '\n'
    : renderTimelineSvg(layoutTimeline(model, 1), { standalone: true, title: `IPI timeline (${model.ipis.length} IPIs)` }) + '\n';
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  void vscode.window.setStatusBarMessage(`Bringup: IPI log written to ${vscode.workspace.asRelativePath(target)}`, 5000);
}
