import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRuntime } from './backend.ts';

/** Deterministic pseudo-random values so cpu and wasm see identical inputs. */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface ConvCase {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  stride: 1 | 2;
  pad: 'same' | 'valid';
}

function convGradients(c: ConvCase, seed: number) {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(size([c.n, c.h, c.w, c.ci]), seed), [c.n, c.h, c.w, c.ci]);
    const w = tf.tensor4d(values(size([c.k, c.k, c.ci, c.co]), seed + 1), [c.k, c.k, c.ci, c.co]);
    const probeShape = tf.conv2d(x, w, c.stride, c.pad).shape;
    const probe = tf.tensor(values(size(probeShape), seed + 2), probeShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), probe)),
    )([x, w]);
    return { dx: Array.from(dx!.dataSync()), dw: Array.from(dw!.dataSync()) };
  });
}

function maxRelativeDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
  return worst;
}

/** Random shapes from a fixed seed cover odd sizes, stride 1/2, both paddings, kernels 1/3/5. */
function randomCases(count: number): ConvCase[] {
  const r = values(count * 8, 99);
  const pick = (i: number, lo: number, hi: number) => lo + Math.floor((r[i]! + 0.5) * (hi - lo + 1));
  const cases: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * 8;
    const k = [1, 3, 5][pick(o, 0, 2)]!;
    cases.push({
      n: pick(o + 1, 1, 3),
      h: pick(o + 2, k, 13),
      w: pick(o + 3, k, 13),
      ci: pick(o + 4, 1, 6),
      co: pick(o + 5, 1, 7),
      k,
      stride: i % 2 === 0 ? 1 : 2,
      pad: i % 4 < 2 ? 'same' : 'valid',
    });
  }
  return cases;
}

describe('wasm training kernels match the cpu backend', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  const cases = randomCases(12);
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('conv2d gradients %s', async (_label, c) => {
    await tf.setBackend('cpu');
    const expected = convGradients(c, 7);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const actual = convGradients(c, 7);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelativeDifference(actual.dx, expected.dx)).toBeLessThan(1e-5);
    expect(maxRelativeDifference(actual.dw, expected.dw)).toBeLessThan(1e-5);
  });

  it.each([
    [1, 1, 3, 1, 'same'],
    [2, 2, 3, 2, 'same'],
    [2, 1, 5, 1, 'valid'],
    [3, 2, 3, 3, 'valid'],
    [1, 2, 1, 2, 'same'],
  ] as const)(
    'depthwise conv2d gradients, batch %i stride %i kernel %i multiplier %i padding %s',
    async (n, stride, k, m, pad) => {
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(values(n * 9 * 8 * 4, 21), [n, 9, 8, 4]);
          const w = tf.tensor4d(values(k * k * 4 * m, 22), [k, k, 4, m]);
          const probeShape = tf.depthwiseConv2d(x, w, stride, pad).shape;
          const probe = tf.tensor(values(size(probeShape), 23), probeShape);
          const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), probe)),
          )([x, w]);
          return { dx: Array.from(dx!.dataSync()), dw: Array.from(dw!.dataSync()) };
        });
      await tf.setBackend('cpu');
      const expected = run();
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const actual = run();
      expect(tf.memory().numTensors).toBe(before);
      expect(maxRelativeDifference(actual.dx, expected.dx)).toBeLessThan(1e-5);
      expect(maxRelativeDifference(actual.dw, expected.dw)).toBeLessThan(1e-5);
    },
  );

  it.each([
    [2, 2, 'same'],
    [2, 2, 'valid'],
    [3, 2, 'same'],
    [3, 1, 'valid'],
    [3, 2, 'valid'],
  ] as const)('maxPool gradient, window %i stride %i padding %s', async (window, stride, pad) => {
    const run = () =>
      tf.tidy(() => {
        // Rounded values create ties, which must be routed to the first maximum like the cpu backend.
        const x = tf.round(tf.mul(tf.tensor4d(values(2 * 9 * 7 * 3, 11), [2, 9, 7, 3]), 8)) as tf.Tensor4D;
        const pooledShape = tf.maxPool(x, window, stride, pad).shape;
        const probe = tf.tensor(
          values(
            pooledShape.reduce((a, b) => a * b, 1),
            12,
          ),
          pooledShape,
        );
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, window, stride, pad), probe)))(x);
        return Array.from(dx.dataSync());
      });
    await tf.setBackend('cpu');
    const expected = run();
    await tf.setBackend('wasm');
    expect(maxRelativeDifference(run(), expected)).toBeLessThan(1e-6);
  });

  it.each([
    [false, true],
    [true, false],
    [true, true],
  ])('batched matMul transposeA=%s transposeB=%s', async (ta, tb) => {
    const run = () =>
      tf.tidy(() => {
        const a = tf.tensor3d(values(2 * 5 * 7, 3), ta ? [2, 7, 5] : [2, 5, 7]);
        const b = tf.tensor3d(values(2 * 7 * 4, 4), tb ? [2, 4, 7] : [2, 7, 4]);
        return Array.from(tf.matMul(a, b, ta, tb).dataSync());
      });
    await tf.setBackend('cpu');
    const expected = run();
    await tf.setBackend('wasm');
    expect(maxRelativeDifference(run(), expected)).toBeLessThan(1e-5);
  });

  it('batch-norm input gradient equals dy * scale / sqrt(variance + eps)', async () => {
    await tf.setBackend('wasm');
    const eps = 1e-3;
    const result = tf.tidy(() => {
      const x = tf.tensor4d(values(2 * 3 * 3 * 4, 5), [2, 3, 3, 4]);
      const mean = tf.tensor1d(values(4, 6));
      const variance = tf.add(tf.abs(tf.tensor1d(values(4, 7))), 0.1) as tf.Tensor1D;
      const scale = tf.tensor1d(values(4, 8));
      const offset = tf.tensor1d(values(4, 9));
      const probe = tf.tensor4d(values(2 * 3 * 3 * 4, 10), [2, 3, 3, 4]);
      const dx = tf.grad((a: tf.Tensor) =>
        tf.sum(tf.mul(tf.batchNorm(a as tf.Tensor4D, mean, variance, offset, scale, eps), probe)),
      )(x);
      const expected = tf.mul(tf.mul(probe, scale), tf.rsqrt(tf.add(variance, eps)));
      return { dx: Array.from(dx.dataSync()), expected: Array.from(expected.dataSync()) };
    });
    expect(maxRelativeDifference(result.dx, result.expected)).toBeLessThan(1e-5);
  });
});

/** dx and dw of sum(f(x, w) * probe) on the current backend, with inputs drawn from fixed seeds. */
function gradientsOf(
  f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor,
  xShape: [number, number, number, number],
  wShape: [number, number, number, number],
  seed: number,
) {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(size(xShape), seed), xShape);
    const w = tf.tensor4d(values(size(wShape), seed + 1), wShape);
    const probeShape = f(x, w).shape;
    const probe = tf.tensor(values(size(probeShape), seed + 2), probeShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), probe)))([
      x,
      w,
    ]);
    return { dx: Array.from(dx!.dataSync()), dw: Array.from(dw!.dataSync()) };
  });
}

async function expectWasmMatchesCpu(
  f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor,
  xShape: [number, number, number, number],
  wShape: [number, number, number, number],
): Promise<void> {
  await tf.setBackend('cpu');
  const expected = gradientsOf(f, xShape, wShape, 31);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const actual = gradientsOf(f, xShape, wShape, 31);
  expect(tf.memory().numTensors).toBe(before);
  expect(maxRelativeDifference(actual.dx, expected.dx)).toBeLessThan(1e-4);
  expect(maxRelativeDifference(actual.dw, expected.dw)).toBeLessThan(1e-4);
}

type Pads = [[number, number], [number, number]];

/**
 * The geometry of imported ONNX convolutions: explicit pads (ZeroPadding2D) then a 'valid' conv,
 * as PyTorch's symmetric pads and tf2onnx's asymmetric SAME pads arrive; and the kernels' other
 * callers (depthwise, the space-to-batch form of dilated convs, 'same' with stride 2 on odd sizes).
 */
describe('wasm conv gradients after explicit padding match the cpu backend', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  const padded = (pads: Pads) => (x: tf.Tensor4D) => tf.pad(x, [[0, 0], ...pads, [0, 0]]);

  it.each([
    // [batch, side, channels in, kernel, stride, pads]: odd and even sides, 1 and 3 channels
    [
      2,
      8,
      3,
      3,
      2,
      [
        [1, 1],
        [1, 1],
      ],
    ],
    [
      2,
      7,
      3,
      3,
      2,
      [
        [1, 1],
        [1, 1],
      ],
    ],
    [
      3,
      8,
      1,
      3,
      2,
      [
        [0, 1],
        [0, 1],
      ],
    ],
    [
      3,
      9,
      1,
      3,
      2,
      [
        [1, 1],
        [1, 1],
      ],
    ],
    [
      2,
      8,
      3,
      1,
      2,
      [
        [0, 0],
        [0, 0],
      ],
    ],
    [
      2,
      7,
      3,
      1,
      2,
      [
        [0, 0],
        [0, 0],
      ],
    ],
    [
      2,
      10,
      3,
      7,
      2,
      [
        [3, 3],
        [3, 3],
      ],
    ],
    [
      2,
      9,
      3,
      3,
      1,
      [
        [1, 1],
        [0, 2],
      ],
    ],
  ] as const)('conv2d: batch %i side %i channels %i kernel %i stride %i pads %j', async (n, side, ci, k, stride, pads) => {
    const pad = padded(pads as unknown as Pads);
    await expectWasmMatchesCpu((x, w) => tf.conv2d(pad(x), w, stride, 'valid'), [n, side, side, ci], [k, k, ci, 4]);
  });

  it.each([
    [
      2,
      8,
      3,
      2,
      1,
      [
        [1, 1],
        [1, 1],
      ],
    ],
    [
      2,
      7,
      3,
      2,
      2,
      [
        [0, 1],
        [0, 1],
      ],
    ],
    [
      3,
      9,
      5,
      2,
      1,
      [
        [2, 2],
        [2, 2],
      ],
    ],
  ] as const)('depthwise: batch %i side %i kernel %i stride %i multiplier %i pads %j', async (n, side, k, stride, m, pads) => {
    const pad = padded(pads as unknown as Pads);
    await expectWasmMatchesCpu((x, w) => tf.depthwiseConv2d(pad(x), w, stride, 'valid'), [n, side, side, 3], [k, k, 3, m]);
  });

  it.each([
    [2, 7, 3],
    [3, 8, 1],
  ] as const)('dilated conv2d as space-to-batch (rate 2): batch %i side %i channels %i', async (n, side, ci) => {
    // how the importer runs a dilated conv: space-to-batch, valid conv, batch-to-space, crop
    const dilated = (x: tf.Tensor4D, w: tf.Tensor4D) => {
      const p = padded([
        [2, 2],
        [2, 2],
      ])(x);
      const h = p.shape[1];
      const extra = (Math.ceil(h / 2) * 2 - h) as number;
      const spaced = tf.spaceToBatchND(
        p,
        [2, 2],
        [
          [0, extra],
          [0, extra],
        ],
      ) as tf.Tensor4D;
      const full = tf.batchToSpaceND(
        tf.conv2d(spaced, w, 1, 'valid'),
        [2, 2],
        [
          [0, 0],
          [0, 0],
        ],
      ) as tf.Tensor4D;
      return tf.slice(full, [0, 0, 0, 0], [n, h - 4, h - 4, full.shape[3]]);
    };
    await expectWasmMatchesCpu(dilated, [n, side, side, ci], [3, 3, ci, 4]);
  });

  it.each([
    [2, 7, 3, 3],
    [3, 9, 1, 3],
    [2, 7, 3, 1],
    [2, 5, 3, 4],
  ] as const)("'same' with stride 2 on an odd side: batch %i side %i channels %i kernel %i", async (n, side, ci, k) => {
    await expectWasmMatchesCpu((x, w) => tf.conv2d(x, w, 2, 'same'), [n, side, side, ci], [k, k, ci, 4]);
  });
});

describe('wasm Identity shares the buffer', () => {
  it('a clone outlives its source, keeps its values and copies nothing', async () => {
    await initRuntime({ backend: 'wasm' });
    const before = tf.memory();
    const source = tf.tensor2d(values(64 * 64, 13), [64, 64]);
    const expected = Array.from(source.dataSync());
    const clone = tf.clone(source);
    // One buffer for both tensors (the stock kernel allocates and fills a second one).
    expect(tf.memory().numTensors).toBe(before.numTensors + 2);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    source.dispose();
    expect(Array.from(clone.dataSync())).toEqual(expected);
    clone.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });

  it('gradients through saved (cloned) tensors are unchanged', async () => {
    await initRuntime({ backend: 'wasm' });
    // Exp saves its output for the backward pass, which the engine clones.
    const grad = tf.tidy(() =>
      Array.from(
        tf
          .grad((a: tf.Tensor) => tf.sum(tf.exp(a)))(tf.tensor1d([0, 1, -2]))
          .dataSync(),
      ),
    );
    expect(grad.map((g) => Number(g.toFixed(5)))).toEqual([1, Number(Math.E.toFixed(5)), Number(Math.exp(-2).toFixed(5))]);
  });
});
