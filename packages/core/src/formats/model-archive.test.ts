import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import tar from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, isAntidoteError } from '../errors.ts';
import { loadModelFromFiles, MODEL_JSON, type ModelFiles, saveModelToFiles } from '../models/model-io.ts';
import { createModel } from '../models/zoo.ts';
import { createRng } from '../random.ts';
import { initRuntime } from '../runtime/backend.ts';
import { describeModelArchive, describeModelFiles, packModelArchive, unpackModelArchive } from './model-archive.ts';

function expectCode(run: () => unknown, code: ErrorCode, mentions?: RegExp): void {
  let error: unknown = null;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(isAntidoteError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  if (mentions) expect((error as Error).message).toMatch(mentions);
}

async function tarOf(entries: { name: string; data?: Uint8Array; type?: 'file' | 'symlink' | 'directory'; linkname?: string }[]) {
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Uint8Array));
  const done = new Promise<void>((resolve) => pack.on('end', resolve));
  for (const entry of entries) {
    if (entry.type === 'symlink' || entry.type === 'directory') {
      pack.entry({ name: entry.name, type: entry.type, ...(entry.linkname ? { linkname: entry.linkname } : {}) });
    } else {
      pack.entry({ name: entry.name }, Buffer.from(entry.data ?? new Uint8Array(0)));
    }
  }
  pack.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** A model.json with no weights, so only the topology decides what happens. */
function topologyOnly(modelTopology: unknown): ModelFiles {
  return { [MODEL_JSON]: jsonBytes({ format: 'layers-model', modelTopology, weightsManifest: [] }) };
}

describe('model archives', () => {
  let cnn: ModelFiles;
  let cnnParams: number;

  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    const model = createModel({ architecture: 'small-cnn', inputShape: [12, 12, 1], numClasses: 3, seed: 1 });
    cnn = await saveModelToFiles(model);
    cnnParams = model.countParams();
    model.dispose();
  });

  it('round-trips a saved model through a zip, deterministically, and loads it', async () => {
    const archive = packModelArchive(cnn);
    expect(packModelArchive(cnn)).toEqual(archive);
    const files = unpackModelArchive(archive);
    expect(Object.keys(files).sort()).toEqual(['model.json', 'weights.bin']);
    expect(files['weights.bin']).toEqual(cnn['weights.bin']);
    const before = tf.memory().numTensors;
    const model = await loadModelFromFiles(files);
    expect(model.outputs[0]?.shape).toEqual([null, 3]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('describes a model from model.json and the manifest alone', () => {
    const description = describeModelArchive(packModelArchive(cnn));
    expect(description).toEqual({
      format: 'tfjs-layers',
      inputShape: [12, 12, 1],
      numClasses: 3,
      paramCount: cnnParams,
      weightBytes: cnnParams * 4,
      files: ['model.json', 'weights.bin'],
    });
  });

  it('describes Sequential models ending in softmax and counts batch-norm statistics', async () => {
    const sequential = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 }),
        tf.layers.batchNormalization(),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
        tf.layers.activation({ activation: 'softmax' }),
      ],
    });
    const files = await saveModelToFiles(sequential);
    const params = sequential.countParams();
    sequential.dispose();
    const description = describeModelFiles(files);
    expect(description.inputShape).toEqual([8, 8, 3]);
    expect(description.numClasses).toBe(4);
    // countParams includes the non-trainable moving mean/variance, as the manifest does.
    expect(description.paramCount).toBe(params);
  });

  it('accepts a zipped folder (model.json one level down), skipping macOS junk', () => {
    const archive = zipSync({
      'my-model/model.json': cnn[MODEL_JSON]!,
      'my-model/weights.bin': cnn['weights.bin']!,
      'my-model/.DS_Store': strToU8('junk'),
      '__MACOSX/my-model/._model.json': strToU8('junk'),
      'README.txt': strToU8('outside the model folder'),
    });
    expect(Object.keys(unpackModelArchive(archive)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(describeModelArchive(archive).files).toEqual(['model.json', 'weights.bin']);
  });

  it('accepts tar and tar.gz, and weight paths written as ./weights.bin', async () => {
    const json = JSON.parse(new TextDecoder().decode(cnn[MODEL_JSON]));
    json.weightsManifest[0].paths = ['./weights.bin'];
    const archive = await tarOf([
      { name: 'exported', type: 'directory' },
      { name: 'exported/model.json', data: jsonBytes(json) },
      { name: 'exported/weights.bin', data: cnn['weights.bin']! },
    ]);
    expect(Object.keys(unpackModelArchive(archive)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(describeModelArchive(new Uint8Array(gzipSync(archive))).numClasses).toBe(3);
    // Long names go into pax headers.
    const deep = `${'d'.repeat(120)}`;
    const long = await tarOf([
      { name: `${deep}/model.json`, data: cnn[MODEL_JSON]! },
      { name: `${deep}/weights.bin`, data: cnn['weights.bin']! },
    ]);
    expect(describeModelArchive(long).paramCount).toBe(cnnParams);
  });

  it('refuses what is not an archive', () => {
    expectCode(() => unpackModelArchive(new Uint8Array(0)), 'UNSUPPORTED_FORMAT', /zip, tar or tar\.gz/);
    expectCode(() => unpackModelArchive(cnn[MODEL_JSON]!), 'UNSUPPORTED_FORMAT');
    expectCode(() => unpackModelArchive(new Uint8Array(gzipSync(strToU8('plain text')))), 'UNSUPPORTED_FORMAT');
    expectCode(() => describeModelArchive(createRngBytes(4096)), 'UNSUPPORTED_FORMAT');
  });

  it('refuses damaged archives and missing or truncated files', () => {
    const archive = packModelArchive(cnn);
    expectCode(() => unpackModelArchive(archive.subarray(0, archive.length - 30)), 'CORRUPT_FILE');
    expectCode(() => unpackModelArchive(zipSync({ 'weights.bin': cnn['weights.bin']! })), 'CORRUPT_FILE', /no model\.json/);
    expectCode(() => unpackModelArchive(zipSync({ 'model.json': cnn[MODEL_JSON]! })), 'CORRUPT_FILE', /weights\.bin/);
    expectCode(
      () => unpackModelArchive(zipSync({ 'model.json': cnn[MODEL_JSON]!, 'weights.bin': cnn['weights.bin']!.subarray(0, 100) })),
      'CORRUPT_FILE',
      /truncated/,
    );
    expectCode(
      () =>
        unpackModelArchive(
          zipSync({
            'a/model.json': cnn[MODEL_JSON]!,
            'a/weights.bin': cnn['weights.bin']!,
            'b/model.json': cnn[MODEL_JSON]!,
            'b/weights.bin': cnn['weights.bin']!,
          }),
        ),
      'INVALID_INPUT',
      /several models/,
    );
  });

  it('refuses paths that leave the archive, in entries and in the manifest, and links', async () => {
    expectCode(
      () => unpackModelArchive(zipSync({ 'model.json': cnn[MODEL_JSON]!, '../weights.bin': cnn['weights.bin']! })),
      'INVALID_INPUT',
      /"\.\."/,
    );
    const absolute = await tarOf([
      { name: 'model.json', data: cnn[MODEL_JSON]! },
      { name: '/etc/weights.bin', data: cnn['weights.bin']! },
    ]);
    // tar-stream strips nothing, so the leading slash reaches the reader.
    expectCode(() => unpackModelArchive(absolute), 'INVALID_INPUT', /absolute/);
    const json = JSON.parse(new TextDecoder().decode(cnn[MODEL_JSON]));
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    expectCode(
      () => unpackModelArchive(zipSync({ 'model.json': jsonBytes(json), 'weights.bin': cnn['weights.bin']! })),
      'INVALID_INPUT',
      /climbs out/,
    );
    const linked = await tarOf([
      { name: 'model.json', data: cnn[MODEL_JSON]! },
      { name: 'weights.bin', type: 'symlink', linkname: '/etc/passwd' },
    ]);
    expectCode(() => unpackModelArchive(linked), 'INVALID_INPUT', /link/);
  });

  it('refuses oversized archives and bombs before inflating them', () => {
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const bomb = zipSync({ 'model.json': cnn[MODEL_JSON]!, 'weights.bin': zeros }, { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    expectCode(() => unpackModelArchive(bomb, { maxBytes: 1024 * 1024 }), 'TOO_LARGE');
    expectCode(() => unpackModelArchive(packModelArchive(cnn), { maxBytes: 1000 }), 'TOO_LARGE');
    const tarBomb = new Uint8Array(gzipSync(Buffer.concat([Buffer.alloc(512), Buffer.alloc(8 * 1024 * 1024)])));
    expectCode(() => unpackModelArchive(tarBomb, { maxBytes: 1024 * 1024 }), 'TOO_LARGE');

    // An entry that declares 100 bytes but inflates to 8 MiB: only the declared bytes are produced.
    const liar = zipSync({ 'model.json': cnn[MODEL_JSON]!, 'weights.bin': zeros }, { level: 9 });
    patchDeclaredSize(liar, 'weights.bin', 100);
    expectCode(() => unpackModelArchive(liar), 'CORRUPT_FILE', /truncated/);

    const many: Record<string, Uint8Array> = { 'model.json': cnn[MODEL_JSON]! };
    for (let i = 0; i < 10_001; i++) many[`f${i}`] = new Uint8Array(0);
    expectCode(() => unpackModelArchive(zipSync(many)), 'TOO_LARGE', /more than 10000 files/);
  });

  describe('hostile model.json', () => {
    const hostile: [string, Uint8Array | unknown, ErrorCode][] = [
      ['not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'CORRUPT_FILE'],
      ['not JSON', strToU8('{"modelTopology": '), 'CORRUPT_FILE'],
      ['an array', [], 'CORRUPT_FILE'],
      ['null', null, 'CORRUPT_FILE'],
      ['a graph model', { format: 'graph-model', modelTopology: {}, weightsManifest: [] }, 'UNSUPPORTED_FORMAT'],
      ['no manifest', { modelTopology: {} }, 'CORRUPT_FILE'],
      ['a manifest of strings', { modelTopology: {}, weightsManifest: ['x'] }, 'CORRUPT_FILE'],
      ['paths that are numbers', { modelTopology: {}, weightsManifest: [{ paths: [1], weights: [] }] }, 'CORRUPT_FILE'],
      [
        'a negative dimension',
        { modelTopology: {}, weightsManifest: [{ paths: [], weights: [{ name: 'w', shape: [-1], dtype: 'float32' }] }] },
        'CORRUPT_FILE',
      ],
      [
        'an absurd shape',
        { modelTopology: {}, weightsManifest: [{ paths: [], weights: [{ name: 'w', shape: [1e9, 1e9], dtype: 'float32' }] }] },
        'TOO_LARGE',
      ],
      [
        'a string dtype',
        { modelTopology: {}, weightsManifest: [{ paths: [], weights: [{ name: 'w', shape: [1], dtype: 'string' }] }] },
        'UNSUPPORTED_FORMAT',
      ],
      [
        '__proto__ keys',
        JSON.parse('{"__proto__": {"modelTopology": {}}, "weightsManifest": [{"__proto__": {"paths": []}}]}'),
        'CORRUPT_FILE',
      ],
      ['an unknown topology class', { modelTopology: { class_name: 'Bogus' }, weightsManifest: [] }, 'UNSUPPORTED_FORMAT'],
      [
        'a Sequential without layers',
        { modelTopology: { class_name: 'Sequential', config: {} }, weightsManifest: [] },
        'CORRUPT_FILE',
      ],
    ];
    for (const [name, content, code] of hostile) {
      it(`throws ${code} for ${name}`, () => {
        const bytes = content instanceof Uint8Array ? content : jsonBytes(content);
        expectCode(() => describeModelArchive(zipSync({ 'model.json': bytes })), code);
      });
    }

    it('reports input and output shapes that are not an image classifier', () => {
      const dense = (units: unknown) => ({ class_name: 'Dense', config: { units, name: 'd' } });
      const seq = (first: unknown, ...rest: unknown[]) => ({ class_name: 'Sequential', config: { layers: [first, ...rest] } });
      const flat = (shape: unknown) => ({ class_name: 'Flatten', config: { batch_input_shape: shape } });
      expectCode(() => describeModelFiles(topologyOnly(seq(flat([null, 784]), dense(10)))), 'SHAPE_MISMATCH', /input shape/);
      expectCode(() => describeModelFiles(topologyOnly(seq(flat([null, 8, 8, 0]), dense(10)))), 'SHAPE_MISMATCH');
      expectCode(() => describeModelFiles(topologyOnly(seq(flat('8x8')))), 'CORRUPT_FILE', /no batch input shape/);
      expectCode(() => describeModelFiles(topologyOnly(seq(flat([null, 8, 8, 1]), dense(1)))), 'SHAPE_MISMATCH', /at least 2/);
      expectCode(() => describeModelFiles(topologyOnly(seq(flat([null, 8, 8, 1]), dense('3')))), 'SHAPE_MISMATCH');
      expectCode(
        () => describeModelFiles(topologyOnly(seq(flat([null, 8, 8, 1]), { class_name: 'Conv2D', config: {} }))),
        'SHAPE_MISMATCH',
        /Dense classification layer/,
      );
      expect(describeModelFiles(topologyOnly(seq(flat([null, 8, 8, 1]), dense(7)))).numClasses).toBe(7);
    });

    it('survives cycles and dangling references in a functional graph', () => {
      const layers = [
        { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: [null, 4, 4, 1] }, inbound_nodes: [] },
        { name: 'a', class_name: 'Activation', config: {}, inbound_nodes: [[['b', 0, 0, {}]]] },
        { name: 'b', class_name: 'Dropout', config: {}, inbound_nodes: [[['a', 0, 0, {}]]] },
        { name: 'c', class_name: 'Activation', config: {}, inbound_nodes: [[['nowhere', 0, 0, {}]]] },
      ];
      const functional = (output: string) => ({
        class_name: 'Model',
        config: { layers, input_layers: [['in', 0, 0]], output_layers: [[output, 0, 0]] },
      });
      expectCode(() => describeModelFiles(topologyOnly(functional('a'))), 'CORRUPT_FILE', /cycle/);
      expectCode(() => describeModelFiles(topologyOnly(functional('c'))), 'CORRUPT_FILE', /not defined/);
      expectCode(() => describeModelFiles(topologyOnly(functional('missing'))), 'CORRUPT_FILE');
    });

    it('survives deep nesting', () => {
      const deep = `{"modelTopology": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "weightsManifest": []}`;
      expect(() => describeModelFiles({ [MODEL_JSON]: strToU8(deep) })).toThrow();
      expectCode(() => describeModelFiles({ [MODEL_JSON]: strToU8(deep) }), 'CORRUPT_FILE');
    });

    it('only ever throws AntidoteError for randomly mutated model.json files', () => {
      const original = JSON.parse(new TextDecoder().decode(cnn[MODEL_JSON]));
      const rng = createRng(42);
      const replacements: unknown[] = [null, -1, 0, 2, 1e300, 'x', '', [], {}, [null], true, { units: 3 }, [[['x', 0, 0]]]];
      let described = 0;
      for (let trial = 0; trial < 400; trial++) {
        const json = structuredClone(original);
        for (let edits = 1 + rng.int(3); edits > 0; edits--) mutate(json, rng, replacements);
        try {
          describeModelFiles({ [MODEL_JSON]: jsonBytes(json), 'weights.bin': cnn['weights.bin']! });
          described++;
        } catch (error) {
          if (!isAntidoteError(error)) throw error;
        }
      }
      expect(described).toBeGreaterThan(0);
    });
  });
});

function createRngBytes(length: number): Uint8Array {
  const rng = createRng(9);
  return Uint8Array.from({ length }, () => rng.int(256));
}

/** Replaces a random value somewhere in the JSON tree. */
function mutate(root: unknown, rng: ReturnType<typeof createRng>, replacements: readonly unknown[]): void {
  let node = root;
  for (let depth = 0; depth < 12; depth++) {
    if (typeof node !== 'object' || node === null) return;
    const keys = Object.keys(node);
    if (keys.length === 0) return;
    const key = keys[rng.int(keys.length)]!;
    const child = (node as Record<string, unknown>)[key];
    if (typeof child !== 'object' || child === null || rng.next() < 0.2) {
      (node as Record<string, unknown>)[key] = replacements[rng.int(replacements.length)];
      return;
    }
    node = child;
  }
}

/** Rewrites the uncompressed size an entry declares, in its local and central directory headers. */
function patchDeclaredSize(zip: Uint8Array, name: string, size: number): void {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const nameBytes = strToU8(name);
  for (let i = 0; i + 46 < zip.length; i++) {
    const signature = view.getUint32(i, true);
    const isLocal = signature === 0x04034b50;
    const isCentral = signature === 0x02014b50;
    if (!isLocal && !isCentral) continue;
    const nameOffset = i + (isLocal ? 30 : 46);
    const nameLength = view.getUint16(i + (isLocal ? 26 : 28), true);
    if (nameLength !== nameBytes.length || !nameBytes.every((b, k) => zip[nameOffset + k] === b)) continue;
    view.setUint32(i + (isLocal ? 22 : 24), size, true);
  }
}
