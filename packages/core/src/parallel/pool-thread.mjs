// Compute-thread entry when running from TypeScript sources (tests, tsx): compile TypeScript in
// this thread too, then run it. The production bundles build thread.ts to a file of this name.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
