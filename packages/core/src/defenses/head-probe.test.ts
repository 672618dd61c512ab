import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectImages } from '../datasets/image-dataset.ts';
import { cloneModel } from '../models/model-io.ts';
import { initRuntime } from '../runtime/backend.ts';
import { type BackdooredFixture, backdooredFixture } from './baselines/test-fixtures.ts';
import { freshHeadProbe } from './head-probe.ts';

describe('freshHeadProbe', () => {
  let fixture: BackdooredFixture;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    fixture = await backdooredFixture();
  });
  afterAll(() => fixture.model.dispose());

  it('measures a trained head against fresh heads on every trusted image, deterministically, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const probe = await freshHeadProbe(fixture.model, fixture.trusted, 5);
    expect(tf.memory().numTensors).toBe(before);
    expect(probe.images).toBe(fixture.trusted.labels.length);
    // The fixture's features separate its classes, so a head learnt from the trusted labels keeps up.
    expect(probe.probeAccuracy).toBeGreaterThan(0.8);
    expect(Math.abs(probe.gap)).toBeLessThan(0.1);
    expect(await freshHeadProbe(fixture.model, fixture.trusted, 5)).toEqual(probe);
  });

  it('finds the gap when the head holds what a few labels cannot teach', async () => {
    // Two trusted images per class: fresh heads learn little from eight, the trained head knew it all.
    const perClass = new Map<number, number[]>();
    fixture.trusted.labels.forEach((label, i) => {
      perClass.set(label, [...(perClass.get(label) ?? []), i]);
    });
    const few = selectImages(
      fixture.trusted,
      [...perClass.values()].flatMap((indices) => indices.slice(0, 2)),
    );
    const probe = await freshHeadProbe(fixture.model, few, 5);
    expect(probe.gap).toBeGreaterThan(0.1);
  });

  it('finds a negative gap when the head is broken and the features are not', async () => {
    const broken = await cloneModel(fixture.model);
    const head = broken.layers[broken.layers.length - 1]!;
    const zeros = head.getWeights().map((w) => tf.zerosLike(w));
    head.setWeights(zeros);
    tf.dispose(zeros);
    const probe = await freshHeadProbe(broken, fixture.trusted, 5);
    broken.dispose();
    expect(probe.suspectAccuracy).toBeLessThan(0.5);
    expect(probe.gap).toBeLessThan(-0.3);
  });
});
