/**
 * Reads Keras model files: Keras 3 `.keras` (a zip of config.json + model.weights.h5, weights under
 * `layers/<snake_case class>[_n]/vars/<i>`) and legacy Keras 2 `.h5` full-model files (a
 * `model_config` attribute and `model_weights/<layer>/<weight_names>`). Returns the model config
 * and, per layer name, where each weight lives in the HDF5 file, for import and write-back.
 */
import { unzipSync, zipSync } from 'fflate';
import { AntidoteError } from '../../errors.ts';
import { type H5File, withH5 } from './h5.ts';

export type KerasFormat = 'keras3' | 'keras2-h5';

export interface KerasLayerConfig {
  class_name: string;
  module?: string;
  registered_name?: string | null;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

export interface KerasModelConfig {
  class_name: string;
  config: {
    name?: string;
    layers: KerasLayerConfig[];
    input_layers?: unknown;
    output_layers?: unknown;
  };
}

export interface KerasWeight {
  /** Dataset path inside the HDF5 weights file. */
  path: string;
  shape: number[];
  values: Float32Array;
}

export interface KerasFile {
  format: KerasFormat;
  model: KerasModelConfig;
  /** Weights per layer name, in the layer's variable order. */
  weights: Map<string, KerasWeight[]>;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const WEIGHTS_ENTRY = 'model.weights.h5';

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function looksLikeHdf5(bytes: Uint8Array): boolean {
  return HDF5_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** keras.src.utils.naming.to_snake_case, which names the weight groups of a .keras file. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function parseConfig(text: string, where: string): KerasModelConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new AntidoteError('CORRUPT_FILE', `${where} is not valid JSON.`, { cause });
  }
  const config = value as KerasModelConfig;
  if (!config || typeof config.class_name !== 'string' || !Array.isArray(config.config?.layers)) {
    throw new AntidoteError('UNSUPPORTED_FORMAT', `${where} does not describe a Sequential or Functional model.`);
  }
  return config;
}

function readDataset(file: H5File, path: string): KerasWeight {
  const entity = file.get(path) as { shape?: number[] | null; value?: unknown } | null;
  if (!entity || !('shape' in entity)) {
    throw new AntidoteError('CORRUPT_FILE', `The weights file has no dataset "${path}".`);
  }
  const raw = entity.value as ArrayLike<number> | null;
  return { path, shape: entity.shape ?? [], values: Float32Array.from(raw ?? []) };
}

function groupKeys(file: H5File, path: string): string[] {
  const group = file.get(path) as { keys?: () => string[] } | null;
  return group && typeof group.keys === 'function' ? group.keys() : [];
}

/** Keras 3: walk model layers in order, naming groups by snake-cased class with per-class counters. */
function keras3Weights(file: H5File, model: KerasModelConfig): Map<string, KerasWeight[]> {
  const weights = new Map<string, KerasWeight[]>();
  const used = new Map<string, number>();
  const root = groupKeys(file, '/').includes('layers') ? 'layers' : '_layer_checkpoint_dependencies';
  for (const layer of model.config.layers) {
    const base = kerasSnakeCase(layer.class_name);
    const seen = used.get(base);
    const name = seen === undefined ? base : `${base}_${seen + 1}`;
    used.set(base, seen === undefined ? 0 : seen + 1);
    const varsPath = `${root}/${name}/vars`;
    const keys = groupKeys(file, varsPath)
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b));
    const layerName = (layer.config.name as string | undefined) ?? layer.name ?? name;
    weights.set(
      layerName,
      keys.map((k) => readDataset(file, `${varsPath}/${k}`)),
    );
  }
  return weights;
}

function textAttr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return String(value ?? '');
}

function listAttr(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(textAttr);
  if (typeof value === 'string') return [value];
  return [];
}

/** Keras 2 `.h5`: `model_weights/<layer>` lists its datasets in the `weight_names` attribute. */
function keras2Weights(file: H5File): Map<string, KerasWeight[]> {
  const weights = new Map<string, KerasWeight[]>();
  const group = file.get('model_weights') as { attrs: Record<string, { value: unknown }> } | null;
  if (!group)
    throw new AntidoteError('UNSUPPORTED_FORMAT', 'The .h5 file has no model_weights group; save the full model (model.save).');
  for (const layerName of listAttr(group.attrs.layer_names?.value)) {
    const layerGroup = file.get(`model_weights/${layerName}`) as { attrs: Record<string, { value: unknown }> } | null;
    const names = listAttr(layerGroup?.attrs.weight_names?.value).filter((n) => n !== '');
    weights.set(
      layerName,
      names.map((n) => readDataset(file, `model_weights/${layerName}/${n}`)),
    );
  }
  return weights;
}

export async function readKerasFile(bytes: Uint8Array): Promise<KerasFile> {
  if (looksLikeZip(bytes)) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(bytes);
    } catch (cause) {
      throw new AntidoteError('CORRUPT_FILE', 'The .keras archive cannot be unzipped; it is truncated or corrupt.', { cause });
    }
    const configBytes = entries['config.json'];
    const weightBytes = entries[WEIGHTS_ENTRY];
    if (!configBytes || !weightBytes) {
      throw new AntidoteError(
        'UNSUPPORTED_FORMAT',
        'A .keras archive needs config.json and model.weights.h5; save the model with model.save("model.keras").',
      );
    }
    const model = parseConfig(new TextDecoder().decode(configBytes), 'config.json');
    const { result } = await withH5(weightBytes, 'r', (file) => keras3Weights(file, model));
    return { format: 'keras3', model, weights: result };
  }
  if (looksLikeHdf5(bytes)) {
    const { result } = await withH5(bytes, 'r', (file) => {
      const attr = (file.attrs as Record<string, { value: unknown }>).model_config;
      if (!attr) {
        throw new AntidoteError(
          'UNSUPPORTED_FORMAT',
          'The .h5 file has no model_config: it holds weights only. Save the full model (model.save("model.h5")).',
        );
      }
      return { model: parseConfig(textAttr(attr.value), 'model_config'), weights: keras2Weights(file) };
    });
    return { format: 'keras2-h5', ...result };
  }
  throw new AntidoteError('UNSUPPORTED_FORMAT', 'The file is neither a .keras archive nor an HDF5 .h5 model.');
}

/** The original file with the given datasets overwritten (same shapes); every other byte of the zip entries kept. */
export async function writeKerasWeights(
  original: Uint8Array,
  replacements: ReadonlyMap<string, Float32Array>,
): Promise<Uint8Array> {
  const edit = async (h5: Uint8Array) =>
    (
      await withH5(h5, 'a', (file) => {
        for (const [path, values] of replacements) {
          const dataset = file.get(path) as {
            shape?: number[] | null;
            write_slice?: (r: [number, number][], d: unknown) => void;
          } | null;
          if (!dataset?.write_slice || !dataset.shape)
            throw new AntidoteError('NOT_FOUND', `The weights file has no dataset "${path}".`);
          const count = dataset.shape.reduce((a, b) => a * b, 1);
          if (count !== values.length) {
            throw new AntidoteError(
              'SHAPE_MISMATCH',
              `Dataset "${path}" holds ${count} values; the repaired weight has ${values.length}.`,
            );
          }
          dataset.write_slice(
            dataset.shape.map((d) => [0, d] as [number, number]),
            values,
          );
        }
      })
    ).bytes;
  if (looksLikeZip(original)) {
    const entries: Record<string, Uint8Array> = unzipSync(original);
    entries[WEIGHTS_ENTRY] = await edit(entries[WEIGHTS_ENTRY] as Uint8Array);
    return zipSync(entries as Parameters<typeof zipSync>[0], { level: 0 });
  }
  return edit(original);
}
