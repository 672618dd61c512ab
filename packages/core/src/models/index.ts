export * from './features.ts';
export * from './model-archive.ts';
export * from './model-io.ts';
export * from './zoo.ts';
