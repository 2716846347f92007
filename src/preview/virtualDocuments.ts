import * as vscode from 'vscode';

/**
 * Read-only documents held in memory under one URI scheme: proposed file contents shown in a diff
 * editor before anything is written, or a report such as the detection details. Read-only because a
 * TextDocumentContentProvider's documents cannot be edited, so nobody mistakes a preview for the file.
 */
export class VirtualDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registration: vscode.Disposable;
  readonly onDidChange = this.changed.event;

  constructor(readonly scheme: string) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(scheme, this);
  }

  /**
   * Holds `content` at a URI whose path ends like `fileName` (so VS Code picks the language from the
   * name, as for the real file) and returns it. Setting the same path again updates open editors.
   */
  set(docPath: string, content: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: this.scheme, path: docPath.startsWith('/') ? docPath : `/${docPath}` });
    const key = uri.toString();
    const had = this.contents.has(key);
    this.contents.set(key, content);
    if (had) this.changed.fire(uri);
    return uri;
  }

  delete(uri: vscode.Uri): void {
    this.contents.delete(uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}
