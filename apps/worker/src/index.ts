export { readWorkerEnv, type WorkerEnv } from './env.ts';
export { runDueMonitors, startMonitorScheduler } from './monitors.ts';
export { type RunningWorker, startWorker, type WorkerOptions } from './worker.ts';
