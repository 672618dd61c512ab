/**
 * IDX, the format of MNIST and Fashion-MNIST: bytes 0-1 zero, byte 2 the element type, byte 3
 * the number of dimensions, then one big-endian uint32 per dimension, then the elements.
 * The files are usually distributed gzipped, so gzip is undone transparently.
 */
import { AntidoteError } from '../../errors.ts';
import { type ImageDataset, type UnlabelledImages, validateDataset, validateUnlabelled } from '../image-dataset.ts';
import {
  type BytesInput,
  checkDatasetLimits,
  checkNotEmpty,
  type DatasetFile,
  gunzipIfNeeded,
  type ImportLimits,
  numberedClassNames,
  resolveLimits,
  toDatasetFile,
} from './shared.ts';

interface IdxElementType {
  readonly name: string;
  readonly size: number;
}

const IDX_ELEMENT_TYPES: Readonly<Record<number, IdxElementType>> = {
  8: { name: 'unsigned byte', size: 1 },
  9: { name: 'signed byte', size: 1 },
  11: { name: 'int16', size: 2 },
  12: { name: 'int32', size: 4 },
  13: { name: 'float32', size: 4 },
  14: { name: 'float64', size: 8 },
};

const UNSIGNED_BYTE = 0x08;
/** Largest possible header: 4 magic bytes and 255 dimensions. */
const MAX_IDX_HEADER_BYTES = 4 + 4 * 255;

export interface IdxHeader {
  readonly typeCode: number;
  readonly elementType: IdxElementType;
  readonly dims: readonly number[];
  readonly dataOffset: number;
}

export interface IdxImages {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** count x height x width pixels, row-major. */
  readonly pixels: Uint8Array;
}

export interface IdxImportInput extends ImportLimits {
  images: BytesInput;
  labels: BytesInput;
  /** Defaults to '0', '1', ... up to the largest label. */
  classNames?: readonly string[];
  /** Default false: MNIST digits change meaning when mirrored. */
  flipAugment?: boolean;
}

/** True when the bytes start like an (uncompressed) IDX file. */
export function looksLikeIdx(bytes: Uint8Array): boolean {
  const ndim = bytes[3] ?? 0;
  return bytes[0] === 0 && bytes[1] === 0 && IDX_ELEMENT_TYPES[bytes[2] ?? -1] !== undefined && ndim >= 1 && ndim <= 4;
}

/** Reads the header of an uncompressed IDX file. */
export function parseIdxHeader(file: DatasetFile): IdxHeader {
  const { bytes, name } = file;
  const typeCode = bytes[2] ?? -1;
  const elementType = IDX_ELEMENT_TYPES[typeCode];
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || elementType === undefined) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${name} is not an IDX file (it does not start with the IDX magic bytes 00 00 <type> <dimensions>).`,
    );
  }
  const ndim = bytes[3] ?? 0;
  const dataOffset = 4 + 4 * ndim;
  if (ndim === 0 || bytes.length < dataOffset) {
    throw new AntidoteError('CORRUPT_FILE', `${name} has a damaged IDX header (${ndim} dimensions in ${bytes.length} bytes).`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dataOffset + dims.reduce((a, b) => a * b, 1) * elementType.size;
  if (bytes.length < expected) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `${name} is truncated: its header declares ${describeDims(dims)} ${elementType.name} values (${expected} bytes) ` +
        `but the file has ${bytes.length} bytes; download it again.`,
    );
  }
  if (bytes.length > expected) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `${name} has ${bytes.length - expected} bytes after the ${describeDims(dims)} values its header declares; ` +
        'the file is damaged or not an IDX file.',
    );
  }
  return { typeCode, elementType, dims, dataOffset };
}

/** Parses an IDX image file (unsigned bytes, dimensions count x height x width), gzipped or not. */
export function parseIdxImages(input: BytesInput, limits: ImportLimits = {}): IdxImages {
  const resolved = resolveLimits(limits);
  const file = gunzipIfNeeded(toDatasetFile(input, 'the IDX images file'), resolved.maxBytes + MAX_IDX_HEADER_BYTES);
  const header = parseIdxHeader(file);
  if (header.dims.length !== 3) {
    const hint = header.dims.length === 1 ? ' This looks like a labels file; pass it as labels.' : '';
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `${file.name} has dimensions ${describeDims(header.dims)}; IDX images must have 3 (count x height x width).${hint}`,
    );
  }
  if (header.typeCode !== UNSIGNED_BYTE) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${file.name} holds ${header.elementType.name} pixels; IDX images must be unsigned bytes (type 0x08).`,
    );
  }
  const [count = 0, height = 0, width = 0] = header.dims;
  checkDatasetLimits(count, { height, width, channels: 1 }, resolved, file.name);
  return { count, height, width, pixels: file.bytes.slice(header.dataOffset) };
}

/** Parses an IDX label file (one dimension of integers), gzipped or not. */
export function parseIdxLabels(input: BytesInput, limits: ImportLimits = {}): Int32Array {
  const resolved = resolveLimits(limits);
  const file = gunzipIfNeeded(toDatasetFile(input, 'the IDX labels file'), resolved.maxImages * 4 + MAX_IDX_HEADER_BYTES);
  const header = parseIdxHeader(file);
  if (header.dims.length !== 1) {
    const hint = header.dims.length === 3 ? ' This looks like an images file; pass it as images.' : '';
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `${file.name} has dimensions ${describeDims(header.dims)}; IDX labels must have 1 (count).${hint}`,
    );
  }
  const count = header.dims[0] ?? 0;
  if (count > resolved.maxImages) {
    throw new AntidoteError(
      'TOO_LARGE',
      `${file.name} holds ${count} labels, more than the limit of ${resolved.maxImages} images; import a subset or raise maxImages.`,
    );
  }
  const view = new DataView(file.bytes.buffer, file.bytes.byteOffset + header.dataOffset, count * header.elementType.size);
  const readLabel = labelReader(view, header, file.name);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = readLabel(i);
  return labels;
}

function labelReader(view: DataView, header: IdxHeader, fileName: string): (index: number) => number {
  switch (header.typeCode) {
    case 0x08:
      return (i) => view.getUint8(i);
    case 0x09:
      return (i) => view.getInt8(i);
    case 0x0b:
      return (i) => view.getInt16(2 * i, false);
    case 0x0c:
      return (i) => view.getInt32(4 * i, false);
    default:
      throw new AntidoteError(
        'UNSUPPORTED_FORMAT',
        `${fileName} holds ${header.elementType.name} labels; IDX labels must be integers (unsigned byte, signed byte, int16 or int32).`,
      );
  }
}

/** An MNIST-style dataset from an IDX images file and its IDX labels file. */
export function importIdx(input: IdxImportInput): ImageDataset {
  const images = parseIdxImages(input.images, input);
  const imagesName = toDatasetFile(input.images, 'the IDX images file').name;
  const labelsName = toDatasetFile(input.labels, 'the IDX labels file').name;
  const labels = parseIdxLabels(input.labels, input);
  if (labels.length !== images.count) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `${imagesName} holds ${images.count} images but ${labelsName} holds ${labels.length} labels; ` +
        'pair each images file with its own labels file (e.g. train-images with train-labels).',
    );
  }
  checkNotEmpty(images.count, imagesName);
  return validateDataset({
    images: images.pixels,
    labels,
    height: images.height,
    width: images.width,
    channels: 1,
    classNames: input.classNames ?? numberedClassNames(labels, labelsName),
    flipAugment: input.flipAugment ?? false,
  });
}

export interface IdxImagesImportInput extends ImportLimits {
  images: BytesInput;
  /** Default false: MNIST digits change meaning when mirrored. */
  flipAugment?: boolean;
}

/** An IDX images file on its own: images a team has not labelled. */
export function importIdxImages(input: IdxImagesImportInput): UnlabelledImages {
  const images = parseIdxImages(input.images, input);
  checkNotEmpty(images.count, toDatasetFile(input.images, 'the IDX images file').name);
  return validateUnlabelled({
    labelled: false,
    images: images.pixels,
    height: images.height,
    width: images.width,
    channels: 1,
    flipAugment: input.flipAugment ?? false,
  });
}

function describeDims(dims: readonly number[]): string {
  return dims.join(' x ');
}
