export * from './types';
export { buildPlan, planGaps, PLAN_FIELDS, planField, parseSetArgument, PlanError } from './plan';
