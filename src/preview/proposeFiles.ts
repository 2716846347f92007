import * as vscode from 'vscode';
import { VirtualDocuments } from './virtualDocuments';

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

/** Owns the `cloudward-proposed` documents; one per extension lifetime (created on first use). */
export class FileProposer implements vscode.Disposable {
  private docs: VirtualDocuments | undefined;

  private get proposed(): VirtualDocuments {
    return (this.docs ??= new VirtualDocuments(PROPOSED_SCHEME));
  }

  dispose(): void {
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
        await showPreview(target, proposedUri, false, file.path);
        // A quick pick, not a modal dialog: the proposal stays visible (and scrollable) while the user decides.
        const choices = [
          { label: 'Create', description: file.path, value: 'create' },
          ...(newAfter(i) > 0 ? [{ label: 'Create All New Files', description: `this one and the ${newAfter(i)} other new file${newAfter(i) === 1 ? '' : 's'}`, value: 'all' }] : []),
          { label: 'Skip', description: 'do not write this file', value: 'skip' },
        ];
        const answer = await ask(choices, `Cloudward proposes a new file: ${file.path}`,
          'The proposal is open in the editor · Undo removes a created file · Escape writes nothing');
        await closePreviews(proposedUri);
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
        await showPreview(target, proposedUri, true, file.path);
        // The safe choice first (Enter keeps the user's file); the diff stays visible behind the quick pick.
        answer = await ask(
          [
            { label: 'Skip', description: 'keep your file as it is', value: 'Skip' },
            { label: newLabel, description: 'keep your file, write the proposal next to it', value: newLabel },
            { label: 'Overwrite', description: 'replace your file with the proposal (Undo restores it)', value: 'Overwrite' },
          ],
          `${file.path} already exists and differs from Cloudward's proposal`,
          'Diff: your file (left), the proposal (right) · Enter keeps your file · Escape writes nothing',
        );
        await closePreviews(proposedUri);
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

/** A choice for one file; the first item is what Enter picks. Undefined when the user pressed Escape. */
async function ask(items: { label: string; description: string; value: string }[], title: string, placeHolder: string): Promise<string | undefined> {
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder, ignoreFocusOut: true });
  return pick?.value;
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
  const key = proposed.toString();
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => {
      const input = t.input;
      if (input instanceof vscode.TabInputText) return input.uri.toString() === key;
      if (input instanceof vscode.TabInputTextDiff) return input.modified.toString() === key;
      return false;
    });
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
}
