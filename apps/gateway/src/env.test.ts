import { describe, expect, it } from 'vitest';
import { readGatewayEnv, readMigrateEnv } from './env.ts';

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

describe('readMigrateEnv', () => {
  it('needs the owner URL and defaults the runtime role', () => {
    expect(() => readMigrateEnv({})).toThrow(/DATABASE_URL/);
    expect(() => readMigrateEnv({ DATABASE_URL: 'file:///tmp/x' })).toThrow(/DATABASE_URL/);
    const env = readMigrateEnv({ DATABASE_URL: 'postgres://owner@db/antidote' });
    expect(env.ANTIDOTE_RUNTIME_ROLE).toBe('antidote_runtime');
    expect(env.ANTIDOTE_RUNTIME_PASSWORD).toBeUndefined();
  });
  it('refuses role names that are not plain identifiers and short passwords', () => {
    const base = { DATABASE_URL: 'postgres://owner@db/antidote' };
    expect(() => readMigrateEnv({ ...base, ANTIDOTE_RUNTIME_ROLE: 'x"; drop role postgres; --' })).toThrow(
      /ANTIDOTE_RUNTIME_ROLE/,
    );
    expect(() => readMigrateEnv({ ...base, ANTIDOTE_RUNTIME_PASSWORD: 'short' })).toThrow(/ANTIDOTE_RUNTIME_PASSWORD/);
  });
});
