import * as vscode from 'vscode';
import type { ServerSetting } from './core/ssh/types';

export type RuleSeverity = 'off' | 'info' | 'warning' | 'error';

export type { ServerSetting } from './core/ssh/types';

/** Typed access to the `cloudward.*` settings; read fresh each time so changes apply at once. */
export class Config {
  private get c(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('cloudward');
  }
  get lintEnabled(): boolean {
    return this.c.get<boolean>('lint.enable', true);
  }
  get ruleSeverities(): Record<string, RuleSeverity> {
    return this.c.get<Record<string, RuleSeverity>>('lint.rules', {});
  }
  get developmentFiles(): string[] {
    return this.c.get<string[]>('lint.developmentFiles', []);
  }
  get pythonInterpreter(): string {
    return this.c.get<string>('python.interpreter', '');
  }
  get servers(): ServerSetting[] {
    return this.c.get<ServerSetting[]>('servers', []);
  }
  async setServers(servers: ServerSetting[]): Promise<void> {
    await this.c.update('servers', servers, vscode.ConfigurationTarget.Global);
  }
  /** Provision Server…: the certificate account's e-mail, the guarded firewall and sshd options. */
  get provisionOptions(): { email: string; firewall: boolean; sshKeysOnly: boolean; postgres: 'auto' | 'yes' | 'no' } {
    const pg = this.c.get<string>('provision.postgresql', 'auto');
    return {
      email: this.c.get<string>('provision.certificateEmail', '').trim(), firewall: this.c.get<boolean>('provision.firewall', false), sshKeysOnly: this.c.get<boolean>('provision.sshKeysOnly', false),
      postgres: pg === 'yes' || pg === 'no' ? pg : 'auto',
    };
  }
  get sshConfigFile(): string {
    return this.c.get<string>('serversView.sshConfigFile', '');
  }
  get showSshConfigHosts(): boolean {
    return this.c.get<boolean>('serversView.showSshConfigHosts', true);
  }
  get commandTimeoutMs(): number {
    return Math.max(1, this.c.get<number>('serversView.commandTimeoutSeconds', 30)) * 1000;
  }
  get logLines(): number {
    return this.c.get<number>('serversView.logLines', 200);
  }
  get concurrency(): number {
    return this.c.get<number>('serversView.concurrency', 6);
  }
  affects(e: vscode.ConfigurationChangeEvent, section: string): boolean {
    return e.affectsConfiguration(`cloudward.${section}`);
  }
}
