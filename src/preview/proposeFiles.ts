import * as vscode from 'vscode';
import { VirtualDocuments } from './virtualDocuments';
import { contextKeys } from '../contextKeys';
import { log } from '../log';

/**
 * "Propose files": show each file before it is written (a diff against the existing file, or the new
 * content), ask, then write everything at once through one WorkspaceEdit so Undo works. An existing
 * file is never overwritten without an explicit "Overwrite" for that very file. Escape (or closing a
 * question) cancels the whole proposal and nothing is written.
 */

export const PROPOSED_SCHEME = 'cloudward-proposed';

/**
 * What to do without asking, for tests and scripted callers:
 * - `overwrite`: create new files, overwrite differing existing ones;
 * - `skip`: create new files, leave existing ones untouched;
 * - `new`: create new files, write the proposal for an existing one next to it as `<name>.new`;
 * - `preview`: open the previews (diff editors) and write nothing.
 */
export type ProposalChoice = 'overwrite' | 'skip' | 'new' | 'preview';
export const PROPOSAL_CHOICES: readonly ProposalChoice[] = ['overwrite', 'skip', 'new', 'preview'];

export interface ProposedFile {
  /** Relative to the target folder, POSIX separators. */
  path: string;
  content: string;
}

export interface ProposeOptions {
  /** The folder the relative paths start from. */
  folder: vscode.Uri;
  /** Shown in the questions, e.g. "nginx site". */
  title: string;
  /** Decide without asking (see ProposalChoice). Undefined: ask for each file. */
  choice?: ProposalChoice;
  /** Open the written files in editors (default true). */
  open?: boolean;
}

export interface ProposeResult {
  /** Files created or overwritten, including `.new` files. */
  written: vscode.Uri[];
  /** Existing files that were replaced (a subset of `written`). */
  overwritten: vscode.Uri[];
  /** Existing files left as they were (skipped, or a `.new` was written instead). */
  kept: vscode.Uri[];
  /** Files whose content already equals the proposal: nothing to do. */
  unchanged: vscode.Uri[];
  /** Proposals the user chose not to write (new files skipped). */
  skipped: vscode.Uri[];
  /** The user cancelled: nothing at all was written. */
  cancelled: boolean;
  /** In `preview` mode: the URIs of the proposed (virtual) documents. */
  previews: vscode.Uri[];
}

type Decision =
  | { action: 'create'; target: vscode.Uri; content: string }
  | { action: 'overwrite'; target: vscode.Uri; content: string; shown: string }
  | { action: 'writeNew'; target: vscode.Uri; asUri: vscode.Uri; content: string }
  | { action: 'skip'; target: vscode.Uri; existed: boolean }
  | { action: 'unchanged'; target: vscode.Uri };

/** What the proposal's buttons and keys answer (see package.json: editor/title, keybindings). */
export type ProposalAction = 'write' | 'writeNew' | 'skip' | 'createAll' | 'cancel' | 'choose';

interface Question {
  kind: 'new' | 'existing';
  path: string;
  proposed: vscode.Uri;
  /** The answers in the order of the list (`choose`); the first is the list's default. */
  choices: { label: string; description: string; value: string }[];
  /** Whether "Create All New Files" applies (more new files follow). */
  more: boolean;
  title: string;
  placeHolder: string;
}

/**
 * The question about one proposed file is asked ON the proposal, not over it: a quick pick or a dialog
 * would cover the top of the diff, all of a short file. While it is pending, the diff editor's title
 * bar has the answers as buttons (Create or Overwrite, Write as .new, Skip, and Cancel), Ctrl+Enter
 * (Cmd+Enter) writes, Escape in the proposal writes nothing, Alt+Enter lists every answer in a quick
 * pick for those who prefer a list, and the status bar says so. Closing the proposal's tab is Escape.
 */
class PendingQuestion implements vscode.Disposable {
  private resolve!: (value: string | undefined) => void;
  readonly answer = new Promise<string | undefined>((r) => (this.resolve = r));
  private readonly disposables: vscode.Disposable[] = [];
  private done = false;

  constructor(
    readonly q: Question,
    bar: vscode.StatusBarItem,
  ) {
    const write = q.kind === 'new' ? 'create it' : 'overwrite yours';
    bar.text = `$(diff) ${q.path}: ${keys.write} ${write} · ${keys.choose} more · Escape writes nothing`;
    bar.tooltip = `${q.title}. The answers are also on the proposal's title bar.`;
    bar.command = 'cloudward.proposal.choose';
    bar.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    bar.show();
    // One status bar item for every question, shown and hidden (an item created and disposed per question
    // could leave the previous question's text on the status bar).
    this.disposables.push({ dispose: () => bar.hide() });
    // Closing the proposal (its tab) is declining everything, as Escape.
    this.disposables.push(
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        if (e.closed.some((t) => showsProposal(t, q.proposed))) this.settle(undefined);
      }),
    );
    void vscode.commands.executeCommand('setContext', PROPOSAL_CONTEXT, q.kind);
    void vscode.commands.executeCommand('setContext', PROPOSAL_MORE_CONTEXT, q.more);
  }

  settle(value: string | undefined): void {
    if (this.done) return;
    this.done = true;
    log().info(`proposal ${this.q.path}: ${value ?? 'nothing written (Escape, closed, or cancelled)'}`);
    this.resolve(value);
    this.dispose();
  }

  async act(action: ProposalAction): Promise<void> {
    const { q } = this;
    const byValue = (v: string) => q.choices.find((c) => c.value === v)?.value;
    switch (action) {
      case 'write':
        return this.settle(q.kind === 'new' ? 'create' : 'Overwrite');
      case 'skip':
        return this.settle(q.kind === 'new' ? 'skip' : 'Skip');
      case 'writeNew':
        if (q.kind === 'existing') this.settle(q.choices.find((c) => c.label.startsWith('Write as'))?.value);
        return;
      case 'createAll':
        if (byValue('all')) this.settle('all');
        return;
      case 'cancel':
        return this.settle(undefined);
      case 'choose': {
        // The list on demand: Escape in it goes back to the proposal, still undecided.
        const pick = await vscode.window.showQuickPick(q.choices, { title: q.title, placeHolder: q.placeHolder });
        if (pick) this.settle(pick.value);
        return;
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    void vscode.commands.executeCommand('setContext', PROPOSAL_CONTEXT, false);
    void vscode.commands.executeCommand('setContext', PROPOSAL_MORE_CONTEXT, false);
  }
}

/** Context keys of package.json's proposal menus and keybindings. */
const PROPOSAL_CONTEXT = contextKeys.proposal;
const PROPOSAL_MORE_CONTEXT = contextKeys.proposalMore;
const keys = process.platform === 'darwin' ? { write: '⌘Enter', choose: '⌥Enter' } : { write: 'Ctrl+Enter', choose: 'Alt+Enter' };

function showsProposal(tab: vscode.Tab, proposed: vscode.Uri): boolean {
  const key = proposed.toString();
  const input = tab.input;
  if (input instanceof vscode.TabInputText) return input.uri.toString() === key;
  if (input instanceof vscode.TabInputTextDiff) return input.modified.toString() === key;
  return false;
}

/** Owns the `cloudward-proposed` documents; one per extension lifetime (created on first use). */
export class FileProposer implements vscode.Disposable {
  private docs: VirtualDocuments | undefined;
  private pending: PendingQuestion | undefined;
  private bar: vscode.StatusBarItem | undefined;

  /** An answer from the proposal's buttons or keys; nothing when no proposal waits. */
  act(action: ProposalAction): Promise<void> {
    if (!this.pending) log().info(`proposal answer "${action}" with no proposal waiting: ignored`);
    return this.pending?.act(action) ?? Promise.resolve();
  }

  /**
   * Asks about one file on its proposal (see PendingQuestion); undefined: Escape, write nothing. The
   * question exists before `show` opens the proposal: a key pressed, or the tab closed, at once counts.
   */
  private async decide(q: Question, show: () => Promise<void>): Promise<string | undefined> {
    this.pending?.settle(undefined);
    if (!this.bar) {
      this.bar = vscode.window.createStatusBarItem('cloudward.proposal', vscode.StatusBarAlignment.Left, 1000);
      this.bar.name = 'Cloudward proposal';
    }
    const pending = (this.pending = new PendingQuestion(q, this.bar));
    log().info(`proposal ${q.path} (${q.kind === 'new' ? 'a new file' : 'differs from yours'}): waiting for an answer on it`);
    try {
      await show();
      return await pending.answer;
    } finally {
      if (this.pending === pending) this.pending = undefined;
      await closePreviews(q.proposed);
    }
  }

  private get proposed(): VirtualDocuments {
    return (this.docs ??= new VirtualDocuments(PROPOSED_SCHEME));
  }

  dispose(): void {
    this.pending?.settle(undefined);
    this.bar?.dispose();
    this.bar = undefined;
    this.docs?.dispose();
    this.docs = undefined;
  }

  async propose(files: ProposedFile[], opts: ProposeOptions): Promise<ProposeResult> {
    const result: ProposeResult = { written: [], overwritten: [], kept: [], unchanged: [], skipped: [], cancelled: false, previews: [] };
    const decisions: Decision[] = [];
    let createAllNew = false;
    const targets = files.map((f) => vscode.Uri.joinPath(opts.folder, ...f.path.split('/')));
    const current = await Promise.all(targets.map(readText));
    const newAfter = (i: number) => current.slice(i + 1).filter((c) => c === undefined).length;

    for (const [i, file] of files.entries()) {
      const target = targets[i];
      const existing = current[i];
      if (existing !== undefined && sameText(existing, file.content)) {
        decisions.push({ action: 'unchanged', target });
        continue;
      }
      const proposedUri = this.proposed.set(`${opts.folder.path}/${file.path}`, file.content);

      if (opts.choice === 'preview') {
        result.previews.push(proposedUri);
        await showPreview(target, proposedUri, existing !== undefined, file.path, false);
        decisions.push({ action: 'skip', target, existed: existing !== undefined });
        continue;
      }

      if (existing === undefined) {
        if (opts.choice || createAllNew) {
          decisions.push({ action: 'create', target, content: file.content });
          continue;
        }
        const choices = [
          { label: 'Create', description: file.path, value: 'create' },
          ...(newAfter(i) > 0 ? [{ label: 'Create All New Files', description: `this one and the ${newAfter(i)} other new file${newAfter(i) === 1 ? '' : 's'}`, value: 'all' }] : []),
          { label: 'Skip', description: 'do not write this file', value: 'skip' },
        ];
        const answer = await this.decide({ kind: 'new', path: file.path, proposed: proposedUri, choices, more: newAfter(i) > 0,
          title: `Cloudward proposes a new file: ${file.path}`, placeHolder: 'Undo removes a created file · Escape writes nothing' },
        () => showPreview(target, proposedUri, false, file.path));
        if (answer === undefined) return this.cancel(result, files, opts);
        if (answer === 'skip') decisions.push({ action: 'skip', target, existed: false });
        else {
          createAllNew = answer === 'all';
          decisions.push({ action: 'create', target, content: file.content });
        }
        continue;
      }

      // The file exists and differs: only an explicit choice for this file changes it.
      const newName = await freeNewName(target);
      const newLabel = `Write as ${basename(newName)}`;
      let answer: string | undefined;
      if (opts.choice === 'overwrite') answer = 'Overwrite';
      else if (opts.choice === 'skip') answer = 'Skip';
      else if (opts.choice === 'new') answer = newLabel;
      else {
        answer = await this.decide({
          kind: 'existing',
          path: file.path,
          proposed: proposedUri,
          // The safe choice first (Enter in the list keeps the user's file).
          choices: [
            { label: 'Skip', description: 'keep your file as it is', value: 'Skip' },
            { label: newLabel, description: 'keep your file, write the proposal next to it', value: newLabel },
            { label: 'Overwrite', description: 'replace your file with the proposal (Undo restores it)', value: 'Overwrite' },
          ],
          more: false,
          title: `${file.path} already exists and differs from Cloudward's proposal`,
          placeHolder: 'Diff: your file (left), the proposal (right) · Enter keeps your file · Escape writes nothing',
        }, () => showPreview(target, proposedUri, true, file.path));
        if (answer === undefined) return this.cancel(result, files, opts);
      }
      if (answer === 'Overwrite') decisions.push({ action: 'overwrite', target, content: file.content, shown: existing });
      else if (answer === newLabel) decisions.push({ action: 'writeNew', target, asUri: newName, content: file.content });
      else decisions.push({ action: 'skip', target, existed: true });
    }

    if (opts.choice === 'preview') {
      for (const d of decisions) if (d.action === 'unchanged') result.unchanged.push(d.target);
      return result;
    }
    await this.apply(decisions, result);
    this.forget(files, opts);
    // One editor, not a tab per file: the first written file (the message lists the others).
    if (opts.open !== false && result.written.length) {
      await vscode.window.showTextDocument(result.written[0], { preview: false });
    }
    return result;
  }

  /** Writes the decisions in one WorkspaceEdit: new files with createFile, replacements as text edits. */
  private async apply(decisions: Decision[], result: ProposeResult): Promise<void> {
    const edit = new vscode.WorkspaceEdit();
    const toSave: vscode.TextDocument[] = [];
    const created: vscode.Uri[] = [];
    for (const d of decisions) {
      switch (d.action) {
        case 'unchanged':
          result.unchanged.push(d.target);
          break;
        case 'skip':
          (d.existed ? result.kept : result.skipped).push(d.target);
          break;
        case 'create':
          // Without overwrite/ignoreIfExists the edit fails if the file appeared meanwhile: nothing is lost.
          // Create + insert (then save) rather than createFile's `contents`, which the remote extension
          // host did not put on disk: this way the text is also one undoable edit in the new file's editor.
          edit.createFile(d.target);
          edit.insert(d.target, new vscode.Position(0, 0), d.content);
          created.push(d.target);
          result.written.push(d.target);
          break;
        case 'writeNew':
          edit.createFile(d.asUri);
          edit.insert(d.asUri, new vscode.Position(0, 0), d.content);
          created.push(d.asUri);
          result.written.push(d.asUri);
          result.kept.push(d.target);
          break;
        case 'overwrite': {
          const doc = await vscode.workspace.openTextDocument(d.target);
          if (!sameText(doc.getText(), d.shown)) {
            throw new Error(`${vscode.workspace.asRelativePath(d.target)} changed while it was being previewed; nothing was written. Run the command again.`);
          }
          const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
          edit.replace(d.target, whole, d.content);
          toSave.push(doc);
          result.written.push(d.target);
          result.overwritten.push(d.target);
          break;
        }
      }
    }
    if (edit.size === 0) return;
    const ok = await vscode.workspace.applyEdit(edit);
    if (!ok) {
      result.written = [];
      result.overwritten = [];
      throw new Error('VS Code could not apply the changes (a file may have been created or changed meanwhile); nothing was written.');
    }
    // Saved so the files on disk match; Undo in their editor restores the old text.
    for (const uri of [...created, ...toSave.map((d) => d.uri)]) await saveDocument(uri);
  }

  private async cancel(result: ProposeResult, files: ProposedFile[], opts: ProposeOptions): Promise<ProposeResult> {
    this.forget(files, opts);
    return { ...result, cancelled: true };
  }

  private forget(files: ProposedFile[], opts: ProposeOptions): void {
    for (const f of files) this.proposed.delete(vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `${opts.folder.path}/${f.path}` }));
  }
}

/**
 * Saves the document of `uri`. The extension host may drop its copy of a document no editor shows
 * ("Document has been closed") while the workbench still holds the edited model: open it again then.
 */
async function saveDocument(uri: vscode.Uri): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const doc = await vscode.workspace.openTextDocument(uri);
    if (!doc.isDirty) return;
    try {
      if (await doc.save()) return;
    } catch (e) {
      if (!/closed/i.test(String(e))) throw e;
    }
  }
  throw new Error(`${vscode.workspace.asRelativePath(uri)} could not be saved; its editor holds the proposal.`);
}

/** Existing files larger than this are not read for the comparison: a deployment file never is. */
const MAX_EXISTING_BYTES = 4 * 1024 * 1024;

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  // An open, unsaved editor is what the user sees as the file: compare against it, not the disk.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    // Never read a device or a FIFO (a repository may plant `Dockerfile -> /dev/zero`): the extension
    // host would read forever or block.
    const stat = await vscode.workspace.fs.stat(uri);
    if (!(stat.type & vscode.FileType.File)) throw new Error(`${vscode.workspace.asRelativePath(uri)} exists but is not a regular file; Cloudward leaves it alone.`);
    if (stat.size > MAX_EXISTING_BYTES) throw new Error(`${vscode.workspace.asRelativePath(uri)} is larger than 4 MB; Cloudward leaves it alone.`);
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (e) {
    if (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') return undefined;
    throw e;
  }
}

function sameText(a: string, b: string): boolean {
  return a.replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');
}

function basename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/** `<name>.new`, or `<name>.new.2`, … when a previous proposal is still lying there. */
async function freeNewName(target: vscode.Uri): Promise<vscode.Uri> {
  for (let i = 1; ; i++) {
    const candidate = target.with({ path: `${target.path}.new${i === 1 ? '' : `.${i}`}` });
    if ((await readText(candidate)) === undefined) return candidate;
  }
}

/** `preview`: in the preview tab (replaced by the next one); false keeps every proposal open side by side. */
async function showPreview(target: vscode.Uri, proposed: vscode.Uri, exists: boolean, label: string, preview = true): Promise<void> {
  if (exists) {
    await vscode.commands.executeCommand('vscode.diff', target, proposed, `${label}: yours ↔ proposed`, { preview });
  } else {
    await vscode.window.showTextDocument(proposed, { preview });
  }
}

/** Closes the tabs that show a proposed document (alone or as the right side of a diff). */
async function closePreviews(proposed: vscode.Uri): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => showsProposal(t, proposed));
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
}
