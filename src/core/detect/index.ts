export * from './types';
export { detectProject, detectProjectSync, projectNotFound } from './detect';
