/**
 * The repaired model back in the customer's format: the original ONNX graph with only the weight
 * initializers replaced by the repaired tfjs weights (OIHW/transposes inverted, Gemm alpha/beta
 * divided out, BatchNormalization statistics written as they are, since the importer never folds
 * them), then checked in ONNX Runtime against the repaired tfjs model.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import { parseOnnx } from '../formats/onnx/parse.ts';
import { replaceInitializers } from '../formats/onnx/write.ts';
import { checkFidelity, type FidelityReport } from './fidelity.ts';
import { InputNormalization, type InputNormalizationConfig } from './layers.ts';
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

export async function exportRepaired(
  originalOnnxBytes: Uint8Array,
  repairedModel: tf.LayersModel,
  options: ExportRepairedOptions = {},
): Promise<ExportedOnnx> {
  const onnx = parseOnnx(originalOnnxBytes, { externalFiles: options.externalFiles });
  // Rebuild with the same first layers so layer names line up with the imported model's.
  const normalization = repairedModel.layers.find((l) => l instanceof InputNormalization);
  const reference = convertOnnx(onnx, {
    layout: options.layout,
    normalization: normalization ? (normalization.getConfig() as unknown as InputNormalizationConfig) : undefined,
  });
  reference.model.dispose();
  const replacements = new Map<string, Float32Array>();
  for (const binding of reference.bindings) {
    let layer: tf.layers.Layer;
    try {
      layer = repairedModel.getLayer(binding.layer);
    } catch (cause) {
      throw new AntidoteError(
        'SHAPE_MISMATCH',
        `The repaired model has no layer "${binding.layer}"; it was not imported from this ONNX file.`,
        { cause },
      );
    }
    const weight = layer.getWeights()[binding.weight];
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
