/**
 * NumPy .npy arrays (format versions 1-3): the magic "\x93NUMPY", a version, a little-endian
 * header length, then a Python dict literal with descr, fortran_order and shape, then raw data.
 * Images may be uint8 or float32 (either [0, 1] or [0, 255]); labels any integer type.
 */
import { AntidoteError } from '../../errors.ts';
import { type ImageDataset, type UnlabelledImages, validateDataset, validateUnlabelled } from '../image-dataset.ts';
import {
  type BytesInput,
  checkDatasetLimits,
  checkNotEmpty,
  type DatasetFile,
  gunzipIfNeeded,
  type ImageShape,
  type ImportLimits,
  numberedClassNames,
  resolveLimits,
  toDatasetFile,
} from './shared.ts';

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;

export type NpyLayout = 'NHWC' | 'NCHW' | 'auto';

export interface NpyDtype {
  /** The descr string as written in the file, e.g. '<f4'. */
  readonly descr: string;
  /** NumPy kind character: 'u' unsigned, 'i' signed, 'f' float, 'b' bool, 'O' object, ... */
  readonly kind: string;
  readonly itemSize: number;
  readonly littleEndian: boolean;
}

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly fortranOrder: boolean;
  /** Exactly the element bytes (a view into the file). */
  readonly data: Uint8Array;
}

export interface NpyImportInput extends ImportLimits {
  images: BytesInput;
  labels: BytesInput;
  /** Axis order of rank-4 image arrays. Default 'auto': NCHW when dim 1 is 1 or 3 and the last dim is not. */
  layout?: NpyLayout;
  /** Defaults to '0', '1', ... up to the largest label. */
  classNames?: readonly string[];
  /** Default false: only natural photos keep their class when mirrored. */
  flipAugment?: boolean;
}

/** Generous bound for the header dict, so a gzip cap derived from the data size never cuts it off. */
const MAX_NPY_HEADER_BYTES = 1 << 20;
const ACCEPTED_IMAGE_DTYPES = 'uint8 (|u1) or float32 (<f4)';
const ACCEPTED_LABEL_DTYPES = 'an integer type such as int64 (<i8), int32 (<i4) or uint8 (|u1)';

export function looksLikeNpy(bytes: Uint8Array): boolean {
  return NPY_MAGIC.every((byte, i) => bytes[i] === byte);
}

export interface NpyHeader {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly fortranOrder: boolean;
  /** Offset of the first element byte. */
  readonly dataStart: number;
}

/** Reads the header of an uncompressed .npy file; the data after it is not checked. */
export function parseNpyHeader(file: DatasetFile): NpyHeader {
  const { bytes, name } = file;
  if (!looksLikeNpy(bytes)) {
    throw new AntidoteError('UNSUPPORTED_FORMAT', `${name} is not a NumPy .npy file (it does not start with "\\x93NUMPY").`);
  }
  if (bytes.length < 10) throw new AntidoteError('CORRUPT_FILE', `${name} is truncated inside its .npy header.`);
  const major = bytes[6] ?? 0;
  if (major < 1 || major > 3) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${name} uses .npy format version ${major}; versions 1, 2 and 3 are supported.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : Infinity;
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) throw new AntidoteError('CORRUPT_FILE', `${name} is truncated inside its .npy header.`);
  const header = new TextDecoder().decode(bytes.subarray(headerStart, dataStart));
  return {
    dtype: parseDescr(header, name),
    shape: parseShape(header, name),
    fortranOrder: parseFortranOrder(header, name),
    dataStart,
  };
}

/** Parses an uncompressed or gzipped .npy file into its dtype, shape and raw element bytes. */
export function parseNpy(input: BytesInput, maxInflatedBytes = Number.MAX_SAFE_INTEGER): NpyArray {
  const file = gunzipIfNeeded(toDatasetFile(input, 'the .npy file'), maxInflatedBytes);
  const { dtype, shape, fortranOrder, dataStart } = parseNpyHeader(file);
  const available = file.bytes.length - dataStart;
  const dataLength = shape.reduce((a, b) => a * b, 1) * dtype.itemSize;
  if (available < dataLength) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `${file.name} is truncated: shape (${shape.join(', ')}) of ${dtype.descr} needs ${dataLength} bytes of data ` +
        `but the file holds ${available}; save or download it again.`,
    );
  }
  return { dtype, shape, fortranOrder, data: file.bytes.subarray(dataStart, dataStart + dataLength) };
}

function parseDescr(header: string, fileName: string): NpyDtype {
  if (/['"]descr['"]\s*:\s*\[/.test(header)) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${fileName} holds a structured (record) array; save plain arrays: images as ${ACCEPTED_IMAGE_DTYPES}, labels as integers.`,
    );
  }
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  if (descr === undefined) throw new AntidoteError('CORRUPT_FILE', `${fileName} has a damaged .npy header (no 'descr' entry).`);
  const match = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!match) {
    throw new AntidoteError('UNSUPPORTED_FORMAT', `${fileName} has dtype '${descr}', which Antidote cannot read.`);
  }
  const [, order = '', kind = '', size = ''] = match;
  return { descr, kind, itemSize: Number(size) || 0, littleEndian: order !== '>' };
}

function parseShape(header: string, fileName: string): number[] {
  const body = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (body === undefined) throw new AntidoteError('CORRUPT_FILE', `${fileName} has a damaged .npy header (no 'shape' entry).`);
  const parts = body
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  // Python 2 wrote long integers with an L suffix.
  if (!parts.every((part) => /^\d+L?$/.test(part))) {
    throw new AntidoteError('CORRUPT_FILE', `${fileName} has a damaged .npy header (shape '(${body})').`);
  }
  return parts.map((part) => Number.parseInt(part, 10));
}

function parseFortranOrder(header: string, fileName: string): boolean {
  const value = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  if (value === undefined) {
    throw new AntidoteError('CORRUPT_FILE', `${fileName} has a damaged .npy header (no 'fortran_order' entry).`);
  }
  return value === 'True';
}

/** A readable name for a dtype in messages, e.g. "float64 (<f8)". */
export function describeDtype(dtype: NpyDtype): string {
  const bits = dtype.itemSize * 8;
  const names: Record<string, string> = {
    u: `uint${bits}`,
    i: `int${bits}`,
    f: `float${bits}`,
    c: `complex${bits}`,
    b: 'bool',
    O: 'Python objects',
    U: 'unicode strings',
    S: 'byte strings',
  };
  const name = names[dtype.kind];
  return name ? `${name} (${dtype.descr})` : `'${dtype.descr}'`;
}

/** Element strides of each axis, in elements, for C (row-major) or Fortran (column-major) order. */
function elementStrides(shape: readonly number[], fortranOrder: boolean): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  if (fortranOrder) {
    for (let axis = 1; axis < shape.length; axis++) strides[axis] = strides[axis - 1]! * shape[axis - 1]!;
  } else {
    for (let axis = shape.length - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1]! * shape[axis + 1]!;
  }
  return strides;
}

interface ImageGeometry extends ImageShape {
  readonly count: number;
  readonly layout: 'NHWC' | 'NCHW';
  /** Source element stride of the n, h, w and c axes. */
  readonly strides: readonly [number, number, number, number];
}

function imageGeometry(array: NpyArray, requested: NpyLayout, fileName: string): ImageGeometry {
  const { shape } = array;
  const strides = elementStrides(shape, array.fortranOrder);
  if (shape.length === 3) {
    const [count = 0, height = 0, width = 0] = shape;
    const [sn = 0, sh = 0, sw = 0] = strides;
    return { count, height, width, channels: 1, layout: 'NHWC', strides: [sn, sh, sw, 0] };
  }
  if (shape.length !== 4) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `${fileName} has shape (${shape.join(', ')}); image arrays must be (N, H, W, C), (N, C, H, W) or (N, H, W) for grayscale.`,
    );
  }
  const [d0 = 0, d1 = 0, d2 = 0, d3 = 0] = shape;
  const [s0 = 0, s1 = 0, s2 = 0, s3 = 0] = strides;
  const layout = requested === 'auto' ? ((d1 === 1 || d1 === 3) && d3 !== 1 && d3 !== 3 ? 'NCHW' : 'NHWC') : requested;
  const geometry: ImageGeometry =
    layout === 'NCHW'
      ? { count: d0, channels: d1, height: d2, width: d3, layout, strides: [s0, s2, s3, s1] }
      : { count: d0, height: d1, width: d2, channels: d3, layout, strides: [s0, s1, s2, s3] };
  if (geometry.channels !== 1 && geometry.channels !== 3) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `${fileName} has shape (${shape.join(', ')}), which as ${layout} means ${geometry.channels} channels; ` +
        `images need 1 (grayscale) or 3 (RGB).${requested === 'auto' ? " Pass layout 'NHWC' or 'NCHW' if the axes were guessed wrong." : ''}`,
    );
  }
  return geometry;
}

/** Element values as uint8 in file order: uint8 as is, float32 scaled from [0, 1] or kept from [0, 255]. */
function pixelValues(array: NpyArray, fileName: string): Uint8Array {
  const { dtype, data } = array;
  if (dtype.kind === 'u' && dtype.itemSize === 1) return data;
  if (dtype.kind !== 'f' || dtype.itemSize !== 4) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${fileName} has dtype ${describeDtype(dtype)}; image arrays must be ${ACCEPTED_IMAGE_DTYPES}. ` +
        'Convert with images.astype(np.uint8) or images.astype(np.float32) before saving.',
    );
  }
  const count = data.length / 4;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const value = view.getFloat32(4 * i, dtype.littleEndian);
    if (!Number.isFinite(value)) {
      throw new AntidoteError('INVALID_INPUT', `${fileName} contains NaN or infinite pixel values; images must be finite.`);
    }
    if (value < min) min = value;
    if (value > max) max = value;
  }
  // Values that all fit in [0, 1] are taken as normalised; a real [0, 255] image is never that dark.
  const scale = min >= 0 && max <= 1 ? 255 : min >= 0 && max <= 255 ? 1 : 0;
  if (scale === 0) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `${fileName} holds float32 pixels from ${min} to ${max}; float images must lie in [0, 1] or [0, 255] (undo any normalisation before saving).`,
    );
  }
  const pixels = new Uint8Array(count);
  for (let i = 0; i < count; i++) pixels[i] = Math.round(view.getFloat32(4 * i, dtype.littleEndian) * scale);
  return pixels;
}

function gatherNhwc(values: Uint8Array, geometry: ImageGeometry): Uint8Array {
  const { count, height, width, channels } = geometry;
  const [sn, sh, sw, sc] = geometry.strides;
  const out = new Uint8Array(count * height * width * channels);
  let o = 0;
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const base = n * sn + y * sh + x * sw;
        for (let c = 0; c < channels; c++) out[o++] = values[base + c * sc]!;
      }
    }
  }
  return out;
}

/** Labels as Int32Array from an integer array of shape (N,) or (N, 1). */
export function npyLabels(array: NpyArray, fileName: string): Int32Array {
  const { dtype, shape } = array;
  if (shape.length !== 1 && !(shape.length === 2 && shape[1] === 1)) {
    const hint = shape.length === 2 ? ' One-hot labels? Save labels.argmax(axis=1) instead.' : '';
    throw new AntidoteError('SHAPE_MISMATCH', `${fileName} has shape (${shape.join(', ')}); labels must have shape (N,).${hint}`);
  }
  if ((dtype.kind !== 'u' && dtype.kind !== 'i') || ![1, 2, 4, 8].includes(dtype.itemSize)) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${fileName} has dtype ${describeDtype(dtype)}; labels must be ${ACCEPTED_LABEL_DTYPES}. Convert with labels.astype(np.int64).`,
    );
  }
  const count = shape[0] ?? 0;
  const view = new DataView(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const read = integerReader(view, dtype);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = read(i);
    if (label < -(2 ** 31) || label >= 2 ** 31) {
      throw new AntidoteError(
        'CLASS_MISMATCH',
        `${fileName} has label ${label} at index ${i}; labels must be class indices 0..K-1.`,
      );
    }
    labels[i] = label;
  }
  return labels;
}

function integerReader(view: DataView, dtype: NpyDtype): (index: number) => number {
  const le = dtype.littleEndian;
  const signed = dtype.kind === 'i';
  switch (dtype.itemSize) {
    case 1:
      return signed ? (i) => view.getInt8(i) : (i) => view.getUint8(i);
    case 2:
      return signed ? (i) => view.getInt16(2 * i, le) : (i) => view.getUint16(2 * i, le);
    case 4:
      return signed ? (i) => view.getInt32(4 * i, le) : (i) => view.getUint32(4 * i, le);
    default:
      return signed ? (i) => Number(view.getBigInt64(8 * i, le)) : (i) => Number(view.getBigUint64(8 * i, le));
  }
}

/** An image dataset from an images .npy (NHWC, NCHW or NHW) and a labels .npy. */
export function importNpy(input: NpyImportInput): ImageDataset {
  const limits = resolveLimits(input);
  const layout = checkLayout(input.layout);
  const imagesFile: DatasetFile = toDatasetFile(input.images, 'the images .npy file');
  const labelsFile: DatasetFile = toDatasetFile(input.labels, 'the labels .npy file');
  // float32 takes 4 bytes per pixel and int64 8 per label, so the gzip caps follow the pixel and image caps.
  const imageArray = parseNpy(imagesFile, 4 * limits.maxBytes + MAX_NPY_HEADER_BYTES);
  const labelArray = parseNpy(labelsFile, 8 * limits.maxImages + MAX_NPY_HEADER_BYTES);
  const geometry = imageGeometry(imageArray, layout, imagesFile.name);
  checkDatasetLimits(geometry.count, geometry, limits, imagesFile.name);
  const labels = npyLabels(labelArray, labelsFile.name);
  if (labels.length !== geometry.count) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `${imagesFile.name} holds ${geometry.count} images but ${labelsFile.name} holds ${labels.length} labels; they must match one to one.`,
    );
  }
  checkNotEmpty(geometry.count, imagesFile.name);
  return validateDataset({
    images: gatherNhwc(pixelValues(imageArray, imagesFile.name), geometry),
    labels,
    height: geometry.height,
    width: geometry.width,
    channels: geometry.channels,
    classNames: input.classNames ?? numberedClassNames(labels, labelsFile.name),
    flipAugment: input.flipAugment ?? false,
  });
}

export interface NpyImagesImportInput extends ImportLimits {
  images: BytesInput;
  /** Axis order of rank-4 image arrays; see NpyImportInput. */
  layout?: NpyLayout;
  /** Default false: only natural photos keep their class when mirrored. */
  flipAugment?: boolean;
}

/** An images .npy on its own (NHWC, NCHW or NHW): images a team has not labelled. */
export function importNpyImages(input: NpyImagesImportInput): UnlabelledImages {
  const limits = resolveLimits(input);
  const imagesFile: DatasetFile = toDatasetFile(input.images, 'the images .npy file');
  const imageArray = parseNpy(imagesFile, 4 * limits.maxBytes + MAX_NPY_HEADER_BYTES);
  const geometry = imageGeometry(imageArray, checkLayout(input.layout), imagesFile.name);
  checkDatasetLimits(geometry.count, geometry, limits, imagesFile.name);
  checkNotEmpty(geometry.count, imagesFile.name);
  return validateUnlabelled({
    labelled: false,
    images: gatherNhwc(pixelValues(imageArray, imagesFile.name), geometry),
    height: geometry.height,
    width: geometry.width,
    channels: geometry.channels,
    flipAugment: input.flipAugment ?? false,
  });
}

function checkLayout(layout: NpyLayout | undefined): NpyLayout {
  const resolved = layout ?? 'auto';
  if (!['NHWC', 'NCHW', 'auto'].includes(resolved)) {
    throw new AntidoteError('INVALID_INPUT', `layout must be 'NHWC', 'NCHW' or 'auto', got '${resolved}'.`);
  }
  return resolved;
}
