/**
 * A zip or tar (optionally gzipped) of PNG/JPEG images in class folders: `<class>/<image>`, or
 * `<top>/<class>/<image>` when everything sits in one common folder, the usual result of zipping
 * a folder. Formats come from magic bytes because extensions in user archives are unreliable.
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { AntidoteError } from '../../errors.ts';
import { type ArchiveEntry, readArchive } from '../../formats/archive.ts';
import { type ImageDataset, type ImportedImages, validateDataset, validateUnlabelled } from '../image-dataset.ts';
import { looksLikeNpy } from './npy.ts';
import {
  checkDatasetLimits,
  checkNotEmpty,
  compareCodePoints,
  errorText,
  formatBytes,
  hasPrefix,
  type ImportLimits,
  resolveLimits,
} from './shared.ts';

export type ChannelsOption = 'auto' | 1 | 3;

export interface ImageArchiveOptions extends ImportLimits {
  /** 'auto' (default) gives 1 channel when every image is grayscale (R = G = B), else 3. */
  channels?: ChannelsOption;
  /** Default false: mirroring changes the class of digits, text and signs. */
  flipAugment?: boolean;
}

type ImageFormat = 'png' | 'jpeg';

interface ImageEntry extends ArchiveEntry {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  /** '' in a flat (unlabelled) archive. */
  readonly className: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
/**
 * Compressed images are normally smaller than their pixels, but a PNG with alpha, or noise, can be
 * larger, and tiny images are mostly headers; archive contents may therefore reach this multiple
 * of maxBytes, plus this much per file, before the pixel cap applies.
 */
const CONTENT_BYTES_PER_PIXEL_BYTE = 2;
const CONTENT_BYTES_PER_FILE = 4096;

function maxContentBytes(limits: Required<ImportLimits>): number {
  return CONTENT_BYTES_PER_PIXEL_BYTE * limits.maxBytes + CONTENT_BYTES_PER_FILE * limits.maxImages;
}

/** Counts what the archive holds as it is read, so an oversized archive fails before it is all in memory. */
function createEntryBudget(limits: Required<ImportLimits>): (path: string, size: number) => void {
  const maxEntryBytes = maxContentBytes(limits);
  let count = 0;
  let bytes = 0;
  return (path, size) => {
    count++;
    bytes += size;
    if (count > limits.maxImages) {
      throw new AntidoteError(
        'TOO_LARGE',
        `The archive holds more than ${limits.maxImages} files (the image limit); import a subset or raise maxImages.`,
      );
    }
    if (bytes > maxEntryBytes) {
      throw new AntidoteError(
        'TOO_LARGE',
        `The archive's files exceed ${formatBytes(maxEntryBytes)} by entry ${path}; import a subset or raise maxBytes.`,
      );
    }
  };
}

function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (hasPrefix(bytes, PNG_SIGNATURE)) return 'png';
  if (hasPrefix(bytes, JPEG_SIGNATURE)) return 'jpeg';
  return undefined;
}

function nonImageError(entry: ArchiveEntry): AntidoteError {
  let hint = 'remove it from the archive or convert it to PNG or JPEG.';
  if (looksLikeNpy(entry.bytes)) {
    hint = 'it is a NumPy array, and .npz archives are not supported: upload images and labels as two .npy files instead.';
  } else if (/(^|\/)(data_batch_\d+|test_batch)\.bin$/.test(entry.path)) {
    hint = 'this looks like the CIFAR-10 binary archive: extract it and upload the data_batch_*.bin files instead.';
  }
  return new AntidoteError('UNSUPPORTED_FORMAT', `Archive entry ${entry.path} is not a PNG or JPEG image; ${hint}`);
}

/** Width and height from the PNG IHDR chunk or the JPEG start-of-frame, read before decoding so size caps apply first. */
function readImageSize(entry: ArchiveEntry, format: ImageFormat): { width: number; height: number } {
  const { bytes } = entry;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    if (bytes.length >= 24 && hasPrefix(bytes, [0x49, 0x48, 0x44, 0x52], 12)) {
      return { width: view.getUint32(16), height: view.getUint32(20) };
    }
  } else {
    let offset = 2;
    while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
      const marker = bytes[offset + 1] ?? 0;
      if (marker === 0xff) {
        offset++; // fill byte before a marker
        continue;
      }
      if (marker === 0xda || marker === 0xd9) break; // image data starts before any frame header: damaged
      const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isStartOfFrame && offset + 9 <= bytes.length) {
        return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
      }
      offset += 2 + view.getUint16(offset + 2);
    }
  }
  throw new AntidoteError(
    'CORRUPT_FILE',
    `Archive entry ${entry.path} has a damaged ${format.toUpperCase()} header; re-save or remove the image.`,
  );
}

function decodeRgba(entry: ImageEntry): Uint8Array {
  let rgba: Uint8Array;
  try {
    if (entry.format === 'png') {
      rgba = PNG.sync.read(Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength)).data;
    } else {
      const megapixels = (entry.width * entry.height) / 1e6;
      rgba = decodeJpeg(entry.bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: Math.ceil(megapixels) + 1,
        // Sizes were checked against maxBytes already; this only stops a lying header from allocating more.
        maxMemoryUsageInMB: Math.ceil(megapixels * 16) + 64,
      }).data;
    }
  } catch (error) {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `Archive entry ${entry.path} could not be decoded as ${entry.format.toUpperCase()} (${errorText(error)}); re-save or remove the image.`,
      { cause: error },
    );
  }
  if (rgba.length !== entry.width * entry.height * 4) {
    throw new AntidoteError('CORRUPT_FILE', `Archive entry ${entry.path} decodes to a different size than its header states.`);
  }
  return rgba;
}

/**
 * Class of each entry from its folder. Everything inside one common top folder is treated as if
 * that folder were the archive root.
 */
function assignClasses(entries: readonly (ArchiveEntry & { format: ImageFormat })[]): ImageEntry[] {
  const split = entries.map((entry) => entry.path.split('/'));
  const top = split[0]?.[0];
  const hasCommonTop = split.every((segments) => segments.length >= 3 && segments[0] === top);
  return entries.map((entry, i) => {
    const segments = (split[i] ?? []).slice(hasCommonTop ? 1 : 0);
    if (segments.length !== 2) {
      const problem =
        segments.length < 2 ? 'is not inside a class folder' : 'is nested too deep (class folders must hold the images directly)';
      throw new AntidoteError(
        'UNSUPPORTED_FORMAT',
        `Archive entry ${entry.path} ${problem}; arrange the archive as <class>/<image>, optionally inside one top folder.`,
      );
    }
    return { ...entry, className: segments[0] ?? '', ...readImageSize(entry, entry.format) };
  });
}

/** Every image at the archive's root: no folders to take classes from. */
function isFlat(entries: readonly ArchiveEntry[]): boolean {
  return entries.every((entry) => !entry.path.includes('/'));
}

function checkSameSize(images: readonly ImageEntry[]): void {
  const [first] = images;
  if (!first) return;
  const mismatch = images.find((image) => image.width !== first.width || image.height !== first.height);
  if (mismatch) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Archive entry ${mismatch.path} is ${mismatch.width}x${mismatch.height} pixels but ${first.path} is ` +
        `${first.width}x${first.height} (width x height); all images must have the same size, so resize them first.`,
    );
  }
}

function isGrayscale(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  }
  return true;
}

/** Writes one RGBA image into the pixel buffer, dropping alpha; colour becomes BT.601 luma when 1 channel is wanted. */
function writePixels(rgba: Uint8Array, pixels: Uint8Array, offset: number, channels: 1 | 3): void {
  const count = rgba.length / 4;
  for (let p = 0; p < count; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (channels === 3) {
      pixels[offset + 3 * p] = r;
      pixels[offset + 3 * p + 1] = g;
      pixels[offset + 3 * p + 2] = b;
    } else {
      pixels[offset + p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
}

function expandGrayToRgb(gray: Uint8Array, filled: number): Uint8Array {
  const rgb = new Uint8Array(gray.length * 3);
  for (let p = 0; p < filled; p++) {
    const value = gray[p]!;
    rgb[3 * p] = value;
    rgb[3 * p + 1] = value;
    rgb[3 * p + 2] = value;
  }
  return rgb;
}

function readArchiveEntries(bytes: Uint8Array, limits: Required<ImportLimits>): ArchiveEntry[] {
  return readArchive(bytes, {
    admit: createEntryBudget(limits),
    maxInflatedBytes: maxContentBytes(limits),
    maxEntries: limits.maxImages,
    specialFile: (path, kind) =>
      new AntidoteError(
        'UNSUPPORTED_FORMAT',
        `Archive entry ${path} is a ${kind}; the archive may only contain folders and image files.`,
      ),
    notAnArchive: () =>
      new AntidoteError('UNSUPPORTED_FORMAT', 'The archive is neither a zip nor a tar (optionally gzipped) file.'),
  });
}

/** Decodes a zip or tar(.gz) of PNG/JPEG images in class folders; classes are the folder names, sorted. */
export async function importImageArchive(
  bytes: Uint8Array,
  options?: ImageArchiveOptions & { allowUnlabelled?: false },
): Promise<ImageDataset>;
/**
 * With `allowUnlabelled`, an archive of images with no class folders (all at the root, or all in
 * one folder) is read as unlabelled images instead of being refused.
 */
export async function importImageArchive(
  bytes: Uint8Array,
  options: ImageArchiveOptions & { allowUnlabelled: boolean },
): Promise<ImportedImages>;
export async function importImageArchive(
  bytes: Uint8Array,
  options: ImageArchiveOptions & { allowUnlabelled?: boolean } = {},
): Promise<ImportedImages> {
  const limits = resolveLimits(options);
  const requested = options.channels ?? 'auto';
  if (requested !== 'auto' && requested !== 1 && requested !== 3) {
    throw new AntidoteError('INVALID_INPUT', `channels must be 'auto', 1 or 3, got ${String(requested)}.`);
  }
  const entries = readArchiveEntries(bytes, limits).sort((a, b) => compareCodePoints(a.path, b.path));
  const recognised = entries.map((entry) => {
    const format = sniffImageFormat(entry.bytes);
    if (!format) throw nonImageError(entry);
    return { ...entry, format };
  });
  checkNotEmpty(recognised.length, 'The archive');
  const allowUnlabelled = options.allowUnlabelled === true;
  const classed =
    allowUnlabelled && isFlat(recognised)
      ? recognised.map((entry) => ({ ...entry, className: '', ...readImageSize(entry, entry.format) }))
      : assignClasses(recognised);
  const images = classed.sort((a, b) => compareCodePoints(a.className, b.className) || compareCodePoints(a.path, b.path));
  checkSameSize(images);
  const classNames = [...new Set(images.map((image) => image.className))];
  const classIndex = new Map(classNames.map((name, i) => [name, i]));
  // one folder of images is how an unlabelled set gets zipped: a folder, not a class
  const unlabelled = allowUnlabelled && classNames.length < 2;
  if (classNames.length < 2 && !unlabelled) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `The archive has images in only one class folder (${classNames[0]}); put each class's images in its own folder, with at least 2 classes.`,
    );
  }
  const { width, height } = images[0]!;
  const imagePixels = width * height;
  let channels: 1 | 3 = requested === 'auto' ? 1 : requested;
  checkDatasetLimits(images.length, { height, width, channels }, limits, 'The archive');
  let pixels: Uint8Array = new Uint8Array(images.length * imagePixels * channels);
  const labels = new Int32Array(images.length);
  images.forEach((image, i) => {
    const rgba = decodeRgba(image);
    if (requested === 'auto' && channels === 1 && !isGrayscale(rgba)) {
      checkDatasetLimits(images.length, { height, width, channels: 3 }, limits, 'The archive');
      pixels = expandGrayToRgb(pixels, i * imagePixels);
      channels = 3;
    }
    writePixels(rgba, pixels, i * imagePixels * channels, channels);
    labels[i] = classIndex.get(image.className) ?? -1;
  });
  const flipAugment = options.flipAugment ?? false;
  if (unlabelled) return validateUnlabelled({ labelled: false, images: pixels, height, width, channels, flipAugment });
  return validateDataset({ images: pixels, labels, height, width, channels, classNames, flipAugment });
}
