import * as vscode from 'vscode';
import { contextKeys, getContext, onDidSetContext, type ContextKey } from '../contextKeys';
import { errorMessage, log, logFailure } from '../log';

/**
 * Why this exists: the workbench checks an `onContext` step only when the key *changes* after the
 * walkthrough was registered. When the key is already true at registration (a project that has had a
 * Procfile for years; the Welcome page opened after our first scan), it records the event as seen and
 * never checks the step. So we evaluate our own steps' `onContext` expressions against the keys we set
 * and mark the satisfied steps done with the workbench's `welcome.markStepComplete`.
 */

interface StepCondition {
  /** `<publisher>.<name>#<walkthrough>#<step>`, the id the workbench uses. */
  id: string;
  /** The step's onContext expressions (any of them completes it). */
  expressions: string[];
}

interface ManifestWalkthrough {
  id: string;
  steps: Array<{ id: string; completionEvents?: string[] }>;
}

const KNOWN_KEYS = new Set<string>(Object.values(contextKeys));

/** The onContext conditions of the extension's own walkthrough steps, from its manifest. */
export function stepConditions(extensionId: string, walkthroughs: ManifestWalkthrough[]): StepCondition[] {
  return walkthroughs.flatMap((w) =>
    w.steps
      .map((s) => ({
        id: `${extensionId}#${w.id}#${s.id}`,
        expressions: (s.completionEvents ?? []).filter((e) => e.startsWith('onContext:')).map((e) => e.slice('onContext:'.length)),
      }))
      .filter((s) => s.expressions.length > 0),
  );
}

/**
 * Evaluates the expressions our manifest uses: keys joined by `||` and `&&`, optionally negated with
 * `!`. Anything richer (parentheses, comparisons, keys we do not set) is left to the workbench: false.
 */
export function evaluate(expression: string, value: (key: string) => unknown): boolean {
  if (/[()=<>~]/.test(expression)) return false;
  return expression.split('||').some((alternative) =>
    alternative.split('&&').every((term) => {
      const t = term.trim();
      const negated = t.startsWith('!');
      const key = negated ? t.slice(1).trim() : t;
      if (!KNOWN_KEYS.has(key)) return false;
      return negated ? !value(key) : !!value(key);
    }),
  );
}

export class StepCompletion implements vscode.Disposable {
  private readonly marked = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private retries = 0;

  constructor(private readonly steps: StepCondition[]) {
    this.disposables.push(onDidSetContext(() => this.schedule()));
    // The Welcome editor opening is when walkthroughs get registered (and maybe missed a key).
    this.disposables.push(vscode.window.tabGroups.onDidChangeTabs(() => this.schedule()));
  }

  /** Re-checks soon (events come in bursts: a scan sets several keys at once). */
  schedule(delayMs = 250): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sync().catch(logFailure('walkthrough: marking steps complete')), delayMs);
  }

  /** Marks every satisfied step done; retries for a while when the walkthroughs are not registered yet. */
  async sync(): Promise<void> {
    const value = (key: string) => getContext(key as ContextKey);
    let pending = false;
    for (const step of this.steps) {
      if (this.marked.has(step.id) || !step.expressions.some((e) => evaluate(e, value))) continue;
      try {
        await vscode.commands.executeCommand('welcome.markStepComplete', step.id);
        this.marked.add(step.id);
      } catch (e) {
        // "unknown step": the Welcome page has not registered our walkthroughs yet.
        pending = true;
        if (this.retries === 0) log().info(`walkthrough: step ${step.id} not marked yet: ${errorMessage(e)}`);
      }
    }
    if (pending && this.retries++ < 20) this.schedule(1000);
    else if (!pending) this.retries = 0;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
