/**
 * The evaluate job: clean accuracy (CDA, per class, confusion matrix) of a model on a labelled
 * dataset, and the success rate of a known attack (ASR, plus ARR: triggered images still classified
 * correctly) on the dataset's non-target images.
 */
import { throwIfAborted } from '@antidote/core/errors';
import {
  accuracy,
  attackRecoveryRate,
  attackSuccessRate,
  confusionMatrix,
  openPredictor,
  type Predictor,
  perClassAccuracy,
} from '@antidote/core/metrics';
import type { tf } from '@antidote/core/runtime';
import {
  callerCallback,
  checkKnownAttack,
  elapsedMs,
  ensureRuntime,
  type KnownAttack,
  loadModelArchive,
  loadTrusted,
  type ProgressCallback,
  ProgressReporter,
  type TrustedInput,
  toTaskError,
  triggeredSet,
} from './common.ts';

export interface EvaluateInput {
  model: Uint8Array;
  /** The labelled test data, in any format importDataset reads. */
  dataset: TrustedInput;
  options?: { knownAttack?: KnownAttack };
  /** Cores this job was given: ONNX Runtime's threads when it runs the model. */
  threads?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface EvaluateResult {
  cda: number;
  perClassAccuracy: number[];
  /** rows = true class, columns = predicted class. */
  confusionMatrix: number[][];
  asr?: number;
  arr?: number;
  images: number;
  durationMs: number;
  params: Record<string, unknown>;
}

export async function runEvaluate(input: EvaluateInput): Promise<EvaluateResult> {
  const started = performance.now();
  const { signal } = input;
  const onProgress = callerCallback(input.onProgress);
  let model: tf.LayersModel | null = null;
  let predictor: Predictor | null = null;
  try {
    await ensureRuntime();
    throwIfAborted(signal);
    const loaded = await loadModelArchive(input.model);
    model = loaded.model;
    const dataset = await loadTrusted(input.dataset, model, loaded.description);
    const knownAttack = checkKnownAttack(input.options?.knownAttack, dataset.classNames.length);
    const progress = new ProgressReporter(
      [
        ['load', 0.1],
        ['clean', 0.45],
        ['attack', knownAttack ? 0.45 : 0],
      ],
      onProgress,
      signal,
    );
    await progress.report('load', 1);
    // inference only: the fastest engine that runs this model (metrics/inference.ts), opened once
    // for the clean and the triggered set
    predictor = await openPredictor(model, { threads: input.threads ?? 1, images: dataset.labels.length });
    const predictions = await predictor.predictClasses(dataset);
    const matrix = confusionMatrix(predictions, dataset.labels, dataset.classNames.length);
    await progress.report('clean', 1);
    let attack: { asr: number; arr: number } | undefined;
    if (knownAttack) {
      const triggered = triggeredSet(knownAttack, dataset);
      const triggeredPredictions = await predictor.predictClasses(triggered);
      attack = {
        asr: attackSuccessRate(triggeredPredictions, triggered.labels, knownAttack.targetClass),
        arr: attackRecoveryRate(triggeredPredictions, triggered.labels, knownAttack.targetClass),
      };
      await progress.report('attack', 1);
    }
    return {
      cda: accuracy(predictions, dataset.labels),
      perClassAccuracy: perClassAccuracy(matrix),
      confusionMatrix: matrix,
      ...(attack ?? {}),
      images: dataset.labels.length,
      durationMs: elapsedMs(started),
      params: {
        classNames: [...dataset.classNames],
        ...(knownAttack ? { knownAttack } : {}),
        // where results are compared across runs, the engine that computed them is part of the record
        inference: { engine: predictor.engine, reason: predictor.reason },
      },
    };
  } catch (error) {
    throw toTaskError(error, signal);
  } finally {
    await predictor?.release();
    model?.dispose();
  }
}
