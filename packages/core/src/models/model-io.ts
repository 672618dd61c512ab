/**
 * TF.js LayersModel to and from bytes (`model.json` + weight shards), with defensive parsing:
 * uploaded models are untrusted, so every failure becomes an AntidoteError that says what to fix.
 */
import * as tf from '@tensorflow/tfjs';
// Registers the layers of imported ONNX/Keras models, so their archives load anywhere models load.
import '../convert/layers.ts';
import { AntidoteError } from '../errors.ts';
import { MAX_MODEL_BYTES, MODEL_JSON, type ModelFiles } from '../formats/model-files.ts';

export { MAX_MODEL_BYTES, MODEL_JSON, type ModelFiles };

const WEIGHTS_FILE = 'weights.bin';

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: WeightsGroup[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

function concatBuffers(buffers: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(buffers)) return new Uint8Array(buffers);
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/** Serialises a model to `model.json` + `weights.bin` (one shard). */
export async function saveModelToFiles(model: tf.LayersModel): Promise<ModelFiles> {
  let files: ModelFiles | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData ? concatBuffers(artifacts.weightData) : new Uint8Array(0);
      const json: ModelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'antidote',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      files = { [MODEL_JSON]: textEncoder.encode(JSON.stringify(json)), [WEIGHTS_FILE]: weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!files) throw new AntidoteError('INTERNAL', 'Model save produced no artifacts.');
  return files;
}

function parseModelJson(bytes: Uint8Array | undefined): ModelJson {
  if (!bytes) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `No ${MODEL_JSON} found: a TF.js layers model is a ${MODEL_JSON} plus weight files.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(textDecoder.decode(bytes));
  } catch (cause) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `${MODEL_JSON} is not valid JSON (${(cause as Error).message}); re-export the model with model.save() or tensorflowjs_converter.`,
      { cause },
    );
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new AntidoteError('CORRUPT_FILE', `${MODEL_JSON} must hold a JSON object.`);
  }
  const json = parsed as Partial<ModelJson>;
  if (json.format === 'graph-model') {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${MODEL_JSON} is a TF.js graph model; Antidote needs a layers model (convert with --output_format=tfjs_layers_model).`,
    );
  }
  if (typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new AntidoteError('CORRUPT_FILE', `${MODEL_JSON} has no "modelTopology" object; it is not a TF.js layers model.`);
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new AntidoteError('CORRUPT_FILE', `${MODEL_JSON} has no "weightsManifest" array listing its weight files.`);
  }
  for (const group of json.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new AntidoteError(
        'CORRUPT_FILE',
        `${MODEL_JSON} has a malformed weightsManifest entry (needs "paths" and "weights").`,
      );
    }
  }
  return json as ModelJson;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1 };

function expectedWeightBytes(spec: tf.io.WeightsManifestEntry): number {
  if (spec.quantization) {
    const bytes = spec.quantization.dtype === 'uint16' || spec.quantization.dtype === 'float16' ? 2 : 1;
    return spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  const perValue = DTYPE_BYTES[spec.dtype];
  if (perValue === undefined) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `Weight "${spec.name}" has dtype ${spec.dtype}, which TF.js layers models do not use.`,
    );
  }
  return spec.shape.reduce((a, b) => a * b, 1) * perValue;
}

/** Parses and loads a layers model from its files. Never throws anything but AntidoteError. */
export async function loadModelFromFiles(files: ModelFiles): Promise<tf.LayersModel> {
  const json = parseModelJson(files[MODEL_JSON]);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    const groupBytes: Uint8Array[] = [];
    for (const path of group.paths) {
      const shard = files[path] ?? files[path.replace(/^\.\//, '')];
      if (!shard) {
        throw new AntidoteError(
          'INVALID_INPUT',
          `${MODEL_JSON} names weight file "${path}" but it was not provided; upload it too.`,
        );
      }
      groupBytes.push(shard);
    }
    const have = groupBytes.reduce((n, b) => n + b.byteLength, 0);
    const need = group.weights.reduce((n, spec) => n + expectedWeightBytes(spec), 0);
    if (have !== need) {
      throw new AntidoteError(
        'CORRUPT_FILE',
        `Weight files ${group.paths.join(', ')} hold ${have} bytes but ${MODEL_JSON} describes ${need}: ` +
          (have < need ? 'the weights are truncated; upload the complete files.' : 'they do not belong to this model.json.'),
        { details: { have, need } },
      );
    }
    weightSpecs.push(...group.weights);
    shards.push(...groupBytes);
  }
  const total = shards.reduce((n, b) => n + b.byteLength, 0);
  if (total > MAX_MODEL_BYTES) {
    throw new AntidoteError('TOO_LARGE', `Model weights are ${total} bytes; the limit is ${MAX_MODEL_BYTES}.`);
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs,
        weightData: weightData.buffer,
      }),
    );
  } catch (cause) {
    const reason = (cause as Error).message?.split('\n')[0] ?? String(cause);
    throw new AntidoteError(
      'CORRUPT_FILE',
      `The model could not be built from ${MODEL_JSON}: ${reason}. Check that it was saved by TF.js layers (model.save) and uses standard layers.`,
      { cause },
    );
  }
}

export interface ModelSignature {
  inputShape: [number, number, number];
  numClasses: number;
}

/** Reads the input image shape and class count, rejecting models Antidote cannot analyse. */
export function modelSignature(model: tf.LayersModel): ModelSignature {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new AntidoteError('SHAPE_MISMATCH', 'Antidote analyses image classifiers with one input and one output.');
  }
  const input = model.inputs[0]?.shape ?? [];
  const output = model.outputs[0]?.shape ?? [];
  const [, h, w, c] = input;
  if (input.length !== 4 || !h || !w || !c) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Model input shape is [${input.join(', ')}]; expected [batch, height, width, channels] (NHWC images).`,
    );
  }
  const classes = output[1];
  if (output.length !== 2 || !classes || classes < 2) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Model output shape is [${output.join(', ')}]; expected [batch, classes] with >= 2 classes.`,
    );
  }
  return { inputShape: [h, w, c], numClasses: classes };
}

/** Checks that a dataset can be fed to a model: same image shape, same class count. */
export function assertModelFitsDataset(
  model: tf.LayersModel,
  dataset: { height: number; width: number; channels: number; classNames: readonly string[] },
): ModelSignature {
  const signature = modelSignature(model);
  const [h, w, c] = signature.inputShape;
  if (h !== dataset.height || w !== dataset.width || c !== dataset.channels) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `The model expects ${h}x${w}x${c} images but the dataset has ${dataset.height}x${dataset.width}x${dataset.channels}.`,
    );
  }
  if (signature.numClasses !== dataset.classNames.length) {
    throw new AntidoteError(
      'CLASS_MISMATCH',
      `The model predicts ${signature.numClasses} classes but the dataset has ${dataset.classNames.length} (${dataset.classNames.join(', ')}).`,
    );
  }
  return signature;
}

/** An exact copy with independent weights (e.g. the frozen pivot next to the model being repaired). */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  return loadModelFromFiles(await saveModelToFiles(model));
}
