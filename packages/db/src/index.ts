export * from './audit.ts';
export * from './client.ts';
export * from './errors.ts';
export * as schema from './schema/index.ts';
