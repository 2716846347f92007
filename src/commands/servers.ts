// Commands of the Servers view: thin handlers that ask the user, call the SSH layer, show the result.
import fs = require('fs');
import os = require('os');
import path = require('path');
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { ServerSetting, UnitAction } from '../core/ssh/types';
import { log, logFailure } from '../log';
import { printable, printableLine } from '../core/printable';
import { Back, MultiStep, runSteps } from '../multiStep';
import { contextKeys, setContext } from '../contextKeys';
import { ServersView, SERVERS_VIEW_ID } from '../views/servers';
import type { ServerState } from '../views/servers/model';
import type { Node } from '../views/servers/nodes';
import { FollowTerminal, ShellTerminal } from '../views/servers/terminal';
import { registerDeployCommands } from './deploy';

/** Lines of the journal shown before following it. */
const FOLLOW_BACKLOG_LINES = 50;

const pastTense: Record<UnitAction, string> = { start: 'Started', stop: 'Stopped', restart: 'Restarted', reload: 'Reloaded' };

/** What a command was invoked on: a tree node (menus), a server id (error rows), or nothing (palette). */
type Target = Node | string | undefined;

function isNode(t: unknown): t is Node {
  return typeof t === 'object' && t !== null && 'kind' in t && 'id' in t;
}

export function registerServers(ctx: Ctx): void {
  const view = ctx.own(new ServersView(ctx));
  const { model } = view;

  async function serverOf(target: Target, placeHolder: string, filter: (s: ServerState) => boolean = () => true): Promise<ServerState | undefined> {
    if (typeof target === 'string') return model.get(target);
    if (isNode(target) && target.kind !== 'group') return model.get(target.serverId);
    const servers = model.servers().filter(filter);
    if (!servers.length) {
      void vscode.window.showInformationMessage('Cloudward: no servers to choose from. Add one with "Cloudward: Add Server…".');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      servers.map((s) => ({ label: s.spec.name, description: `${s.spec.user ? `${s.spec.user}@` : ''}${s.spec.host}`, detail: s.spec.group, state: s })),
      { placeHolder },
    );
    return picked?.state;
  }

  // Provision, deploy, roll back, production secrets (additive: they only need a server and its connection).
  registerDeployCommands(ctx, model, (target, placeHolder) => serverOf(target as Target, placeHolder));

  function unitOf(target: Target): { state: ServerState; unit: string } | undefined {
    if (!isNode(target) || target.kind !== 'leaf' || !target.unit) {
      void vscode.window.showInformationMessage('Cloudward: pick a unit under Services in the Servers view.');
      return undefined;
    }
    const state = model.get(target.serverId);
    return state && { state, unit: target.unit };
  }

  /** Runs an action on a server with the view's progress bar, letting its connection prompt. */
  async function acting<T>(state: ServerState, title: string, f: () => Promise<T>): Promise<T> {
    const release = model.prompts.allow(state.spec.name);
    try {
      return await vscode.window.withProgress({ location: { viewId: SERVERS_VIEW_ID }, title }, f);
    } finally {
      release();
    }
  }

  ctx.command('cloudward.servers.refresh', async () => {
    model.reload();
    await model.refreshAll(true);
  });

  ctx.command('cloudward.servers.refreshServer', async (target: Target) => {
    const state = await serverOf(target, 'Server to refresh');
    if (state) await model.refresh(state.id, true);
  });

  async function unitAction(target: Target, action: UnitAction): Promise<void> {
    const u = unitOf(target);
    if (!u) return;
    const { state, unit } = u;
    if (action === 'stop') {
      const ok = await vscode.window.showWarningMessage(
        `Stop ${unit} on ${state.spec.name}?`,
        { modal: true, detail: 'It stays stopped until it is started again; what it serves is down meanwhile.' },
        'Stop',
      );
      if (ok !== 'Stop') return;
    }
    try {
      await acting(state, `${action} ${unit}`, () => model.connection(state.id).unitAction(unit, action));
    } catch (e) {
      if ((e as { code?: string }).code === 'SUDO_PASSWORD_REQUIRED') {
        // Not awaited: the command is done; the message waits for the user on its own.
        sudoNeedsPassword(state, unit, action).catch(logFailure('The sudo password message'));
        return;
      }
      throw e;
    }
    log().info(`${pastTense[action]} ${unit} on ${state.spec.name}`);
    await model.refresh(state.id, true);
    // A notification that stays until read (not a 5-second status bar message), with the state systemd
    // reports now: "restarted" alone would not say whether it came back up.
    const now = model.get(state.id)?.snapshot?.services.find((x) => x.unit === unit);
    const after = now ? `: now ${now.active} (${now.sub})` : '';
    const message = `${pastTense[action]} ${unit} on ${state.spec.name}${after}.`;
    if (now && (now.active === 'failed' || (action !== 'stop' && now.active !== 'active' && now.active !== 'activating' && now.active !== 'reloading'))) {
      void vscode.window.showWarningMessage(message, 'Show Unit Logs').then((c) => c && vscode.commands.executeCommand('cloudward.servers.showLogs', target));
    } else void vscode.window.showInformationMessage(message);
  }

  async function sudoNeedsPassword(state: ServerState, unit: string, action: UnitAction): Promise<void> {
    const user = state.snapshot?.host.replace(/@.*$/, '') || state.spec.user || '<user>';
    const command = `sudo systemctl ${action} '${unit}'`;
    const choice = await vscode.window.showErrorMessage(
      `Cannot ${action} ${unit} on ${state.spec.name}: sudo asks ${user} for a password, and Cloudward never types one. ` +
        `Run it in an SSH terminal (it is typed there for you; press Enter and give the password), or allow it without a password with a sudoers rule.`,
      'Run in SSH Terminal',
      'Copy sudoers Rule',
    );
    if (choice === 'Run in SSH Terminal') openTerminal(state, command);
    else if (choice === 'Copy sudoers Rule') {
      await vscode.env.clipboard.writeText(`${user} ALL=(root) NOPASSWD: /usr/bin/systemctl ${action} ${unit}\n`);
      void vscode.window.showInformationMessage('Copied. Add it on the server with "sudo visudo -f /etc/sudoers.d/cloudward".');
    }
  }

  ctx.command('cloudward.servers.restartUnit', (t: Target) => unitAction(t, 'restart'));
  ctx.command('cloudward.servers.reloadUnit', (t: Target) => unitAction(t, 'reload'));
  ctx.command('cloudward.servers.stopUnit', (t: Target) => unitAction(t, 'stop'));
  ctx.command('cloudward.servers.startUnit', (t: Target) => unitAction(t, 'start'));

  ctx.command('cloudward.servers.showLogs', async (t: Target) => {
    const u = unitOf(t);
    if (!u) return;
    const lines = ctx.config.logLines;
    const text = await acting(u.state, `journalctl -u ${u.unit}`, () => model.connection(u.state.id).logs(u.unit, lines));
    const ch = view.logChannel(u.state.spec.name, u.unit);
    ch.clear();
    ch.append(text.endsWith('\n') || !text ? text : `${text}\n`);
    if (!text.trim()) ch.appendLine(`(no journal lines for ${u.unit})`);
    ch.show(true);
  });

  ctx.command('cloudward.servers.followLogs', (t: Target) => {
    const u = unitOf(t);
    if (!u) return;
    const { state, unit } = u;
    const pty = new FollowTerminal(async () => {
      const release = model.prompts.allow(state.spec.name);
      try {
        return view.track(await model.connection(state.id).followLogs(unit, FOLLOW_BACKLOG_LINES));
      } finally {
        release();
      }
    }, `journalctl -f -u ${unit} on ${state.spec.name} (Ctrl+C to stop)`);
    view.addTerminal(vscode.window.createTerminal({ name: `${unit} — ${state.spec.name}`, pty, iconPath: new vscode.ThemeIcon('output') })).show();
  });

  function openTerminal(state: ServerState, typed?: string): void {
    const pty = new ShellTerminal(
      async (dims) => {
        const release = model.prompts.allow(state.spec.name);
        try {
          return view.track(await model.connection(state.id).shell({ cols: dims?.columns, rows: dims?.rows }));
        } finally {
          release();
        }
      },
      `Connecting to ${state.spec.name}…`,
      typed,
    );
    view.addTerminal(vscode.window.createTerminal({ name: `SSH: ${state.spec.name}`, pty, iconPath: new vscode.ThemeIcon('server') })).show();
  }

  ctx.command('cloudward.servers.openTerminal', async (t: Target) => {
    const state = await serverOf(t, 'Server to open a terminal on');
    if (state) openTerminal(state);
  });

  ctx.command('cloudward.servers.testNginx', async (t: Target) => {
    const state = await serverOf(t, 'Server whose nginx configuration to test');
    if (!state) return;
    const result = await acting(state, 'nginx -t', () => model.connection(state.id).nginxTest());
    const out = view.nginxOutput();
    out.appendLine(`── ${state.spec.name}, ${new Date().toLocaleString()}: nginx -t ${result.ok ? 'passed' : 'FAILED'}`);
    out.appendLine(result.output.trimEnd());
    if (result.ok) {
      void vscode.window.showInformationMessage(`nginx configuration on ${state.spec.name} is OK.`, 'Show Output').then((c) => c && out.show(true));
    } else {
      out.show(true);
      void vscode.window.showErrorMessage(`nginx configuration on ${state.spec.name} has errors: ${printableLine(result.output.trim().split('\n').find((l) => /emerg|error/.test(l)) ?? 'see the output')}`);
    }
    model.refresh(state.id, false).catch(logFailure(`Refreshing ${state.spec.name}`));
  });

  ctx.command('cloudward.servers.copyFingerprint', async (t: Target) => {
    const state = await serverOf(t, 'Server whose host key fingerprint to copy');
    if (!state) return;
    const fingerprint = await acting(state, 'host key', () => model.connection(state.id).fingerprint());
    await vscode.env.clipboard.writeText(fingerprint);
    void vscode.window.showInformationMessage(`Copied the host key fingerprint of ${state.spec.name}: ${fingerprint}`);
  });

  ctx.command('cloudward.servers.showHostKeyProblem', async (t: Target) => {
    const state = await serverOf(t, 'Server');
    if (!state) return;
    const e = model.lastErrors.get(state.id) as
      | { code?: string; message: string; hostPort?: string; fingerprint?: string; expectedFingerprints?: string[]; recordedIn?: string[] }
      | undefined;
    if (!e) return;
    // Only what Cloudward itself trusted can be forgotten here; known_hosts is the user's to edit.
    const recorded = e.recordedIn ?? [];
    const inTrustStore = e.code === 'HOST_KEY_CHANGED' && recorded.some((r) => /trust store/i.test(r));
    const knownHostsLine = recorded.map((r) => /^(.*):(\d+)$/.exec(r)).find((m) => m && !/trust store/i.test(m[1]));
    const detail =
      e.code === 'HOST_KEY_CHANGED'
        ? `Offered now:\n${e.fingerprint}\n\nThe old key, on record:\n${(e.expectedFingerprints ?? []).join('\n')}\n\nStored in:\n${recorded.join('\n')}\n\n` +
          'This can mean someone is intercepting the connection: do not go on unless you know the server was reinstalled or its keys replaced. Then ' +
          (inTrustStore
            ? 'forget the old key and connect again: you will be asked to check the new fingerprint.'
            : `remove the old key (ssh-keygen -R '${e.hostPort}') and connect again.`)
        : e.message;
    // The default button (Enter) and Escape keep refusing; what changes trust takes a deliberate click.
    const KEEP = 'Keep Refusing';
    const FORGET = 'Forget the Old Key';
    const OPEN = 'Open known_hosts';
    const choice = await vscode.window.showErrorMessage(
      e.code === 'HOST_KEY_CHANGED' ? `The host key of ${state.spec.name} has CHANGED. Cloudward refuses to connect.` : `Cloudward refuses to connect to ${state.spec.name}.`,
      { modal: true, detail: printable(detail) },
      { title: KEEP },
      ...(inTrustStore ? [{ title: FORGET }] : []),
      ...(knownHostsLine ? [{ title: OPEN }] : []),
    );
    if (choice?.title === FORGET && e.hostPort) {
      await model.trust.forget(e.hostPort);
      void vscode.window.showInformationMessage(`Forgot the old host key of ${state.spec.name}. Refresh it to check the new fingerprint.`);
    } else if (choice?.title === OPEN && knownHostsLine) {
      const line = Number(knownHostsLine[2]) - 1;
      const file = knownHostsLine[1].replace(/^~(?=\/)/, os.homedir());
      await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(line, 0, line, 0) });
    }
  });

  // ── the list of servers: add, import, remove ─────────────────────────────────────────────────────────

  function userServers(): ServerSetting[] {
    return [...(vscode.workspace.getConfiguration('cloudward').inspect<ServerSetting[]>('servers')?.globalValue ?? [])];
  }

  async function addToUserSettings(entries: ServerSetting[]): Promise<void> {
    await vscode.workspace.getConfiguration('cloudward').update('servers', [...userServers(), ...entries], vscode.ConfigurationTarget.Global);
    void setContext(contextKeys.hasServers, true);
    const inspected = vscode.workspace.getConfiguration('cloudward').inspect<ServerSetting[]>('servers');
    if (inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined) {
      void vscode.window.showWarningMessage(
        'Cloudward: added to your user settings, but this workspace has its own "cloudward.servers" setting, which takes precedence: add the server there to see it here.',
        'Open Workspace Settings',
      ).then((c) => c && vscode.commands.executeCommand('workbench.action.openWorkspaceSettingsFile'));
    }
  }

  ctx.command('cloudward.servers.add', async () => {
    const taken = new Set(model.servers().map((s) => s.spec.name));
    const folders = vscode.workspace.workspaceFolders ?? [];
    // The window's (first) project is the likely answer: Enter links it.
    const answers = { name: '', host: '', user: '', port: '22', identityFile: '', project: folders[0]?.uri.fsPath ?? '' };
    const flow = new MultiStep('Add Server');
    const steps: Array<() => Promise<void>> = [
      async () => {
        answers.name = await flow.input({
          prompt: 'Name shown in the Servers view',
          placeholder: 'web-1',
          value: answers.name,
          validate: (v) => (!v ? 'Give the server a name.' : taken.has(v) ? `A server named "${v}" exists already.` : [...v].some((c) => c.charCodeAt(0) < 32) ? 'No control characters, please.' : undefined),
        });
      },
      async () => {
        answers.host = await flow.input({ title: 'Host', prompt: 'Host name or address (or a Host alias of your SSH config)', placeholder: 'example.com', value: answers.host, validate: validateHost });
      },
      async () => {
        answers.user = await flow.input({
          title: 'User',
          prompt: 'User to log in as (empty: from your SSH config, else your local user name)',
          placeholder: 'deploy',
          value: answers.user,
          validate: (v) => (!v || /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/.test(v) ? undefined : 'A user name has letters, digits, ".", "_" and "-" only.'),
        });
      },
      async () => {
        answers.port = await flow.input({
          title: 'Port',
          prompt: 'SSH port',
          value: answers.port,
          validate: (v) => (/^\d+$/.test(v) && +v >= 1 && +v <= 65535 ? undefined : 'A port is a number from 1 to 65535.'),
        });
      },
      async () => {
        answers.identityFile = await askKeyFile(flow, answers.identityFile);
      },
      ...(folders.length
        ? [
            async () => {
              // The project the server runs: its units, site, socket and certificate are shown first.
              type Item = vscode.QuickPickItem & { folder: string };
              const items: Item[] = [
                ...folders.map((f) => ({ label: `$(folder) ${f.name}`, description: f.uri.fsPath, detail: 'Show this project\'s units, nginx site, socket and certificate first', folder: f.uri.fsPath })),
                { label: '$(circle-slash) No project of this window', description: 'show what the server runs, without a project\'s view', folder: '' },
              ];
              const chosen = await flow.pick({
                title: 'Project',
                placeholder: 'Which project does this server run?',
                items,
                active: items.find((i) => i.folder === answers.project) ?? items[0],
              });
              answers.project = chosen.folder;
            },
          ]
        : []),
    ];
    if (!(await runSteps(flow, steps))) return;
    const entry: ServerSetting = { name: answers.name, host: answers.host };
    if (answers.user) entry.user = answers.user;
    if (+answers.port !== 22) entry.port = +answers.port;
    if (answers.identityFile) entry.identityFile = answers.identityFile;
    if (answers.project) entry.project = answers.project;
    // The SSH layer's own check, so that what is written is what it accepts.
    const problems = ctx.ssh.validateServer(entry);
    if (problems.length) throw new Error(problems.join(' '));
    await addToUserSettings([entry]);
    // The VPS path's "your server" step completes on this, never on a host that merely sits in ~/.ssh/config.
    void setContext(contextKeys.serverAdded, true);
    void vscode.window.showInformationMessage(`Added ${entry.name} to your cloudward.servers setting. Passwords and passphrases are asked when needed, never stored in settings.`);
  });

  ctx.command('cloudward.servers.importSshConfig', async () => {
    const file = ctx.config.sshConfigFile || undefined;
    const hosts = ctx.ssh.listSshConfigHosts(file);
    const listed = new Set(ctx.config.servers.flatMap((s) => [s.name, s.host]));
    const candidates = hosts.filter((h) => !listed.has(h.alias));
    if (!candidates.length) {
      void vscode.window.showInformationMessage(
        hosts.length ? 'Cloudward: every host of your SSH config is in cloudward.servers already.' : `Cloudward: no hosts in ${file ?? '~/.ssh/config'} (patterns like "Host *" are not hosts).`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      candidates.map((h) => ({ label: h.alias, description: h.file, host: h })),
      { canPickMany: true, title: 'Import Servers from SSH Config', placeHolder: 'Hosts to add to the cloudward.servers setting (host, user, keys stay in your SSH config)' },
    );
    if (!picked?.length) return;
    await addToUserSettings(picked.map((p) => ({ name: p.host.alias, host: p.host.alias })));
    void vscode.window.showInformationMessage(`Imported ${picked.length} server${picked.length === 1 ? '' : 's'} from your SSH config.`);
  });

  ctx.command('cloudward.servers.remove', async (t: Target) => {
    const state = await serverOf(t, 'Server to remove', (s) => s.spec.source !== 'ssh-config');
    if (!state) return;
    if (state.spec.source === 'ssh-config') {
      const c = await vscode.window.showInformationMessage(
        `${state.spec.name} comes from ${state.spec.configFile ?? 'your SSH config'}, which Cloudward does not edit.`,
        'Open SSH Config',
        'Hide SSH Config Hosts',
      );
      if (c === 'Open SSH Config' && state.spec.configFile) await vscode.window.showTextDocument(vscode.Uri.file(state.spec.configFile));
      if (c === 'Hide SSH Config Hosts') await vscode.workspace.getConfiguration('cloudward').update('serversView.showSshConfigHosts', false, vscode.ConfigurationTarget.Global);
      return;
    }
    const ok = await vscode.window.showWarningMessage(
      `Remove ${state.spec.name} from the Servers view?`,
      { modal: true, detail: 'Its entry is deleted from the cloudward.servers setting, with its stored secrets. Nothing changes on the server.' },
      'Remove',
    );
    if (ok !== 'Remove') return;
    const config = vscode.workspace.getConfiguration('cloudward');
    const inspected = config.inspect<ServerSetting[]>('servers');
    const targets: [ServerSetting[] | undefined, vscode.ConfigurationTarget][] = [
      [inspected?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder],
      [inspected?.workspaceValue, vscode.ConfigurationTarget.Workspace],
      [inspected?.globalValue, vscode.ConfigurationTarget.Global],
    ];
    for (const [value, target] of targets) {
      if (value?.some((s) => s.name === state.spec.name)) await config.update('servers', value.filter((s) => s.name !== state.spec.name), target);
    }
    await model.secrets.forget(state.spec.name);
  });

  ctx.command('cloudward.servers.forgetSecrets', async (t: Target) => {
    let name: string | undefined;
    if (t !== undefined) name = (await serverOf(t, ''))?.spec.name;
    else {
      const withSecrets = model.servers().filter((s) => model.secrets.has(s.spec.name));
      const all = { label: 'All servers', name: undefined as string | undefined };
      const picked = await vscode.window.showQuickPick([...withSecrets.map((s) => ({ label: s.spec.name, name: s.spec.name as string | undefined })), all], {
        placeHolder: 'Forget the passwords and passphrases kept for…',
      });
      if (!picked) return;
      name = picked.name;
    }
    const n = await model.secrets.forget(name);
    void vscode.window.showInformationMessage(n ? `Forgot ${n} stored secret${n === 1 ? '' : 's'}${name ? ` of ${name}` : ''}.` : `No secrets were stored${name ? ` for ${name}` : ''}.`);
  });

  // A small door for the integration tests (enabled by their setup only): the view's model and provider.
  if (process.env.CLOUDWARD_TEST === '1') ctx.command('cloudward.servers.testApi', () => ({ model, provider: view.provider, view }));

}

/** A host as ssh accepts it: a name, an IPv4 or an IPv6 address; never something that looks like an option. */
/**
 * The key-file step: the SSH agent and the SSH config's keys (most users), a key found in ~/.ssh, or a
 * path typed in. Returns '' for "no key file".
 */
async function askKeyFile(flow: MultiStep, current: string): Promise<string> {
  const sshDir = path.join(os.homedir(), '.ssh');
  let found: string[] = [];
  try {
    found = fs.readdirSync(sshDir).filter((n) => /^id_[A-Za-z0-9_-]+$/.test(n)).map((n) => path.join(sshDir, n));
  } catch {
    // no ~/.ssh
  }
  type Item = vscode.QuickPickItem & { file?: string; other?: boolean };
  const items: Item[] = [
    { label: '$(key) No key file', description: 'the SSH agent, or the keys your SSH config names', file: '' },
    ...found.map((f) => ({ label: `$(file) ${path.basename(f)}`, description: f, file: f })),
    { label: '$(edit) Another key file…', description: 'type its path', other: true },
  ];
  const typed = current && !found.includes(current);
  const expand = (v: string) => v.replace(/^~(?=$|\/)/, os.homedir());
  for (;;) {
    const chosen = await flow.pick({
      title: 'Key File',
      placeholder: 'Which private key logs in? (its passphrase is asked when needed)',
      items,
      active: typed ? items[items.length - 1] : items.find((i) => i.file === current) ?? items[0],
    });
    if (!chosen.other) return chosen.file ?? '';
    const back = flow.canGoBack;
    flow.canGoBack = true;
    try {
      const file = await flow.input({
        title: 'Key File',
        prompt: 'Path of the private key (not the .pub file)',
        placeholder: '~/.ssh/id_ed25519',
        value: typed ? current : '',
        validate: (v) => {
          if (!v) return 'Give the path of the key, or go Back and choose "No key file".';
          if (v.endsWith('.pub')) return 'That is the public half: give the private key (the same name without .pub).';
          try {
            return fs.statSync(expand(v)).isFile() ? undefined : 'That is not a file.';
          } catch {
            return 'No such file.';
          }
        },
      });
      return expand(file);
    } catch (e) {
      // Back from the path goes to the list of keys, not to the step before.
      if (!(e instanceof Back)) throw e;
    } finally {
      flow.canGoBack = back;
    }
  }
}

export function validateHost(v: string): string | undefined {
  if (!v) return 'Give the host name or address.';
  if (v.startsWith('-')) return 'A host cannot start with "-".';
  if (/^\[?[0-9A-Fa-f:.]+\]?$/.test(v) && v.includes(':')) return undefined; // IPv6
  if (!/^[A-Za-z0-9._-]+$/.test(v)) return 'A host name has letters, digits, "." and "-" only (no user@ or :port here: they come next).';
  return undefined;
}
