/**
 * @antidote/core: the science of Antidote. Bytes and typed arrays in, results out, progress
 * through callbacks; no database, HTTP or environment access.
 */
export * from './attacks/index.ts';
export * from './datasets/index.ts';
export * from './defenses/index.ts';
export * from './errors.ts';
export * from './lab/index.ts';
export * from './metrics/index.ts';
export * from './models/index.ts';
export * from './random.ts';
export * from './runtime/index.ts';
export * from './training/index.ts';
