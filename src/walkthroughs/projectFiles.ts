import * as vscode from 'vscode';
import type { FileKind } from '../core';
import { contextKeys, setContext, type ContextKey } from '../contextKeys';
import { errorMessage, log, logFailure } from '../log';

/**
 * One walkthrough fact about the project: "there is a Procfile", "there is an nginx site"… Set as a
 * context key so that a step is checked when the project is done, whichever way the file got there
 * (generator, snippet, hand-written, git pull).
 */
export interface FileFact {
  key: ContextKey;
  /** Which files may count (workspace glob). */
  glob: string;
  /**
   * When set, a candidate counts only if the linter's classifier (which may read the content) puts it
   * in one of these kinds: the same definition of "an nginx site" or "a Kubernetes manifest" as the
   * diagnostics use.
   */
  kinds?: FileKind[];
  /**
   * Names checked directly in each workspace folder's root, besides the search: the usual places,
   * found even when the search service is not ready yet (right after the window opens).
   */
  rootNames?: string[];
}

export const FILE_FACTS: readonly FileFact[] = [
  { key: contextKeys.hasProcfile, glob: '**/Procfile', rootNames: ['Procfile'] },
  { key: contextKeys.hasGunicornConfig, glob: '**/gunicorn*.py', rootNames: ['gunicorn.conf.py', 'gunicorn_conf.py'] },
  { key: contextKeys.hasUwsgiConfig, glob: '**/*.ini', kinds: ['uwsgi'] },
  { key: contextKeys.hasNginxSite, glob: '**/{*.conf,nginx/*,sites-available/*,sites-enabled/*}', kinds: ['nginx'] },
  { key: contextKeys.hasSystemdUnits, glob: '**/*.{service,socket}' },
  { key: contextKeys.hasDockerfile, glob: '**/{Dockerfile,Dockerfile.*,*.Dockerfile,Containerfile}', rootNames: ['Dockerfile', 'Containerfile'] },
  { key: contextKeys.hasCompose, glob: '**/{compose,compose.*,docker-compose*}.{yml,yaml}', rootNames: ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] },
  { key: contextKeys.hasKubernetes, glob: '**/*.{yml,yaml}', kinds: ['kubernetes'] },
  { key: contextKeys.hasPythonVersionFile, glob: '**/.python-version', rootNames: ['.python-version'] },
];

/** Folders whose files never describe the project's own deployment. */
const EXCLUDE = '**/{node_modules,.git,.hg,.venv,venv,.tox,.nox,__pycache__,site-packages,.mypy_cache}/**';
const EXCLUDED_SEGMENT = /\/(?:node_modules|\.git|\.hg|\.venv|venv|\.tox|\.nox|__pycache__|site-packages|\.mypy_cache)\//;
/** Enough to find one match in a big repository without reading it all. */
const MAX_CANDIDATES = 200;
/** Deployment files are small; larger ones are data, not config. */
const MAX_BYTES = 512 * 1024;

type Classify = (path: string, text?: string) => FileKind | undefined;

/**
 * Keeps the file-existence context keys in step with the workspace: one scan after activation, then
 * file system watchers. Per key it remembers which files matched, so deleting one of two nginx sites
 * leaves the key on.
 */
export class ProjectFiles implements vscode.Disposable {
  private readonly matches = new Map<ContextKey, Set<string>>();
  private readonly disposables: vscode.Disposable[] = [];
  private scanning: Promise<void> | undefined;
  /** Bumped by every rescan so that a slow, superseded scan does not overwrite newer results. */
  private generation = 0;
  private rescanTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly classify: () => Classify,
    private readonly facts: readonly FileFact[] = FILE_FACTS,
  ) {
    for (const fact of facts) {
      this.matches.set(fact.key, new Set());
      const watcher = vscode.workspace.createFileSystemWatcher(fact.glob);
      watcher.onDidCreate((uri) => this.update(fact, uri).catch(logFailure(`walkthrough state: ${uri.fsPath}`)), undefined, this.disposables);
      watcher.onDidChange((uri) => this.update(fact, uri).catch(logFailure(`walkthrough state: ${uri.fsPath}`)), undefined, this.disposables);
      watcher.onDidDelete((uri) => this.forget(uri).catch(logFailure(`walkthrough state: ${uri.fsPath}`)), undefined, this.disposables);
      this.disposables.push(watcher);
    }
    // A deleted or renamed folder reports only the folder itself, not the files inside it; a folder
    // that appears with files already in it (git pull, unzip) may not report those files at all.
    const folders = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    folders.onDidDelete((uri) => this.forget(uri).catch(logFailure(`walkthrough state: ${uri.fsPath}`)), undefined, this.disposables);
    folders.onDidCreate((uri) => this.folderCreated(uri).catch(logFailure(`walkthrough state: ${uri.fsPath}`)), undefined, this.disposables);
    this.disposables.push(folders);
    // void here and below: rescan() never rejects (its scan's failure is logged).
    vscode.workspace.onDidChangeWorkspaceFolders(() => void this.rescan(), undefined, this.disposables);
  }

  /** Scans the workspace; resolves when every key reflects it. Safe to call again (rescans). */
  rescan(): Promise<void> {
    const generation = ++this.generation;
    const scan = this.scan(generation).catch((e) => log().warn(`walkthrough state: scan failed: ${errorMessage(e)}`));
    this.scanning = scan;
    return scan;
  }

  /** Resolves once the first scan (or the latest rescan) has finished. */
  ready(): Promise<void> {
    return this.scanning ?? this.rescan();
  }

  /** The current value of each key this class owns. */
  snapshot(): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const [key, set] of this.matches) out[key] = set.size > 0;
    return out;
  }

  dispose(): void {
    clearTimeout(this.rescanTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private async scan(generation: number): Promise<void> {
    const started = Date.now();
    await Promise.all(
      this.facts.map(async (fact) => {
        const found = new Set<string>();
        const roots = (vscode.workspace.workspaceFolders ?? []).flatMap((f) => (fact.rootNames ?? []).map((n) => vscode.Uri.joinPath(f.uri, n)));
        const candidates = [...roots, ...(await vscode.workspace.findFiles(fact.glob, EXCLUDE, MAX_CANDIDATES))];
        for (const uri of candidates) {
          // Every match is kept (not just the first) so that deleting one of two sites leaves the key on.
          if (await this.counts(fact, uri)) found.add(uri.toString());
        }
        if (generation !== this.generation) return;
        this.matches.set(fact.key, found);
        this.publish(fact.key);
      }),
    );
    if (generation === this.generation) log().info(`walkthrough state: ${JSON.stringify(this.snapshot())} (${Date.now() - started} ms)`);
  }

  private async update(fact: FileFact, uri: vscode.Uri): Promise<void> {
    const set = this.matches.get(fact.key)!;
    const before = set.size > 0;
    if (await this.counts(fact, uri)) set.add(uri.toString());
    else set.delete(uri.toString());
    if (before !== set.size > 0) this.publish(fact.key);
  }

  private async forget(uri: vscode.Uri): Promise<void> {
    const gone = uri.toString();
    for (const [key, set] of this.matches) {
      const affected = [...set].filter((u) => u === gone || u.startsWith(gone + '/'));
      if (!affected.length) continue;
      // Watcher events can arrive late: a file deleted and created again (a generator overwriting
      // it) must not be forgotten because the old delete event came last.
      const stillThere = await Promise.all(affected.map((u) => exists(vscode.Uri.parse(u))));
      let changed = false;
      affected.forEach((u, i) => {
        if (!stillThere[i]) changed = set.delete(u) || changed;
      });
      if (changed && set.size === 0) this.publish(key);
    }
  }

  private async folderCreated(uri: vscode.Uri): Promise<void> {
    // Cheap filter first: this watcher sees every new file (pip installs, caches).
    const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    if (name.includes('.') || EXCLUDED_SEGMENT.test(uri.path + '/')) return;
    try {
      if (!((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory)) return;
    } catch {
      return;
    }
    clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => void this.rescan(), 300);
  }

  private async counts(fact: FileFact, uri: vscode.Uri): Promise<boolean> {
    if (EXCLUDED_SEGMENT.test(uri.path)) return false;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.type & vscode.FileType.Directory) return false;
      // a FIFO or a device is never read (it would block or never end)
      if (fact.kinds && !(stat.type & vscode.FileType.File)) return false;
      if (!fact.kinds) return true;
      const text = stat.size <= MAX_BYTES ? new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) : undefined;
      const kind = this.classify()(uri.path, text);
      return kind !== undefined && fact.kinds.includes(kind);
    } catch {
      // Gone between the event and the read: it does not count.
      return false;
    }
  }

  private publish(key: ContextKey): void {
    void setContext(key, (this.matches.get(key)?.size ?? 0) > 0);
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
