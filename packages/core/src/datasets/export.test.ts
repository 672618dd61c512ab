import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { isAntidoteError } from '../errors.ts';
import { encodePng, exportImageArchive } from './export.ts';
import type { ImageDataset } from './image-dataset.ts';
import { importDataset } from './importers/import-dataset.ts';

function decode(bytes: Uint8Array) {
  return PNG.sync.read(Buffer.from(bytes));
}

describe('image export', () => {
  it('encodes float and byte images as RGBA PNGs, optionally upscaled', () => {
    const gray = decode(encodePng({ pixels: Float32Array.from([0, 0.5, 1, 2]), height: 2, width: 2, channels: 1 }));
    expect([gray.width, gray.height]).toEqual([2, 2]);
    expect(Array.from(gray.data.subarray(0, 16))).toEqual([
      0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    ]);
    const rgb = decode(encodePng({ pixels: Uint8Array.from([10, 20, 30]), height: 1, width: 1, channels: 3 }, { scale: 3 }));
    expect([rgb.width, rgb.height]).toEqual([3, 3]);
    expect(Array.from(rgb.data.subarray(32, 36))).toEqual([10, 20, 30, 255]);
    let error: unknown;
    try {
      encodePng({ pixels: new Float32Array(5), height: 2, width: 2, channels: 1 });
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'SHAPE_MISMATCH')).toBe(true);
  });

  it('exports a dataset that importDataset reads back with the same pixels and labels', async () => {
    const dataset: ImageDataset = {
      images: Uint8Array.from({ length: 6 * 4 * 3 * 3 }, (_, i) => (i * 37) % 256),
      labels: Int32Array.from([2, 0, 1, 2, 1, 0]),
      height: 4,
      width: 3,
      channels: 3,
      classNames: ['zebra', 'apple', 'm/n'],
      flipAugment: false,
    };
    const back = await importDataset([{ name: 'export.zip', bytes: exportImageArchive(dataset) }]);
    expect(back.classNames).toEqual(['0_zebra', '1_apple', '2_m-n']);
    // The importer groups images by class folder; inside a folder, files keep the dataset order.
    const order = Array.from(dataset.labels.keys()).sort((a, b) => dataset.labels[a]! - dataset.labels[b]! || a - b);
    expect(Array.from(back.labels)).toEqual(order.map((i) => dataset.labels[i]));
    const size = 4 * 3 * 3;
    order.forEach((source, i) => {
      expect(back.images.subarray(i * size, (i + 1) * size)).toEqual(dataset.images.subarray(source * size, (source + 1) * size));
    });
    expect([back.height, back.width, back.channels]).toEqual([4, 3, 3]);
  });
});
