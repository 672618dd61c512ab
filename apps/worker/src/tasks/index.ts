/** The compute the worker runs for each job: pure functions, bytes and callbacks in, results out. */
export * from './common.ts';
export * from './evaluate.ts';
export * from './import.ts';
export * from './repair.ts';
export * from './scan.ts';
export * from './sweep.ts';
