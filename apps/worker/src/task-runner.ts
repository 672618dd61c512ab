/** Kept so existing imports keep working; the thread machinery lives in thread/. */
export { runTaskInThread, type TaskHooks } from './thread/runner.ts';
