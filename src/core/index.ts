// The core shared by the extension (loaded lazily as dist/core.js), the CLI and the unit tests.
// No `vscode` imports anywhere below src/core (enforced by ESLint).
export * from './version';
export * from './lint/djangoChecks';
export * from './lint';
export * from './detect';
export * from './plan';
export * from './generate';
export * from './rulesIndex';
export { readRegularFile, targetLeavesFolder } from './safeFs';
export { printable, printableLine } from './printable';
export * from './provision';
export * from './deploy';
export * from './paths';
export * from './verify';
export * from './imageTags';
export * from './project/envVars';
