/**
 * The repaired model back in the customer's format: the original ONNX graph with only the weight
 * initializers replaced by the repaired tfjs weights (OIHW/transposes inverted, Gemm alpha/beta
 * divided out, BatchNormalization statistics written as they are, since the importer never folds
 * them), then checked in ONNX Runtime against the repaired tfjs model.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import { looksLikeHdf5, looksLikeZip, readKerasFile, writeKerasWeights } from '../formats/keras/read.ts';
import { parseOnnx } from '../formats/onnx/parse.ts';
import { replaceInitializers } from '../formats/onnx/write.ts';
import { checkFidelity, type FidelityReport } from './fidelity.ts';
import { convertKeras } from './keras-to-tfjs.ts';
import { InputNormalization, type InputNormalizationConfig, OnnxConstantBinary } from './layers.ts';
import { convertOnnx, type InputLayout, type WeightBinding } from './onnx-to-tfjs.ts';

export interface ExportRepairedOptions {
  externalFiles?: Readonly<Record<string, Uint8Array>>;
  /** The layout the model was imported with. */
  layout?: InputLayout;
  /** Check the written file in ONNX Runtime against the repaired model (default true). */
  verify?: boolean;
  /** Inputs for the check (NHWC, the model's input space); seeded noise otherwise. */
  inputs?: Float32Array;
  count?: number;
}

export interface ExportedOnnx {
  bytes: Uint8Array;
  /** Names of the initializers whose data was replaced. */
  replaced: string[];
  /** ONNX Runtime on the written file vs the repaired tfjs model (absent when verify is false). */
  fidelity?: FidelityReport;
}

/** The ONNX layout of a tfjs weight, as the original initializer stores it. */
function toOnnxValues(binding: WeightBinding, weight: tf.Tensor): Float32Array {
  return tf
    .tidy(() => {
      let w = weight;
      if (binding.transform === 'conv') w = tf.transpose(w, [3, 2, 0, 1]);
      if (binding.transform === 'depthwise') w = tf.transpose(w, [2, 3, 0, 1]);
      if (binding.transform === 'dense-kernel') {
        w = tf.div(w, binding.alpha);
        if (binding.transB) w = tf.transpose(w);
      }
      if (binding.transform === 'dense-bias') w = tf.div(w, binding.beta);
      return w.dataSync() as Float32Array;
    })
    .slice();
}

/** Largest output difference and top-1 agreement of two tfjs models on the same inputs. */
function compareModels(a: tf.LayersModel, b: tf.LayersModel, inputs: Float32Array | undefined, count: number): FidelityReport {
  const [, h, w, c] = (a.inputs[0] as tf.SymbolicTensor).shape as [null, number, number, number];
  return tf.tidy(() => {
    const x = inputs
      ? tf.tensor4d(inputs, [inputs.length / (h * w * c), h, w, c])
      : tf.randomUniform([count, h, w, c], 0, 1, 'float32', 1);
    const ya = a.predict(x) as tf.Tensor2D;
    const yb = b.predict(x) as tf.Tensor2D;
    const agree = tf.mean(tf.cast(tf.equal(tf.argMax(ya, 1), tf.argMax(yb, 1)), 'float32'));
    return {
      maxAbsDiff: tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0] as number,
      top1Agreement: agree.dataSync()[0] as number,
      n: x.shape[0] as number,
      maxAbsOutput: tf.max(tf.abs(yb)).dataSync()[0] as number,
    };
  });
}

/**
 * Keras files: the weights HDF5 datasets are overwritten in place (Keras and tfjs share layouts),
 * every other zip entry and HDF5 object kept; verified by re-importing the written file.
 */
async function exportRepairedKeras(
  original: Uint8Array,
  repairedModel: tf.LayersModel,
  normalization: InputNormalizationConfig | undefined,
  options: ExportRepairedOptions,
): Promise<ExportedOnnx> {
  const reference = convertKeras(await readKerasFile(original), { normalization });
  reference.model.dispose();
  const replacements = new Map<string, Float32Array>();
  for (const binding of reference.bindings) {
    const weight = repairedLayer(repairedModel, binding.layer).getWeights()[binding.weight];
    if (!weight) throw new AntidoteError('SHAPE_MISMATCH', `Layer "${binding.layer}" has no weight ${binding.weight}.`);
    replacements.set(binding.path, (weight.dataSync() as Float32Array).slice());
  }
  const bytes = await writeKerasWeights(original, replacements);
  let fidelity: FidelityReport | undefined;
  if (options.verify !== false) {
    const written = convertKeras(await readKerasFile(bytes), { normalization });
    fidelity = compareModels(written.model, repairedModel, options.inputs, options.count ?? 256);
    written.model.dispose();
  }
  return { bytes, replaced: [...replacements.keys()], fidelity };
}

/** Repairable weights (all but fixed graph constants) that no initializer binding covers. */
function unboundWeights(model: tf.LayersModel, bindings: readonly WeightBinding[]): string[] {
  const bound = new Set(bindings.map((b) => `${b.layer}:${b.weight}`));
  return model.layers.flatMap((layer) =>
    layer instanceof OnnxConstantBinary
      ? []
      : layer.weights.flatMap((w, i) => (bound.has(`${layer.name}:${i}`) ? [] : [`${layer.name}/${w.originalName}`])),
  );
}

function repairedLayer(model: tf.LayersModel, name: string): tf.layers.Layer {
  try {
    return model.getLayer(name);
  } catch (cause) {
    throw new AntidoteError('SHAPE_MISMATCH', `The repaired model has no layer "${name}"; it was not imported from this file.`, {
      cause,
    });
  }
}

/**
 * The repaired model in the original file's format: ONNX (the original graph with new
 * initializers, checked in ONNX Runtime) or Keras `.keras`/`.h5` (new HDF5 weight values).
 */
export async function exportRepaired(
  originalOnnxBytes: Uint8Array,
  repairedModel: tf.LayersModel,
  options: ExportRepairedOptions = {},
): Promise<ExportedOnnx> {
  const normalizationLayer = repairedModel.layers.find((l) => l instanceof InputNormalization);
  const normalization = normalizationLayer ? (normalizationLayer.getConfig() as unknown as InputNormalizationConfig) : undefined;
  if (looksLikeZip(originalOnnxBytes) || looksLikeHdf5(originalOnnxBytes)) {
    return exportRepairedKeras(originalOnnxBytes, repairedModel, normalization, options);
  }
  const onnx = parseOnnx(originalOnnxBytes, { externalFiles: options.externalFiles });
  // Rebuild with the same first layers so layer names line up with the imported model's.
  const reference = convertOnnx(onnx, { layout: options.layout, normalization });
  const unbound = unboundWeights(reference.model, reference.bindings);
  reference.model.dispose();
  if (unbound.length > 0) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `Weights ${unbound.join(', ')} are computed in the ONNX graph (not stored as initializers), so repaired values cannot be written back into it.`,
    );
  }
  const replacements = new Map<string, Float32Array>();
  for (const binding of reference.bindings) {
    const weight = repairedLayer(repairedModel, binding.layer).getWeights()[binding.weight];
    if (!weight) throw new AntidoteError('SHAPE_MISMATCH', `Layer "${binding.layer}" has no weight ${binding.weight}.`);
    replacements.set(binding.initializer, toOnnxValues(binding, weight));
  }
  const bytes = replaceInitializers(originalOnnxBytes, replacements);
  const fidelity =
    options.verify === false
      ? undefined
      : await checkFidelity(bytes, repairedModel, {
          layout: reference.inputLayout,
          inputs: options.inputs,
          count: options.count,
        });
  return { bytes, replaced: [...replacements.keys()], fidelity };
}
