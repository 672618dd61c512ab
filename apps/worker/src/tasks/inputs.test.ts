import { exportImageArchive } from '@antidote/core/datasets';
import { type ErrorCode, isAntidoteError } from '@antidote/core/errors';
import { createModel, packModelArchive, saveModelToFiles } from '@antidote/core/models';
import { initRuntime, tf } from '@antidote/core/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEvaluate } from './evaluate.ts';
import { runRepair } from './repair.ts';
import { runScan } from './scan.ts';
import { ATTACK, framed, patternDataset, SIDE } from './test-fixtures.ts';

const strToU8 = (text: string) => new TextEncoder().encode(text);

async function expectCode(promise: Promise<unknown>, code: ErrorCode, mentions?: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAntidoteError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  if (mentions) expect((error as Error).message).toMatch(mentions);
}

describe('task inputs', () => {
  let modelBytes: Uint8Array;
  let trustedBytes: Uint8Array;

  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    const model = createModel({ architecture: 'small-cnn', inputShape: [SIDE, SIDE, 1], numClasses: 3, seed: 1 });
    modelBytes = packModelArchive(await saveModelToFiles(model));
    model.dispose();
    trustedBytes = exportImageArchive(patternDataset(60, 1));
  });

  const tasks = {
    scan: (model: Uint8Array, trusted: Uint8Array, options = {}, signal?: AbortSignal) =>
      runScan({ model, trusted, options: { steps: 1, repairSteps: 1, ...options }, ...(signal ? { signal } : {}) }),
    repair: (model: Uint8Array, trusted: Uint8Array, options = {}, signal?: AbortSignal) =>
      runRepair({ model, trusted, options: { method: 'fine-tuning', steps: 1, ...options }, ...(signal ? { signal } : {}) }),
    evaluate: (model: Uint8Array, dataset: Uint8Array, options = {}, signal?: AbortSignal) =>
      runEvaluate({ model, dataset, options, ...(signal ? { signal } : {}) }),
  };

  for (const [name, run] of Object.entries(tasks)) {
    it(`${name}: maps bad bytes to typed errors and leaks nothing`, async () => {
      const before = tf.memory().numTensors;
      await expectCode(run(strToU8('not an archive'), trustedBytes), 'UNSUPPORTED_FORMAT');
      // A valid zip, but of images: no model.json.
      await expectCode(run(trustedBytes, trustedBytes), 'CORRUPT_FILE', /model\.json/);
      await expectCode(run(modelBytes.subarray(0, modelBytes.length - 100), trustedBytes), 'CORRUPT_FILE');
      await expectCode(run(modelBytes, strToU8('plain text, not images')), 'UNSUPPORTED_FORMAT');
      // The dataset has 4 classes, the model predicts 3.
      await expectCode(run(modelBytes, exportImageArchive(patternDataset(40, 2, 4))), 'CLASS_MISMATCH', /3 classes/);
      // 16x16 images for a 12x12 model.
      await expectCode(run(modelBytes, exportImageArchive(framed(patternDataset(30, 2, 3), 16))), 'SHAPE_MISMATCH', /12x12x1/);
      await expectCode(run(modelBytes, trustedBytes, {}, AbortSignal.abort()), 'CANCELLED');
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('rejects bad options and unknown attacks with typed errors', async () => {
    const before = tf.memory().numTensors;
    await expectCode(tasks.scan(modelBytes, trustedBytes, { threshold: 2 }), 'INVALID_INPUT', /threshold/);
    await expectCode(tasks.scan(modelBytes, trustedBytes, { steps: 0 }), 'INVALID_INPUT', /steps/);
    await expectCode(tasks.scan(modelBytes, trustedBytes, { candidateClasses: [7] }), 'INVALID_INPUT', /candidateClasses/);
    for (const triggerFamilies of [[], ['wobble'], 'patch']) {
      await expectCode(tasks.scan(modelBytes, trustedBytes, { triggerFamilies }), 'INVALID_INPUT', /triggerFamilies/);
    }
    await expectCode(tasks.repair(modelBytes, trustedBytes, { method: 'magic' }), 'INVALID_INPUT', /method/);
    await expectCode(tasks.repair(modelBytes, trustedBytes, { cdaBudget: -1 }), 'INVALID_INPUT', /cdaBudget/);
    await expectCode(tasks.evaluate(modelBytes, trustedBytes, { knownAttack: { name: 'nope', targetClass: 0 } }), 'NOT_FOUND');
    await expectCode(
      tasks.evaluate(modelBytes, trustedBytes, { knownAttack: { name: 'badnets', targetClass: 5 } }),
      'INVALID_INPUT',
    );
    // A model that is not an image classifier is refused from model.json, before TensorFlow.
    const dense = tf.sequential({ layers: [tf.layers.dense({ inputShape: [144], units: 3 })] });
    const denseBytes = packModelArchive(await saveModelToFiles(dense));
    dense.dispose();
    await expectCode(tasks.scan(denseBytes, trustedBytes), 'SHAPE_MISMATCH', /input shape/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("passes the caller's own callback errors through unchanged", async () => {
    const mine = new Error('database is down');
    const error = await runEvaluate({
      model: modelBytes,
      dataset: trustedBytes,
      onProgress: () => {
        throw mine;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(mine);
  });

  it('evaluates CDA, per-class accuracy and a known attack', async () => {
    const before = tf.memory().numTensors;
    const events: number[] = [];
    const result = await runEvaluate({
      model: modelBytes,
      dataset: trustedBytes,
      options: { knownAttack: ATTACK },
      onProgress: (e) => void events.push(e.progress),
    });
    expect(result.images).toBe(60);
    expect(result.cda).toBeGreaterThanOrEqual(0);
    expect(result.cda).toBeLessThanOrEqual(1);
    expect(result.perClassAccuracy).toHaveLength(3);
    expect(result.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(60);
    expect(result.asr).toBeGreaterThanOrEqual(0);
    expect(result.arr).toBeGreaterThanOrEqual(0);
    expect(events.at(-1)).toBe(1);
    expect([...events].sort((a, b) => a - b)).toEqual(events);
    expect(tf.memory().numTensors).toBe(before);
  });
});
