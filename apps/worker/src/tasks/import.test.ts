import { resnetLikeOnnx } from '@antidote/core/convert';
import { classifyModelUpload } from '@antidote/core/formats';
import { parseOnnx } from '@antidote/core/formats/onnx';
import { packModelArchive, saveModelToFiles } from '@antidote/core/models';
import { tf } from '@antidote/core/runtime';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { loadModelArchive } from './common.ts';
import { runExport, runImport } from './import.ts';

describe('runImport / runExport', () => {
  it('imports a zipped ONNX model with its antidote.json, checks it in ONNX Runtime, and writes repaired weights back into the same zip', async () => {
    const onnx = resnetLikeOnnx({ size: 32, channels: 3, classes: 4, seed: 3 });
    const sidecar = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    const upload = zipSync({
      'model/net.onnx': onnx,
      'model/antidote.json': new TextEncoder().encode(JSON.stringify(sidecar)),
    });
    const imported = await runImport({ model: upload });
    expect(imported.format).toBe('onnx');
    expect(imported.preprocessing).toMatchObject({ layout: 'NCHW', height: 32, width: 32, channels: 3, ...sidecar });
    expect(imported.defaulted).not.toContain('mean');
    expect(imported.fidelity).toMatchObject({ top1Agreement: 1, n: 256, inputs: 'noise' });
    expect(imported.fidelity?.maxAbsDiff).toBeLessThanOrEqual(1e-4);

    // a stand-in for a repair: every weight of the converted model scaled by 1.05
    const { model } = await loadModelArchive(imported.archive);
    for (const w of model.weights) {
      const v = w.read();
      if (v.dtype === 'float32') w.write(tf.tidy(() => v.mul(1.05)));
    }
    const repaired = packModelArchive(await saveModelToFiles(model));
    model.dispose();
    const exported = await runExport({ original: upload, repaired, layout: 'NCHW', preprocessing: imported.preprocessing });
    expect(exported.fidelity).toMatchObject({ top1Agreement: 1 });
    expect(exported.fidelity?.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(exported.replaced).toBeGreaterThan(0);
    const back = classifyModelUpload(exported.bytes);
    expect(back).toMatchObject({ kind: 'onnx', modelName: 'model/net.onnx' });
    expect(back.antidoteJson).toBeDefined();
    const [before, after] = [parseOnnx(onnx), parseOnnx(back.model)];
    expect(after.nodes.map((n) => n.opType)).toEqual(before.nodes.map((n) => n.opType));
    expect([...after.initializers.keys()]).toEqual([...before.initializers.keys()]);
  });

  it('refuses a TF.js archive and bytes that are no model, as typed errors', async () => {
    await expect(runImport({ model: new TextEncoder().encode('not a model at all') })).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
    });
  });
});
