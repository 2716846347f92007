export * from './provision';
export { unifiedDiff } from './diff';
export * from './envFile';
