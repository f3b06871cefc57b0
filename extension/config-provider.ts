/** Debug configurations: initial, dynamic (images in the workspace), no-launch.json, path resolution, validation, workspace trust. */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfigFor, formatProblems, pickImageForActiveFile, resolvePaths, validateLaunchConfig } from './launch-config-model';

function activeFilePath(): string | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom ? input.uri : vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === 'file' ? uri.fsPath : undefined;
}

function siblings(file: string): string[] {
  try {
    return fs.readdirSync(path.dirname(file));
  } catch {
    return [];
  }
}

export const fileProbe = {
  isFile(p: string): boolean {
    try { return fs.statSync(p).isFile(); } catch { return false; }
  },
};

export class BringupConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** Workspace folders the user consented to launch from while untrusted (this window only). */
  private readonly consented = new Set<string>();

  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const images = await findImages(folder);
    if (images.length === 0) {
      return [{ type: 'bringup', request: 'launch', name: 'Debug kernel (Bringup)', image: '${workspaceFolder}/kernel.elf', boot: 'auto', cpus: 4, memory: '128M', stopOnEvents: ['startup-ipi'], schedulerLocking: 'step' }];
    }
    return images.slice(0, 4).map((uri) => {
      const rel = folder ? path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/') : uri.fsPath;
      return { type: 'bringup', request: 'launch', name: `Bringup: ${path.basename(uri.fsPath)}`, image: folder ? `\${workspaceFolder}/${rel}` : rel, boot: 'auto', cpus: 4, memory: '128M', stopOnEvents: ['startup-ipi'], schedulerLocking: 'step' };
    });
  }

  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      // F5 with no launch.json: debug the active ELF or image.
      const active = activeFilePath();
      const image = pickImageForActiveFile(active, active ? siblings(active) : []);
      if (!image) {
        void vscode.window.showErrorMessage('Bringup: open a kernel ELF or disk image (or a source file next to one), or add a "bringup" launch configuration.', 'Add Configuration').then((a) => {
          if (a) void vscode.commands.executeCommand('workbench.action.debug.configure');
        });
        return undefined;
      }
      config = { ...defaultConfigFor(image) } as vscode.DebugConfiguration;
    }
    if (config.type === 'bringup' && (config.image === undefined || config.image === '')) {
      const active = activeFilePath();
      const image = pickImageForActiveFile(active, active ? siblings(active) : []);
      if (image) config.image = image;
    }
    if (!(await this.trusted(folder, config))) return undefined;
    return config;
  }

  resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    const base = folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const resolved = resolvePaths(config, base) as vscode.DebugConfiguration;
    const problems = validateLaunchConfig(resolved, fileProbe);
    if (problems.length > 0) {
      void vscode.window.showErrorMessage(formatProblems(problems), 'Open launch.json').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.action.debug.configure');
      });
      return undefined;
    }
    return resolved;
  }

  private async trusted(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<boolean> {
    if (vscode.workspace.isTrusted) return true;
    const key = folder?.uri.toString() ?? '';
    if (this.consented.has(key)) return true;
    const launch = 'Launch Once';
    const trust = 'Manage Workspace Trust';
    const answer = await vscode.window.showWarningMessage(
      'This workspace is not trusted.',
      { modal: true, detail: `Bringup would load "${String(config.image ?? '')}" and the files the launch configuration names, and run the guest in its emulator. Launch only if you trust this workspace's files.` },
      launch, trust,
    );
    if (answer === trust) void vscode.commands.executeCommand('workbench.trust.manage');
    if (answer !== launch) return false;
    this.consented.add(key);
    return true;
  }
}

/** Dynamic configurations: one per kernel/image in the workspace. */
export class BringupDynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const images = await findImages(folder);
    return images.slice(0, 20).map((uri) => ({ type: 'bringup', request: 'launch', name: `Bringup: ${vscode.workspace.asRelativePath(uri)}`, image: uri.fsPath, boot: 'auto', cpus: 4, memory: '128M', schedulerLocking: 'step' }));
  }
}

async function findImages(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.Uri[]> {
  const pattern = folder ? new vscode.RelativePattern(folder, '**/*.{elf,img}') : '**/*.{elf,img}';
  const found = await vscode.workspace.findFiles(pattern, '{**/node_modules/**,**/build/**,**/.git/**}', 50);
  return found.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}
