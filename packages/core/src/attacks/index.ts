export * from './adaptive.ts';
export * from './badnets.ts';
export * from './blend.ts';
export * from './create-attack.ts';
export type { LooseAttackOptions } from './poisoning.ts';
export * from './trigger-scattered.ts';
export { CORNERS, type Corner } from './triggers.ts';
export * from './types.ts';
export * from './wanet.ts';
