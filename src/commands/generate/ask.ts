import * as vscode from 'vscode';
import type { DeployPlan, Detection, PlanField, PlanGap, PlanOverrides } from '../../core';
import type { Ctx } from '../../ctx';
import { fieldApplies } from './fields';

/** The user pressed Escape: the command stops without writing or saying anything more. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

function fieldByKey(ctx: Ctx, key: keyof DeployPlan): PlanField | undefined {
  return ctx.core.PLAN_FIELDS.find((f) => f.key === key);
}

/** One value, asked with the field's own validation; booleans as a Yes/No pick. Escape → Cancelled. */
async function askField(field: PlanField, current: string | undefined, why?: string): Promise<string> {
  if (field.type === 'boolean') {
    const items: (vscode.QuickPickItem & { value: string })[] = [
      { label: 'Yes', value: 'true', picked: current === 'true' },
      { label: 'No', value: 'false', picked: current === 'false' },
    ];
    const pick = await vscode.window.showQuickPick(items, {
      title: `Cloudward: ${field.title}`,
      placeHolder: why ?? `${field.description}${current !== undefined ? ` (now: ${current === 'true' ? 'Yes' : 'No'})` : ''}`,
      ignoreFocusOut: true,
    });
    if (!pick) throw new Cancelled();
    return pick.value;
  }
  const value = await vscode.window.showInputBox({
    title: `Cloudward: ${field.title}`,
    prompt: why ?? field.description,
    value: current ?? '',
    // The field's default is described in words ("2 × CPU cores + 1"): say it is the default, not an example.
    placeHolder: field.example ? `e.g. ${field.example}` : field.default ? `default: ${field.default}` : undefined,
    ignoreFocusOut: true,
    validateInput: (v) => field.validate(v.trim()),
  });
  if (value === undefined) throw new Cancelled();
  return value.trim();
}

/**
 * Asks what detection could not find, one input box per gap (pre-filled with a suggestion when core
 * has one, never silently used).
 */
export async function askGaps(ctx: Ctx, gaps: PlanGap[], overrides: PlanOverrides): Promise<void> {
  for (const gap of gaps) {
    if (overrides[gap.key] !== undefined) continue;
    const field = fieldByKey(ctx, gap.key);
    if (!field) continue;
    overrides[gap.key] = await askField(field, gap.suggestion, gap.reason);
  }
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(none)';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

type ReviewItem = vscode.QuickPickItem & { key?: keyof DeployPlan };

/**
 * The values that matter for the chosen files, detected or defaulted, in one list: pick one to change
 * it, or pick "Generate" to go on. Returns when the user accepts; Escape → Cancelled.
 */
export async function reviewPlan(
  ctx: Ctx,
  detection: Detection,
  overrides: PlanOverrides,
  keys: (keyof DeployPlan)[],
  what: string,
  remembers?: Map<keyof DeployPlan, string | number | boolean>,
): Promise<DeployPlan> {
  for (;;) {
    let plan: DeployPlan;
    try {
      plan = ctx.core.buildPlan(detection, overrides);
    } catch (e) {
      // A value that contradicts another (e.g. fewer max replicas than replicas): say so, ask it again.
      const key = (e as { key?: string }).key as keyof DeployPlan | undefined;
      const field = key ? fieldByKey(ctx, key) : undefined;
      if (!field) throw e;
      const current = overrides[field.key];
      overrides[field.key] = await askField(field, current === undefined ? undefined : String(current), `${(e as Error).message}. ${field.description}`);
      continue;
    }
    const generate: ReviewItem = { label: `$(check) Generate ${what}`, description: 'with the values below', alwaysShow: true };
    const items: ReviewItem[] = [generate, { label: 'Values (pick one to change it)', kind: vscode.QuickPickItemKind.Separator }];
    for (const key of keys) {
      const field = fieldByKey(ctx, key);
      if (!field || !fieldApplies(key, plan)) continue;
      const changed = overrides[key] !== undefined;
      const remembered = changed && remembers?.has(key) && overrides[key] === remembers.get(key);
      items.push({
        key,
        label: field.title,
        description: show(plan[key]),
        detail: `${field.description}${remembered ? ' · your answer last time' : changed ? ' · set by you' : ''}`,
      });
    }
    const pick = await vscode.window.showQuickPick(items, {
      title: `Cloudward: Generate ${what}`,
      placeHolder: 'Check the values, then pick "Generate"',
      matchOnDescription: true,
      ignoreFocusOut: true,
    });
    if (!pick) throw new Cancelled();
    if (!pick.key) return plan;
    const field = fieldByKey(ctx, pick.key)!;
    const current = plan[pick.key];
    overrides[pick.key] = await askField(field, current === null || current === undefined ? undefined : String(current)).catch((e) => {
      // Escape in the input box goes back to the list rather than ending the whole command.
      if (e instanceof Cancelled) return overrides[pick.key!];
      throw e;
    });
    if (overrides[pick.key] === undefined) delete overrides[pick.key];
  }
}
