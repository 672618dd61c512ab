import { exportImageArchive } from '@antidote/core/datasets';
import { accuracy, ORT_MIN_IMAGES, predictClasses } from '@antidote/core/metrics';
import { createModel, packModelArchive, saveModelToFiles } from '@antidote/core/models';
import { initRuntime, tf } from '@antidote/core/runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEvaluate } from './evaluate.ts';
import { ATTACK, patternDataset, SIDE } from './test-fixtures.ts';

describe('evaluate', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  it('runs a large evaluation on ONNX Runtime with the accuracy tfjs gives, and records the engine', async () => {
    const model = createModel({ architecture: 'small-cnn', inputShape: [SIDE, SIDE, 1], numClasses: 3, seed: 4 });
    const data = patternDataset(ORT_MIN_IMAGES + 88, 3);
    const bytes = exportImageArchive(data);
    // the archive holds PNGs, lossless: the task sees these very pixels
    const reference = accuracy(await predictClasses(model, data), data.labels);
    const archive = packModelArchive(await saveModelToFiles(model));
    model.dispose();
    const before = tf.memory().numTensors;
    const result = await runEvaluate({ model: archive, dataset: bytes, options: { knownAttack: ATTACK }, threads: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.params.inference).toMatchObject({ engine: 'onnxruntime' });
    expect(result.images).toBe(data.labels.length);
    // the same classes up to a near tie or two
    expect(Math.abs(result.cda - reference)).toBeLessThanOrEqual(2 / data.labels.length);
    expect(result.asr).toBeGreaterThanOrEqual(0);
  });
});
