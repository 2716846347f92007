import * as vscode from 'vscode';
import type { BuildPlanOptions, DeployPlan, Detection, PlanField, PlanGap, PlanOverrides } from '../../core';
import type { Ctx } from '../../ctx';
import { fieldApplies } from './fields';
import { Back, Cancelled, MultiStep, runSteps } from '../../multiStep';

export { Cancelled };

function fieldByKey(ctx: Ctx, key: keyof DeployPlan): PlanField | undefined {
  return ctx.core.PLAN_FIELDS.find((f) => f.key === key);
}

/** One value, asked with the field's own validation; booleans as a Yes/No pick. Escape → Cancelled, Back → Back. */
async function askField(flow: MultiStep, field: PlanField, current: string | undefined, why?: string): Promise<string> {
  if (field.type === 'boolean') {
    const items: (vscode.QuickPickItem & { value: string })[] = [
      { label: 'Yes', value: 'true' },
      { label: 'No', value: 'false' },
    ];
    const pick = await flow.pick({
      title: field.title,
      placeholder: why ?? `${field.description}${current !== undefined ? ` (now: ${current === 'true' ? 'Yes' : 'No'})` : ''}`,
      items,
      active: items.find((i) => i.value === current),
    });
    return pick.value;
  }
  return flow.input({
    title: field.title,
    prompt: why ?? field.description,
    value: current ?? '',
    // The field's default is described in words ("2 × CPU cores + 1"): say it is the default, not an example.
    placeholder: field.example ? `e.g. ${field.example}` : field.default ? `default: ${field.default}` : undefined,
    validate: (v) => field.validate(v),
  });
}

/**
 * The generator's questions as one flow that keeps focus in its input: what detection could not find
 * (one question per gap, pre-filled with core's suggestion, never silently used), then the review list.
 * Back goes to the previous question; Escape → Cancelled, nothing written.
 */
export async function askPlan(
  ctx: Ctx,
  gaps: PlanGap[],
  detection: Detection,
  overrides: PlanOverrides,
  keys: (keyof DeployPlan)[],
  what: string,
  remembers?: Map<keyof DeployPlan, string | number | boolean>,
  options: BuildPlanOptions = {},
): Promise<DeployPlan> {
  const flow = new MultiStep(`Cloudward: Generate ${what}`);
  const asked = gaps.filter((g) => overrides[g.key] !== undefined ? false : !!fieldByKey(ctx, g.key));
  let plan: DeployPlan | undefined;
  const steps = [
    ...asked.map((gap) => async () => {
      const field = fieldByKey(ctx, gap.key)!;
      const previous = overrides[gap.key];
      overrides[gap.key] = await askField(flow, field, previous !== undefined ? String(previous) : gap.suggestion, gap.reason);
    }),
    async () => {
      plan = await reviewPlan(ctx, flow, detection, overrides, keys, what, remembers, options);
    },
  ];
  if (!(await runSteps(flow, steps)) || !plan) throw new Cancelled();
  return plan;
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
async function reviewPlan(
  ctx: Ctx,
  flow: MultiStep,
  detection: Detection,
  overrides: PlanOverrides,
  keys: (keyof DeployPlan)[],
  what: string,
  remembers?: Map<keyof DeployPlan, string | number | boolean>,
  options: BuildPlanOptions = {},
): Promise<DeployPlan> {
  for (;;) {
    let plan: DeployPlan;
    try {
      plan = ctx.core.buildPlan(detection, overrides, options);
    } catch (e) {
      // A value that contradicts another (e.g. fewer max replicas than replicas): say so, ask it again.
      const key = (e as { key?: string }).key as keyof DeployPlan | undefined;
      const field = key ? fieldByKey(ctx, key) : undefined;
      if (!field) throw e;
      const current = overrides[field.key];
      overrides[field.key] = await askField(flow, field, current === undefined ? undefined : String(current), `${(e as Error).message}. ${field.description}`);
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
    const pick = await flow.pick({ placeholder: 'Check the values, then pick "Generate"', items, matchOnDescription: true });
    if (!pick.key) return plan;
    const field = fieldByKey(ctx, pick.key)!;
    const current = plan[pick.key];
    const back = flow.canGoBack;
    flow.canGoBack = true;
    try {
      overrides[pick.key] = await askField(flow, field, current === null || current === undefined ? undefined : String(current));
    } catch (e) {
      // Back or Escape in the value's box goes back to the list rather than ending the whole command.
      if (!(e instanceof Back) && !(e instanceof Cancelled)) throw e;
    } finally {
      flow.canGoBack = back;
    }
    if (overrides[pick.key] === undefined) delete overrides[pick.key];
  }
}
