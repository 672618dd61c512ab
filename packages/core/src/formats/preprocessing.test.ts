import { describe, expect, it } from 'vitest';
import { checkFidelity, fidelityInputs } from '../convert/fidelity.ts';
import { importModel } from '../convert/import-model.ts';
import { resnetLikeOnnx } from '../convert/test-models.ts';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { isAntidoteError } from '../errors.ts';
import {
  fitDatasetToInput,
  parseAntidoteJson,
  parseHuggingFacePreprocessor,
  resizeDataset,
  resolvePreprocessing,
  toInputNormalization,
} from './preprocessing.ts';

const HF_RESNET = JSON.stringify({
  crop_pct: 0.875,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.485, 0.456, 0.406],
  image_processor_type: 'ConvNextImageProcessor',
  image_std: [0.229, 0.224, 0.225],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 32 },
});

function dataset(images: number[], height: number, width: number, channels: number): ImageDataset {
  return {
    images: Uint8Array.from(images),
    labels: Int32Array.from({ length: images.length / (height * width * channels) }, () => 0),
    height,
    width,
    channels,
    classNames: ['a'],
    flipAugment: false,
  };
}

describe('preprocessing', () => {
  it('reads a Hugging Face preprocessor_config.json', () => {
    expect(parseHuggingFacePreprocessor(HF_RESNET)).toEqual({
      layout: 'NCHW',
      channelOrder: 'RGB',
      height: 32,
      width: 32,
      scale: 0.00392156862745098,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      resize: 'bilinear',
    });
  });

  it('reads antidote.json and refuses unknown fields', () => {
    expect(parseAntidoteJson('{"size": [64, 48], "channelOrder": "BGR", "mean": [1, 2, 3], "std": 2}')).toEqual({
      height: 64,
      width: 48,
      channelOrder: 'BGR',
      mean: [1, 2, 3],
      std: [2, 2, 2],
    });
    expect(() => parseAntidoteJson('{"sizee": 3}')).toThrow(/unknown fields sizee/);
  });

  it('lists defaulted fields and refuses a size that contradicts the model', () => {
    const input = { layout: 'NCHW' as const, height: 32, width: 32, channels: 3 };
    const resolved = resolvePreprocessing(input, { mean: [0.5, 0.5, 0.5] });
    expect(resolved.defaulted.sort()).toEqual(['channelOrder', 'resize', 'scale', 'std']);
    let error: unknown;
    try {
      resolvePreprocessing(input, { height: 224, width: 224 });
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'SHAPE_MISMATCH')).toBe(true);
  });

  it('the imported model applies the preprocessing exactly as the JS reference does for ONNX Runtime', async () => {
    const bytes = resnetLikeOnnx({ size: 32 });
    for (const declared of [
      parseHuggingFacePreprocessor(HF_RESNET),
      { channelOrder: 'BGR' as const, scale: 1, mean: [100, 110, 120], std: [50, 60, 70] },
    ]) {
      const imported = await importModel(bytes, { preprocessing: declared });
      expect(imported.model.layers[1]?.getClassName()).toBe('InputNormalization');
      const report = await checkFidelity(bytes, imported.model, { count: 64 });
      expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      expect(report.top1Agreement).toBe(1);
      imported.model.dispose();
    }
  });

  it('trusted images fitted to the model are the fidelity inputs', async () => {
    const bytes = resnetLikeOnnx({ size: 32 });
    const imported = await importModel(bytes, { preprocessing: parseHuggingFacePreprocessor(HF_RESNET) });
    const gray = dataset(
      Array.from({ length: 4 * 16 * 16 }, (_, i) => (i * 37) % 256),
      16,
      16,
      1,
    );
    const fitted = fitDatasetToInput(gray, imported.preprocessing, { replicateGray: true });
    const inputs = fidelityInputs(fitted);
    expect(inputs.length).toBe(4 * 32 * 32 * 3);
    expect(Math.max(...inputs)).toBeLessThanOrEqual(1);
    const report = await checkFidelity(bytes, imported.model, { inputs });
    expect(report.n).toBe(4);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    imported.model.dispose();
  });

  it('InputNormalization maps pixels / 255 to the declared space', () => {
    const input = { layout: 'NCHW' as const, height: 1, width: 1, channels: 3 };
    const { preprocessing } = resolvePreprocessing(input, { channelOrder: 'BGR', scale: 1, mean: [10, 20, 30], std: [2, 4, 5] });
    const config = toInputNormalization(preprocessing);
    expect(config).toEqual({ scale: 255, mean: [10, 20, 30], std: [2, 4, 5], reverseChannels: true });
  });

  it('resizes like tf.image (half-pixel centres) without loading TensorFlow', async () => {
    const tf = await import('@tensorflow/tfjs');
    const values = Array.from({ length: 2 * 7 * 5 * 3 }, (_, i) => (i * 53) % 256);
    const small = dataset(values, 7, 5, 3);
    for (const [h, w] of [
      [16, 12],
      [3, 4],
      [7, 9],
    ] as const) {
      for (const method of ['bilinear', 'nearest'] as const) {
        const expected = tf.tidy(() => {
          const x = tf.tensor4d(values, [2, 7, 5, 3]);
          const y =
            method === 'nearest'
              ? tf.image.resizeNearestNeighbor(x, [h, w], false, true)
              : tf.image.resizeBilinear(x, [h, w], false, true);
          return Array.from(y.dataSync());
        });
        const ours = Array.from(resizeDataset(small, h, w, method).images);
        const worst = Math.max(...ours.map((v, i) => Math.abs(v - (expected[i] as number))));
        expect(worst).toBeLessThanOrEqual(0.5 + 1e-3);
      }
    }
  });

  it('resizes datasets bilinearly with half-pixel centres, or nearest', () => {
    const small = dataset([0, 100, 200, 40], 2, 2, 1);
    expect(Array.from(resizeDataset(small, 4, 4, 'nearest').images)).toEqual([
      0, 0, 100, 100, 0, 0, 100, 100, 200, 200, 40, 40, 200, 200, 40, 40,
    ]);
    const bilinear = resizeDataset(small, 4, 4, 'bilinear').images;
    // Corner pixels keep their value; the centre four average towards their neighbours.
    expect([bilinear[0], bilinear[3], bilinear[12], bilinear[15]]).toEqual([0, 100, 200, 40]);
    expect(bilinear[5]).toBe(Math.round(0.5625 * 0 + 0.1875 * 100 + 0.1875 * 200 + 0.0625 * 40));
  });

  it('a grayscale dataset for an RGB model is a typed error unless replication is asked for', () => {
    const gray = dataset([10, 20, 30, 40], 2, 2, 1);
    const { preprocessing } = resolvePreprocessing({ layout: 'NCHW', height: 4, width: 4, channels: 3 });
    let error: unknown;
    try {
      fitDatasetToInput(gray, preprocessing);
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'SHAPE_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(/replicateGray/);
    const fitted = fitDatasetToInput(gray, preprocessing, { replicateGray: true });
    expect([fitted.height, fitted.width, fitted.channels, fitted.images.length]).toEqual([4, 4, 3, 48]);
    expect(Array.from(fitted.images.subarray(0, 3))).toEqual([10, 10, 10]);
  });
});
