// Fuzz-thread entry: compile TypeScript with tsx in this thread too (like the gateway's inspection thread).
import { register } from 'tsx/esm/api';

register();
await import('./fuzz-thread.ts');
