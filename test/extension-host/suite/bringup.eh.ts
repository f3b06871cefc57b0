/** The tests that run inside a real extension host with the real vscode API (not picked up by the unit mocha run: no .test.ts suffix). */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BringupExtensionApi } from '../../../extension/extension';

const EXTENSION_ID = 'bringup.bringup';

async function api(): Promise<BringupExtensionApi> {
  const ext = vscode.extensions.getExtension<BringupExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

function until<T>(what: string, probe: () => T | undefined, ms = 60000): Promise<T> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      let v: T | undefined;
      try { v = probe(); } catch { v = undefined; }
      if (v !== undefined && v !== false) return resolve(v);
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

function sampleFolder(): { folder: vscode.WorkspaceFolder | undefined; image: string } {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const inWorkspace = folder ? path.join(folder.uri.fsPath, 'smp-demo.elf') : '';
  const image = folder && require('node:fs').existsSync(inWorkspace) ? inWorkspace : path.join(ext.extensionPath, 'samples', 'smp-demo', 'smp-demo.elf');
  return { folder, image };
}

export function registerSuite(): void {
  describe('Bringup in the extension host', () => {
    it('activates and contributes the bringup debugger, views and commands', async () => {
      const a = await api();
      assert.ok(a.state);
      const commands = await vscode.commands.getCommands(true);
      for (const id of ['bringup.showDescriptorTable', 'bringup.translateAddress', 'bringup.exportIpiLogJson', 'bringup.selectVcpu']) assert.ok(commands.includes(id), id);
    });

    it('configuration provider: initial configurations, path resolution and validation naming the field', async () => {
      const a = await api();
      const { folder } = sampleFolder();
      const initial = await a.configurationProvider.provideDebugConfigurations(folder);
      assert.ok(initial.length >= 1);
      assert.equal(initial[0].type, 'bringup');
      const bad = a.configurationProvider.resolveDebugConfigurationWithSubstitutedVariables(folder, { type: 'bringup', request: 'launch', name: 'bad', image: 'missing.elf', cpus: 0 });
      assert.equal(bad, undefined, 'an invalid configuration is not launched');
      const good = a.configurationProvider.resolveDebugConfigurationWithSubstitutedVariables(folder, { type: 'bringup', request: 'launch', name: 'ok', image: sampleFolder().image, cpus: 4 });
      assert.ok(good);
      assert.ok(path.isAbsolute(String(good.image)));
    });

    it('launches the sample, stops at ap_main on vCPU 1 and fills the views', async () => {
      const a = await api();
      const { folder, image } = sampleFolder();
      vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint('ap_main', true, '$cpu == 1')]);
      const started = await vscode.debug.startDebugging(folder, { type: 'bringup', request: 'launch', name: 'extension-host test', image, cpus: 4, memory: '128M' });
      assert.ok(started, 'debugging started');
      try {
        await until('the stop at ap_main', () => a.state.stopped && a.state.vcpus?.vcpus[1]?.mode === 'protected+paging' && a.state.selectedVcpu === 1, 90000);
        const vcpus = a.trees.vcpus.nodes;
        assert.equal(vcpus.length, 4);
        assert.match(vcpus[1].description ?? '', /APIC 1 · stopped · active · protected mode, paging/);
        assert.match(vcpus[2].description ?? '', /wait-for-SIPI/);
        const lapics = a.trees.lapics.nodes;
        assert.equal(lapics.length, 4);
        assert.match(lapics[1].label, /vCPU 1 · APIC 1/);
        assert.equal(a.trees.ioapic.nodes.length, 1);
        assert.ok(a.state.timeline.ipis.some((i) => i.deliveryMode === 'startup' && i.targets.some((t) => t.cpu === 1 && t.outcome === 'accepted')));
        assert.equal(a.statusBar.text, '$(vm) vCPU 1 · protected mode, paging');
        // Selecting a vCPU focuses its thread.
        await vscode.commands.executeCommand('bringup.selectVcpu', 0);
        await until('thread 1 focused', () => vscode.debug.activeStackItem?.threadId === 1, 20000);
        assert.equal(a.statusBar.text, '$(vm) vCPU 0 · protected mode, paging');
      } finally {
        await vscode.debug.stopDebugging();
        vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
      }
    });

    it('runs the adapter as a separate process with "bringup.adapter": "process"', async () => {
      const a = await api();
      const { folder, image } = sampleFolder();
      const config = vscode.workspace.getConfiguration('bringup');
      await config.update('adapter', 'process', vscode.ConfigurationTarget.Global);
      vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint('ap_main', true, '$cpu == 2')]);
      try {
        assert.ok(await vscode.debug.startDebugging(folder, { type: 'bringup', request: 'launch', name: 'process adapter', image, cpus: 4 }));
        await until('the stop at ap_main on vCPU 2', () => a.state.stopped && a.state.vcpus?.vcpus[2]?.mode === 'protected+paging' && a.state.selectedVcpu === 2, 90000);
        assert.match(a.trees.vcpus.nodes[2].description ?? '', /APIC 2 · stopped · active · protected mode, paging/);
      } finally {
        await vscode.debug.stopDebugging();
        vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
        await config.update('adapter', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('the assembly language server answers hover and go-to-definition through the real client', async () => {
      await api();
      const dir = require('node:fs').mkdtempSync(path.join(require('node:os').tmpdir(), 'bringup-asm-'));
      const file = path.join(dir, 'boot.asm');
      require('node:fs').writeFileSync(file, 'bits 16\nstart:\n    lgdt [gdtr]\n    jmp start\ngdtr: dw 0\n');
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      assert.equal(doc.languageId, 'nasm');
      const hoverAt = new vscode.Position(2, 6);
      let hoverText = '';
      for (let i = 0; i < 100 && hoverText === ''; i++) {
        const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, hoverAt)) ?? [];
        hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
        if (hoverText === '') await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(hoverText, /GDTR/, `hover on lgdt: ${hoverText}`);
      const defs = (await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, new vscode.Position(3, 9))) ?? [];
      const target = defs[0] && ('targetRange' in defs[0] ? defs[0].targetRange : defs[0].range);
      assert.equal(target?.start.line, 1, 'jmp start goes to the label on line 2');
    });
  });
}
