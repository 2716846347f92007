export * from './types';
export { buildPlan, planGaps, PLAN_FIELDS, planField, parseSetArgument, PlanError, DEFAULT_WORKERS, workersFor, POSTGRES_DRIVERS } from './plan';
export { planWarnings, howToDeclare } from './warnings';
export type { PlanWarning } from './warnings';
