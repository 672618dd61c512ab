import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASS_NAMES, importCifar10 } from './cifar.ts';
import { captureError, cifarRecord, concat } from './test-fixtures.ts';

const pixel = (image: number) => (x: number, y: number, channel: number) => (image * 50 + y * 5 + x * 3 + channel * 80) % 256;

describe('importCifar10', () => {
  it('interleaves the planar records of several batches into NHWC', () => {
    const first = concat(cifarRecord(3, pixel(0)), cifarRecord(9, pixel(1)));
    const second = cifarRecord(0, pixel(2));
    const dataset = importCifar10([first, { name: 'test_batch.bin', bytes: second }]);
    expect(dataset).toMatchObject({ height: 32, width: 32, channels: 3, flipAugment: true });
    expect(dataset.classNames).toEqual([...CIFAR10_CLASS_NAMES]);
    expect(dataset.classNames[3]).toBe('cat');
    expect(Array.from(dataset.labels)).toEqual([3, 9, 0]);
    for (const [image, x, y] of [
      [0, 0, 0],
      [1, 31, 0],
      [2, 5, 17],
      [2, 31, 31],
    ] as const) {
      const offset = ((image * 32 + y) * 32 + x) * 3;
      expect(Array.from(dataset.images.subarray(offset, offset + 3))).toEqual([0, 1, 2].map((c) => pixel(image)(x, y, c)));
    }
  });

  it('rejects a batch whose length is not a whole number of records', () => {
    const bytes = concat(cifarRecord(1, pixel(0)), new Uint8Array(100));
    const error = captureError(() => importCifar10([{ name: 'data_batch_1.bin', bytes }]));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toContain('data_batch_1.bin is 3173 bytes, not a multiple of the 3073-byte record');
  });

  it('recognises a CIFAR-100 batch', () => {
    const error = captureError(() => importCifar10([new Uint8Array(3074 * 2)]));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toContain('CIFAR-100');
  });

  it('rejects labels above 9 and enforces maxImages', () => {
    const badLabel = captureError(() => importCifar10([concat(cifarRecord(0, pixel(0)), cifarRecord(12, pixel(1)))]));
    expect(badLabel.code).toBe('CORRUPT_FILE');
    expect(badLabel.message).toContain('label 12 in record 1');
    const tooMany = captureError(() =>
      importCifar10([concat(cifarRecord(0, pixel(0)), cifarRecord(1, pixel(1)))], { maxImages: 1 }),
    );
    expect(tooMany.code).toBe('TOO_LARGE');
  });
});
