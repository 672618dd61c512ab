export * from './builtin.ts';
export * from './image-dataset.ts';
export * from './importers/index.ts';
