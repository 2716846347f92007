// The Servers view: model → tree data provider → view, plus what its commands share (output channels
// per unit, terminals, open remote streams), all disposed with the extension.
import * as vscode from 'vscode';
import type { Ctx } from '../../ctx';
import type { RemoteStream } from '../../core/ssh/types';
import { contextKeys, setContext } from '../../contextKeys';
import { ServersModel } from './model';
import { ServersTreeProvider } from './tree';
import { logFailure } from '../../log';

export const SERVERS_VIEW_ID = 'cloudward.servers';

export class ServersView implements vscode.Disposable {
  readonly model: ServersModel;
  readonly provider: ServersTreeProvider;
  readonly treeView: vscode.TreeView<import('./nodes').Node>;
  private readonly logChannels = new Map<string, vscode.OutputChannel>();
  private nginxChannel: vscode.OutputChannel | undefined;
  /** Follow and shell streams still open: closed on dispose even if their terminal is not. */
  private readonly streams = new Set<RemoteStream>();
  private readonly terminals = new Set<vscode.Terminal>();
  private readonly disposables: vscode.Disposable[] = [];
  private backgroundStarted = false;

  constructor(readonly ctx: Ctx) {
    this.model = new ServersModel(ctx);
    this.provider = new ServersTreeProvider(this.model);
    this.treeView = vscode.window.createTreeView(SERVERS_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true });
    this.disposables.push(
      this.treeView,
      this.provider,
      this.model,
      // The first time the view is shown, every server refreshes in the background (no prompts).
      this.treeView.onDidChangeVisibility((e) => {
        if (e.visible) this.startBackgroundRefresh();
      }),
      vscode.window.onDidCloseTerminal((t) => this.terminals.delete(t)),
    );
    if (this.treeView.visible) this.startBackgroundRefresh();
    // Cheap and without the SSH layer: the settings alone. The SSH config's hosts are counted when the view loads.
    if (ctx.config.servers.length) void setContext(contextKeys.hasServers, true);
  }

  private startBackgroundRefresh(): void {
    if (this.backgroundStarted) return;
    this.backgroundStarted = true;
    // After the tree's first paint, so that listing servers never delays showing the view.
    setTimeout(() => this.model.refreshAll(false).catch(logFailure('Refreshing the servers')), 0);
  }

  /** One output channel per server and unit, reused by Show Unit Logs. */
  logChannel(server: string, unit: string): vscode.OutputChannel {
    const key = `${server}\0${unit}`;
    let ch = this.logChannels.get(key);
    if (!ch) {
      ch = vscode.window.createOutputChannel(`Cloudward: ${unit} on ${server}`);
      this.logChannels.set(key, ch);
    }
    return ch;
  }

  nginxOutput(): vscode.OutputChannel {
    return (this.nginxChannel ??= vscode.window.createOutputChannel('Cloudward: nginx -t'));
  }

  /** Registers a remote stream so that it is closed with the extension. */
  track<T extends RemoteStream>(stream: T): T {
    this.streams.add(stream);
    stream.onExit(() => this.streams.delete(stream));
    return stream;
  }

  addTerminal(t: vscode.Terminal): vscode.Terminal {
    this.terminals.add(t);
    return t;
  }

  dispose(): void {
    for (const s of this.streams) s.close();
    this.streams.clear();
    for (const t of this.terminals) t.dispose();
    this.terminals.clear();
    for (const ch of this.logChannels.values()) ch.dispose();
    this.logChannels.clear();
    this.nginxChannel?.dispose();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
