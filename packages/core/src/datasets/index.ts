export * from './builtin.ts';
export * from './export.ts';
export * from './image-dataset.ts';
export * from './importers/index.ts';
export * from './thumbnails.ts';
