export * from './train-poisoned.ts';
