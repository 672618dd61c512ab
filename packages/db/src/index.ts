export * from './audit.ts';
export * from './client.ts';
export * from './env.ts';
export * from './errors.ts';
export * from './repository.ts';
export * from './roles.ts';
export * as schema from './schema/index.ts';
