/**
 * Pieces every importer shares: named byte inputs, size caps, gzip handling and messages.
 * Uploads come from users, so every size is checked before memory is allocated for it.
 */
import { constants as bufferConstants } from 'node:buffer';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { AntidoteError } from '../../errors.ts';

/** A file as the user supplied it; the name only appears in messages, the format comes from the bytes. */
export interface DatasetFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Raw bytes, or bytes with the file name that error messages should use. */
export type BytesInput = Uint8Array | DatasetFile;

export interface ImportLimits {
  /** Most images accepted. Default 200_000. */
  maxImages?: number;
  /** Most bytes of decoded uint8 pixels (count x height x width x channels) accepted. Default 1 GiB. */
  maxBytes?: number;
}

export const DEFAULT_MAX_IMAGES = 200_000;
export const DEFAULT_MAX_BYTES = 2 ** 30;

export function toDatasetFile(input: BytesInput, defaultName: string): DatasetFile {
  return input instanceof Uint8Array ? { name: defaultName, bytes: input } : input;
}

export function resolveLimits(limits: ImportLimits): Required<ImportLimits> {
  const resolved = { maxImages: limits.maxImages ?? DEFAULT_MAX_IMAGES, maxBytes: limits.maxBytes ?? DEFAULT_MAX_BYTES };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new AntidoteError('INVALID_INPUT', `${name} must be a positive integer, got ${value}.`);
    }
  }
  return resolved;
}

export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Throws TOO_LARGE before the caller allocates `count` images of `shape`. */
export function checkDatasetLimits(count: number, shape: ImageShape, limits: Required<ImportLimits>, subject: string): void {
  if (count > limits.maxImages) {
    throw new AntidoteError(
      'TOO_LARGE',
      `${subject} holds ${count} images, more than the limit of ${limits.maxImages}; import a subset or raise maxImages.`,
    );
  }
  const total = count * shape.height * shape.width * shape.channels;
  if (total > limits.maxBytes) {
    throw new AntidoteError(
      'TOO_LARGE',
      `${subject} decodes to ${formatBytes(total)} of pixels (${count} images of ${shape.height}x${shape.width}x${shape.channels}), ` +
        `more than the limit of ${formatBytes(limits.maxBytes)}; import a subset, use smaller images or raise maxBytes.`,
    );
  }
}

export function checkNotEmpty(count: number, subject: string): void {
  if (count === 0) throw new AntidoteError('INVALID_INPUT', `${subject} contains no images.`);
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

export function hasPrefix(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((byte, i) => bytes[offset + i] === byte);
}

export function isGzip(bytes: Uint8Array): boolean {
  return hasPrefix(bytes, [0x1f, 0x8b]);
}

/**
 * Inflates a gzip file, refusing to produce more than `maxOutputBytes`: a few kilobytes of gzip
 * can expand to gigabytes, so the cap must hold during inflation, not after it.
 */
export function gunzip(file: DatasetFile, maxOutputBytes: number): Uint8Array {
  const maxOutputLength = Math.min(maxOutputBytes, bufferConstants.MAX_LENGTH);
  try {
    return gunzipSync(file.bytes, { maxOutputLength });
  } catch (error) {
    if (error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new AntidoteError(
        'TOO_LARGE',
        `${file.name} expands to more than ${formatBytes(maxOutputLength)} when decompressed; import a smaller file or raise maxBytes.`,
        { cause: error },
      );
    }
    throw new AntidoteError('CORRUPT_FILE', `${file.name} is gzip-compressed but cannot be decompressed (${errorText(error)}).`, {
      cause: error,
    });
  }
}

export function gunzipIfNeeded(file: DatasetFile, maxOutputBytes: number): DatasetFile {
  return isGzip(file.bytes) ? { name: file.name, bytes: gunzip(file, maxOutputBytes) } : file;
}

/** The first bytes of a gzip stream's content, enough to recognise what it holds without inflating all of it. */
export function peekGunzip(bytes: Uint8Array, compressedBytes = 4096): Uint8Array {
  try {
    // Z_SYNC_FLUSH makes zlib return what it inflated so far instead of failing on the cut-off stream.
    return gunzipSync(bytes.subarray(0, compressedBytes), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return new Uint8Array(0);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** More classes than this means the labels are not class indices (and naming them all would exhaust memory). */
const MAX_NUMBERED_CLASSES = 100_000;

/** Class names '0', '1', ... for formats that store only label numbers. */
export function numberedClassNames(labels: Int32Array, subject: string): string[] {
  let max = -1;
  for (const label of labels) max = Math.max(max, label);
  if (max >= MAX_NUMBERED_CLASSES) {
    throw new AntidoteError(
      'CLASS_MISMATCH',
      `${subject} contains label ${max}; labels must be class indices 0..K-1 with fewer than ${MAX_NUMBERED_CLASSES} classes.`,
    );
  }
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}

/** Code-point order, so class order (and thus label numbers) never depends on the machine's locale. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
