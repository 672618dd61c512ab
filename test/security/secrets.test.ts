/**
 * Attack on deployment secrets (issue 20, hole 9): the compose and Kubernetes files shipped
 * signing secrets long enough to pass validation, so anyone who read them could forge signed
 * download links. Now the files ship none, and a placeholder-looking secret stops the gateway.
 */
import { readFileSync } from 'node:fs';
import { readGatewayEnv } from '@antidote/gateway';
import { describe, expect, it } from 'vitest';

const repo = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, repo), 'utf8');

/** Every `KEY: value` in a YAML file whose key names a secret or password. */
function secretValues(yaml: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const match of yaml.matchAll(/(\b[A-Z_]*(?:SECRET|PASSWORD)[A-Z_]*)\s*:\s*("[^"]*"|[^,}\n]*)/g)) {
    out.push({ key: match[1] ?? '', value: (match[2] ?? '').trim().replace(/^"|"$/g, '') });
  }
  return out;
}

describe('deployment files ship no usable secret', () => {
  for (const file of ['infra/docker/compose.yaml', 'infra/k8s/antidote.yaml']) {
    it(file, () => {
      const values = secretValues(read(file));
      expect(values.length).toBeGreaterThan(0);
      for (const { key, value } of values) {
        // empty, or taken from the environment (compose fails the start when it is unset)
        expect(value === '' || value.startsWith('${'), `${file}: ${key}=${value}`).toBe(true);
      }
    });
  }
});

describe('the gateway refuses placeholder secrets', () => {
  const production = (secret: string) => () =>
    readGatewayEnv({ NODE_ENV: 'production', ANTIDOTE_SIGNING_SECRET: secret, LOG_LEVEL: 'silent' });
  it('refuses the old example values and other placeholders', () => {
    for (const secret of [
      'change-me-to-a-long-random-secret-value',
      'CHANGE-ME-TO-32-OR-MORE-RANDOM-CHARACTERS',
      'a'.repeat(64),
      'your-signing-secret-goes-here-please-1',
      '12341234123412341234123412341234',
    ]) {
      expect(production(secret), secret).toThrow(/ANTIDOTE_SIGNING_SECRET/);
    }
  });
  it('accepts a generated one', () => {
    expect(production('9f2c4e1a7b3d5f60812e4c9a0b7d3f1e5a6c8b2d4f0e1a3c5b7d9e2f4a6c8e0b')).not.toThrow();
  });
});

describe('production defaults', () => {
  it('allows no localhost CORS origin unless told to', () => {
    const env = readGatewayEnv({
      NODE_ENV: 'production',
      ANTIDOTE_SIGNING_SECRET: 'f3a9c1e7b5d2048a6c9e1f3b5d7a9c2e4f6b8d0a1c3e5f7b9d2f4a6c8e0b1d3f',
    });
    expect(env.corsOrigins).toEqual([]);
    expect(readGatewayEnv({ NODE_ENV: 'development' }).corsOrigins).toContain('http://localhost:3000');
  });
});
