// The deploy-lint diagnostics of the editor: one collection, fed from an index of the workspace's
// deploy files (so cross-file rules see the project as a whole) overlaid with the text of open editors.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { Finding } from '../core/lint/types';
import { contextKeys, setContext } from '../contextKeys';
import { errorMessage, log, logFailure } from '../log';
import { printable } from '../core/printable';
import { toDiagnostic } from './convert';
import { createLintIndex, type LintIndex, type LintSettings } from './lintIndex';
import type { LintWorkerClient } from './workerClient';
import { findDeployCandidates, inVirtualenv, isCandidatePath, isExcludedPath } from './files';
import { MAX_LINT_FILE_BYTES } from '../core/workspaceFiles';

/** Keystrokes within this time are linted once. */
const TYPING_DELAY_MS = 200;
/** Other files' cross-file findings follow a change a little later, once typing pauses. */
const CROSS_FILE_DELAY_MS = 500;
/** The workspace is indexed this long after start-up, off the activation path. */
const STARTUP_DELAY_MS = 1500;

export interface IndexSummary {
  files: number;
  filesWithFindings: number;
  errors: number;
  warnings: number;
  infos: number;
}

export class DeployDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('cloudward');
  /** The findings behind the published diagnostics, per file path: the code actions read fixes here. */
  private readonly findings = new Map<string, Finding[]>();
  private index: LintIndex | undefined;
  /** Files read from disk into the index (the workspace's deploy files). */
  private readonly indexed = new Set<string>();
  /** Open editors whose text is in the index instead of the disk's. */
  private readonly overlaid = new Set<string>();
  private readonly typingTimers = new Map<string, NodeJS.Timeout>();
  private crossFileTimer: NodeJS.Timeout | undefined;
  /** Files changed since the last cross-file pass. */
  private readonly changedFiles = new Set<string>();
  private startupTimer: NodeJS.Timeout | undefined;
  private indexing: { promise: Promise<void>; cancel: vscode.CancellationTokenSource } | undefined;
  private indexedOnce = false;
  private readonly disposables: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private appTarget: Pick<LintSettings, 'appTarget' | 'interface'> = {};
  private detected = false;
  /** Per file, the latest lint asked for: an older answer arriving later is not published. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly ctx: Ctx,
    private readonly worker: LintWorkerClient,
  ) {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((doc) => this.lintDocumentSoon(doc, 0)),
      worker.onTooSlow((e) => {
        if (e.file) this.tooSlow(e.file, e.budgetMs);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.lintDocumentSoon(e.document, TYPING_DELAY_MS);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.documentClosed(doc)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('cloudward.lint')) this.settingsChanged();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.detected = false;
        if (this.ctx.config.lintEnabled) this.scheduleIndex(STARTUP_DELAY_MS);
      }),
    );
  }

  /** Starts work after start-up: the documents already open, then the workspace index. */
  start(): void {
    if (!this.ctx.config.lintEnabled) return;
    this.scheduleIndex(STARTUP_DELAY_MS);
    // Editors restored with the window are linted at once (they are what the user looks at).
    for (const doc of vscode.workspace.textDocuments) this.lintDocumentSoon(doc, 0);
  }

  /** The diagnostic shown for a finding. */
  diagnosticOf(f: Finding): vscode.Diagnostic {
    return toDiagnostic(f, this.ctx.extension.extensionUri);
  }

  /** The findings published for a file (by fsPath). */
  findingsOf(file: string): readonly Finding[] {
    return this.findings.get(file) ?? [];
  }

  /** Re-reads the workspace's deploy files and lints them all; resolves with a summary. */
  async lintWorkspace(token?: vscode.CancellationToken): Promise<IndexSummary> {
    this.clearStartupTimer();
    this.indexing?.cancel.cancel();
    this.indexing = undefined;
    await this.runIndex(true, token);
    return this.summary();
  }

  summary(): IndexSummary {
    const s: IndexSummary = { files: this.indexed.size, filesWithFindings: 0, errors: 0, warnings: 0, infos: 0 };
    for (const list of this.findings.values()) {
      if (list.length) s.filesWithFindings++;
      for (const f of list) {
        if (f.severity === 'error') s.errors++;
        else if (f.severity === 'warning') s.warnings++;
        else s.infos++;
      }
    }
    return s;
  }

  dispose(): void {
    this.clearStartupTimer();
    this.indexing?.cancel.cancel();
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
    if (this.crossFileTimer) clearTimeout(this.crossFileTimer);
    this.watcher?.dispose();
    this.index?.dispose();
    this.index = undefined;
    for (const d of this.disposables) d.dispose();
  }

  private readonly toldTooSlow = new Set<string>();

  /** One notice per file and session: the file's own diagnostic says the rest. */
  private tooSlow(file: string, budgetMs: number): void {
    log().warn(`Deploy lint: ${file} took longer than ${budgetMs / 1000} s; the lint worker was restarted and skips that file until it changes.`);
    if (this.toldTooSlow.has(file)) return;
    this.toldTooSlow.add(file);
    const name = vscode.workspace.asRelativePath(vscode.Uri.file(file), false);
    void vscode.window.showWarningMessage(`Cloudward skipped ${printable(name)}: checking it took longer than ${budgetMs / 1000} s. Other files are still checked; this one is tried again when it changes.`);
  }

  // ---- the index ----------------------------------------------------------------------------

  private settings(): LintSettings {
    return {
      rules: this.ctx.config.ruleSeverities,
      developmentFiles: this.ctx.config.developmentFiles,
      ...this.appTarget,
    };
  }

  private getIndex(): LintIndex {
    return (this.index ??= createLintIndex(this.worker, this.settings()));
  }

  private scheduleIndex(delay: number): void {
    this.clearStartupTimer();
    this.startupTimer = setTimeout(() => {
      this.startupTimer = undefined;
      this.runIndex(false).catch((e) => log().error(`Indexing the deploy files failed: ${errorMessage(e)}`));
    }, delay);
  }

  private clearStartupTimer(): void {
    if (this.startupTimer) clearTimeout(this.startupTimer);
    this.startupTimer = undefined;
  }

  /** Indexes the workspace's deploy files and publishes every file's findings. */
  private runIndex(force: boolean, outer?: vscode.CancellationToken): Promise<void> {
    if (this.indexing && !force) return this.indexing.promise;
    const cancel = new vscode.CancellationTokenSource();
    outer?.onCancellationRequested(() => cancel.cancel());
    const promise = this.buildIndex(cancel.token, force).finally(() => {
      if (this.indexing?.cancel === cancel) this.indexing = undefined;
      cancel.dispose();
    });
    this.indexing = { promise, cancel };
    return promise;
  }

  private async buildIndex(token: vscode.CancellationToken, force: boolean): Promise<void> {
    if (!this.ctx.config.lintEnabled) return;
    const started = Date.now();
    if (force || !this.detected) {
      this.appTarget = await this.detectAppTarget();
      this.detected = true;
    }
    // A fresh index with the current settings; the open editors' text goes back in on top.
    const index = createLintIndex(this.worker, this.settings());
    try {
      await this.fillIndex(index, token, started);
    } finally {
      if (this.index !== index) index.dispose();
    }
  }

  private async fillIndex(index: LintIndex, token: vscode.CancellationToken, started: number): Promise<void> {
    const candidates = await findDeployCandidates(token);
    if (token.isCancellationRequested) return;
    await index.addKnownPaths(candidates.allPaths);
    const indexed = new Set<string>();
    // Editors' text wins over the disk's where an editor shows it or holds unsaved edits; a document VS
    // Code merely keeps loaded holds what the disk holds (or a file deleted since).
    const open = new Map(vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file' && (d.isDirty || shownInTab(d.uri.fsPath))).map((d) => [d.uri.fsPath, d]));
    // Read in small batches so the extension host stays responsive on a large project.
    for (let i = 0; i < candidates.deploy.length; i += 32) {
      if (token.isCancellationRequested) return;
      await Promise.all(
        candidates.deploy.slice(i, i + 32).map(async (uri) => {
          const doc = open.get(uri.fsPath);
          const text = doc ? doc.getText() : await readText(uri);
          if (text !== undefined && (await index.setFile(uri.fsPath, text))) indexed.add(uri.fsPath);
        }),
      );
    }
    if (token.isCancellationRequested) return;
    // The editors' text as it is now (typing may have gone on while the files were read).
    const overlaid = new Set<string>();
    for (const [file, doc] of open) {
      if (!this.isWorkspaceFile(doc.uri)) continue;
      if ((await index.setFile(file, doc.getText())) || indexed.has(file)) overlaid.add(file);
    }
    if (token.isCancellationRequested) return;
    const all = await index.lintAll();
    if (token.isCancellationRequested) return;
    const previous = this.index;
    this.index = index;
    previous?.dispose();
    this.overlaid.clear();
    for (const f of overlaid) this.overlaid.add(f);
    const stale = [...this.findings.keys()].filter((f) => !indexed.has(f) && !this.overlaid.has(f) && !open.has(f));
    this.indexed.clear();
    for (const f of indexed) this.indexed.add(f);
    for (const f of stale) this.clear(f);
    this.publishFindings(all);
    // Open editors outside the index (other folders, excluded folders) keep their own findings.
    for (const doc of open.values()) if (!this.inIndex(doc.uri.fsPath)) this.lintDocument(doc).catch(logFailure(`Deploy lint of ${doc.uri.fsPath}`));
    this.indexedOnce = true;
    this.ensureWatcher();
    this.updateContextKeys();
    log().info(`Deploy lint: indexed ${this.indexed.size} deploy files of ${candidates.allPaths.length} in ${Date.now() - started} ms.`);
  }

  /** The detected application (e.g. `mysite.wsgi:application`) so CW101's fix writes a working command. */
  private async detectAppTarget(): Promise<Pick<LintSettings, 'appTarget' | 'interface'>> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') return {};
    try {
      // In the worker, like the rules: detection reads the project's files, whatever they hold.
      const d = (await this.worker.call({ op: 'detect', dir: folder.uri.fsPath })) as { appTarget?: string | null; interface?: 'wsgi' | 'asgi' | null } | undefined;
      return { appTarget: d?.appTarget ?? undefined, interface: d?.interface ?? undefined };
    } catch (e) {
      log().warn(`Deploy lint: project detection failed, the engine derives the app itself: ${errorMessage(e)}`);
      return {};
    }
  }

  private inIndex(file: string): boolean {
    return this.indexed.has(file) || this.overlaid.has(file);
  }

  private isWorkspaceFile(uri: vscode.Uri): boolean {
    if (uri.scheme !== 'file') return false;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return !!folder && !isExcludedPath(vscode.workspace.asRelativePath(uri, false));
  }

  // ---- editors ------------------------------------------------------------------------------

  private lintDocumentSoon(doc: vscode.TextDocument, delay: number): void {
    if (doc.uri.scheme !== 'file' || !this.ctx.config.lintEnabled) return;
    const key = doc.uri.fsPath;
    const pending = this.typingTimers.get(key);
    if (pending) clearTimeout(pending);
    this.typingTimers.set(
      key,
      setTimeout(() => {
        this.typingTimers.delete(key);
        if (!doc.isClosed) this.lintDocument(doc).catch(logFailure(`Deploy lint of ${doc.uri.fsPath}`));
      }, delay),
    );
  }

  /** Lints an editor's current text (no disk read); a workspace file also updates the index. */
  async lintDocument(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== 'file' || !this.ctx.config.lintEnabled) return;
    const file = doc.uri.fsPath;
    // Most files opened are no deploy files: judged by name, without starting the worker.
    if (!isCandidatePath(file) && !this.inIndex(file)) return;
    const text = doc.getText();
    const generation = (this.generations.get(file) ?? 0) + 1;
    this.generations.set(file, generation);
    const stale = () => this.generations.get(file) !== generation || this.index !== index;
    const index = this.getIndex();
    try {
      // Before the workspace is indexed, cross-file rules would judge from a partial picture: lint
      // the file alone (lintText runs no cross-file rule) until the index is complete.
      if (this.indexedOnce && this.isWorkspaceFile(doc.uri)) {
        const wasIn = this.inIndex(file);
        const deploy = await index.setFile(file, text);
        if (stale()) return;
        if (deploy) {
          this.overlaid.add(file);
          const list = await index.lintFile(file);
          if (stale()) return;
          this.publish(file, list);
          this.scheduleCrossFile(file);
        } else if (wasIn) {
          // It stopped being a deploy file (INSTALLED_APPS removed, say): the index keeps its path
          // only (it still exists), and closing the editor re-reads what the disk holds.
          this.overlaid.add(file);
          this.clear(file);
          this.scheduleCrossFile(file);
        } else {
          this.clear(file); // linted alone before the index was ready
        }
      } else {
        const list = await index.lintText(file, text);
        if (stale()) return;
        if (list) this.publish(file, list);
        else this.clear(file);
      }
    } catch (e) {
      log().error(`Deploy lint of ${file} failed: ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}`);
    }
  }

  private documentClosed(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file') return;
    const file = doc.uri.fsPath;
    const timer = this.typingTimers.get(file);
    if (timer) clearTimeout(timer);
    this.typingTimers.delete(file);
    const wasOverlaid = this.overlaid.delete(file);
    if (this.indexedOnce && this.isWorkspaceFile(doc.uri) && (wasOverlaid || this.indexed.has(file))) {
      // Back to what the disk holds (unsaved edits went with the editor): a deploy file of the
      // workspace keeps its diagnostics, anything else loses them.
      this.refreshFromDisk(doc.uri).catch((e) => log().error(`Deploy lint of ${file} failed: ${errorMessage(e)}`));
      return;
    }
    this.clear(file);
  }

  // ---- the file system ------------------------------------------------------------------------

  private ensureWatcher(): void {
    if (this.watcher) return;
    // One watcher over everything, filtered here: a glob watcher misses the deletion of a folder.
    const w = vscode.workspace.createFileSystemWatcher('**/*');
    w.onDidCreate((uri) => this.fileChangedOnDisk(uri));
    w.onDidChange((uri) => this.fileChangedOnDisk(uri));
    w.onDidDelete((uri) => this.fileDeleted(uri));
    this.watcher = w;
  }

  private fileChangedOnDisk(uri: vscode.Uri): void {
    if (!this.indexedOnce || !this.isWorkspaceFile(uri)) return;
    const rel = vscode.workspace.asRelativePath(uri, false);
    if (this.overlaid.has(uri.fsPath) || (!isCandidatePath(rel) && !this.indexed.has(uri.fsPath))) {
      // An open editor is the truth for its file (its change events lint it); other files matter
      // only by their path.
      void this.index?.addKnownPaths([uri.fsPath]).catch(() => undefined);
      return;
    }
    this.refreshFromDisk(uri).catch((e) => log().error(`Deploy lint of ${uri.fsPath} failed: ${errorMessage(e)}`));
  }

  private async refreshFromDisk(uri: vscode.Uri): Promise<void> {
    const file = uri.fsPath;
    // The shared policy leaves virtualenvs out, whatever their name (as the CLI and the workspace listing do).
    if (await inVirtualenv(uri)) return;
    if (await isDirectory(uri)) {
      // A folder created (or moved in) with files inside: the watcher may report only the folder.
      const inside = await findDeployCandidates(undefined, uri);
      await Promise.all(inside.deploy.map((u) => this.refreshFromDisk(u)));
      await this.index?.addKnownPaths(inside.allPaths);
      if (inside.allPaths.length) this.scheduleCrossFile(file);
      return;
    }
    // Taken before the read: a deletion or an edit meanwhile makes this refresh stale.
    const generation = (this.generations.get(file) ?? 0) + 1;
    this.generations.set(file, generation);
    const text = await readText(uri);
    // An editor opened meanwhile is the truth for the file.
    const index = this.index;
    if (this.overlaid.has(file) || !index || this.generations.get(file) !== generation) return;
    const stale = () => this.generations.get(file) !== generation || this.index !== index || this.overlaid.has(file);
    const wasKnown = index.isKnown(file);
    const wasDeploy = this.indexed.has(file);
    let isDeploy = false;
    if (text === undefined) await index.removeFile(file);
    else isDeploy = await index.setFile(file, text);
    if (stale()) return;
    if (isDeploy) {
      this.indexed.add(file);
      const list = await index.lintFile(file);
      if (stale()) return;
      this.publish(file, list);
    } else {
      // Not (or no longer) a deploy file: known by path only, or forgotten when it is gone.
      this.indexed.delete(file);
      this.clear(file);
    }
    // Others' cross-file findings change with a deploy file, or with a module appearing or going
    // (CW604); not with an edit to ordinary application code.
    if (isDeploy || wasDeploy || !wasKnown || text === undefined) this.scheduleCrossFile(file);
  }

  private fileDeleted(uri: vscode.Uri): void {
    if (!this.indexedOnce || !this.index) return;
    const gone = uri.fsPath;
    const prefix = gone.endsWith('/') ? gone : `${gone}/`;
    // A refresh or lint of these files still on its way must not bring them back.
    for (const file of [...this.generations.keys(), gone]) if (file === gone || file.startsWith(prefix)) this.generations.set(file, (this.generations.get(file) ?? 0) + 1);
    for (const file of new Set([...this.indexed, ...this.overlaid])) {
      if (file !== gone && !file.startsWith(prefix)) continue;
      this.indexed.delete(file);
      // An editor tab still showing it holds its text; a document VS Code merely keeps loaded does not.
      if (this.overlaid.has(file) && shownInTab(file)) continue;
      this.overlaid.delete(file);
      void this.index.removeFile(file).catch(() => undefined);
      this.clear(file);
    }
    void this.index.forgetPaths(gone).catch(() => undefined);
    this.scheduleCrossFile(gone);
  }

  // ---- publishing -----------------------------------------------------------------------------

  /** After a change, the other files' cross-file findings (CW6xx, CW405) may change too. */
  private scheduleCrossFile(changed: string): void {
    if (!this.indexedOnce) return;
    this.changedFiles.add(changed);
    // At most one pass per interval, counted from the first change: a steady stream of changes
    // (a build writing files, fast typing) must not postpone it forever.
    if (this.crossFileTimer) return;
    this.crossFileTimer = setTimeout(() => {
      this.crossFileTimer = undefined;
      const changedFiles = [...this.changedFiles];
      this.changedFiles.clear();
      const index = this.index;
      if (!index) return;
      // void: cannot reject, the whole body is in a try whose catch logs.
      void (async () => {
        try {
          // Each changed file's dependents (a file changed in the same batch included: it was linted
          // before the others changed).
          const dependents = new Set((await Promise.all(changedFiles.map((f) => index.dependentsOf(f)))).flat());
          for (const f of dependents) {
            if (!this.inIndex(f)) continue;
            const generation = this.generations.get(f);
            const list = await index.lintFile(f);
            // A newer lint of that file (typing there) wins.
            if (this.index === index && this.generations.get(f) === generation && this.inIndex(f)) this.publish(f, list, false);
          }
          this.updateContextKeys();
        } catch (e) {
          log().error(`Deploy lint failed: ${errorMessage(e)}`);
        }
      })();
    }, CROSS_FILE_DELAY_MS);
  }

  private async publishAll(): Promise<void> {
    const index = this.index;
    if (!index) return;
    const all = await index.lintAll();
    if (this.index === index) this.publishFindings(all);
  }

  private publishFindings(all: Finding[]): void {
    const byFile = new Map<string, Finding[]>();
    for (const f of [...this.indexed, ...this.overlaid]) byFile.set(f, []);
    for (const finding of all) byFile.get(finding.file)?.push(finding);
    for (const [file, list] of byFile) this.publish(file, list, false);
  }

  private publish(file: string, list: Finding[], updateKeys = true): void {
    const before = this.findings.get(file);
    // The fixes behind the code actions are always the latest...
    this.findings.set(file, list);
    // ...but unchanged diagnostics are not sent again: no flicker, no churn in the Problems panel.
    if (before && sameDiagnostics(before, list)) return;
    this.collection.set(
      vscode.Uri.file(file),
      list.map((f) => toDiagnostic(f, this.ctx.extension.extensionUri)),
    );
    if (updateKeys) this.updateContextKeys();
  }

  private clear(file: string): void {
    if (!this.findings.delete(file)) return;
    this.collection.delete(vscode.Uri.file(file));
    this.updateContextKeys();
  }

  private settingsChanged(): void {
    if (!this.ctx.config.lintEnabled) {
      this.indexing?.cancel.cancel();
      this.clearStartupTimer();
      this.watcher?.dispose();
      this.watcher = undefined;
      this.index?.dispose();
      this.index = undefined;
      this.indexed.clear();
      this.overlaid.clear();
      this.findings.clear();
      this.collection.clear();
      this.indexedOnce = false;
      return;
    }
    if (!this.index || !this.indexedOnce) {
      // Turned on again (or not indexed yet): read the workspace.
      this.runIndex(true).catch((e) => log().error(`Deploy lint failed: ${errorMessage(e)}`));
      return;
    }
    // New severities or development globs: the same files, linted again with the new settings.
    const index = this.index;
    // void: cannot reject, the whole body is in a try whose catch logs.
    void (async () => {
      try {
        await index.setSettings(this.settings());
        await this.publishAll();
        for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === 'file' && !this.inIndex(doc.uri.fsPath)) this.lintDocument(doc).catch(logFailure(`Deploy lint of ${doc.uri.fsPath}`));
        this.updateContextKeys();
      } catch (e) {
        log().error(`Deploy lint failed: ${errorMessage(e)}`);
      }
    })();
  }

  /** The walkthroughs' completion events: no dev server anywhere, production settings clean. */
  private updateContextKeys(): void {
    if (!this.indexedOnce) return;
    let devServer = false;
    let unsafeSettings = false;
    let platformUnready = false;
    for (const [file, list] of this.findings) {
      // The project's own files only: a file opened from elsewhere says nothing about this project.
      if (!this.inIndex(file)) continue;
      for (const f of list) {
        if (f.rule === 'CW101' || f.rule === 'CW102') devServer = true;
        // Every setting the settings step asks for: DEBUG, SECRET_KEY, ALLOWED_HOSTS, STATIC_ROOT, HTTPS, the proxy header.
        else if (/^CW20[1-6]$/.test(f.rule) || f.rule === 'CW603') unsafeSettings = true;
        else if (f.rule === 'CW606' || f.rule === 'CW607') platformUnready = true;
      }
    }
    // "Safe" needs settings to judge: a project whose settings module was not found is not safe.
    const core = this.ctx.core;
    const settingsFound = [...this.indexed].some((p) => core.classify(p) === 'django-settings');
    void setContext(contextKeys.noDevServerInProduction, !devServer);
    void setContext(contextKeys.productionSettingsSafe, settingsFound && !unsafeSettings);
    void setContext(contextKeys.platformSettingsReady, settingsFound && !platformUnready);
  }
}

/** Whether two finding lists show the same diagnostics (fixes aside). */
function sameDiagnostics(a: readonly Finding[], b: readonly Finding[]): boolean {
  if (a.length !== b.length) return false;
  const key = (f: Finding) => JSON.stringify([f.rule, f.severity, f.message, f.range, f.related ?? null]);
  return a.every((f, i) => key(f) === key(b[i]));
}

/** Whether an editor tab shows the file. */
function shownInTab(file: string): boolean {
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === 'file' && t.input.uri.fsPath === file));
}

async function isDirectory(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch {
    return false;
  }
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    // Regular files only (after links): never a device or a FIFO a repository may have planted.
    if (!(stat.type & vscode.FileType.File) || stat.size > MAX_LINT_FILE_BYTES) return undefined;
    return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined; // deleted meanwhile, or unreadable: not part of the index
  }
}
