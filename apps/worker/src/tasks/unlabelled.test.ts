import { UNLABELLED_AGREEMENT_BUDGET } from '@antidote/core/defenses';
import { tf } from '@antidote/core/runtime';
import { idxBytes } from '@antidote/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRepair } from './repair.ts';
import { runScan } from './scan.ts';
import { ATTACK, framed, SIDE, type TaskFixture, taskFixture } from './test-fixtures.ts';

/** The fixture's trusted images alone, as an IDX images file: no labels anywhere. */
function imagesOnly(images: Uint8Array, side: number): Uint8Array {
  return idxBytes(0x08, [images.length / (side * side), side, side], images);
}

describe('unlabelled trusted images', () => {
  let fixture: TaskFixture;
  let unlabelled: Uint8Array;
  beforeAll(async () => {
    fixture = await taskFixture({ backdoored: true });
    unlabelled = imagesOnly(fixture.trusted.images, SIDE);
  });
  afterAll(() => fixture.model.dispose());

  it("repairs with Pivotal Tuning on the suspect's own labels, reporting agreement, not accuracy", async () => {
    const before = tf.memory().numTensors;
    const messages: string[] = [];
    const result = await runRepair({
      model: fixture.modelBytes,
      trusted: unlabelled,
      options: {
        method: 'pivotal-tuning',
        steps: 240,
        batchSize: 32,
        evaluateEvery: 40,
        seed: 1,
        knownAttack: ATTACK,
      },
      onProgress: (e) => void (e.message && messages.push(e.message)),
    });
    expect(result.labels).toBe('model');
    expect(result.params).toMatchObject({ labels: 'model', heldOutMetric: 'agreement', useLabels: false, trustedImages: 240 });
    // No budget given: the agreement budget, not the labelled 2 points.
    expect(result.params.accuracyBudget).toBe(UNLABELLED_AGREEMENT_BUDGET);
    // the held-out labels are the suspect's predictions, so the suspect agrees with all of them
    expect(result.cdaBefore).toBe(1);
    expect(result.cdaAfter).toBeLessThanOrEqual(1);
    // ASR needs only the target class; non-target images are picked by the suspect's labels
    expect(result.asrBefore).toBeGreaterThan(0.8);
    expect(messages.some((m) => m.includes('unlabelled'))).toBe(true);
    expect(messages.some((m) => m.includes('accuracy'))).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the labels of a labelled copy of the same images', async () => {
    const labelled = await runRepair({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: { method: 'pivotal-tuning', steps: 5, batchSize: 32, seed: 1 },
    });
    expect(labelled.labels).toBe('given');
    expect(labelled.params).toMatchObject({ labels: 'given', useLabels: true, heldOutMetric: 'accuracy' });
  });

  it('refuses baselines without labels, and images the model does not take, with clear errors', async () => {
    await expect(
      runRepair({ model: fixture.modelBytes, trusted: unlabelled, options: { method: 'fine-tuning', steps: 5 } }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('only pivotal-tuning') });
    const big = framed(fixture.trusted, SIDE + 4);
    await expect(
      runRepair({
        model: fixture.modelBytes,
        trusted: imagesOnly(big.images, SIDE + 4),
        options: { method: 'pivotal-tuning', steps: 5 },
      }),
    ).rejects.toMatchObject({ code: 'SHAPE_MISMATCH', message: expect.stringContaining('The model expects 12x12x1 images') });
  });

  it('scans without labels: no clean accuracy, and the labels recorded', async () => {
    const result = await runScan({
      model: fixture.modelBytes,
      trusted: unlabelled,
      options: { steps: 10, repairSteps: 20, batchSize: 32, seed: 1, candidateClasses: [0, 1], knownAttack: ATTACK },
    });
    expect(result.cda).toBeNull();
    expect(result.asr).toBeGreaterThan(0.8);
    expect(result.params).toMatchObject({ labels: 'model', heldOutMetric: 'agreement' });
    expect(String(result.params.calibrationSettings)).toContain('labels=model');
  });
});
