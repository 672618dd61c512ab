// Worker-thread entry: compile TypeScript with tsx in this thread too, then run the task.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
