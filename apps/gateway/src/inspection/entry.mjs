// Inspection-thread entry: compile TypeScript with tsx in this thread too, then serve requests.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
