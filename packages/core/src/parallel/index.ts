export type { ThreadContext, ThreadHandler, ThreadHandlers } from './handler.ts';
export { defaultThreadCount, ThreadPool, type ThreadPoolOptions } from './pool.ts';
