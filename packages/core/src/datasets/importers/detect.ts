/**
 * Recognises dataset files by content. Names are ignored: uploads get renamed, and a
 * "train-images-idx3-ubyte" saved by a browser as "download" must still be read.
 */
import { looksLikeTar, looksLikeZip } from '../../formats/archive.ts';
import { looksLikeCifar10 } from './cifar.ts';
import { looksLikeIdx, parseIdxHeader } from './idx.ts';
import { looksLikeNpy } from './npy.ts';
import { isGzip, peekGunzip } from './shared.ts';

export type DatasetFormat = 'zip' | 'tar' | 'idx' | 'npy' | 'cifar10' | 'unknown';

export interface DetectedFormat {
  readonly format: DatasetFormat;
  /** The format was found inside a gzip stream. */
  readonly gzipped: boolean;
}

export const SUPPORTED_FORMATS_TEXT =
  'a .zip or .tar(.gz) of PNG/JPEG images in class folders; an IDX images + labels pair (MNIST style, optionally .gz); ' +
  'a NumPy .npy images + labels pair; or CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin)';

export function detectDatasetFormat(bytes: Uint8Array): DetectedFormat {
  if (isGzip(bytes)) return { format: detectContent(peekGunzip(bytes), false), gzipped: true };
  return { format: detectContent(bytes, true), gzipped: false };
}

/** `complete` is false for the inflated start of a gzip stream, where length-based checks cannot work. */
function detectContent(bytes: Uint8Array, complete: boolean): DatasetFormat {
  if (looksLikeZip(bytes)) return 'zip';
  if (looksLikeTar(bytes)) return 'tar';
  if (looksLikeNpy(bytes)) return 'npy';
  if (!complete) return looksLikeIdx(bytes) ? 'idx' : 'unknown';
  // A CIFAR batch can start with bytes that pass for an IDX magic; an exact IDX length settles it.
  if (looksLikeIdx(bytes) && hasExactIdxLength(bytes)) return 'idx';
  if (looksLikeCifar10(bytes)) return 'cifar10';
  // Left as IDX so the importer can say the file is truncated rather than unknown.
  if (looksLikeIdx(bytes)) return 'idx';
  return 'unknown';
}

function hasExactIdxLength(bytes: Uint8Array): boolean {
  try {
    parseIdxHeader({ name: '', bytes });
    return true;
  } catch {
    return false;
  }
}
