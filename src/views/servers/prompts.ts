// How the SSH layer asks the user: unknown host keys (a modal with the fingerprint), passphrases,
// passwords and keyboard-interactive answers (input boxes), and whether to keep a secret that worked.
import * as vscode from 'vscode';
import type { HostKeyPrompt, SecretPrompt, SshCallbacks } from '../../core/ssh/types';
import type { SecretKind, ServerSecrets } from './trust';
import { logFailure } from '../../log';

export const TRUST_AND_CONNECT = 'Trust and Connect';
/** The safe answer, given first so that it is the dialog's default button (Enter); Escape cancels too. */
export const DONT_CONNECT = "Don't Connect";

/** A secret typed by the user, waiting for the SSH layer to say whether it worked. */
interface Pending {
  server: string;
  /** `user@host:port` the secret opens: what it is kept under. */
  target: string;
  kind: SecretKind;
  detail: string;
  value: string;
}

export class SshPrompts implements vscode.Disposable {
  /** Servers the user is acting on right now: only these may prompt (background refreshes never do). */
  private readonly interactive = new Map<string, number>();
  /** One prompt at a time: concurrent refreshes must not stack modals. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<string, Pending>();
  /** Secrets read from SecretStorage for the current attempt, so a rejected one can be forgotten. */
  private readonly usedStored = new Map<string, { kind: SecretKind; detail: string; target: string }>();

  constructor(private readonly secrets: ServerSecrets) {}

  /** Lets the server's connection prompt until the returned function is called. */
  allow(server: string): () => void {
    this.interactive.set(server, (this.interactive.get(server) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.interactive.get(server) ?? 1) - 1;
      if (n > 0) this.interactive.set(server, n);
      else this.interactive.delete(server);
    };
  }

  private mayPrompt(server: string): boolean {
    if (this.interactive.has(server)) return true;
    // The SSH layer names a jump host "<server> (jump host <hop>)".
    return [...this.interactive.keys()].some((name) => server.startsWith(`${name} (jump host `));
  }

  private serialized<T>(f: () => Thenable<T>): Promise<T> {
    const next = this.queue.then(f, f);
    this.queue = next.catch(() => undefined);
    return next;
  }

  callbacks(): SshCallbacks {
    return {
      confirmHostKey: (p) => this.confirmHostKey(p),
      passphrase: (p) => this.secret(p, 'passphrase', p.identityFile, `Passphrase for the key ${p.identityFile} (${p.target})`),
      password: (p) => this.secret(p, 'password', '', `Password for ${p.target}`),
      keyboardInteractive: (p) => this.keyboardInteractive(p),
      secretResult: (p) => this.secretResult(p),
    };
  }

  async confirmHostKey(p: HostKeyPrompt): Promise<boolean> {
    if (!this.mayPrompt(p.server)) return false;
    // The first button is the default one (Enter): the safe answer comes first, trusting takes a click.
    const answer = await this.serialized(() =>
      vscode.window.showWarningMessage(
        `The host key of ${p.server} (${p.hostPort}) is not known yet. Trust it?`,
        {
          modal: true,
          detail:
            `${p.keyType} key fingerprint:\n${p.fingerprint}\n\n` +
            'Trust it only if it matches the fingerprint the server itself shows (on the server: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub). ' +
            "Cloudward remembers a trusted key in its own store; your known_hosts file is not changed.",
        },
        { title: DONT_CONNECT },
        { title: TRUST_AND_CONNECT },
      ),
    );
    return answer?.title === TRUST_AND_CONNECT;
  }

  private async secret(p: SecretPrompt, kind: SecretKind, detail: string, title: string): Promise<string | undefined> {
    const key = `${p.server}\0${p.target}\0${kind}`;
    // A stored secret is tried once, silently; after it fails the user is asked.
    if (p.attempt === 1) {
      const stored = await this.secrets.get(p.server, p.target, kind, detail);
      if (stored !== undefined) {
        this.usedStored.set(key, { kind, detail, target: p.target });
        return stored;
      }
    }
    if (!this.mayPrompt(p.server)) return undefined;
    const value = await this.serialized(() =>
      vscode.window.showInputBox({
        title,
        prompt: p.attempt > 1 ? 'That did not work; try again.' : 'Used for this connection only, unless you choose to keep it after it works.',
        password: true,
        ignoreFocusOut: true,
      }),
    );
    if (value === undefined) return undefined;
    this.pending.set(key, { server: p.server, target: p.target, kind, detail, value });
    return value;
  }

  private async keyboardInteractive(
    p: SecretPrompt & { name: string; instructions: string; prompts: { prompt: string; echo: boolean }[] },
  ): Promise<string[] | undefined> {
    // A single hidden prompt is a password in disguise (most servers): it may be kept like one.
    const single = p.prompts.length === 1 && !p.prompts[0].echo;
    if (single) return this.secret(p, 'password', '', `${p.prompts[0].prompt.trim() || 'Password'} (${p.target})`).then((v) => (v === undefined ? undefined : [v]));
    if (!this.mayPrompt(p.server)) return undefined;
    const answers: string[] = [];
    for (const q of p.prompts) {
      const a = await this.serialized(() =>
        vscode.window.showInputBox({
          title: [p.name, p.target].filter(Boolean).join(' — '),
          prompt: [p.instructions, q.prompt].filter(Boolean).join('\n'),
          password: !q.echo,
          ignoreFocusOut: true,
        }),
      );
      if (a === undefined) return undefined;
      answers.push(a);
    }
    return answers;
  }

  private secretResult(p: SecretPrompt & { kind: 'passphrase' | 'password' | 'keyboard-interactive'; ok: boolean }): void {
    const kind: SecretKind = p.kind === 'passphrase' ? 'passphrase' : 'password';
    const key = `${p.server}\0${p.target}\0${kind}`;
    const stored = this.usedStored.get(key);
    this.usedStored.delete(key);
    if (stored && !p.ok) {
      // A kept secret that no longer works is forgotten, so that it is asked for next time.
      this.secrets.delete(p.server, stored.target, stored.kind, stored.detail).catch(logFailure(`Forgetting the ${stored.kind} of ${p.target}`));
      return;
    }
    const pending = this.pending.get(key);
    this.pending.delete(key);
    if (!pending || !p.ok) return;
    // Opt-in, after it worked, without blocking the connection.
    const what = pending.kind === 'passphrase' ? `the passphrase of ${pending.detail}` : `the password for ${p.target}`;
    void vscode.window
      .showInformationMessage(`Keep ${what} in VS Code's secret storage, so that ${pending.server} connects without asking?`, 'Keep', 'Not Now')
      .then((c) => {
        if (c === 'Keep') return this.secrets.store(pending.server, pending.target, pending.kind, pending.value, pending.detail);
      });
  }

  dispose(): void {
    this.pending.clear();
    this.usedStored.clear();
    this.interactive.clear();
  }
}
