import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeRuntime, initRuntime } from './backend.ts';

describe('runtime selection', () => {
  it('picks the best loadable backend and says why it skipped the others', async () => {
    const runtime = await initRuntime();
    expect(describeRuntime()).toBe(runtime);
    expect(tf.getBackend()).toBe(runtime.tfjsBackend);
    const order = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
    // Everything ranked above the chosen backend must have been tried and explained.
    const better = order.slice(0, order.indexOf(runtime.backend));
    expect(runtime.skipped.map((s) => s.backend)).toEqual(better);
    for (const skipped of runtime.skipped) expect(skipped.reason.length).toBeGreaterThan(0);
    if (runtime.backend === 'wasm') {
      expect(runtime.simd).toBe(true);
      expect(runtime.patchedKernels.length).toBeGreaterThan(0);
    }
  });

  it('honours an explicit backend', async () => {
    const runtime = await initRuntime({ backend: 'cpu' });
    expect(runtime.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(runtime.patchedKernels).toEqual([]);
  });
});
