/**
 * Upload checks for ONNX and Keras models, in the inspection thread: the protobuf or the Keras
 * config is read (no TensorFlow) for the input shape, classes and parameter count; conversion and
 * the fidelity check against ONNX Runtime happen on the worker.
 */
import { AntidoteError } from '@antidote/core/errors';
import type { ModelUpload } from '@antidote/core/formats';
import { readKerasFile } from '@antidote/core/formats/keras';
import { parseOnnx } from '@antidote/core/formats/onnx';
import type { ModelInspection } from './protocol.ts';

const shapeError = (message: string) => new AntidoteError('SHAPE_MISMATCH', message);

/** [H, W, C] of a 4-D image input, NCHW unless the channel count sits last (tf2onnx exports). */
function imageShape(dims: readonly (number | null)[] | null | undefined, what: string): [number, number, number] {
  if (dims?.length !== 4 || dims.slice(1).some((d) => typeof d !== 'number' || d <= 0)) {
    throw shapeError(
      `${what} has shape ${JSON.stringify(dims)}; Antidote needs an image input (batch, channels, height, width) or (batch, height, width, channels) with fixed sizes.`,
    );
  }
  const [, a, b, c] = dims as number[];
  const channelsLast = (c === 1 || c === 3) && a !== 1 && a !== 3;
  return channelsLast ? [a as number, b as number, c as number] : [b as number, c as number, a as number];
}

function onnxInspection(upload: ModelUpload): ModelInspection {
  const onnx = parseOnnx(upload.model, { externalFiles: upload.externalFiles });
  if (onnx.inputs.length !== 1 || onnx.outputs.length !== 1) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `The ONNX graph has ${onnx.inputs.length} inputs and ${onnx.outputs.length} outputs; Antidote needs one image input and one logits output.`,
    );
  }
  const inputShape = imageShape(onnx.inputs[0]?.shape, 'The ONNX graph input');
  const out = onnx.outputs[0]?.shape;
  const numClasses = out?.[out.length - 1];
  if (typeof numClasses !== 'number' || numClasses < 2) {
    throw shapeError(`The ONNX graph output has shape ${JSON.stringify(out)}; Antidote needs (batch, classes) logits.`);
  }
  let paramCount = 0;
  for (const tensor of onnx.initializers.values()) paramCount += tensor.dims.reduce((n, d) => n * d, 1);
  return {
    format: 'onnx',
    inputShape,
    numClasses,
    paramCount,
    weightBytes: upload.model.byteLength,
    files: [upload.modelName ?? 'model.onnx', ...Object.keys(upload.externalFiles)],
  };
}

async function kerasInspection(upload: ModelUpload): Promise<ModelInspection> {
  const file = await readKerasFile(upload.model);
  const layers = file.model.config.layers;
  const first = layers[0]?.config;
  const batchShape = (first?.batch_shape ?? first?.batch_input_shape) as (number | null)[] | undefined;
  const inputShape = imageShape(batchShape, 'The Keras model input');
  if (batchShape && inputShape[2] !== batchShape[3]) throw shapeError('Keras models must be channels_last.');
  const units = [...layers].reverse().find((l) => typeof l.config.units === 'number')?.config.units as number | undefined;
  if (units === undefined || units < 2) throw shapeError('The Keras model has no Dense classifier head with 2 or more units.');
  let paramCount = 0;
  for (const weights of file.weights.values()) for (const w of weights) paramCount += w.shape.reduce((n, d) => n * d, 1);
  return {
    format: file.format,
    inputShape,
    numClasses: units,
    paramCount,
    weightBytes: upload.model.byteLength,
    files: [upload.modelName ?? `model.${file.format === 'keras3' ? 'keras' : 'h5'}`, ...Object.keys(upload.externalFiles)],
  };
}

export function inspectImportedModel(upload: ModelUpload): Promise<ModelInspection> | ModelInspection {
  return upload.kind === 'onnx' ? onnxInspection(upload) : kerasInspection(upload);
}
