// Terminals over the SSH layer: an interactive shell (pty) and a journal follow, as VS Code
// Pseudoterminals, so that no `ssh` binary and no extra host-key prompt are involved.
import * as vscode from 'vscode';
import type { RemoteShell, RemoteStream } from '../../core/ssh/types';
import { errorMessage } from '../../log';

const CTRL_C = '\x03';

/** Bold red, for messages that come from Cloudward rather than the server. */
function notice(text: string): string {
  return `\r\n\x1b[1;31m${text}\x1b[0m\r\n`;
}

abstract class RemoteTerminal<T extends RemoteStream> implements vscode.Pseudoterminal {
  protected readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  protected stream: T | undefined;
  private closed = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly connect: (dims: vscode.TerminalDimensions | undefined) => Promise<T>,
    private readonly banner: string,
  ) {}

  open(dims: vscode.TerminalDimensions | undefined): void {
    this.writeEmitter.fire(`\x1b[2m${this.banner}\x1b[0m\r\n`);
    this.connect(dims).then(
      (stream) => {
        if (this.closed) {
          stream.close();
          return;
        }
        this.stream = stream;
        this.unsubscribe.push(
          stream.onData((text) => this.writeEmitter.fire(this.translate(text))),
          stream.onExit((code) => {
            this.writeEmitter.fire(notice(code === null ? 'Connection closed.' : `Exited with code ${code}.`));
            this.finish(code ?? 1);
          }),
        );
        this.opened(stream);
      },
      (e) => {
        this.writeEmitter.fire(notice(`Could not connect: ${errorMessage(e)}`));
        // Leave the message readable: the terminal closes on the next key press.
        this.failed = true;
      },
    );
  }

  private failed = false;

  protected translate(text: string): string {
    return text;
  }

  protected opened(_stream: T): void {}

  handleInput(data: string): void {
    if (this.failed) {
      this.finish(1);
      return;
    }
    this.input(data);
  }

  protected abstract input(data: string): void;

  private finish(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.closeEmitter.fire(code);
    this.cleanup();
  }

  private cleanup(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.stream?.close();
    this.stream = undefined;
  }

  /** The user closed the terminal. */
  close(): void {
    this.closed = true;
    this.cleanup();
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}

/** A login shell on the server, with a pty that follows the terminal's size. */
export class ShellTerminal extends RemoteTerminal<RemoteShell> {
  private readonly early: string[] = [];

  constructor(connect: (dims: vscode.TerminalDimensions | undefined) => Promise<RemoteShell>, banner: string, private readonly typed?: string) {
    super(connect, banner);
  }

  protected override opened(shell: RemoteShell): void {
    for (const d of this.early.splice(0)) shell.write(d);
    // Typed, not run: the user reads it and presses Enter (sudo will ask for the password there).
    if (this.typed) shell.write(this.typed);
  }

  protected input(data: string): void {
    if (this.stream) this.stream.write(data);
    else this.early.push(data);
  }

  setDimensions(dims: vscode.TerminalDimensions): void {
    this.stream?.resize(dims.columns, dims.rows);
  }
}

/** `journalctl -f` of one unit; Ctrl+C ends it. Output has bare newlines (no pty): the terminal needs CRLF. */
export class FollowTerminal extends RemoteTerminal<RemoteStream> {
  protected override translate(text: string): string {
    return text.replace(/\r?\n/g, '\r\n');
  }

  protected input(data: string): void {
    if (data.includes(CTRL_C)) {
      this.writeEmitter.fire('^C');
      this.stream?.close();
    }
  }
}
