export * from './read.ts';
export * from './test-files.ts';
