export * from './batches.ts';
export * from './train.ts';
