import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { isAntidoteError } from '../errors.ts';
import { readKerasFile } from '../formats/keras/read.ts';
import {
  type KerasTestLayer,
  keras2H5,
  kerasArchive,
  residualKerasLayers,
  sequentialKerasLayers,
} from '../formats/keras/test-files.ts';
import { exportRepaired } from './export-repaired.ts';
import { importModel } from './import-model.ts';

/** NHWC activations of one image as plain arrays: [h, w, c] + data. */
interface Act {
  h: number;
  w: number;
  c: number;
  d: Float64Array;
}

/**
 * The layer math in plain loops, independent of tfjs: the reference an imported Keras model must
 * match (no Keras runs here). Covers the layers the test files use.
 */
function reference(
  layers: KerasTestLayer[],
  weights: Map<string, Float32Array[]>,
  image: Float32Array,
  shape: number[],
): number[] {
  const [H, W, C] = shape as [number, number, number];
  const outputs = new Map<string, Act | number[]>();
  let last: Act | number[] = { h: H, w: W, c: C, d: Float64Array.from(image) };
  const act = (name: string | undefined, x: number) => (name === 'relu' ? Math.max(0, x) : x);
  for (const layer of layers) {
    const cfg = layer.config;
    const name = cfg.name as string;
    const inputs = layer.inbound ? layer.inbound.map((n) => outputs.get(n) as Act | number[]) : [last];
    const x = inputs[0] as Act;
    const ws = weights.get(name) ?? [];
    let out: Act | number[];
    switch (layer.class_name) {
      case 'InputLayer':
        out = last;
        break;
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const [kh, kw] = cfg.kernel_size as [number, number];
        const same = cfg.padding === 'same';
        const oh = same ? x.h : x.h - kh + 1;
        const ow = same ? x.w : x.w - kw + 1;
        const top = same ? Math.floor((kh - 1) / 2) : 0;
        const left = same ? Math.floor((kw - 1) / 2) : 0;
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const filters = depthwise ? x.c : (cfg.filters as number);
        const kernel = ws[0] as Float32Array;
        const bias = cfg.use_bias === false ? undefined : ws[1];
        const d = new Float64Array(oh * ow * filters);
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let f = 0; f < filters; f++) {
              let s = bias ? (bias[f] as number) : 0;
              for (let a = 0; a < kh; a++)
                for (let b = 0; b < kw; b++) {
                  const y = i + a - top;
                  const z = j + b - left;
                  if (y < 0 || z < 0 || y >= x.h || z >= x.w) continue;
                  if (depthwise) s += (x.d[(y * x.w + z) * x.c + f] as number) * (kernel[(a * kw + b) * x.c + f] as number);
                  else
                    for (let ch = 0; ch < x.c; ch++)
                      s +=
                        (x.d[(y * x.w + z) * x.c + ch] as number) * (kernel[((a * kw + b) * x.c + ch) * filters + f] as number);
                }
              d[(i * ow + j) * filters + f] = act(cfg.activation as string, s);
            }
        out = { h: oh, w: ow, c: filters, d };
        break;
      }
      case 'BatchNormalization': {
        const [g, b, m, v] = ws as [Float32Array, Float32Array, Float32Array, Float32Array];
        const eps = cfg.epsilon as number;
        out = {
          ...x,
          d: x.d.map(
            (val, k) =>
              ((val - (m[k % x.c] as number)) / Math.sqrt((v[k % x.c] as number) + eps)) * (g[k % x.c] as number) +
              (b[k % x.c] as number),
          ),
        };
        break;
      }
      case 'ReLU':
        out = { ...x, d: x.d.map((val) => Math.min(Math.max(val, 0), (cfg.max_value as number) ?? Number.POSITIVE_INFINITY)) };
        break;
      case 'Add': {
        const y = inputs[1] as Act;
        out = { ...x, d: x.d.map((val, k) => val + (y.d[k] as number)) };
        break;
      }
      case 'MaxPooling2D': {
        const [p] = cfg.pool_size as [number];
        const oh = Math.floor(x.h / p);
        const ow = Math.floor(x.w / p);
        const d = new Float64Array(oh * ow * x.c).fill(Number.NEGATIVE_INFINITY);
        for (let i = 0; i < oh * p; i++)
          for (let j = 0; j < ow * p; j++)
            for (let ch = 0; ch < x.c; ch++) {
              const k = (Math.floor(i / p) * ow + Math.floor(j / p)) * x.c + ch;
              d[k] = Math.max(d[k] as number, x.d[(i * x.w + j) * x.c + ch] as number);
            }
        out = { h: oh, w: ow, c: x.c, d };
        break;
      }
      case 'GlobalAveragePooling2D': {
        const sums = new Array(x.c).fill(0);
        x.d.forEach((val, k) => {
          sums[k % x.c] += val;
        });
        out = sums.map((s) => s / (x.h * x.w));
        break;
      }
      case 'Rescaling':
        out = { ...x, d: x.d.map((val) => val * (cfg.scale as number) + (cfg.offset as number)) };
        break;
      case 'Flatten':
        out = Array.from(x.d);
        break;
      case 'Dropout':
        out = inputs[0] as number[];
        break;
      case 'Dense': {
        const v = inputs[0] as number[];
        const units = cfg.units as number;
        const [k, b] = ws as [Float32Array, Float32Array];
        const z = Array.from({ length: units }, (_, u) =>
          v.reduce((s, val, i) => s + val * (k[i * units + u] as number), b[u] as number),
        );
        if (cfg.activation === 'softmax') {
          const max = Math.max(...z);
          const e = z.map((val) => Math.exp(val - max));
          const total = e.reduce((a, c) => a + c, 0);
          out = e.map((val) => val / total);
        } else out = z.map((val) => act(cfg.activation as string, val));
        break;
      }
      default:
        throw new Error(`reference: ${layer.class_name}`);
    }
    outputs.set(name, out);
    last = out;
  }
  return last as number[];
}

async function weightsByLayer(bytes: Uint8Array): Promise<Map<string, Float32Array[]>> {
  const file = await readKerasFile(bytes);
  return new Map([...file.weights].map(([name, ws]) => [name, ws.map((w) => w.values)]));
}

async function maxDiffToReference(
  bytes: Uint8Array,
  layers: KerasTestLayer[],
  model: tf.LayersModel,
  shape: number[],
  n: number,
) {
  const weights = await weightsByLayer(bytes);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.randomUniform([n, ...shape], 0, 1, 'float32', 9);
  const ours = model.predict(x) as tf.Tensor;
  const [xs, ys] = [x.dataSync() as Float32Array, ours.dataSync() as Float32Array];
  x.dispose();
  ours.dispose();
  let maxDiff = 0;
  let agree = 0;
  const classes = ys.length / n;
  for (let i = 0; i < n; i++) {
    const ref = reference(layers, weights, xs.subarray(i * size, (i + 1) * size), shape);
    const mine = Array.from(ys.subarray(i * classes, (i + 1) * classes));
    ref.forEach((r, k) => {
      maxDiff = Math.max(maxDiff, Math.abs(r - (mine[k] as number)));
    });
    if (ref.indexOf(Math.max(...ref)) === mine.indexOf(Math.max(...mine))) agree++;
  }
  return { maxDiff, agreement: agree / n };
}

const cases = [
  {
    name: 'Keras 3 .keras Functional (Conv+BN, depthwise, ReLU6, residual Add, GAP, softmax)',
    layers: residualKerasLayers(32),
    shape: [32, 32, 3],
    build: (l: KerasTestLayer[]) => kerasArchive('Functional', l),
  },
  {
    name: 'Keras 2 .h5 Sequential (Rescaling, Conv, pool, Flatten, Dense, Dropout)',
    layers: sequentialKerasLayers(28),
    shape: [28, 28, 1],
    build: (l: KerasTestLayer[]) => keras2H5(l),
  },
];

describe('Keras import and write-back', () => {
  for (const c of cases) {
    it(`${c.name}: matches the layer math and writes repaired weights back`, async () => {
      const bytes = await c.build(c.layers);
      const imported = await importModel(bytes, { preprocessing: { scale: 1 / 255 } });
      expect(imported.format).toBe(c.name.startsWith('Keras 3') ? 'keras3' : 'keras2-h5');
      const fidelity = await maxDiffToReference(bytes, c.layers, imported.model, c.shape, 256);
      expect(fidelity.maxDiff).toBeLessThanOrEqual(1e-4);
      expect(fidelity.agreement).toBe(1);

      for (const layer of imported.model.layers) {
        const ws = layer.getWeights();
        if (ws.length === 0) continue;
        const next = ws.map((w, j) =>
          tf.tidy(() => tf.mul(w, tf.add(1, tf.randomUniform(w.shape, -0.1, 0.1, 'float32', j + 1)))),
        );
        layer.setWeights(next);
        for (const t of next) t.dispose();
      }
      const exported = await exportRepaired(bytes, imported.model, { count: 64 });
      expect(exported.fidelity?.maxAbsDiff).toBe(0);
      expect(exported.fidelity?.top1Agreement).toBe(1);
      // The written file, read by the independent reference, computes what the repaired model does.
      const written = await maxDiffToReference(exported.bytes, c.layers, imported.model, c.shape, 64);
      expect(written.maxDiff).toBeLessThanOrEqual(1e-4);
      const stale = await maxDiffToReference(bytes, c.layers, imported.model, c.shape, 64);
      expect(stale.maxDiff).toBeGreaterThan(1e-3);
      imported.model.dispose();
    });
  }

  it('a config naming a custom layer is UNSUPPORTED_FORMAT naming it', async () => {
    const layers = residualKerasLayers(16);
    layers.splice(4, 1, {
      class_name: 'SqueezeExcite',
      module: 'my_models.blocks',
      registered_name: 'Custom>SqueezeExcite',
      config: { name: 'se' },
      inbound: ['dw'],
    });
    (layers[5] as KerasTestLayer).inbound = ['stem_bn', 'se'];
    const bytes = await kerasArchive('Functional', layers);
    let error: unknown;
    try {
      await importModel(bytes);
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'UNSUPPORTED_FORMAT')).toBe(true);
    expect((error as Error).message).toMatch(/Custom>SqueezeExcite \(layer "se"\)/);
  });
});
