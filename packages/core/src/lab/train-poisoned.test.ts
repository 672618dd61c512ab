import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { triggeredTestSet } from '../attacks/create-attack.ts';
import { createParameterControlledBackdoor } from '../attacks/parameter-controlled.ts';
import { loadMnist } from '../datasets/builtin.ts';
import { type ImageDataset, selectImages, stratifiedSample } from '../datasets/image-dataset.ts';
import { isAntidoteError } from '../errors.ts';
import { initRuntime } from '../runtime/backend.ts';
import { createLabAttack, LAB_ATTACK_NAMES, trainLabModel } from './train-poisoned.ts';

let train: ImageDataset;
let test: ImageDataset;

describe('trainLabModel on real MNIST digits', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    const mnist = loadMnist();
    // A 3,000-image slice keeps this test to seconds while still learning digits and a backdoor.
    train = stratifiedSample(mnist.train, 3000 / mnist.train.labels.length, 1).selected;
    test = mnist.test;
  });

  it('implants BadNets: high ASR on triggered digits, clean accuracy intact', async () => {
    const before = tf.memory().numTensors;
    const result = await trainLabModel({
      train,
      test,
      attack: { name: 'badnets', poisonCount: 150, targetClass: 0, seed: 1 },
      recipe: { epochs: 3, batchSize: 64 },
    });
    expect(result.poisonedIndices).toHaveLength(150);
    expect(result.cda).toBeGreaterThan(0.85);
    expect(result.asr).toBeGreaterThan(0.8);
    expect(result.arr).toBeLessThan(0.3);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a clean model has no ASR figure and a high CDA', async () => {
    const result = await trainLabModel({ train, test, recipe: { epochs: 2, batchSize: 64 } });
    expect(result.asr).toBeNull();
    expect(result.cda).toBeGreaterThan(0.85);
    result.model.dispose();
  });

  it('parameter-controlled backdoor: the attacker-controlled loop implants the trigger', async () => {
    const result = await trainLabModel({
      train,
      test,
      attack: { name: 'parameter-controlled', poisonCount: 300, targetClass: 3, seed: 2 },
      recipe: { epochs: 3, batchSize: 64 },
    });
    expect(result.cda).toBeGreaterThan(0.8);
    expect(result.asr).toBeGreaterThan(0.5);
    result.model.dispose();
  });
});

describe('lab attacks', () => {
  const tiny: ImageDataset = {
    images: Uint8Array.from({ length: 6 * 64 }, (_, i) => (i * 7) % 256),
    labels: new Int32Array([0, 1, 2, 0, 1, 2]),
    height: 8,
    width: 8,
    channels: 1,
    classNames: ['a', 'b', 'c'],
    flipAugment: false,
  };

  it('knows every attack of the red-team lab', () => {
    for (const name of LAB_ATTACK_NAMES) {
      const attack = createLabAttack({ name, poisonCount: 1, targetClass: 0, seed: 1 });
      expect(attack.options.targetClass).toBe(0);
    }
    expect(() => createLabAttack({ name: 'nope' as never, poisonCount: 1, targetClass: 0, seed: 1 })).toThrow(/choose one of/);
  });

  it('triggered set keeps true labels and drops the target class', () => {
    const attack = createParameterControlledBackdoor({ poisonCount: 2, targetClass: 0, seed: 1 });
    const triggered = triggeredTestSet(attack, tiny);
    expect(Array.from(triggered.labels)).toEqual([1, 2, 1, 2]);
    expect(triggered.images).not.toEqual(selectImages(tiny, [1, 2, 4, 5]).images);
  });

  it('parameter-controlled hooks poison even steps only and mask a fixed share of parameters', () => {
    const attack = createParameterControlledBackdoor({ poisonCount: 2, targetClass: 0, seed: 1, batchPoisonFraction: 0.5 });
    const hooks = attack.trainingHooks(tiny);
    const indices = Int32Array.from([1, 2, 4, 5]);
    const even = hooks.batchHook({ dataset: tiny, indices }, 0);
    const odd = hooks.batchHook({ dataset: tiny, indices }, 1);
    expect(Array.from(even.indices, (i) => even.dataset.labels[i])).toEqual([0, 0, 1, 2]);
    expect(odd.dataset).toBe(tiny);
    const variable = tf.variable(tf.zeros([100, 100]));
    const masks = hooks.updateMask(0, [variable]);
    const share = tf.tidy(() => tf.mean(masks![0]!).dataSync()[0]!);
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
    const complement = hooks.updateMask(1, [variable]);
    const sum = tf.add(masks![0]!, complement![0]!);
    expect([tf.min(sum).dataSync()[0], tf.max(sum).dataSync()[0]]).toEqual([1, 1]);
    hooks.dispose();
    variable.dispose();
  });

  it('rejects bad parameter-controlled options', () => {
    let error: unknown;
    try {
      createParameterControlledBackdoor({ poisonCount: 1, targetClass: 0, seed: 1, parameterFraction: 2 });
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'INVALID_INPUT')).toBe(true);
  });
});
