import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importIdx, parseIdxImages, parseIdxLabels } from './idx.ts';
import { captureError, idxBytes, int32Bytes } from './test-fixtures.ts';

// Three 2x3 images whose pixel values encode (image, row, column), so any misplacement shows.
const PIXELS = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => 10 * i + 1);
const IMAGES = idxBytes(0x08, [3, 2, 3], PIXELS);
const LABELS = idxBytes(0x08, [3], Uint8Array.of(0, 2, 1));

describe('importIdx', () => {
  it('reads images and labels as a 1-channel dataset with numbered classes', () => {
    const dataset = importIdx({ images: IMAGES, labels: LABELS });
    expect(Array.from(dataset.images)).toEqual(Array.from(PIXELS));
    expect(Array.from(dataset.labels)).toEqual([0, 2, 1]);
    expect(dataset).toMatchObject({ height: 2, width: 3, channels: 1, flipAugment: false });
    expect(dataset.classNames).toEqual(['0', '1', '2']);
  });

  it('accepts gzipped files and given class names', () => {
    const dataset = importIdx({
      images: gzipSync(IMAGES),
      labels: { name: 'labels.gz', bytes: gzipSync(LABELS) },
      classNames: ['zero', 'one', 'two', 'three'],
      flipAugment: true,
    });
    expect(Array.from(dataset.images)).toEqual(Array.from(PIXELS));
    expect(Array.from(dataset.labels)).toEqual([0, 2, 1]);
    expect(dataset.classNames).toEqual(['zero', 'one', 'two', 'three']);
    expect(dataset.flipAugment).toBe(true);
  });

  it('rejects labels that belong to a different images file', () => {
    const error = captureError(() =>
      importIdx({
        images: { name: 'train-images', bytes: IMAGES },
        labels: { name: 't10k-labels', bytes: idxBytes(0x08, [2], Uint8Array.of(0, 1)) },
      }),
    );
    expect(error.code).toBe('SHAPE_MISMATCH');
    expect(error.message).toContain('train-images holds 3 images but t10k-labels holds 2 labels');
  });

  it('reports a truncated file with its declared and actual sizes', () => {
    const error = captureError(() => parseIdxImages({ name: 'images.idx', bytes: IMAGES.subarray(0, IMAGES.length - 5) }));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toMatch(/images\.idx is truncated.*3 x 2 x 3.*34 bytes.*29 bytes/);
  });

  it('says so when a labels file is passed as images', () => {
    const error = captureError(() => parseIdxImages({ name: 'labels.idx', bytes: LABELS }));
    expect(error.code).toBe('SHAPE_MISMATCH');
    expect(error.message).toContain('looks like a labels file');
  });

  it('rejects non-byte pixels', () => {
    const error = captureError(() => parseIdxImages(idxBytes(0x0d, [1, 1, 1], new Uint8Array(4))));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toContain('float32 pixels');
  });

  it('reads big-endian int32 labels', () => {
    const labels = parseIdxLabels(idxBytes(0x0c, [3], int32Bytes([1, 258, 70000], false)));
    expect(Array.from(labels)).toEqual([1, 258, 70000]);
  });

  it('enforces maxImages and maxBytes', () => {
    expect(captureError(() => importIdx({ images: IMAGES, labels: LABELS, maxImages: 2 })).code).toBe('TOO_LARGE');
    const error = captureError(() => importIdx({ images: IMAGES, labels: LABELS, maxBytes: 17 }));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toContain('3 images of 2x3x1');
  });

  it('stops inflating a gzip bomb at the cap', () => {
    const bomb = gzipSync(idxBytes(0x08, [1000, 100, 100], new Uint8Array(10_000_000)));
    const error = captureError(() => parseIdxImages({ name: 'bomb.gz', bytes: bomb }, { maxBytes: 1_000_000 }));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toContain('bomb.gz expands to more than');
  });
});
