// Tree data provider of the Servers view: groups → servers → sections → rows. Loading never blocks:
// an unloaded server shows "loading…" and fills in when its background refresh lands.
import * as vscode from 'vscode';
import { printable, printableLine } from '../../core/printable';
import type { ServersModel, ServerState } from './model';
import { logFailure } from '../../log';
import { contextValues, describeSpec, formatTime, type GroupNode, type Icon, type LeafNode, type Node, type ServerNode, snapshotNeedsAttention, snapshotSections } from './nodes';

const UNGROUPED = '';
/** The folder of the SSH config's hosts that have no group of their own. */
export const SSH_CONFIG_GROUP = 'SSH config';

function groupOf(s: ServerState): string {
  return s.spec.group?.trim() || (s.spec.source === 'ssh-config' ? SSH_CONFIG_GROUP : UNGROUPED);
}

function themeIcon(icon: Icon | undefined): vscode.ThemeIcon | undefined {
  if (!icon) return undefined;
  return new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
}

export class ServersTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  // VS Code refreshes one element only when given the very object it was handed: keep them.
  private readonly serverNodes = new Map<string, ServerNode>();
  private readonly groupNodes = new Map<string, GroupNode>();
  private readonly parents = new WeakMap<Node, Node>();
  private readonly subscription: vscode.Disposable;
  /** Servers whose first load this provider started (expanding one is asking for it). */
  private readonly requested = new Set<string>();

  constructor(private readonly model: ServersModel) {
    this.subscription = model.onDidChange((id) => {
      const node = id === undefined ? undefined : this.serverNodes.get(id);
      if (id !== undefined && !node) return;
      // A reload keeps what the user was already asked (a refused key is not asked again unbidden).
      if (id === undefined) for (const r of [...this.requested]) if (!model.get(r)) this.requested.delete(r);
      this.changed.fire(node);
    });
  }

  private serverNode(s: ServerState): ServerNode {
    let node = this.serverNodes.get(s.id);
    if (!node) {
      node = { kind: 'server', id: `server:${s.id}`, serverId: s.id, label: s.spec.name };
      this.serverNodes.set(s.id, node);
    }
    return node;
  }

  private groupNode(group: string): GroupNode {
    let node = this.groupNodes.get(group);
    if (!node) {
      node = { kind: 'group', id: `group:${group}`, group, label: group, icon: { id: group === SSH_CONFIG_GROUP ? 'file-symlink-file' : 'folder' } };
      this.groupNodes.set(group, node);
    }
    return node;
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      const servers = this.model.servers();
      const groups = [...new Set(servers.map(groupOf))].filter((g) => g !== UNGROUPED && g !== SSH_CONFIG_GROUP);
      groups.sort((a, b) => a.localeCompare(b));
      // The SSH config's folder comes last: the user's own servers first.
      if (servers.some((s) => groupOf(s) === SSH_CONFIG_GROUP)) groups.push(SSH_CONFIG_GROUP);
      const top = servers.filter((s) => groupOf(s) === UNGROUPED).map((s) => this.serverNode(s));
      return [...groups.map((g) => this.groupNode(g)), ...top];
    }
    let children: Node[];
    switch (node.kind) {
      case 'group':
        children = this.model
          .servers()
          .filter((s) => groupOf(s) === node.group)
          .map((s) => this.serverNode(s));
        break;
      case 'server':
        children = this.serverChildren(node);
        break;
      case 'section':
        children = node.children;
        break;
      case 'leaf':
        children = node.children ?? [];
        break;
    }
    for (const c of children) this.parents.set(c, node);
    return children;
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'server') {
      const s = this.model.get(node.serverId);
      const g = s && groupOf(s);
      return g ? this.groupNode(g) : undefined;
    }
    return this.parents.get(node);
  }

  private serverChildren(node: ServerNode): Node[] {
    const s = this.model.get(node.serverId);
    if (!s) return [];
    if (!s.snapshot && (!s.problem || s.problem.background) && !this.requested.has(s.id)) {
      // Expanding a server the first time is the user asking for it: prompts are welcome. The same whether
      // a background refresh is still running (refresh() asks once it ends) or already found the key
      // unknown: the first expansion always asks (one behaviour, not a race with the background refresh).
      this.requested.add(s.id);
      this.model.refresh(s.id, true).catch(logFailure(`Refreshing ${s.spec.name}`));
    }
    const rows: Node[] = [];
    if (s.problem) rows.push(this.problemRow(s));
    const project = s.project && 'name' in s.project ? s.project : undefined;
    if (s.project && 'problem' in s.project) {
      rows.push({ kind: 'leaf', serverId: s.id, id: `${s.id}/project-problem`, label: s.project.problem, icon: { id: 'info' }, tooltip: `Linked project: ${s.spec.project}` });
    }
    if (s.snapshot) rows.push(...snapshotSections(s.id, s.snapshot, s.stale, project, s.releases));
    else if (!s.problem) rows.push({ kind: 'leaf', serverId: s.id, id: `${s.id}/loading`, label: 'loading…', icon: { id: 'loading~spin' } });
    return rows;
  }

  private problemRow(s: ServerState): LeafNode {
    const p = s.problem!;
    const action = p.actions[0];
    return {
      kind: 'leaf',
      serverId: s.id,
      id: `${s.id}/problem`,
      label: p.message,
      description: action ? `${action.title}` : undefined,
      tooltip: `${p.message}${action ? `\n\nClick: ${action.title}` : ''}`,
      icon: { id: 'error', color: 'errorForeground' },
      contextValue: contextValues.error,
      command: action,
    };
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'server') return this.serverItem(node);
    const hasChildren = node.kind === 'group' || node.kind === 'section' || (node.kind === 'leaf' && !!node.children?.length);
    // Labels and descriptions carry what servers sent (OS name, units, process names, nginx -t lines).
    const item = new vscode.TreeItem(printableLine(node.label), hasChildren ? (node.kind === 'leaf' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded) : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = node.description === undefined ? undefined : printableLine(node.description);
    item.tooltip = node.tooltip === undefined ? undefined : printable(node.tooltip);
    item.iconPath = themeIcon(node.icon);
    item.contextValue = node.contextValue;
    if (node.kind === 'group' && node.group === SSH_CONFIG_GROUP) item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
    if (node.kind === 'section') item.collapsibleState = node.section === 'ports' || node.section === 'app' || node.section === 'tls' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded;
    if (node.command) item.command = { command: node.command.command, title: node.command.title, arguments: node.command.args };
    return item;
  }

  private serverItem(node: ServerNode): vscode.TreeItem {
    const s = this.model.get(node.serverId);
    const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    if (!s) return item;
    const where = describeSpec(s.spec);
    item.contextValue = s.spec.source === 'ssh-config' ? contextValues.serverFromSshConfig : contextValues.serverFromSettings;
    let icon: Icon;
    if (s.loading && !s.snapshot) {
      item.description = 'loading…';
      icon = { id: 'loading~spin' };
    } else if (s.stale && s.snapshot) {
      item.description = `stale since ${formatTime(s.staleSince ?? s.snapshot.takenAt)}: ${s.staleReason ?? 'not refreshed'}${s.loading ? ' · refreshing…' : ''}`;
      icon = { id: 'server', color: 'disabledForeground' };
    } else if (s.problem && !s.snapshot) {
      item.description = s.loading ? 'connecting…' : 'not connected';
      icon = { id: 'server', color: 'errorForeground' };
    } else if (s.snapshot) {
      item.description = s.loading ? 'refreshing…' : printableLine(s.snapshot.host);
      icon = snapshotNeedsAttention(s.snapshot) ? { id: 'server', color: 'list.warningForeground' } : { id: 'server', color: 'testing.iconPassed' };
    } else {
      item.description = where;
      icon = { id: 'server' };
    }
    item.iconPath = themeIcon(icon);
    const lines = [`${s.spec.name} — ${where}`, s.spec.source === 'ssh-config' ? `From ${s.spec.configFile ?? 'the SSH config'}` : 'From the cloudward.servers setting'];
    if (s.snapshot) lines.push(`${s.stale ? 'Stale: last' : 'Last'} refreshed ${formatTime(s.snapshot.takenAt)} in ${Math.round(s.snapshot.durationMs)} ms`);
    if (s.stale && s.snapshot) lines.push(`Stale since ${formatTime(s.staleSince ?? s.snapshot.takenAt)}: ${s.staleReason ?? 'not refreshed'}. What is shown may no longer be true.`);
    if (s.spec.project) lines.push(`Runs the app of ${s.spec.project}`);
    if (s.problem) lines.push(s.problem.message);
    item.tooltip = printable(lines.join('\n'));
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
