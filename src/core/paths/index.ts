export * from './choose';
export * from './platformSteps';
