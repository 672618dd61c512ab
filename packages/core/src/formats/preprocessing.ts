/**
 * A model's input preprocessing as part of its version: layout, size, channel order, scale and
 * per-channel mean/std, read from an `antidote.json` or a Hugging Face `preprocessor_config.json`,
 * or stated at upload. Antidote's datasets stay uint8 RGB NHWC; `toInputNormalization` turns the
 * spec into the first layer of the imported model, `fitDatasetToInput` resizes datasets to it.
 * No TensorFlow here: the gateway validates preprocessing at upload.
 */
import type { InputNormalizationConfig } from '../convert/layers.ts';
import { type ImageDataset, type ImportedImages, imageCount } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';

export type ResizeMethod = 'bilinear' | 'nearest';

export interface Preprocessing {
  /** Layout of the model file's input tensor. */
  layout: 'NCHW' | 'NHWC';
  height: number;
  width: number;
  channels: number;
  /** Channel order the model expects; Antidote's pixels are RGB. */
  channelOrder: 'RGB' | 'BGR';
  /** Multiplier for 0..255 pixel values (1/255 maps to [0, 1]). */
  scale: number;
  /** Per-channel mean subtracted after scaling, in the model's channel order. */
  mean: number[];
  /** Per-channel divisor after subtracting the mean. */
  std: number[];
  /** How datasets are resized to height x width (half-pixel centres, no antialiasing). */
  resize: ResizeMethod;
}

export interface ResolvedPreprocessing {
  preprocessing: Preprocessing;
  /** Fields that took Antidote's defaults because nothing declared them; shown to the user. */
  defaulted: (keyof Preprocessing)[];
}

/** The model's input geometry as the importer read it. */
export interface ModelInput {
  layout: 'NCHW' | 'NHWC';
  height: number;
  width: number;
  channels: number;
}

function fail(message: string): never {
  throw new AntidoteError('INVALID_INPUT', message);
}

function numberList(value: unknown, field: string, channels: number): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'number' ? new Array(channels).fill(value) : value;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    fail(`Preprocessing "${field}" must be a number or a list of ${channels} numbers.`);
  }
  if (list.length !== channels) fail(`Preprocessing "${field}" has ${list.length} values for ${channels} channels.`);
  return list as number[];
}

/**
 * Merges what was declared (upload fields, antidote.json, a sidecar) with the model's input and
 * explicit defaults: scale 1/255, mean 0, std 1, RGB, bilinear. A declared size or channel count
 * that contradicts the model file is an error, not a silent override.
 */
export function resolvePreprocessing(input: ModelInput, declared: Partial<Preprocessing> = {}): ResolvedPreprocessing {
  const defaulted: (keyof Preprocessing)[] = [];
  const pick = <K extends keyof Preprocessing>(key: K, fallback: Preprocessing[K]): Preprocessing[K] => {
    const value = declared[key];
    if (value === undefined) {
      defaulted.push(key);
      return fallback;
    }
    return value as Preprocessing[K];
  };
  for (const key of ['height', 'width', 'channels', 'layout'] as const) {
    const value = declared[key];
    if (value !== undefined && value !== input[key]) {
      throw new AntidoteError(
        'SHAPE_MISMATCH',
        `The preprocessing says ${key} ${value}, the model file's input has ${input[key]}; correct the preprocessing or re-export the model.`,
      );
    }
  }
  const channels = input.channels;
  const preprocessing: Preprocessing = {
    layout: input.layout,
    height: input.height,
    width: input.width,
    channels,
    channelOrder: pick('channelOrder', 'RGB'),
    scale: pick('scale', 1 / 255),
    mean: pick('mean', new Array(channels).fill(0)),
    std: pick('std', new Array(channels).fill(1)),
    resize: pick('resize', 'bilinear'),
  };
  validatePreprocessing(preprocessing);
  return { preprocessing, defaulted };
}

export function validatePreprocessing(p: Preprocessing): Preprocessing {
  if (p.layout !== 'NCHW' && p.layout !== 'NHWC') fail(`Preprocessing layout must be NCHW or NHWC, got ${p.layout}.`);
  if (p.channelOrder !== 'RGB' && p.channelOrder !== 'BGR') fail(`Channel order must be RGB or BGR, got ${p.channelOrder}.`);
  if (p.resize !== 'bilinear' && p.resize !== 'nearest') fail(`Resize method must be bilinear or nearest, got ${p.resize}.`);
  for (const [key, value] of [
    ['height', p.height],
    ['width', p.width],
    ['channels', p.channels],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0 || value > 4096) fail(`Preprocessing ${key} must be an integer in 1..4096.`);
  }
  if (!Number.isFinite(p.scale) || p.scale <= 0) fail('Preprocessing scale must be a positive number.');
  numberList(p.mean, 'mean', p.channels);
  numberList(p.std, 'std', p.channels);
  if (p.std.some((s) => s === 0)) fail('Preprocessing std must not contain 0.');
  if (p.channelOrder === 'BGR' && p.channels !== 3) fail('BGR channel order needs 3 channels.');
  return p;
}

function parseJson(bytes: Uint8Array | string, file: string): Record<string, unknown> {
  try {
    const value = JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new AntidoteError('INVALID_INPUT', `${file} is not a JSON object (${(cause as Error).message}).`, { cause });
  }
}

function sizePair(value: unknown, file: string): { height?: number; width?: number } {
  if (value === undefined || value === null) return {};
  if (typeof value === 'number') return { height: value, width: value };
  if (Array.isArray(value) && value.length === 2) return { height: value[0] as number, width: value[1] as number };
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.height === 'number' && typeof o.width === 'number') return { height: o.height, width: o.width };
    if (typeof o.shortest_edge === 'number') return { height: o.shortest_edge, width: o.shortest_edge };
  }
  return fail(`${file}: size must be a number, [height, width] or {height, width}.`);
}

/**
 * `antidote.json` beside a model:
 * `{ "layout": "NCHW", "size": [224, 224], "channels": 3, "channelOrder": "RGB", "scale": 0.00392156862745098,
 *    "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "resize": "bilinear" }`; every field optional.
 */
export function parseAntidoteJson(bytes: Uint8Array | string): Partial<Preprocessing> {
  const file = 'antidote.json';
  const o = parseJson(bytes, file);
  const known = new Set(['layout', 'size', 'channels', 'channelOrder', 'scale', 'mean', 'std', 'resize']);
  const unknown = Object.keys(o).filter((k) => !known.has(k));
  if (unknown.length > 0) fail(`${file} has unknown fields ${unknown.join(', ')}; allowed: ${[...known].join(', ')}.`);
  const out: Partial<Preprocessing> = { ...sizePair(o.size, file) };
  if (o.layout !== undefined) out.layout = o.layout as Preprocessing['layout'];
  if (o.channels !== undefined) out.channels = o.channels as number;
  if (o.channelOrder !== undefined) out.channelOrder = o.channelOrder as Preprocessing['channelOrder'];
  if (o.scale !== undefined) out.scale = o.scale as number;
  if (o.resize !== undefined) out.resize = o.resize as ResizeMethod;
  const channels = typeof o.channels === 'number' ? o.channels : Array.isArray(o.mean) ? o.mean.length : 3;
  const mean = numberList(o.mean, 'mean', channels);
  const std = numberList(o.std, 'std', channels);
  if (mean) out.mean = mean;
  if (std) out.std = std;
  return out;
}

/** PIL resample codes Hugging Face image processors store. */
const PIL_RESAMPLE: Record<number, ResizeMethod> = { 0: 'nearest', 2: 'bilinear', 3: 'bilinear' };

/**
 * A Hugging Face `preprocessor_config.json` (image processors): pixel_values are NCHW RGB,
 * rescaled by rescale_factor, normalised by image_mean/image_std, resized (then centre-cropped
 * when do_center_crop; Antidote resizes straight to the crop size).
 */
export function parseHuggingFacePreprocessor(bytes: Uint8Array | string): Partial<Preprocessing> {
  const file = 'preprocessor_config.json';
  const o = parseJson(bytes, file);
  const size = o.do_center_crop === true && o.crop_size !== undefined ? sizePair(o.crop_size, file) : sizePair(o.size, file);
  const channels = Array.isArray(o.image_mean) ? o.image_mean.length : 3;
  const out: Partial<Preprocessing> = { layout: 'NCHW', channelOrder: 'RGB', ...size };
  out.scale = o.do_rescale === false ? 1 : typeof o.rescale_factor === 'number' ? o.rescale_factor : 1 / 255;
  if (o.do_normalize === false) {
    out.mean = new Array(channels).fill(0);
    out.std = new Array(channels).fill(1);
  } else {
    const mean = numberList(o.image_mean, 'image_mean', channels);
    const std = numberList(o.image_std, 'image_std', channels);
    if (mean) out.mean = mean;
    if (std) out.std = std;
  }
  if (typeof o.resample === 'number' && PIL_RESAMPLE[o.resample]) out.resize = PIL_RESAMPLE[o.resample];
  return out;
}

/** The InputNormalization layer config mapping Antidote's pixels / 255 (RGB) to the model's input. */
export function toInputNormalization(p: Preprocessing): InputNormalizationConfig {
  return { scale: p.scale * 255, mean: [...p.mean], std: [...p.std], reverseChannels: p.channelOrder === 'BGR' };
}

export interface FitDatasetOptions {
  /** Replicate a grayscale dataset to 3 channels for an RGB model (an explicit choice, never automatic). */
  replicateGray?: boolean;
}

/**
 * Resizes a dataset to the model's input with the preprocessing's method (half-pixel centres, no
 * antialiasing, rounded to uint8). A channel mismatch is a typed error that says how to fix it.
 */
export function fitDatasetToInput(dataset: ImageDataset, p: Preprocessing, options: FitDatasetOptions = {}): ImageDataset {
  let data = dataset;
  if (dataset.channels !== p.channels) {
    if (dataset.channels === 1 && p.channels === 3 && options.replicateGray) {
      data = replicateChannels(dataset, 3);
    } else {
      throw new AntidoteError(
        'SHAPE_MISMATCH',
        `The dataset has ${dataset.channels} channel(s), the model takes ${p.channels}. ${
          dataset.channels === 1 && p.channels === 3
            ? 'Replicate the gray channel (replicateGray) or upload RGB images.'
            : 'Upload images with the channel count the model was trained on.'
        }`,
      );
    }
  }
  if (data.height === p.height && data.width === p.width) return data;
  return resizeDataset(data, p.height, p.width, p.resize);
}

export function replicateChannels(dataset: ImageDataset, channels: number): ImageDataset {
  if (dataset.channels !== 1) throw new AntidoteError('SHAPE_MISMATCH', 'Only single-channel datasets can be replicated.');
  const images = new Uint8Array(dataset.images.length * channels);
  for (let i = 0; i < dataset.images.length; i++) images.fill(dataset.images[i] as number, i * channels, (i + 1) * channels);
  return { ...dataset, images, channels };
}

/** Source rows/columns and weights of a half-pixel-centre resize along one axis (tf.image's rule). */
function axisTaps(inSize: number, outSize: number, method: ResizeMethod): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const scale = inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    if (method === 'nearest') {
      const nearest = Math.max(0, Math.min(inSize - 1, Math.floor((o + 0.5) * scale)));
      lo[o] = nearest;
      hi[o] = nearest;
      continue;
    }
    const source = (o + 0.5) * scale - 0.5;
    const floor = Math.floor(source);
    lo[o] = Math.max(0, floor);
    hi[o] = Math.min(inSize - 1, Math.ceil(source));
    frac[o] = source - floor;
  }
  return { lo, hi, frac };
}

/**
 * Resizes every image (half-pixel centres as tf.image does, no antialiasing, rounded to uint8).
 * Plain JS, so the gateway can use it without loading TensorFlow.
 */
export function resizeDataset<T extends ImportedImages>(dataset: T, height: number, width: number, method: ResizeMethod): T {
  const { channels: c, height: inH, width: inW } = dataset;
  const count = imageCount(dataset);
  const rows = axisTaps(inH, height, method);
  const cols = axisTaps(inW, width, method);
  const inSize = inH * inW * c;
  const outSize = height * width * c;
  const images = new Uint8Array(count * outSize);
  const src = dataset.images;
  for (let n = 0; n < count; n++) {
    const base = n * inSize;
    let out = n * outSize;
    for (let y = 0; y < height; y++) {
      const top = base + (rows.lo[y] as number) * inW * c;
      const bottom = base + (rows.hi[y] as number) * inW * c;
      const fy = rows.frac[y] as number;
      for (let x = 0; x < width; x++) {
        const left = (cols.lo[x] as number) * c;
        const right = (cols.hi[x] as number) * c;
        const fx = cols.frac[x] as number;
        for (let ch = 0; ch < c; ch++) {
          const tl = src[top + left + ch] as number;
          const tr = src[top + right + ch] as number;
          const bl = src[bottom + left + ch] as number;
          const br = src[bottom + right + ch] as number;
          const upper = tl + (tr - tl) * fx;
          const lower = bl + (br - bl) * fx;
          images[out++] = Math.round(upper + (lower - upper) * fy);
        }
      }
    }
  }
  return { ...dataset, images, height, width };
}
