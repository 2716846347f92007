export * from './types';
export { detectProject, detectProjectSync } from './detect';
