export * from './types';
export { GENERATOR_KINDS, GENERATOR_KIND_IDS, renderFiles, generatorKind, isGeneratorKind, unsupportedKinds } from './registry';
export * from './releaseLayout';
