import { describe, expect, it } from 'vitest';
import { readGatewayEnv } from './env.ts';

describe('readGatewayEnv', () => {
  it('fills the shared database and storage defaults the worker uses too', () => {
    const env = readGatewayEnv({ DATABASE_URL: 'postgres://127.0.0.1/test', ANTIDOTE_S3_BUCKET: 'models' });
    expect(env.DATABASE_URL).toBe('postgres://127.0.0.1/test');
    expect(env.ANTIDOTE_S3_BUCKET).toBe('models');
    expect(env.ANTIDOTE_S3_PREFIX).toBe('');
    expect(env.ANTIDOTE_DATA_DIR).toBe('.antidote/data');
  });

  it('rejects a malformed S3 endpoint by name', () => {
    expect(() => readGatewayEnv({ ANTIDOTE_S3_ENDPOINT: 'not a url' })).toThrow(/ANTIDOTE_S3_ENDPOINT/);
  });
});
