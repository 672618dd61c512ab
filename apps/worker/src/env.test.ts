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

  it('rejects a malformed S3 endpoint by name', () => {
    expect(() => readWorkerEnv({ ANTIDOTE_S3_ENDPOINT: 'not a url' })).toThrow(/ANTIDOTE_S3_ENDPOINT/);
  });
});
