export * from './builder.ts';
export * from './parse.ts';
export { ATTRIBUTE_TYPE, DATA_TYPE } from './schema.ts';
export { replaceInitializers } from './write.ts';
