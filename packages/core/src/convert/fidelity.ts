/**
 * Proves an import faithful: runs the original ONNX file in ONNX Runtime (the reference) and the
 * converted tfjs model on the same inputs and reports the largest logit difference and top-1
 * agreement. onnxruntime-node is an optional dependency; without it the check is unavailable.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { parseOnnx } from '../formats/onnx/parse.ts';
import { createRng } from '../random.ts';
import { InputNormalization, type InputNormalizationConfig } from './layers.ts';
import { guessInputLayout, type InputLayout } from './onnx-to-tfjs.ts';

export interface FidelityReport {
  /** Largest |ONNX Runtime output - tfjs output| over all inputs and classes. */
  maxAbsDiff: number;
  /** Fraction of inputs whose arg-max class agrees, in [0, 1]. */
  top1Agreement: number;
  /** Number of inputs compared. */
  n: number;
  /** Largest |ONNX Runtime output|, the scale maxAbsDiff is relative to. */
  maxAbsOutput: number;
}

export interface FidelityOptions {
  /** NHWC inputs in the tfjs model's input space (pixels / 255 when it starts with InputNormalization). */
  inputs?: Float32Array;
  /** Seeded noise inputs to draw when `inputs` is absent. */
  count?: number;
  seed?: number;
  batchSize?: number;
  /** Layout of the ONNX input; guessed like the importer does when omitted. */
  layout?: InputLayout;
}

type OrtModule = typeof import('onnxruntime-node');

/** Scans and repairs refuse an import whose top-1 agreement with the reference is below this. */
export const MIN_TOP1_AGREEMENT = 0.999;

export interface FidelityOverride {
  /** Why the caller accepts an unfaithful import; recorded in the audit log by the caller. */
  reason: string;
}

/**
 * The gate before a scan or repair: an import that disagrees with ONNX Runtime on more than 0.1%
 * of inputs is refused (INVALID_INPUT) unless the caller overrides it with a stated reason.
 * Returns whether an override was used, so the caller can audit it.
 */
export function assertFaithfulImport(report: FidelityReport, override?: FidelityOverride): { overridden: boolean } {
  if (report.top1Agreement >= MIN_TOP1_AGREEMENT) return { overridden: false };
  if (override && override.reason.trim().length > 0) return { overridden: true };
  throw new AntidoteError(
    'INVALID_INPUT',
    `The imported model agrees with ONNX Runtime on ${(report.top1Agreement * 100).toFixed(2)}% of ${report.n} inputs (max |logit diff| ${report.maxAbsDiff.toExponential(2)}), below ${MIN_TOP1_AGREEMENT * 100}%; results would not describe the original model. Re-export it, or override with a stated reason.`,
    { details: { ...report } },
  );
}

/**
 * Fidelity inputs from trusted images: the first `count` images as pixels / 255 (what an imported
 * model takes), after the dataset was fitted to the model's input (`fitDatasetToInput`).
 */
export function fidelityInputs(dataset: ImageDataset, count = 256): Float32Array {
  const size = dataset.height * dataset.width * dataset.channels;
  const n = Math.min(count, dataset.labels.length);
  return Float32Array.from(dataset.images.subarray(0, n * size), (v) => v / 255);
}

/** Loads ONNX Runtime, or explains how to get it. */
export async function loadOnnxRuntime(): Promise<OrtModule> {
  try {
    return await import('onnxruntime-node');
  } catch (cause) {
    throw new AntidoteError(
      'BACKEND_UNAVAILABLE',
      'ONNX Runtime (onnxruntime-node) is not installed, so the import cannot be checked against it; install the optional dependency.',
      { cause },
    );
  }
}

/** The preprocessing an imported model applies itself, which ONNX Runtime's input must get in JS. */
function leadingNormalization(model: tf.LayersModel): InputNormalizationConfig | null {
  const layer = model.layers.find((l) => l instanceof InputNormalization);
  return layer ? (layer.getConfig() as unknown as InputNormalizationConfig) : null;
}

/** ONNX Runtime's input for a batch: the model's own normalisation, then NCHW when the file wants it. */
export function toOrtInput(
  x: Float32Array,
  batch: number,
  [h, w, c]: [number, number, number],
  layout: InputLayout,
  norm: InputNormalizationConfig | null,
): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let ch = 0; ch < c; ch++) {
          const src = ((n * h + y) * w + xx) * c + (norm?.reverseChannels ? c - 1 - ch : ch);
          let v = x[src] as number;
          if (norm) v = (v * norm.scale - (norm.mean[ch] as number)) / (norm.std[ch] as number);
          const dst = layout === 'NCHW' ? ((n * c + ch) * h + y) * w + xx : ((n * h + y) * w + xx) * c + ch;
          out[dst] = v;
        }
      }
    }
  }
  return out;
}

export async function checkFidelity(
  onnxBytes: Uint8Array,
  model: tf.LayersModel,
  options: FidelityOptions = {},
): Promise<FidelityReport> {
  const ort = await loadOnnxRuntime();
  const onnx = parseOnnx(onnxBytes);
  const input = onnx.inputs[0];
  const output = onnx.outputs[0];
  if (!input?.shape || !output) throw new AntidoteError('UNSUPPORTED_FORMAT', 'The ONNX model has no image input or no output.');
  const layout = options.layout ?? guessInputLayout(input.shape);
  const [, h, w, c] = (model.inputs[0] as tf.SymbolicTensor).shape as [null, number, number, number];
  const perImage = h * w * c;
  const norm = leadingNormalization(model);
  let inputs = options.inputs;
  if (!inputs) {
    const rng = createRng(options.seed ?? 1);
    inputs = new Float32Array((options.count ?? 256) * perImage);
    for (let i = 0; i < inputs.length; i++) inputs[i] = norm ? rng.next() : rng.normal();
  }
  if (inputs.length % perImage !== 0) {
    throw new AntidoteError('SHAPE_MISMATCH', `Fidelity inputs hold ${inputs.length} values, not a multiple of ${h}x${w}x${c}.`);
  }
  const n = inputs.length / perImage;
  const staticBatch = input.shape[0] ?? null;
  const batchSize = staticBatch ?? options.batchSize ?? 32;
  if (n % batchSize !== 0 && staticBatch !== null) {
    throw new AntidoteError('SHAPE_MISMATCH', `The ONNX input has a fixed batch of ${staticBatch}; give a multiple of it.`);
  }
  const session = await ort.InferenceSession.create(onnxBytes, { graphOptimizationLevel: 'disabled' });
  let maxAbsDiff = 0;
  let maxAbsOutput = 0;
  let agree = 0;
  try {
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const x = inputs.subarray(start * perImage, (start + b) * perImage);
      const ortX = toOrtInput(x, b, [h, w, c], layout, norm);
      const dims = layout === 'NCHW' ? [b, c, h, w] : [b, h, w, c];
      const result = await session.run({ [input.name]: new ort.Tensor('float32', ortX, dims) });
      const reference = result[output.name]?.data as Float32Array;
      const ours = tf.tidy(() => (model.predict(tf.tensor4d(x, [b, h, w, c])) as tf.Tensor).dataSync()) as Float32Array;
      if (reference.length !== ours.length) {
        throw new AntidoteError(
          'SHAPE_MISMATCH',
          `ONNX Runtime returned ${reference.length} outputs for ${b} inputs, the converted model ${ours.length}.`,
        );
      }
      const classes = ours.length / b;
      for (let i = 0; i < b; i++) {
        let bestRef = 0;
        let bestOurs = 0;
        for (let k = 0; k < classes; k++) {
          const j = i * classes + k;
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs((reference[j] as number) - (ours[j] as number)));
          maxAbsOutput = Math.max(maxAbsOutput, Math.abs(reference[j] as number));
          if ((reference[j] as number) > (reference[i * classes + bestRef] as number)) bestRef = k;
          if ((ours[j] as number) > (ours[i * classes + bestOurs] as number)) bestOurs = k;
        }
        if (bestRef === bestOurs) agree++;
      }
    }
  } finally {
    await session.release();
  }
  return { maxAbsDiff, top1Agreement: n === 0 ? 1 : agree / n, n, maxAbsOutput };
}
