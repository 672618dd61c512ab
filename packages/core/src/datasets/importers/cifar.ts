/**
 * CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin): fixed-size records of one label
 * byte followed by a 32x32 image stored as planes, all red, then all green, then all blue.
 */
import { AntidoteError } from '../../errors.ts';
import { type ImageDataset, validateDataset } from '../image-dataset.ts';
import {
  type BytesInput,
  checkDatasetLimits,
  checkNotEmpty,
  type DatasetFile,
  gunzipIfNeeded,
  type ImportLimits,
  resolveLimits,
  toDatasetFile,
} from './shared.ts';

export const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;
/** CIFAR-100 records carry a coarse and a fine label byte; recognised only to say so. */
const CIFAR100_RECORD = RECORD + 1;

/** True when the bytes could be a CIFAR-10 batch: whole records, each starting with a label 0..9. */
export function looksLikeCifar10(bytes: Uint8Array): boolean {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) return false;
  for (let offset = 0; offset < bytes.length; offset += RECORD) {
    if ((bytes[offset] ?? 255) >= CIFAR10_CLASS_NAMES.length) return false;
  }
  return true;
}

function checkBatch(file: DatasetFile): void {
  const { name, bytes } = file;
  if (bytes.length === 0) throw new AntidoteError('CORRUPT_FILE', `CIFAR-10 batch ${name} is empty.`);
  if (bytes.length % RECORD !== 0) {
    const hint =
      bytes.length % CIFAR100_RECORD === 0
        ? ' It looks like a CIFAR-100 batch (2 label bytes per record), which is not supported.'
        : ' The file is truncated or not a CIFAR-10 binary batch.';
    throw new AntidoteError(
      'CORRUPT_FILE',
      `CIFAR-10 batch ${name} is ${bytes.length} bytes, not a multiple of the ${RECORD}-byte record (1 label byte + 32x32x3 pixels).${hint}`,
    );
  }
  for (let offset = 0; offset < bytes.length; offset += RECORD) {
    const label = bytes[offset] ?? 0;
    if (label >= CIFAR10_CLASS_NAMES.length) {
      throw new AntidoteError(
        'CORRUPT_FILE',
        `CIFAR-10 batch ${name} has label ${label} in record ${offset / RECORD}; CIFAR-10 labels are 0..9.`,
      );
    }
  }
}

/** One dataset from any number of CIFAR-10 binary batches, in the order given. */
export function importCifar10(batches: readonly BytesInput[], limits: ImportLimits = {}): ImageDataset {
  const resolved = resolveLimits(limits);
  const files = batches.map((batch, i) =>
    gunzipIfNeeded(toDatasetFile(batch, `#${i + 1}`), resolved.maxImages * RECORD + RECORD),
  );
  files.forEach(checkBatch);
  const count = files.reduce((n, file) => n + file.bytes.length / RECORD, 0);
  checkNotEmpty(count, 'The CIFAR-10 input');
  checkDatasetLimits(count, { height: SIDE, width: SIDE, channels: 3 }, resolved, 'The CIFAR-10 input');
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Int32Array(count);
  let index = 0;
  for (const { bytes } of files) {
    for (let offset = 0; offset < bytes.length; offset += RECORD, index++) {
      labels[index] = bytes[offset] ?? 0;
      const planes = offset + 1;
      const out = index * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        images[out + 3 * p] = bytes[planes + p]!;
        images[out + 3 * p + 1] = bytes[planes + PLANE + p]!;
        images[out + 3 * p + 2] = bytes[planes + 2 * PLANE + p]!;
      }
    }
  }
  return validateDataset({
    images,
    labels,
    height: SIDE,
    width: SIDE,
    channels: 3,
    classNames: [...CIFAR10_CLASS_NAMES],
    flipAugment: true,
  });
}
