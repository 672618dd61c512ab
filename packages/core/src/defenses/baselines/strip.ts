/**
 * STRIP (Gao et al., ACSAC 2019), an input-level detector: blend an input with random clean images
 * and look at the entropy of the predictions. A clean input's class is destroyed by the blend, so
 * predictions scatter (high entropy); a triggered input keeps its trigger, which keeps pulling
 * every blend to the target class (low entropy). Inputs below a threshold set on clean held-out
 * images at a chosen false-rejection rate are flagged.
 *
 * No model-level 'strip' Detector is provided: without suspicious inputs to score, the share of
 * flagged trusted images is the false-rejection rate by construction and says nothing about the model.
 */
import type * as tf from '@tensorflow/tfjs';
import { datasetSize, type ImageDataset, imageSize } from '../../datasets/image-dataset.ts';
import { AntidoteError, throwIfAborted } from '../../errors.ts';
import { openPredictor, type PredictorOptions } from '../../metrics/inference.ts';
import { assertModelFitsDataset } from '../../models/model-io.ts';
import { createRng, sampleWithoutReplacement } from '../../random.ts';
import { batchPixels, NO_AUGMENT } from '../../training/batches.ts';
import { splitTrusted } from '../common.ts';
import type { DefenseOptions } from '../types.ts';
import { outputsProbabilities, report, yieldToEventLoop } from './shared.ts';

export interface StripEntropyOptions {
  /** Clean images blended with each input. Default 20. */
  overlays?: number;
  seed: number;
  /** Weight of the input in the blend, alpha * input + (1 - alpha) * clean. Default 0.5. */
  alpha?: number;
  /** Blended images per forward pass. Default 512. */
  batchSize?: number;
  signal?: AbortSignal;
  /** The engine for the blended forward passes (inference only): 'auto' picks ONNX Runtime when it runs the model. */
  inference?: PredictorOptions;
}

export const STRIP_ENTROPY_DEFAULTS = { overlays: 20, alpha: 0.5, batchSize: 512 } as const;

/**
 * Mean prediction entropy (bits) of each input blended with `overlays` random images of `clean`
 * (distinct per input when `clean` has enough images). Low = the prediction survives the blend.
 */
export async function stripEntropy(
  model: tf.LayersModel,
  inputs: ImageDataset,
  clean: ImageDataset,
  options: StripEntropyOptions,
): Promise<Float32Array> {
  const settings = { ...STRIP_ENTROPY_DEFAULTS, ...options };
  assertModelFitsDataset(model, inputs);
  assertModelFitsDataset(model, clean);
  if (!(Number.isInteger(settings.overlays) && settings.overlays >= 1)) {
    throw new AntidoteError('INVALID_INPUT', `overlays must be a positive integer, got ${settings.overlays}.`);
  }
  if (!(settings.alpha > 0 && settings.alpha < 1)) {
    throw new AntidoteError('INVALID_INPUT', `alpha must be in (0, 1), got ${settings.alpha}.`);
  }
  const cleanCount = datasetSize(clean);
  if (cleanCount === 0) throw new AntidoteError('INVALID_INPUT', 'STRIP needs at least one clean image to blend with.');
  const probabilities = outputsProbabilities(model);
  const rng = createRng(options.seed);
  const size = imageSize(inputs);
  const count = datasetSize(inputs);
  const { overlays, alpha } = settings;
  const perPass = Math.max(1, Math.floor(settings.batchSize / overlays));
  const out = new Float32Array(count);
  const predictor = await openPredictor(model, {
    images: count * overlays,
    ...options.inference,
    batchSize: settings.batchSize,
  });
  try {
    for (let start = 0; start < count; start += perPass) {
      throwIfAborted(options.signal);
      const end = Math.min(count, start + perPass);
      const n = end - start;
      const own = batchPixels(
        inputs,
        Int32Array.from({ length: n }, (_, i) => start + i),
        NO_AUGMENT,
      );
      const picks = new Int32Array(n * overlays);
      for (let i = 0; i < n; i++) {
        const chosen =
          cleanCount >= overlays
            ? sampleWithoutReplacement(cleanCount, overlays, rng)
            : Array.from({ length: overlays }, () => rng.int(cleanCount));
        picks.set(chosen, i * overlays);
      }
      const blended = batchPixels(clean, picks, NO_AUGMENT);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < overlays; k++) {
          const base = (i * overlays + k) * size;
          for (let j = 0; j < size; j++) {
            blended[base + j] = alpha * (own[i * size + j] ?? 0) + (1 - alpha) * (blended[base + j] ?? 0);
          }
        }
      }
      const output = await predictor.outputs(blended, n * overlays);
      const classes = output.length / (n * overlays);
      for (let i = 0; i < n; i++) {
        let bits = 0;
        for (let k = 0; k < overlays; k++)
          bits += predictionEntropyBits(output, (i * overlays + k) * classes, classes, probabilities);
        out[start + i] = bits / overlays;
      }
      await yieldToEventLoop();
    }
  } finally {
    await predictor.release();
  }
  return out;
}

/** Entropy in bits of one row of outputs: probabilities normalised, or logits through softmax. */
function predictionEntropyBits(output: Float32Array, offset: number, classes: number, probabilities: boolean): number {
  const p = new Float64Array(classes);
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < classes; j++) max = Math.max(max, output[offset + j] as number);
  let sum = 0;
  for (let j = 0; j < classes; j++) {
    const v = output[offset + j] as number;
    p[j] = probabilities ? v : Math.exp(v - max);
    sum += p[j] as number;
  }
  let bits = 0;
  for (let j = 0; j < classes; j++) {
    const q = Math.min(1, Math.max(1e-12, (p[j] as number) / sum));
    bits -= q * Math.log2(q);
  }
  return bits;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new AntidoteError('INVALID_INPUT', `A probability in (0, 1) is needed, got ${p}.`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  const tail = (q: number) =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

export interface StripDetectorOptions extends DefenseOptions {
  /** Share of clean inputs the detector may flag (wrongly reject). Default 0.01. */
  falseRejectionRate?: number;
  /**
   * 'normal': fit a normal distribution to the clean entropies and take its quantile, as STRIP
   * does (needed when the held-out set is too small for a 1% empirical quantile); 'empirical': the
   * sample quantile. Default 'normal'.
   */
  calibration?: 'normal' | 'empirical';
  /** Clean images blended with each input. Default 20. */
  overlays?: number;
  /** Weight of the input in the blend. Default 0.5. */
  alpha?: number;
  /** The engine for the blended forward passes; see `StripEntropyOptions.inference`. */
  inference?: PredictorOptions;
}

export const STRIP_DETECTOR_DEFAULTS = {
  falseRejectionRate: 0.01,
  calibration: 'normal',
  overlays: STRIP_ENTROPY_DEFAULTS.overlays,
  alpha: STRIP_ENTROPY_DEFAULTS.alpha,
} as const satisfies Required<Omit<StripDetectorOptions, keyof DefenseOptions | 'inference'>>;

export interface StripVerdicts {
  /** Mean blend entropy per input (bits). */
  entropy: Float32Array;
  /** 1 where the entropy is below the threshold (the input likely carries a trigger). */
  flagged: Uint8Array;
  flaggedFraction: number;
}

export interface StripDetector {
  /** Inputs with mean entropy strictly below this are flagged. */
  readonly threshold: number;
  /** Mean and standard deviation of the clean held-out entropies the threshold came from. */
  readonly cleanEntropy: { mean: number; std: number };
  readonly parameters: Record<string, number | string | boolean>;
  /** Scores inputs against the calibrated threshold, blending with the same clean pool. */
  classify(inputs: ImageDataset, options?: { seed?: number; signal?: AbortSignal }): Promise<StripVerdicts>;
}

/** The threshold below which at most `rate` of clean entropies fall (per the chosen calibration). */
export function stripThreshold(cleanEntropies: ArrayLike<number>, rate: number, calibration: 'normal' | 'empirical'): number {
  const values = Array.from(cleanEntropies);
  if (values.length === 0) throw new AntidoteError('INVALID_INPUT', 'Calibration needs at least one clean input.');
  if (!(rate > 0 && rate < 1)) throw new AntidoteError('INVALID_INPUT', `falseRejectionRate must be in (0, 1), got ${rate}.`);
  if (calibration === 'normal') {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
    return mean + std * normalQuantile(rate);
  }
  // The k-th smallest value with k = floor(rate * n): strictly fewer than rate * n clean inputs lie below it.
  const sorted = values.sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(rate * sorted.length))] ?? 0;
}

/**
 * Calibrates STRIP on the trusted data: the fit split is the clean blending pool, the held-out
 * validation split sets the entropy threshold at the false-rejection rate. The detector keeps a
 * reference to `model` (it does not copy or own it).
 */
export async function stripDetector(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: StripDetectorOptions,
): Promise<StripDetector> {
  const settings = { ...STRIP_DETECTOR_DEFAULTS, ...options };
  const { fit, validation } = splitTrusted(trusted, options);
  const entropyOptions = {
    overlays: settings.overlays,
    alpha: settings.alpha,
    ...(options.inference ? { inference: options.inference } : {}),
  };
  const calibrationEntropy = await stripEntropy(model, validation, fit, {
    ...entropyOptions,
    seed: options.seed,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const values = Array.from(calibrationEntropy);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  const threshold = stripThreshold(values, settings.falseRejectionRate, settings.calibration);
  await report(options, { phase: 'calibrate', step: 1, totalSteps: 1, metrics: { threshold, cleanMean: mean, cleanStd: std } });
  const parameters = {
    falseRejectionRate: settings.falseRejectionRate,
    calibration: settings.calibration,
    overlays: settings.overlays,
    alpha: settings.alpha,
    threshold,
    poolImages: fit.labels.length,
    calibrationImages: validation.labels.length,
  };
  return {
    threshold,
    cleanEntropy: { mean, std },
    parameters,
    classify: async (inputs, classifyOptions = {}) => {
      const entropy = await stripEntropy(model, inputs, fit, {
        ...entropyOptions,
        seed: classifyOptions.seed ?? (options.seed ^ 0x5bd1e995) >>> 0,
        ...(classifyOptions.signal ? { signal: classifyOptions.signal } : {}),
      });
      const flagged = Uint8Array.from(entropy, (e) => (e < threshold ? 1 : 0));
      const flaggedCount = flagged.reduce((s, f) => s + f, 0);
      return { entropy, flagged, flaggedFraction: entropy.length === 0 ? 0 : flaggedCount / entropy.length };
    },
  };
}
