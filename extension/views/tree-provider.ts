/** Thin vscode TreeDataProvider over the view models' TreeNodes. */
import * as vscode from 'vscode';
import type { TreeNode } from './format';

export const CHANGED_SCHEME = 'bringup-changed';

export class ModelTreeProvider implements vscode.TreeDataProvider<TreeNode> {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private roots: TreeNode[] = [];
  private readonly parents = new Map<string, TreeNode>();

  constructor(private readonly build: () => TreeNode[], private readonly selectCommand?: string) {}

  refresh(): void {
    this.roots = this.build();
    this.parents.clear();
    const walk = (nodes: TreeNode[], parent?: TreeNode): void => {
      for (const n of nodes) {
        if (parent) this.parents.set(n.id, parent);
        if (n.children) walk(n.children, n);
      }
    };
    walk(this.roots);
    this.emitter.fire(undefined);
  }

  get nodes(): readonly TreeNode[] {
    return this.roots;
  }

  getChildren(element?: TreeNode): TreeNode[] {
    return element ? element.children ?? [] : this.roots;
  }

  getParent(element: TreeNode): TreeNode | undefined {
    return this.parents.get(element.id);
  }

  getTreeItem(n: TreeNode): vscode.TreeItem {
    const state = n.children && n.children.length > 0
      ? (n.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed)
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(n.label, state);
    item.id = n.id;
    item.description = n.description;
    if (n.tooltip) item.tooltip = new vscode.MarkdownString(n.tooltip);
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon, n.iconColor ? new vscode.ThemeColor(n.iconColor) : undefined);
    if (n.changed) {
      // Colour the label through a file decoration on a synthetic URI.
      item.resourceUri = vscode.Uri.from({ scheme: CHANGED_SCHEME, path: '/' + encodeURIComponent(n.id) });
      if (!n.icon) item.iconPath = new vscode.ThemeIcon('diff-modified', new vscode.ThemeColor('debugTokenExpression.error'));
    }
    item.contextValue = n.contextValue;
    if (this.selectCommand && n.vcpu !== undefined && n.contextValue === 'vcpu') {
      item.command = { command: this.selectCommand, title: 'Select vCPU', arguments: [n.vcpu] };
    }
    item.accessibilityInformation = { label: `${n.label}${n.description ? ', ' + n.description : ''}${n.changed ? ', changed since the last stop' : ''}` };
    return item;
  }
}

/** Highlights tree items whose values changed since the last stop. */
export class ChangedDecorationProvider implements vscode.FileDecorationProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== CHANGED_SCHEME) return undefined;
    return new vscode.FileDecoration('●', 'Changed since the last stop', new vscode.ThemeColor('gitDecoration.modifiedResourceForeground'));
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }
}
