export * from './baselines/index.ts';
export * from './checkpoint.ts';
export * from './common.ts';
export * from './pivotal-tuning.ts';
export * from './slol.ts';
export * from './trigger-inversion.ts';
export * from './types.ts';
