import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createArtifactStore } from './index.ts';

describe('createArtifactStore', () => {
  it('builds the backend the config names', async () => {
    const root = await mkdtemp(join(tmpdir(), 'antidote-storage-index-'));
    try {
      const fs = createArtifactStore({ kind: 'filesystem', root });
      expect(fs.kind).toBe('filesystem');
      const { sha256 } = await fs.put(new TextEncoder().encode('hello'));
      expect(await fs.stat(sha256)).toEqual({ size: 5 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    // Building an S3 store does not touch the network; only its calls do.
    const s3 = createArtifactStore({ kind: 's3', bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    expect(s3.kind).toBe('s3');
    await s3.close?.();
  });
});
