import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAntidoteError } from '@antidote/core/errors';
import { loadModelFromFiles } from '@antidote/core/models';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTACK_SPEC_FILE,
  inModelFolder,
  parseAttackSpec,
  readAttackSpec,
  readModelFolder,
  removeAttackSpec,
  resolveWeightPath,
  weightPathsOf,
  writeAttackSpec,
  writeModelFolder,
} from './model-folder.ts';

const encoder = new TextEncoder();

function modelJson(paths: string[][]): string {
  return JSON.stringify({ modelTopology: {}, weightsManifest: paths.map((p) => ({ paths: p, weights: [] })) });
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAntidoteError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a rejection');
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'antidote-cli-model-folder-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readModelFolder', () => {
  it('reads model.json and every weight file it names, keyed as model.json spells them', async () => {
    await mkdir(path.join(dir, 'shards'));
    await writeFile(path.join(dir, 'model.json'), modelJson([['group1-shard1of2.bin', './shards/b.bin']]));
    await writeFile(path.join(dir, 'group1-shard1of2.bin'), new Uint8Array([1, 2, 3]));
    await writeFile(path.join(dir, 'shards', 'b.bin'), new Uint8Array([4]));
    await writeFile(path.join(dir, 'unrelated.txt'), 'not read');
    const files = await readModelFolder(dir);
    expect(Object.keys(files).sort()).toEqual(['./shards/b.bin', 'group1-shard1of2.bin', 'model.json']);
    expect([...(files['group1-shard1of2.bin'] ?? [])]).toEqual([1, 2, 3]);
    expect([...(files['./shards/b.bin'] ?? [])]).toEqual([4]);
  });

  it('fails with NOT_FOUND naming model.json when the folder has none', async () => {
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(4));
    const error = await rejection(readModelFolder(dir));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('model.json');
    expect(error.message).toContain(dir);
  });

  it('fails with NOT_FOUND naming the missing weight file', async () => {
    await writeFile(path.join(dir, 'model.json'), modelJson([['weights.bin']]));
    const error = await rejection(readModelFolder(dir));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('weights.bin');
  });

  it('fails with NOT_FOUND for a missing folder and INVALID_INPUT for a file', async () => {
    expect((await rejection(readModelFolder(path.join(dir, 'nope')))).code).toBe('NOT_FOUND');
    await writeFile(path.join(dir, 'file'), 'x');
    expect((await rejection(readModelFolder(path.join(dir, 'file')))).code).toBe('INVALID_INPUT');
  });

  it('refuses weight paths that leave the folder', async () => {
    await writeFile(path.join(dir, 'model.json'), modelJson([['../outside.bin']]));
    const error = await rejection(readModelFolder(dir));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('../outside.bin');
  });

  it('passes an unparsable model.json through, so loading reports CORRUPT_FILE with the folder', async () => {
    await writeFile(path.join(dir, 'model.json'), '{ this is not json');
    const files = await readModelFolder(dir);
    expect(Object.keys(files)).toEqual(['model.json']);
    const error = await rejection(loadModelFromFiles(files).catch((e: unknown) => Promise.reject(inModelFolder(dir, e))));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toMatch(/model\.json is not valid JSON/);
    expect(error.message.startsWith(`${dir}: `)).toBe(true);
  });
});

describe('weightPathsOf / resolveWeightPath', () => {
  it('lists unique weight paths and tolerates junk', () => {
    expect(weightPathsOf(encoder.encode(modelJson([['a.bin', 'b.bin'], ['a.bin']])))).toEqual(['a.bin', 'b.bin']);
    expect(weightPathsOf(encoder.encode('[1, 2]'))).toEqual([]);
    expect(weightPathsOf(encoder.encode('null'))).toEqual([]);
    expect(weightPathsOf(encoder.encode('{"weightsManifest": [null, {"paths": [3, "c.bin"]}]}'))).toEqual(['c.bin']);
  });

  it('keeps paths inside the folder', () => {
    expect(resolveWeightPath('/models/a', 'w.bin')).toBe(path.resolve('/models/a/w.bin'));
    expect(() => resolveWeightPath('/models/a', '/etc/passwd')).toThrow(/outside the model folder/);
    expect(() => resolveWeightPath('/models/a', 'x/../../b/w.bin')).toThrow(/outside the model folder/);
    expect(() => resolveWeightPath('/models/a', '.')).toThrow(/outside the model folder/);
  });
});

describe('writeModelFolder and the attack spec sidecar', () => {
  it('creates the folder and round-trips files and the attack spec', async () => {
    const out = path.join(dir, 'nested', 'model');
    await writeModelFolder(out, { 'model.json': encoder.encode(modelJson([['weights.bin']])), 'weights.bin': new Uint8Array(8) });
    expect((await readFile(path.join(out, 'weights.bin'))).byteLength).toBe(8);
    expect(Object.keys(await readModelFolder(out)).sort()).toEqual(['model.json', 'weights.bin']);

    expect(await readAttackSpec(out)).toBeNull();
    const spec = { name: 'blend' as const, poisonCount: 50, targetClass: 2, seed: 7, params: { alpha: 0.2 } };
    await writeAttackSpec(out, spec);
    expect(await readAttackSpec(out)).toEqual(spec);
    await removeAttackSpec(out);
    expect(await readAttackSpec(out)).toBeNull();
  });

  it('refuses to write into a path that is a file', async () => {
    await writeFile(path.join(dir, 'taken'), 'x');
    expect((await rejection(writeModelFolder(path.join(dir, 'taken'), {}))).code).toBe('INVALID_INPUT');
  });

  it('reports a damaged attack spec as CORRUPT_FILE naming the file', async () => {
    await writeFile(path.join(dir, ATTACK_SPEC_FILE), '{"name": "badnets"');
    const error = await rejection(readAttackSpec(dir));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toContain(ATTACK_SPEC_FILE);
  });

  it('validates every field of a parsed attack spec', () => {
    const good = { name: 'badnets', poisonCount: 200, targetClass: 0, seed: 1 };
    expect(parseAttackSpec(good, 'f')).toEqual(good);
    expect(() => parseAttackSpec({ ...good, name: 'nope' }, 'f')).toThrow(/"name" must be one of badnets/);
    expect(() => parseAttackSpec({ ...good, poisonCount: -1 }, 'f')).toThrow(/poisonCount/);
    expect(() => parseAttackSpec({ ...good, targetClass: 1.5 }, 'f')).toThrow(/targetClass/);
    expect(() => parseAttackSpec({ ...good, seed: '1' }, 'f')).toThrow(/seed/);
    expect(() => parseAttackSpec({ ...good, params: [1] }, 'f')).toThrow(/params/);
    expect(() => parseAttackSpec([], 'f')).toThrow(/not a JSON object/);
  });
});
