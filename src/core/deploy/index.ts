export * from './deploy';
