export * from '../formats/model-archive.ts';
export * from './features.ts';
export * from './model-io.ts';
export * from './zoo.ts';
