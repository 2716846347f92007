export * from './types';
export { ALL_GENERATOR_KIND_IDS, GENERATOR_KINDS, GENERATOR_KIND_IDS, renderFiles, generatorKind, isGeneratorKind, unsupportedKinds } from './registry';
export * from './releaseLayout';
export { HARDENING, hardening } from './hardening';
export { platformUrl } from './platforms';
