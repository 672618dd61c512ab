/**
 * One row of `npm run bench:formats`, in its own process so peak RSS belongs to one model:
 * writes the ONNX file, imports it, checks fidelity against ONNX Runtime, prints JSON.
 */
import {
  checkFidelity,
  groupedConvOnnx,
  importModel,
  mobilenetLikeOnnx,
  plainCnnOnnx,
  resnet18Onnx,
  resnetLikeOnnx,
} from '@antidote/core/convert';
import { initRuntime } from '@antidote/core/runtime';

const [modelName = 'resnet18', sizeArg = '32', countArg = '256'] = process.argv.slice(2);
const size = Number(sizeArg);
const count = Number(countArg);

const builders: Record<string, () => Uint8Array> = {
  'plain-cnn': () => plainCnnOnnx({ size, channels: 1 }),
  'resnet-like': () => resnetLikeOnnx({ size }),
  'mobilenet-like': () => mobilenetLikeOnnx({ size }),
  'resnext-like': () => groupedConvOnnx({ size }),
  resnet18: () => resnet18Onnx({ size, cifarStem: size <= 32 }),
};

async function main() {
  const build = builders[modelName];
  if (!build) throw new Error(`unknown model ${modelName}`);
  await initRuntime({ backend: 'wasm' });
  const bytes = build();
  const t0 = performance.now();
  const imported = await importModel(bytes);
  const importMs = performance.now() - t0;
  const rssAfterImport = process.memoryUsage().rss;
  const t1 = performance.now();
  const fidelity = await checkFidelity(bytes, imported.model, { count, seed: 1, batchSize: size >= 224 ? 16 : 64 });
  const fidelityMs = performance.now() - t1;
  const params = imported.model.countParams();
  imported.model.dispose();
  const row = {
    model: modelName,
    size,
    channels: imported.inputShape[2],
    params,
    onnxMB: Number((bytes.length / 2 ** 20).toFixed(1)),
    importMs: Math.round(importMs),
    fidelityMs: Math.round(fidelityMs),
    rssAfterImportMB: Math.round(rssAfterImport / 2 ** 20),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...fidelity,
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

await main();
