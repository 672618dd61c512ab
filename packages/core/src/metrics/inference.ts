/**
 * Inference-only phases (evaluation, a scan's clean accuracy, STRIP, the noise probe) on the
 * fastest engine that can run the model: ONNX Runtime's native multi-threaded kernels where
 * onnxruntime-node is installed and the model exports to ONNX, else the tfjs backend that trains.
 * bench:engine (--inference-only) measures both side by side; docs/benchmarks.md has the ratios.
 *
 * The ONNX path is checked before use: the exported graph must give the tfjs model's outputs on a
 * probe batch, or the predictor stays on tfjs and says why. Training always stays on tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { exportTfjsToOnnx } from '../convert/export-tfjs.ts';
import { loadOnnxRuntime, toOrtInput } from '../convert/fidelity.ts';
import { datasetSize, type ImageDataset } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { createRng } from '../random.ts';
import { batchPixels, batchRanges, NO_AUGMENT, range } from '../training/batches.ts';
import { predictClasses } from './metrics.ts';

export type InferenceEngine = 'tfjs' | 'onnxruntime';

/**
 * Below this many images `auto` stays on tfjs: exporting the graph and opening a session
 * (10-40 ms for the zoo's models, ~0.4 s for the first session of a process) outweighs the gain.
 */
export const ORT_MIN_IMAGES = 512;

/** Largest |output difference| the exported graph may show against tfjs on the probe batch. */
const PROBE_TOLERANCE = 1e-3;
const PROBE_IMAGES = 16;

export interface PredictorOptions {
  /** 'auto' (default): ONNX Runtime when it loads, the model exports and agrees; else tfjs. */
  engine?: 'auto' | InferenceEngine;
  /** ONNX Runtime's intra-op threads: the cores this job was given (default: its own choice, all cores). */
  threads?: number;
  batchSize?: number;
  /** Images this predictor will see in all; with 'auto', fewer than ORT_MIN_IMAGES stay on tfjs. */
  images?: number;
}

export interface Predictor {
  readonly engine: InferenceEngine;
  /** Why this engine runs the model (shown to users beside results and by `antidote runtime`). */
  readonly reason: string;
  /** The model's outputs for `n` images given as NHWC pixels / 255 (what the tfjs model takes). */
  outputs(pixels: Float32Array, n: number): Promise<Float32Array>;
  predictClasses(dataset: ImageDataset): Promise<Int32Array>;
  /** Frees the ONNX Runtime session; the tfjs model stays the caller's. */
  release(): Promise<void>;
}

type OrtSession = Awaited<ReturnType<Awaited<ReturnType<typeof loadOnnxRuntime>>['InferenceSession']['create']>>;

function tfjsPredictor(model: tf.LayersModel, reason: string, batchSize: number): Predictor {
  const [, h, w, c] = model.inputs[0]?.shape ?? [];
  return {
    engine: 'tfjs',
    reason,
    outputs: async (pixels, n) => {
      const out = tf.tidy(() => model.predict(tf.tensor4d(pixels, [n, h as number, w as number, c as number])) as tf.Tensor);
      try {
        return (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    },
    predictClasses: (dataset) => predictClasses(model, dataset, batchSize),
    release: async () => {},
  };
}

function argmaxRows(values: Float32Array, rows: number): Int32Array {
  const classes = values.length / rows;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if ((values[i * classes + k] as number) > (values[i * classes + best] as number)) best = k;
    out[i] = best;
  }
  return out;
}

/**
 * A predictor for `model`. With engine 'onnxruntime' a failure to load, export or agree is an
 * error; with 'auto' it falls back to tfjs and records the reason.
 */
export async function openPredictor(model: tf.LayersModel, options: PredictorOptions = {}): Promise<Predictor> {
  const engine = options.engine ?? 'auto';
  const batchSize = options.batchSize ?? 256;
  if (engine === 'tfjs') return tfjsPredictor(model, 'asked for tfjs', batchSize);
  if (engine === 'auto' && options.images !== undefined && options.images < ORT_MIN_IMAGES) {
    return tfjsPredictor(model, `fewer than ${ORT_MIN_IMAGES} images`, batchSize);
  }
  const shape = model.inputs[0]?.shape;
  let session: OrtSession | null = null;
  try {
    if (model.inputs.length !== 1 || model.outputs.length !== 1 || shape?.length !== 4) {
      throw new AntidoteError('UNSUPPORTED_FORMAT', 'only single-input, single-output image models run on ONNX Runtime');
    }
    const [, h, w, c] = shape as [null, number, number, number];
    const ort = await loadOnnxRuntime();
    const onnx = exportTfjsToOnnx(model);
    session = await ort.InferenceSession.create(onnx, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    });
    const open = session;
    const inputName = open.inputNames[0] as string;
    const outputName = open.outputNames[0] as string;
    const run = async (nhwc: Float32Array, n: number): Promise<Float32Array> => {
      // the exported graph holds the model's own normalisation layers: only the layout changes
      const x = toOrtInput(nhwc, n, [h, w, c], 'NCHW', null);
      const result = await open.run({ [inputName]: new ort.Tensor('float32', x, [n, c, h, w]) });
      return result[outputName]?.data as Float32Array;
    };

    // The probe: seeded pixels through both engines; a graph that disagrees is not used.
    const rng = createRng(7);
    const probe = Float32Array.from({ length: PROBE_IMAGES * h * w * c }, () => rng.next());
    const ours = tf.tidy(() => (model.predict(tf.tensor4d(probe, [PROBE_IMAGES, h, w, c])) as tf.Tensor).dataSync());
    const theirs = await run(probe, PROBE_IMAGES);
    let maxDiff = theirs.length === ours.length ? 0 : Number.POSITIVE_INFINITY;
    for (let i = 0; i < ours.length && maxDiff <= PROBE_TOLERANCE; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((ours[i] as number) - (theirs[i] as number)));
    }
    if (!(maxDiff <= PROBE_TOLERANCE)) {
      throw new AntidoteError(
        'INTERNAL',
        `the exported graph differs from the model by ${maxDiff.toExponential(2)} on the probe batch`,
      );
    }

    return {
      engine: 'onnxruntime',
      reason: `onnxruntime-node ${ort.env.versions?.common ?? ''}`.trim(),
      outputs: run,
      async predictClasses(dataset) {
        const out = new Int32Array(datasetSize(dataset));
        for (const [start, end] of batchRanges(out.length, batchSize)) {
          const pixels = batchPixels(dataset, range(start, end), NO_AUGMENT);
          out.set(argmaxRows(await run(pixels, end - start), end - start), start);
        }
        return out;
      },
      release: () => open.release(),
    };
  } catch (error) {
    await session?.release().catch(() => {});
    if (engine === 'onnxruntime') throw error;
    const why = error instanceof Error ? error.message : String(error);
    return tfjsPredictor(model, `ONNX Runtime not used: ${why}`, batchSize);
  }
}

/**
 * Predicted class of every image on the fastest engine for this many images (`auto`), or the one
 * asked for. Same contract as `predictClasses`.
 */
export async function predictClassesFast(
  model: tf.LayersModel,
  dataset: ImageDataset,
  options: PredictorOptions = {},
): Promise<{ predictions: Int32Array; engine: InferenceEngine; reason: string }> {
  const predictor = await openPredictor(model, { images: datasetSize(dataset), ...options });
  try {
    return { predictions: await predictor.predictClasses(dataset), engine: predictor.engine, reason: predictor.reason };
  } finally {
    await predictor.release();
  }
}

export interface EngineRate {
  engine: InferenceEngine;
  /** Images per second over the timed passes; null when the engine cannot run the model. */
  imagesPerSecond: number | null;
  reason: string;
}

/**
 * Both engines on the same seeded images, one warm-up pass then timed passes of `images` each:
 * the measured ratio behind `auto` (bench:engine and `antidote runtime` print it). `auto` is what
 * openPredictor picks for ORT_MIN_IMAGES images or more: ONNX Runtime exactly when it opens.
 */
export async function compareInferenceEngines(
  model: tf.LayersModel,
  options: { images?: number; passes?: number; threads?: number; batchSize?: number } = {},
): Promise<{ rates: EngineRate[]; auto: InferenceEngine }> {
  const images = options.images ?? 512;
  const passes = options.passes ?? 2;
  const [, h, w, c] = (model.inputs[0]?.shape ?? []) as [null, number, number, number];
  const rng = createRng(11);
  const dataset: ImageDataset = {
    images: Uint8Array.from({ length: images * h * w * c }, () => rng.int(256)),
    labels: new Int32Array(images),
    height: h,
    width: w,
    channels: c,
    classNames: Array.from({ length: (model.outputs[0]?.shape.at(-1) as number | undefined) ?? 2 }, (_, i) => String(i)),
    flipAugment: false,
  };
  const rates: EngineRate[] = [];
  for (const engine of ['tfjs', 'onnxruntime'] as const) {
    const predictor = await openPredictor(model, {
      engine,
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    }).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    if (typeof predictor === 'string') {
      rates.push({ engine, imagesPerSecond: null, reason: predictor });
      continue;
    }
    try {
      await predictor.predictClasses(dataset);
      const started = performance.now();
      for (let i = 0; i < passes; i++) await predictor.predictClasses(dataset);
      rates.push({
        engine,
        imagesPerSecond: (passes * images) / ((performance.now() - started) / 1000),
        reason: predictor.reason,
      });
    } finally {
      await predictor.release();
    }
  }
  const ortRuns = rates.some((r) => r.engine === 'onnxruntime' && r.imagesPerSecond !== null);
  return { rates, auto: ortRuns ? 'onnxruntime' : 'tfjs' };
}
