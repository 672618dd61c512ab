import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from './env.ts';

describe('readWorkerEnv', () => {
  it('fills the shared database and storage defaults the gateway uses too', () => {
    const env = readWorkerEnv({ WORKER_ID: 'w1' });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.ANTIDOTE_DATA_DIR).toBe('.antidote/data');
    expect(env.ANTIDOTE_STORAGE_DIR).toBe('.antidote/artifacts');
    expect(env.ANTIDOTE_S3_REGION).toBe('us-east-1');
    expect(env.workerId).toBe('w1');
  });

  it('gives each job the cores its share of the process is given, unless told', () => {
    const cores = availableParallelism();
    expect(readWorkerEnv({}).threadsPerJob).toBe(cores);
    expect(readWorkerEnv({ WORKER_CONCURRENCY: String(2 * cores) }).threadsPerJob).toBe(1);
    expect(readWorkerEnv({ WORKER_CONCURRENCY: '1', WORKER_THREADS_PER_JOB: '3' }).threadsPerJob).toBe(3);
    expect(() => readWorkerEnv({ WORKER_THREADS_PER_JOB: '0' })).toThrow(/WORKER_THREADS_PER_JOB/);
  });

  it('rejects a malformed S3 endpoint by name', () => {
    expect(() => readWorkerEnv({ ANTIDOTE_S3_ENDPOINT: 'not a url' })).toThrow(/ANTIDOTE_S3_ENDPOINT/);
  });
});
