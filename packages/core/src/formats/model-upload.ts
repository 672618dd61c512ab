/**
 * What a model upload is before anything converts it: a TF.js layers archive, an ONNX file (bare,
 * or zipped with its external-data files and preprocessing sidecars), or a Keras `.keras`/`.h5`
 * file (bare, or zipped with sidecars). Bytes only, no TensorFlow, so the gateway can tell them
 * apart on upload and the worker can pick the importer.
 */
import { unzipSync, zipSync } from 'fflate';
import { AntidoteError } from '../errors.ts';
import { MODEL_JSON } from './model-files.ts';

export type ModelUploadKind = 'tfjs-layers' | 'onnx' | 'keras';

export interface ModelUpload {
  kind: ModelUploadKind;
  /** The model file itself (for tfjs-layers: the whole archive). */
  model: Uint8Array;
  /** The model file's name inside the upload, when it came in an archive. */
  modelName?: string;
  /** Other files of the archive, keyed by path (ONNX external data). */
  externalFiles: Record<string, Uint8Array>;
  /** `antidote.json` beside the model, when present. */
  antidoteJson?: Uint8Array;
  /** A Hugging Face `preprocessor_config.json` beside the model, when present. */
  huggingFacePreprocessor?: Uint8Array;
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const KERAS_WEIGHTS = 'model.weights.h5';

const startsWith = (bytes: Uint8Array, sig: number[]) => sig.every((b, i) => bytes[i] === b);
/** ONNX ModelProto: field 1 (ir_version) as a varint comes first in every exporter's output. */
const looksLikeOnnxBytes = (bytes: Uint8Array) => bytes.length > 8 && bytes[0] === 0x08 && (bytes[1] as number) < 0x20;
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * Classifies an upload. Archives are unpacked only to find the model; the caller's preflight
 * (gateway) or size limit (worker) guards against decompression bombs before this runs.
 */
export function classifyModelUpload(bytes: Uint8Array): ModelUpload {
  if (looksLikeOnnxBytes(bytes)) return { kind: 'onnx', model: bytes, externalFiles: {} };
  if (startsWith(bytes, HDF5)) return { kind: 'keras', model: bytes, externalFiles: {} };
  if (!startsWith(bytes, ZIP)) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      'The model is not a TF.js layers archive (zip with model.json), an ONNX file, a Keras .keras/.h5 file, or a zip holding one of them.',
    );
  }
  const unzip = (keep: boolean) => {
    const listed: string[] = [];
    try {
      // the first pass only lists names: a TF.js or Keras archive is not inflated twice
      const entries = unzipSync(bytes, {
        filter: (info) => {
          listed.push(info.name);
          return keep;
        },
      });
      return { entries, names: listed.filter((n) => !n.endsWith('/')) };
    } catch (cause) {
      throw new AntidoteError('CORRUPT_FILE', 'The model archive is not a readable zip file.', { cause });
    }
  };
  const { names: listed } = unzip(false);
  if (listed.some((n) => baseName(n) === MODEL_JSON)) return { kind: 'tfjs-layers', model: bytes, externalFiles: {} };
  // a Keras 3 .keras file is itself a zip of config.json + model.weights.h5
  if (listed.includes('config.json') && listed.includes(KERAS_WEIGHTS)) return { kind: 'keras', model: bytes, externalFiles: {} };
  const { entries, names } = unzip(true);
  const sidecar = (name: string) => {
    const path = names.find((n) => baseName(n) === name);
    return path ? entries[path] : undefined;
  };
  const onnx = names.filter((n) => n.toLowerCase().endsWith('.onnx'));
  const keras = names.filter((n) => /\.(keras|h5)$/i.test(n));
  if (onnx.length + keras.length !== 1) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      onnx.length + keras.length === 0
        ? 'The archive holds no model: put model.json (TF.js), one .onnx file or one .keras/.h5 file in it.'
        : `The archive holds ${onnx.length + keras.length} model files (${[...onnx, ...keras].join(', ')}); upload one model at a time.`,
    );
  }
  const modelName = (onnx[0] ?? keras[0]) as string;
  const dir = modelName.includes('/') ? modelName.slice(0, modelName.lastIndexOf('/') + 1) : '';
  const externalFiles: Record<string, Uint8Array> = {};
  for (const name of names) {
    if (name !== modelName && name.startsWith(dir)) externalFiles[name.slice(dir.length)] = entries[name] as Uint8Array;
  }
  const antidoteJson = sidecar('antidote.json');
  const huggingFacePreprocessor = sidecar('preprocessor_config.json');
  return {
    kind: onnx.length ? 'onnx' : 'keras',
    model: entries[modelName] as Uint8Array,
    modelName,
    externalFiles,
    ...(antidoteJson ? { antidoteJson } : {}),
    ...(huggingFacePreprocessor ? { huggingFacePreprocessor } : {}),
  };
}

/** The upload with its model file replaced: the bytes themselves for a bare file, else the same zip with that entry swapped. */
export function replaceUploadModel(original: Uint8Array, upload: ModelUpload, model: Uint8Array): Uint8Array {
  if (!upload.modelName) return model;
  const entries = unzipSync(original);
  entries[upload.modelName] = model as Uint8Array<ArrayBuffer>;
  return zipSync(entries);
}
