// The one way Cloudward asks several questions in a row (Add Server, the generators' questions): one
// quick input at a time, each shown before the previous one goes away, so that keyboard focus stays in
// the input from the first question to the last (a flow started from a walkthrough button never hands
// focus back to the button between questions, where Enter would run the step again). Every question
// after the first has a Back button; Escape ends the flow with nothing written (the caller writes only
// after the last answer).
import * as vscode from 'vscode';

/** The user pressed Escape (or the input was closed): stop, write nothing. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** The user pressed Back: the flow goes to the previous question. */
export class Back extends Error {
  constructor() {
    super('back');
  }
}

export interface InputQuestion {
  /** Shown in the title after the flow's title, e.g. "Host". */
  title?: string;
  prompt: string;
  value?: string;
  placeholder?: string;
  password?: boolean;
  /** An error message for a value, or undefined when it is fine (the value is trimmed first). */
  validate?(value: string): string | undefined;
}

export interface PickQuestion<T extends vscode.QuickPickItem> {
  title?: string;
  placeholder: string;
  items: readonly T[];
  /** The item Enter picks at first (default: the first one). */
  active?: T;
  matchOnDescription?: boolean;
}

/**
 * A run of questions. `input`/`pick` show one question and resolve with the answer, or reject with
 * {@link Back} or {@link Cancelled}. Between two questions the previous input stays up (busy), so focus
 * never leaves the quick input. Dispose when done.
 */
export class MultiStep implements vscode.Disposable {
  private current: vscode.QuickInput | undefined;
  private listeners: vscode.Disposable[] = [];
  private refocus: ReturnType<typeof setTimeout>[] = [];
  /** Step numbers shown in the title ("2/4"), when the caller knows them. */
  step: number | undefined;
  totalSteps: number | undefined;
  /** Whether the next question offers Back (the caller turns it off for the first one). */
  canGoBack = false;

  constructor(readonly title: string) {}

  private titleOf(part?: string): string {
    return part ? `${this.title}: ${part}` : this.title;
  }

  /** Shows `next` in place of the current input (shown first, so there is no moment without one). */
  private swap(next: vscode.QuickInput, listeners: vscode.Disposable[], reshow?: () => void): void {
    const previous = this.current;
    const previousListeners = this.listeners;
    this.current = next;
    this.listeners = listeners;
    next.step = this.step;
    next.totalSteps = this.totalSteps;
    next.ignoreFocusOut = true;
    next.show();
    for (const l of previousListeners) l.dispose();
    previous?.dispose();
    this.takeFocus(next, reshow);
  }

  /**
   * Keyboard focus goes into the question, even when something else took it meanwhile: a quick input that
   * stays open (ignoreFocusOut) does not take focus back by itself, and a walkthrough focuses the step the
   * user clicked 250 ms after the click (VS Code's slide animation), which can be after a fast command
   * showed its first question (later on a loaded machine); Enter on that step would run it again. So: again
   * a few times over the next seconds, as long as this question is still the one shown.
   *
   * How: VS Code's `workbench.action.focusQuickOpen` focuses the input only when the widget's input box
   * reports `enabled`, which it never does (VS Code 1.139: that property has a setter and no getter), so it
   * focuses the list, which an input box hides: focus stays where it was. A pick's list is shown, so for a
   * pick that command works (the list takes focus; Enter and the arrows answer). An input box is hidden and
   * shown again instead (`reshow`), in one go: the workbench focuses an input box when it shows it, and keeps
   * the text typed so far (it is the workbench's own copy that is shown again, not the extension's).
   */
  private takeFocus(input: vscode.QuickInput, reshow?: () => void): void {
    for (const t of this.refocus.splice(0)) clearTimeout(t);
    const focus = () => {
      if (this.current !== input) return;
      if (reshow) reshow();
      else void vscode.commands.executeCommand('workbench.action.focusQuickOpen').then(undefined, () => undefined);
    };
    if (!reshow) focus();
    this.refocus = MultiStep.REFOCUS_AFTER_MS.map((ms) => setTimeout(focus, ms));
  }

  /** After the walkthrough's delayed focus of a clicked step (250 ms), also when that timer runs late. */
  static readonly REFOCUS_AFTER_MS = [400, 1000, 2000, 4000];

  /** After an answer, while the caller works out the next question: the input stays, greyed. */
  private hold(input: vscode.QuickInput): void {
    input.busy = true;
    input.enabled = false;
  }

  input(q: InputQuestion): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const box = vscode.window.createInputBox();
      box.title = this.titleOf(q.title);
      box.prompt = q.prompt;
      box.value = q.value ?? '';
      box.placeholder = q.placeholder;
      box.password = q.password ?? false;
      box.buttons = this.canGoBack ? [vscode.QuickInputButtons.Back] : [];
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        f();
      };
      // The hides that a reshow causes (each reshow's hide is reported once, after it): not an Escape.
      let ownHides = 0;
      const check = (v: string) => (box.validationMessage = q.validate?.(v.trim()));
      if (box.value) check(box.value);
      this.swap(box, [
        box.onDidTriggerButton((b) => {
          if (b === vscode.QuickInputButtons.Back) settle(() => reject(new Back()));
        }),
        box.onDidChangeValue(check),
        box.onDidAccept(() => {
          const message = q.validate?.(box.value.trim());
          if (message) {
            box.validationMessage = message;
            return;
          }
          settle(() => {
            this.hold(box);
            resolve(box.value.trim());
          });
        }),
        box.onDidHide(() => {
          if (ownHides > 0) ownHides--;
          else settle(() => reject(new Cancelled()));
        }),
      ], () => {
        if (settled) return;
        ownHides++;
        box.hide();
        box.show();
      });
    });
  }

  pick<T extends vscode.QuickPickItem>(q: PickQuestion<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const qp = vscode.window.createQuickPick<T>();
      qp.title = this.titleOf(q.title);
      qp.placeholder = q.placeholder;
      qp.items = q.items;
      qp.matchOnDescription = q.matchOnDescription ?? false;
      const active = q.active ?? q.items.find((i) => i.kind !== vscode.QuickPickItemKind.Separator);
      if (active) qp.activeItems = [active];
      qp.buttons = this.canGoBack ? [vscode.QuickInputButtons.Back] : [];
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        f();
      };
      this.swap(qp, [
        qp.onDidTriggerButton((b) => {
          if (b === vscode.QuickInputButtons.Back) settle(() => reject(new Back()));
        }),
        qp.onDidAccept(() => {
          const chosen = qp.selectedItems[0] ?? qp.activeItems[0];
          if (!chosen) return;
          settle(() => {
            this.hold(qp);
            resolve(chosen);
          });
        }),
        qp.onDidHide(() => settle(() => reject(new Cancelled()))),
      ]);
    });
  }

  dispose(): void {
    for (const t of this.refocus.splice(0)) clearTimeout(t);
    for (const l of this.listeners) l.dispose();
    this.listeners = [];
    this.current?.dispose();
    this.current = undefined;
  }
}

/**
 * Runs questions in order with Back: each step asks through `flow` and stores its answer itself;
 * Back returns to the previous step (its answer shown again), Escape ends with `false` and nothing
 * written. The steps' numbers appear in the titles ("Add Server (2/5)").
 */
export async function runSteps(flow: MultiStep, steps: Array<() => Promise<void>>): Promise<boolean> {
  let i = 0;
  try {
    while (i < steps.length) {
      flow.step = i + 1;
      flow.totalSteps = steps.length;
      flow.canGoBack = i > 0;
      try {
        await steps[i]();
        i++;
      } catch (e) {
        if (e instanceof Back) i = Math.max(0, i - 1);
        else throw e;
      }
    }
    return true;
  } catch (e) {
    if (e instanceof Cancelled) return false;
    throw e;
  } finally {
    flow.dispose();
  }
}
