/**
 * A model as ONE uploadable/storable file: a zip (or tar / tar.gz) of a TF.js layers folder,
 * `model.json` plus the weight files its manifest names. Archives come from users, so reading one
 * never trusts it: sizes are capped before memory is allocated, paths may not leave the archive,
 * and `describeModelArchive` reads shapes from the JSON alone (no TensorFlow) and only ever throws
 * AntidoteError, whatever the JSON holds.
 */
import { zipSync } from 'fflate';
import { errorText } from '../datasets/importers/shared.ts';
import { AntidoteError } from '../errors.ts';
import { readArchive, safeArchivePath } from './archive.ts';
import { MAX_MODEL_BYTES, MODEL_JSON, type ModelFiles } from './model-files.ts';

/** A layers model.json is topology only (weights live in shards); anything bigger is not one. */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** Default cap on the archive and on the sum of its uncompressed entries. */
export const MAX_MODEL_ARCHIVE_BYTES = MAX_MODEL_BYTES + MAX_MODEL_JSON_BYTES;
/** More entries than this is not a model folder (and costs memory to list). */
export const MAX_MODEL_ARCHIVE_ENTRIES = 10_000;

export interface ModelArchiveLimits {
  /** Most bytes accepted, for the archive itself and for its unpacked content. Default MAX_MODEL_ARCHIVE_BYTES. */
  maxBytes?: number;
}

export interface ModelArchiveDescription {
  format: 'tfjs-layers';
  /** One image, without the batch axis: [height, width, channels]. */
  inputShape: number[];
  numClasses: number;
  /** Values in the weights manifest (trainable and non-trainable, e.g. batch-norm statistics). */
  paramCount: number;
  /** Bytes of weight data the manifest describes (= the size of the weight files). */
  weightBytes: number;
  /** The model's files as `unpackModelArchive` returns them (relative to model.json), sorted. */
  files: string[];
}

/** Fixed timestamp so packing the same files gives the same bytes (fflate's minimum is 1980). */
const ZIP_MTIME = new Date('2000-01-01T00:00:00Z');
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function resolveMaxBytes(limits: ModelArchiveLimits | undefined): number {
  const maxBytes = limits?.maxBytes ?? MAX_MODEL_ARCHIVE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new AntidoteError('INVALID_INPUT', `maxBytes must be a positive integer, got ${maxBytes}.`);
  }
  return maxBytes;
}

/** Counts entries and uncompressed bytes as they are read, so a bomb fails before it is inflated. */
function createBudget(maxBytes: number): (path: string, size: number) => void {
  let count = 0;
  let total = 0;
  return (path, size) => {
    count++;
    total += size;
    if (count > MAX_MODEL_ARCHIVE_ENTRIES) {
      throw new AntidoteError(
        'TOO_LARGE',
        `The archive holds more than ${MAX_MODEL_ARCHIVE_ENTRIES} files; a model is model.json plus a few weight files.`,
      );
    }
    if (!(size >= 0) || total > maxBytes) {
      throw new AntidoteError(
        'TOO_LARGE',
        `The archive unpacks to more than ${formatMiB(maxBytes)} (reached at ${path}); the limit for a model is ${formatMiB(maxBytes)}.`,
        { details: { maxBytes } },
      );
    }
  };
}

type Entries = Map<string, Uint8Array>;

function readModelArchive(bytes: Uint8Array, maxBytes: number): Entries {
  if (!(bytes instanceof Uint8Array)) throw new AntidoteError('INVALID_INPUT', 'A model archive must be given as bytes.');
  if (bytes.length > maxBytes) {
    throw new AntidoteError(
      'TOO_LARGE',
      `The model archive is ${formatMiB(bytes.length)}; the limit is ${formatMiB(maxBytes)}.`,
      {
        details: { maxBytes },
      },
    );
  }
  const entries = readArchive(bytes, {
    name: 'The model archive',
    admit: createBudget(maxBytes),
    // tar headers and padding add up to 1 KiB per entry on top of the content cap.
    maxInflatedBytes: maxBytes + 1024 * 1024,
    maxEntries: MAX_MODEL_ARCHIVE_ENTRIES,
    specialFile: (path, kind) =>
      new AntidoteError(
        'INVALID_INPUT',
        `Archive entry ${path} is a link or special file (${kind}); a model archive may only hold regular files.`,
      ),
    notAnArchive: () =>
      new AntidoteError(
        'UNSUPPORTED_FORMAT',
        `A model must be uploaded as one zip, tar or tar.gz archive of a TF.js layers folder (${MODEL_JSON} + weight files); these bytes are none of those.`,
      ),
  });
  return new Map(entries.map((entry) => [entry.path, entry.bytes]));
}

/** model.json at the root wins; otherwise exactly one folder holding one (the usual "zipped a folder"). */
function locateModelJson(entries: Entries): string {
  if (entries.has(MODEL_JSON)) return '';
  const candidates = [...entries.keys()].filter((p) => {
    const segments = p.split('/');
    return segments.length === 2 && segments[1] === MODEL_JSON;
  });
  if (candidates.length === 0) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `The archive has no ${MODEL_JSON} at its root or one folder down; a TF.js layers model is ${MODEL_JSON} plus its weight files.`,
    );
  }
  if (candidates.length > 1) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `The archive holds several models (${candidates.join(', ')}); upload one model per archive.`,
    );
  }
  return candidates[0]!.split('/')[0]!;
}

// ---- model.json, read defensively -------------------------------------------------------------

type Json = unknown;

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: hostile JSON may name "__proto__" or "constructor". */
function field(value: Json, key: string): Json {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function corrupt(message: string): AntidoteError {
  return new AntidoteError('CORRUPT_FILE', `${MODEL_JSON}: ${message}`);
}

function parseJson(bytes: Uint8Array): Record<string, Json> {
  if (bytes.length > MAX_MODEL_JSON_BYTES) {
    throw new AntidoteError(
      'TOO_LARGE',
      `${MODEL_JSON} is ${formatMiB(bytes.length)}; a TF.js layers ${MODEL_JSON} is far smaller.`,
    );
  }
  let parsed: Json;
  try {
    parsed = JSON.parse(textDecoder.decode(bytes));
  } catch (cause) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `${MODEL_JSON} is not valid UTF-8 JSON (${errorText(cause)}); re-export the model with model.save() or tensorflowjs_converter.`,
      { cause },
    );
  }
  if (!isRecord(parsed)) throw corrupt('must hold a JSON object.');
  if (field(parsed, 'format') === 'graph-model') {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${MODEL_JSON} is a TF.js graph model; Antidote needs a layers model (convert with --output_format=tfjs_layers_model).`,
    );
  }
  return parsed;
}

interface WeightGroup {
  paths: string[];
  bytes: number;
  values: number;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
/** Far above any real tensor; keeps products exact in doubles. */
const MAX_TENSOR_VALUES = 2 ** 40;

function weightSize(spec: Json, index: number): { values: number; bytes: number } {
  const name = field(spec, 'name');
  const label = typeof name === 'string' ? `weight "${name.slice(0, 200)}"` : `weight #${index}`;
  if (!isRecord(spec) || typeof name !== 'string') throw corrupt(`weightsManifest entry #${index} has no "name".`);
  const shape = field(spec, 'shape');
  if (!Array.isArray(shape) || shape.length > 8) throw corrupt(`${label} has no valid "shape" array.`);
  let values = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || (dim as number) < 0) throw corrupt(`${label} has a bad dimension ${JSON.stringify(dim)}.`);
    values *= dim as number;
    if (values > MAX_TENSOR_VALUES) throw new AntidoteError('TOO_LARGE', `${MODEL_JSON}: ${label} is impossibly large.`);
  }
  const quantization = field(spec, 'quantization');
  let perValue: number | undefined;
  if (quantization !== undefined && quantization !== null) {
    const qDtype = field(quantization, 'dtype');
    perValue = typeof qDtype === 'string' && Object.hasOwn(QUANTIZED_BYTES, qDtype) ? QUANTIZED_BYTES[qDtype] : undefined;
    if (perValue === undefined) throw corrupt(`${label} has an unknown quantization dtype ${JSON.stringify(qDtype)}.`);
  } else {
    const dtype = field(spec, 'dtype');
    perValue = typeof dtype === 'string' && Object.hasOwn(DTYPE_BYTES, dtype) ? DTYPE_BYTES[dtype] : undefined;
    if (perValue === undefined) {
      throw new AntidoteError(
        'UNSUPPORTED_FORMAT',
        `${MODEL_JSON}: ${label} has dtype ${JSON.stringify(dtype)}, which TF.js layers models do not use.`,
      );
    }
  }
  return { values, bytes: values * perValue };
}

/** The weight groups of the manifest with their paths made safe and sizes computed. */
function readManifest(json: Record<string, Json>): WeightGroup[] {
  const topology = field(json, 'modelTopology');
  if (!isRecord(topology)) throw corrupt('has no "modelTopology" object; it is not a TF.js layers model.');
  const manifest = field(json, 'weightsManifest');
  if (!Array.isArray(manifest)) throw corrupt('has no "weightsManifest" array listing its weight files.');
  if (manifest.length > MAX_MODEL_ARCHIVE_ENTRIES) throw corrupt('has an absurdly long weightsManifest.');
  let specCount = 0;
  return manifest.map((group, g) => {
    const paths = field(group, 'paths');
    const weights = field(group, 'weights');
    if (!Array.isArray(paths) || !Array.isArray(weights)) {
      throw corrupt(`weightsManifest entry #${g} is malformed (needs "paths" and "weights" arrays).`);
    }
    specCount += weights.length;
    if (paths.length > MAX_MODEL_ARCHIVE_ENTRIES || specCount > 1_000_000) throw corrupt('has an absurdly long weightsManifest.');
    const safe = paths.map((p) => {
      if (typeof p !== 'string' || p === '') throw corrupt(`weightsManifest entry #${g} has a non-string path.`);
      const path = safeArchivePath(p, `${MODEL_JSON} weight path`);
      if (path === '') throw corrupt(`weightsManifest entry #${g} has an empty path.`);
      return path;
    });
    let bytes = 0;
    let values = 0;
    weights.forEach((spec, i) => {
      const size = weightSize(spec, i);
      bytes += size.bytes;
      values += size.values;
    });
    return { paths: safe, bytes, values };
  });
}

/** Checks every weight file the manifest names is present with the size the manifest implies. */
function checkWeights(files: ModelFiles, groups: readonly WeightGroup[]): { paramCount: number; weightBytes: number } {
  let paramCount = 0;
  let weightBytes = 0;
  for (const group of groups) {
    let have = 0;
    for (const path of group.paths) {
      const shard = files[path];
      if (!shard) {
        throw new AntidoteError(
          'CORRUPT_FILE',
          `${MODEL_JSON} names weight file "${path}" but the archive does not contain it next to ${MODEL_JSON}; include every weight file.`,
          { details: { missing: path } },
        );
      }
      have += shard.byteLength;
    }
    if (have !== group.bytes) {
      throw new AntidoteError(
        'CORRUPT_FILE',
        `Weight files ${group.paths.join(', ')} hold ${have} bytes but ${MODEL_JSON} describes ${group.bytes}: ` +
          (have < group.bytes ? 'the weights are truncated.' : 'they do not belong to this model.json.'),
        { details: { have, need: group.bytes } },
      );
    }
    paramCount += group.values;
    weightBytes += group.bytes;
  }
  return { paramCount, weightBytes };
}

function unpackEntries(entries: Entries): { files: ModelFiles; json: Record<string, Json>; groups: WeightGroup[] } {
  const base = locateModelJson(entries);
  const files: ModelFiles = {};
  const prefix = base ? `${base}/` : '';
  for (const [path, bytes] of entries) {
    if (path.startsWith(prefix)) files[path.slice(prefix.length)] = bytes;
  }
  const json = parseJson(files[MODEL_JSON]!);
  const groups = readManifest(json);
  checkWeights(files, groups);
  return { files, json, groups };
}

// ---- shapes from the topology, without TensorFlow ------------------------------------------------

/** Layers that keep the shape of their input, walked through to find the classification layer. */
const SHAPE_PRESERVING = new Set([
  'Activation',
  'Softmax',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'PReLU',
  'ThresholdedReLU',
  'Dropout',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'ActivityRegularization',
  'BatchNormalization',
  'LayerNormalization',
]);

function layerConfig(layer: Json): Json {
  return field(layer, 'config');
}

function batchInputShape(layer: Json): Json {
  const config = layerConfig(layer);
  for (const key of ['batch_input_shape', 'batchInputShape', 'batch_shape']) {
    const value = field(config, key);
    if (value !== undefined) return value;
  }
  for (const key of ['input_shape', 'inputShape']) {
    const value = field(config, key);
    if (Array.isArray(value)) return [null, ...value];
  }
  return undefined;
}

function imageShape(shape: Json): number[] {
  const text = JSON.stringify(shape)?.slice(0, 100) ?? 'undefined';
  if (!Array.isArray(shape)) throw corrupt('the input layer has no batch input shape.');
  const [batch, ...rest] = shape;
  const batchOk = batch === null || batch === undefined || batch === -1 || Number.isSafeInteger(batch);
  if (!batchOk || rest.length !== 3 || !rest.every((d) => Number.isSafeInteger(d) && d > 0 && d <= 65_536)) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `The model's input shape is ${text}; Antidote analyses image classifiers with input [batch, height, width, channels].`,
    );
  }
  return rest as number[];
}

function classCount(layer: Json, name: string): number {
  const units = field(layerConfig(layer), 'units');
  if (!Number.isSafeInteger(units) || (units as number) < 2 || (units as number) > 1_000_000) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `The classification layer "${name}" has ${JSON.stringify(units)} units; a classifier needs at least 2 classes.`,
    );
  }
  return units as number;
}

function notClassifier(className: Json): AntidoteError {
  return new AntidoteError(
    'SHAPE_MISMATCH',
    `The model's output comes from a ${typeof className === 'string' ? className.slice(0, 100) : 'unknown'} layer; Antidote needs a Dense classification layer last (optionally followed by softmax).`,
  );
}

function sequentialSignature(config: Json): { inputShape: number[]; numClasses: number } {
  const layers = Array.isArray(config) ? config : field(config, 'layers');
  if (!Array.isArray(layers) || layers.length === 0) throw corrupt('the Sequential model has no layers.');
  const inputShape = imageShape(batchInputShape(layers[0]));
  for (let i = layers.length - 1; i >= 0; i--) {
    const className = field(layers[i], 'class_name');
    if (className === 'Dense') return { inputShape, numClasses: classCount(layers[i], `#${i}`) };
    if (typeof className !== 'string' || !SHAPE_PRESERVING.has(className)) throw notClassifier(className);
  }
  throw notClassifier(undefined);
}

/** [[name, node, tensor]] (tfjs, Keras 2) or [name, node, tensor] (Keras 3) -> the layer names. */
function endpointNames(value: Json): string[] {
  if (!Array.isArray(value)) return [];
  if (typeof value[0] === 'string') return [value[0]];
  return value.map((item) => (Array.isArray(item) && typeof item[0] === 'string' ? item[0] : '')).filter((n) => n !== '');
}

/** The layer feeding `layer`'s first call: tfjs/Keras 2 `[[["name", 0, 0, {}]]]` or Keras 3 keras_history. */
function firstInboundName(layer: Json): string | undefined {
  const nodes = field(layer, 'inbound_nodes');
  const node = Array.isArray(nodes) ? nodes[0] : undefined;
  if (Array.isArray(node)) {
    const first = node[0];
    return Array.isArray(first) && typeof first[0] === 'string' ? first[0] : undefined;
  }
  const args = field(node, 'args');
  const tensor = Array.isArray(args) ? args[0] : undefined;
  const history = field(field(tensor, 'config'), 'keras_history');
  return Array.isArray(history) && typeof history[0] === 'string' ? history[0] : undefined;
}

function functionalSignature(config: Json): { inputShape: number[]; numClasses: number } {
  const layers = field(config, 'layers');
  if (!Array.isArray(layers) || layers.length === 0) throw corrupt('the model has no layers.');
  const byName = new Map<string, Json>();
  for (const layer of layers) {
    const name = field(layer, 'name') ?? field(layerConfig(layer), 'name');
    if (typeof name === 'string') byName.set(name, layer);
  }
  const inputs = endpointNames(field(config, 'input_layers'));
  const outputs = endpointNames(field(config, 'output_layers'));
  if (inputs.length !== 1 || outputs.length !== 1) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `The model has ${inputs.length} inputs and ${outputs.length} outputs; Antidote analyses image classifiers with one of each.`,
    );
  }
  const input = byName.get(inputs[0]!);
  if (input === undefined) throw corrupt(`the input layer "${inputs[0]!.slice(0, 100)}" is not among the layers.`);
  const inputShape = imageShape(batchInputShape(input));
  let name = outputs[0]!;
  for (let hops = 0; hops <= layers.length; hops++) {
    const layer = byName.get(name);
    if (layer === undefined) throw corrupt(`layer "${name.slice(0, 100)}" is referenced but not defined.`);
    const className = field(layer, 'class_name');
    if (className === 'Dense') return { inputShape, numClasses: classCount(layer, name.slice(0, 100)) };
    if (typeof className !== 'string' || !SHAPE_PRESERVING.has(className)) throw notClassifier(className);
    const previous = firstInboundName(layer);
    if (previous === undefined) throw corrupt(`layer "${name.slice(0, 100)}" has no readable inbound node.`);
    name = previous;
  }
  throw corrupt('the layer graph has a cycle.');
}

function topologySignature(json: Record<string, Json>): { inputShape: number[]; numClasses: number } {
  let topology = field(json, 'modelTopology');
  // tensorflowjs_converter output from Keras wraps the model in model_config.
  const wrapped = field(topology, 'model_config');
  if (isRecord(wrapped)) topology = wrapped;
  const className = field(topology, 'class_name');
  const config = field(topology, 'config');
  if (className === 'Sequential') return sequentialSignature(config);
  if (className === 'Model' || className === 'Functional') return functionalSignature(config);
  throw new AntidoteError(
    'UNSUPPORTED_FORMAT',
    `${MODEL_JSON} describes a ${typeof className === 'string' ? `"${className.slice(0, 100)}"` : 'nameless'} model; Antidote reads TF.js layers models (Sequential or functional).`,
  );
}

// ---- public API -----------------------------------------------------------------------------------

/** Zips a model's files (`saveModelToFiles` output, or any ModelFiles) into one archive. Deterministic. */
export function packModelArchive(files: ModelFiles): Uint8Array {
  if (!files[MODEL_JSON]) throw new AntidoteError('INVALID_INPUT', `A model archive needs ${MODEL_JSON}.`);
  const entries: Record<string, [Uint8Array, { level: 0 | 1 | 6 }]> = {};
  for (const [name, bytes] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const path = safeArchivePath(name, 'Model file');
    if (path === '') throw new AntidoteError('INVALID_INPUT', 'A model file has an empty name.');
    // Float weights barely compress; level 1 keeps packing fast for checkpoints of large models.
    entries[path] = [bytes, { level: path.endsWith('.json') ? 6 : 1 }];
  }
  return zipSync(entries, { mtime: ZIP_MTIME });
}

/**
 * Reads a zip, tar or tar.gz holding a TF.js layers model: `model.json` at the root or inside one
 * top folder, the weight files it names next to it. Returns every file of that folder keyed by its
 * path relative to model.json (what `loadModelFromFiles` takes). Throws TOO_LARGE (oversize, bombs),
 * INVALID_INPUT (paths leaving the archive, links, duplicates, several models), UNSUPPORTED_FORMAT
 * (not an archive) and CORRUPT_FILE (damaged archive, no model.json, missing or truncated weights).
 */
export function unpackModelArchive(bytes: Uint8Array, opts?: ModelArchiveLimits): ModelFiles {
  return unpackEntries(readModelArchive(bytes, resolveMaxBytes(opts))).files;
}

/**
 * What the archive holds, read from model.json and the weights manifest without TensorFlow: cheap
 * enough to validate an upload on the API gateway. Only ever throws AntidoteError.
 */
export function describeModelArchive(bytes: Uint8Array, opts?: ModelArchiveLimits): ModelArchiveDescription {
  return describeUnpacked(unpackEntries(readModelArchive(bytes, resolveMaxBytes(opts))));
}

/** The same description for model files already in memory (e.g. a folder upload). */
export function describeModelFiles(files: ModelFiles): ModelArchiveDescription {
  const modelJson = files[MODEL_JSON];
  if (!modelJson) throw new AntidoteError('CORRUPT_FILE', `No ${MODEL_JSON} among the model files.`);
  const json = parseJson(modelJson);
  return describeUnpacked({ files, json, groups: readManifest(json) });
}

function describeUnpacked(unpacked: {
  files: ModelFiles;
  json: Record<string, Json>;
  groups: WeightGroup[];
}): ModelArchiveDescription {
  const { paramCount, weightBytes } = checkWeights(unpacked.files, unpacked.groups);
  const signature = topologySignature(unpacked.json);
  return {
    format: 'tfjs-layers',
    inputShape: signature.inputShape,
    numClasses: signature.numClasses,
    paramCount,
    weightBytes,
    files: Object.keys(unpacked.files).sort(),
  };
}
