/**
 * One entry point for whatever the user uploaded: the format is detected from the bytes, and
 * the files are routed to the importer that reads them.
 */
import { AntidoteError } from '../../errors.ts';
import type { ImageDataset, ImportedImages } from '../image-dataset.ts';
import { type ImageArchiveOptions, importImageArchive } from './archive.ts';
import { importCifar10 } from './cifar.ts';
import { type DatasetFormat, detectDatasetFormat, SUPPORTED_FORMATS_TEXT } from './detect.ts';
import { importIdx, importIdxImages } from './idx.ts';
import { importNpy, importNpyImages, type NpyLayout, parseNpyHeader } from './npy.ts';
import { type DatasetFile, isGzip, peekGunzip } from './shared.ts';

export interface ImportDatasetOptions extends ImageArchiveOptions {
  /** Axis order of rank-4 .npy images; see importNpy. */
  layout?: NpyLayout;
  /** Class names for IDX and .npy, which store only label numbers. Archives and CIFAR-10 name their classes. */
  classNames?: readonly string[];
}

const FORMAT_NAMES: Record<DatasetFormat, string> = {
  zip: 'zip archive',
  tar: 'tar archive',
  idx: 'IDX',
  npy: 'NumPy .npy',
  cifar10: 'CIFAR-10 batch',
  unknown: 'unknown',
};

/**
 * Accepts one image archive, an IDX images + labels pair, an .npy images + labels pair, or
 * CIFAR-10 batches. For pairs, which file holds the images is read from the array ranks.
 */
export async function importDataset(
  files: readonly DatasetFile[],
  options?: ImportDatasetOptions & { allowUnlabelled?: false },
): Promise<ImageDataset>;
/**
 * With `allowUnlabelled`, images without labels are accepted too and come back as
 * UnlabelledImages: a lone IDX or .npy images file, or an archive of images not in class folders.
 */
export async function importDataset(
  files: readonly DatasetFile[],
  options: ImportDatasetOptions & { allowUnlabelled: boolean },
): Promise<ImportedImages>;
export async function importDataset(
  files: readonly DatasetFile[],
  options: ImportDatasetOptions & { allowUnlabelled?: boolean } = {},
): Promise<ImportedImages> {
  const allowUnlabelled = options.allowUnlabelled === true;
  if (files.length === 0) {
    throw new AntidoteError('INVALID_INPUT', `No files were given. Supply ${SUPPORTED_FORMATS_TEXT}.`);
  }
  const detected = files.map((file) => ({ file, format: detectDatasetFormat(file.bytes).format }));
  const unknown = detected.filter(({ format }) => format === 'unknown').map(({ file }) => file.name);
  if (unknown.length > 0) {
    throw new AntidoteError(
      'UNSUPPORTED_FORMAT',
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in a supported dataset format. Supported: ${SUPPORTED_FORMATS_TEXT}.`,
    );
  }
  const formats = new Set(detected.map(({ format }) => format));
  const [format] = formats;
  if (formats.size > 1 || format === undefined) {
    const listing = detected.map(({ file, format }) => `${file.name} (${FORMAT_NAMES[format]})`).join(', ');
    throw new AntidoteError(
      'INVALID_INPUT',
      `The files mix dataset formats: ${listing}. Supply one dataset: ${SUPPORTED_FORMATS_TEXT}.`,
    );
  }
  switch (format) {
    case 'zip':
    case 'tar': {
      const [archive] = files;
      if (files.length !== 1 || !archive) {
        throw new AntidoteError(
          'INVALID_INPUT',
          `Supply a single image archive, not ${files.length}; put all class folders in one archive.`,
        );
      }
      return importImageArchive(archive.bytes, { ...options, allowUnlabelled });
    }
    case 'idx': {
      const [images] = files;
      if (allowUnlabelled && files.length === 1 && images && arrayRank(images, format) >= 3) {
        return importIdxImages({ ...options, images });
      }
      return importIdx({ ...options, ...splitImagesAndLabels(files, format) });
    }
    case 'npy': {
      const [images] = files;
      if (allowUnlabelled && files.length === 1 && images && arrayRank(images, format) >= 3) {
        return importNpyImages({ ...options, images });
      }
      return importNpy({ ...options, ...splitImagesAndLabels(files, format) });
    }
    case 'cifar10':
      return importCifar10(files, options);
    case 'unknown':
      throw new AntidoteError('INTERNAL', 'Unknown formats were rejected above.');
  }
}

/** Orders a pair as images and labels: the images array always has the higher rank (3-4 versus 1-2). */
function splitImagesAndLabels(
  files: readonly DatasetFile[],
  format: 'idx' | 'npy',
): { images: DatasetFile; labels: DatasetFile } {
  const [first, second] = files;
  if (files.length !== 2 || !first || !second) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `A ${FORMAT_NAMES[format]} dataset is two files, images and labels, but ${files.length} were given ` +
        `(${files.map((file) => file.name).join(', ')}); import each images + labels pair (e.g. train and test) separately.`,
    );
  }
  const firstRank = arrayRank(first, format);
  const secondRank = arrayRank(second, format);
  if (firstRank === secondRank) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `${first.name} and ${second.name} both hold ${firstRank}-dimensional arrays; supply one images array and one labels array.`,
    );
  }
  return firstRank > secondRank ? { images: first, labels: second } : { images: second, labels: first };
}

function arrayRank(file: DatasetFile, format: 'idx' | 'npy'): number {
  const head = isGzip(file.bytes) ? peekGunzip(file.bytes) : file.bytes;
  if (format === 'idx') return head[3] ?? 0;
  try {
    return parseNpyHeader({ name: file.name, bytes: head }).shape.length;
  } catch {
    // A damaged header is reported by importNpy with the file name; rank 0 just keeps the pairing going.
    return 0;
  }
}
