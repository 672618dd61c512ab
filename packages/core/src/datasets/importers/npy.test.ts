import { describe, expect, it } from 'vitest';
import { importNpy, parseNpy } from './npy.ts';
import { captureError, float32Bytes, int32Bytes, int64Bytes, npyBytes } from './test-fixtures.ts';

const LABELS = npyBytes('<i8', [2], int64Bytes([1, 0]));

/** Value of element (n, h, w, c), distinct for every position of a 2x2x2x3 array. */
const valueAt = (n: number, h: number, w: number, c: number) => 100 * n + 30 * h + 10 * w + c;

function nhwcValues(): number[] {
  const values: number[] = [];
  for (let n = 0; n < 2; n++)
    for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) for (let c = 0; c < 3; c++) values.push(valueAt(n, h, w, c));
  return values;
}

function nchwValues(): number[] {
  const values: number[] = [];
  for (let n = 0; n < 2; n++)
    for (let c = 0; c < 3; c++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) values.push(valueAt(n, h, w, c));
  return values;
}

describe('importNpy', () => {
  it('reads uint8 NHWC images with int64 labels', () => {
    const images = npyBytes('|u1', [2, 2, 2, 3], Uint8Array.from(nhwcValues()));
    const dataset = importNpy({ images, labels: LABELS });
    expect(Array.from(dataset.images)).toEqual(nhwcValues());
    expect(Array.from(dataset.labels)).toEqual([1, 0]);
    expect(dataset).toMatchObject({ height: 2, width: 2, channels: 3, classNames: ['0', '1'], flipAugment: false });
  });

  it('converts NCHW to NHWC, detected automatically or requested', () => {
    const images = npyBytes('|u1', [2, 3, 2, 2], Uint8Array.from(nchwValues()));
    for (const layout of ['auto', 'NCHW'] as const) {
      const dataset = importNpy({ images, labels: LABELS, layout });
      expect(dataset).toMatchObject({ height: 2, width: 2, channels: 3 });
      expect(Array.from(dataset.images)).toEqual(nhwcValues());
    }
  });

  it('keeps NHWC when both dim 1 and the last dim could be channels', () => {
    const images = npyBytes('|u1', [2, 3, 1, 3], new Uint8Array(18));
    expect(importNpy({ images, labels: LABELS })).toMatchObject({ height: 3, width: 1, channels: 3 });
  });

  it('reads rank-3 arrays as grayscale, in any .npy version, with int32 and uint8 labels', () => {
    const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    for (const [version, labels] of [
      [1, npyBytes('<i4', [2], int32Bytes([0, 1]))],
      [2, npyBytes('|u1', [2], Uint8Array.of(0, 1), { version: 2 })],
      [3, npyBytes('<i8', [2, 1], int64Bytes([0, 1]), { version: 3 })],
    ] as const) {
      const dataset = importNpy({ images: npyBytes('|u1', [2, 3, 4], pixels, { version }), labels });
      expect(dataset).toMatchObject({ height: 3, width: 4, channels: 1 });
      expect(Array.from(dataset.images)).toEqual(Array.from(pixels));
      expect(Array.from(dataset.labels)).toEqual([0, 1]);
    }
  });

  it('scales float32 pixels in [0, 1] by 255 and keeps those in [0, 255]', () => {
    const unit = importNpy({ images: npyBytes('<f4', [2, 1, 2], float32Bytes([0, 0.5, 1, 0.2])), labels: LABELS });
    expect(Array.from(unit.images)).toEqual([0, 128, 255, 51]);
    const bytes = importNpy({ images: npyBytes('<f4', [2, 1, 2], float32Bytes([0, 7, 254.6, 255])), labels: LABELS });
    expect(Array.from(bytes.images)).toEqual([0, 7, 255, 255]);
  });

  it('rejects float32 pixels outside [0, 255], naming the range found', () => {
    const images = npyBytes('<f4', [2, 1, 2], float32Bytes([-0.5, 0, 0.5, 1]));
    const error = captureError(() => importNpy({ images: { name: 'x.npy', bytes: images }, labels: LABELS }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('x.npy holds float32 pixels from -0.5 to 1');
  });

  it('reorders Fortran-order arrays', () => {
    // Column-major storage of a 2x2x3 array: the first axis varies fastest.
    const shape = [2, 2, 3];
    const fortran: number[] = [];
    for (let w = 0; w < 3; w++) for (let h = 0; h < 2; h++) for (let n = 0; n < 2; n++) fortran.push(valueAt(n, h, w, 0));
    const images = npyBytes('|u1', shape, Uint8Array.from(fortran), { fortranOrder: true });
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) for (let h = 0; h < 2; h++) for (let w = 0; w < 3; w++) expected.push(valueAt(n, h, w, 0));
    expect(Array.from(importNpy({ images, labels: LABELS }).images)).toEqual(expected);
  });

  it('rejects a wrong dtype, naming the dtype found and the ones accepted', () => {
    const images = npyBytes('<f8', [2, 1, 1], new Uint8Array(16));
    const error = captureError(() => importNpy({ images: { name: 'images.npy', bytes: images }, labels: LABELS }));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toContain('images.npy has dtype float64 (<f8)');
    expect(error.message).toContain('uint8 (|u1) or float32 (<f4)');
  });

  it('rejects object arrays', () => {
    const images = npyBytes('|O', [2, 1, 1], Uint8Array.of(0x80, 0x04));
    const error = captureError(() => importNpy({ images, labels: LABELS }));
    expect(error.code).toBe('UNSUPPORTED_FORMAT');
    expect(error.message).toContain('Python objects (|O)');
  });

  it('reports a truncated file with the bytes needed and found', () => {
    const whole = npyBytes('|u1', [2, 2, 2, 3], Uint8Array.from(nhwcValues()));
    const error = captureError(() => parseNpy({ name: 'cut.npy', bytes: whole.subarray(0, whole.length - 4) }));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toContain(
      'cut.npy is truncated: shape (2, 2, 2, 3) of |u1 needs 24 bytes of data but the file holds 20',
    );
  });

  it('rejects float labels and one-hot labels with a hint', () => {
    const images = npyBytes('|u1', [2, 1, 1], new Uint8Array(2));
    const floatLabels = captureError(() => importNpy({ images, labels: npyBytes('<f4', [2], float32Bytes([0, 1])) }));
    expect(floatLabels.code).toBe('UNSUPPORTED_FORMAT');
    expect(floatLabels.message).toContain('float32 (<f4)');
    const oneHot = captureError(() => importNpy({ images, labels: npyBytes('|u1', [2, 2], Uint8Array.of(1, 0, 0, 1)) }));
    expect(oneHot.code).toBe('SHAPE_MISMATCH');
    expect(oneHot.message).toContain('argmax');
  });

  it('rejects 4-channel images and mismatched counts', () => {
    const rgba = captureError(() => importNpy({ images: npyBytes('|u1', [2, 2, 2, 4], new Uint8Array(32)), labels: LABELS }));
    expect(rgba.code).toBe('SHAPE_MISMATCH');
    expect(rgba.message).toContain('4 channels');
    const counts = captureError(() =>
      importNpy({ images: npyBytes('|u1', [3, 1, 1], new Uint8Array(3)), labels: { name: 'y.npy', bytes: LABELS } }),
    );
    expect(counts.code).toBe('SHAPE_MISMATCH');
    expect(counts.message).toContain('holds 3 images but y.npy holds 2 labels');
  });
});
