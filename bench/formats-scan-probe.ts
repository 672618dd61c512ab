/**
 * The 224-px scan row of `npm run bench:formats`, in its own process so its peak RSS is its own:
 * imports a 224x224x3 ONNX model, estimates the scan (core's estimateJob with the throughput
 * measured here), runs the scan's two stages (Pivotal-Tuning reference, CTI with the default
 * patch and warp families) to completion, prints JSON.
 */
import { importModel, mobilenetLikeOnnx, resnet18Onnx } from '@antidote/core/convert';
import type { ImageDataset } from '@antidote/core/datasets';
import {
  calibratedTriggerInversion,
  PIVOTAL_TUNING_DEFAULTS,
  pivotalTuning,
  splitTrusted,
  TRIGGER_INVERSION_DEFAULTS,
} from '@antidote/core/defenses';
import { predictClasses } from '@antidote/core/metrics';
import { estimateJob, measureTrainThroughput, modelCost } from '@antidote/core/models';
import { createRng } from '@antidote/core/random';
import { initRuntime } from '@antidote/core/runtime';

const [modelName = 'mobilenet-like', sizeArg = '224'] = process.argv.slice(2);
const size = Number(sizeArg);
/** Small settings: the row shows that a 224-px scan runs in bounded memory, not its verdict. */
const SETTINGS = { images: 40, classes: [0, 1], steps: 4, referenceSteps: 8, batchSize: 8, seed: 1 };

async function main() {
  await initRuntime({ backend: 'wasm' });
  const bytes = modelName === 'resnet18' ? resnet18Onnx({ size }) : mobilenetLikeOnnx({ size });
  const { model } = await importModel(bytes);
  const numClasses = (model.outputs[0]?.shape.at(-1) as number | undefined) ?? 10;
  // Smooth random images, labelled by the model itself, so its clean accuracy starts at 100%.
  const rng = createRng(SETTINGS.seed);
  const pixels = new Uint8Array(SETTINGS.images * size * size * 3);
  for (let n = 0; n < SETTINGS.images; n++) {
    const [r, g, b] = [rng.next(), rng.next(), rng.next()];
    for (let p = 0; p < size * size; p++) {
      const wave = Math.sin(((p % size) / size) * Math.PI * (1 + 4 * r) + n);
      const base = (n * size * size + p) * 3;
      pixels[base] = Math.round(255 * (0.5 + 0.4 * wave * r));
      pixels[base + 1] = Math.round(255 * (0.5 + 0.4 * wave * g));
      pixels[base + 2] = Math.round(255 * (0.5 - 0.4 * wave * b));
    }
  }
  const unlabelled: ImageDataset = {
    images: pixels,
    labels: new Int32Array(SETTINGS.images),
    height: size,
    width: size,
    channels: 3,
    classNames: Array.from({ length: numClasses }, (_, c) => `class ${c}`),
    flipAugment: true,
  };
  const trusted: ImageDataset = { ...unlabelled, labels: Int32Array.from(await predictClasses(model, unlabelled)) };
  const split = { seed: SETTINGS.seed };
  const { validation } = splitTrusted(trusted, split);

  const cost = modelCost(model);
  const batch = SETTINGS.batchSize;
  const families = TRIGGER_INVERSION_DEFAULTS.triggerFamilies;
  const inversion = SETTINGS.classes.length * families.length * SETTINGS.steps * batch;
  const tProbe = performance.now();
  // The worker's rule: the scan's largest batch, capped near 5 GFLOP per timed step.
  const probeBatch = Math.max(1, Math.min(2 * batch, Math.floor(5e9 / (3 * cost.forwardFlops))));
  const flopsPerSecond = measureTrainThroughput(model, probeBatch);
  const probeMs = performance.now() - tProbe;
  const estimate = estimateJob(
    cost,
    {
      trainPasses: SETTINGS.referenceSteps * batch * 2 + 2 * inversion,
      inferPasses:
        SETTINGS.referenceSteps * batch * 2 +
        Math.ceil(SETTINGS.referenceSteps / 4) * validation.labels.length +
        (1 + 2 * SETTINGS.classes.length * families.length) * validation.labels.length,
      peakBatch: 2 * batch,
      models: 3,
    },
    flopsPerSecond,
  );

  const started = performance.now();
  const reference = await pivotalTuning(model, trusted, {
    ...split,
    select: 'final',
    steps: SETTINGS.referenceSteps,
    batchSize: batch,
    evaluateEvery: 4,
  });
  const referenceMs = performance.now() - started;
  const detection = await calibratedTriggerInversion(model, trusted, {
    ...split,
    steps: SETTINGS.steps,
    patchSteps: SETTINGS.steps,
    warpSteps: SETTINGS.steps,
    batchSize: batch,
    patchBatchSize: batch,
    warpBatchSize: batch,
    candidateClasses: SETTINGS.classes,
    repairedModel: reference.model,
  });
  const scanMs = performance.now() - started;
  reference.model.dispose();
  model.dispose();
  const row = {
    model: modelName,
    size,
    forwardGflop: Number((cost.forwardFlops / 1e9).toFixed(3)),
    params: cost.paramFloats,
    settings: { ...SETTINGS, families: families.join(','), ptDefaultsBatch: PIVOTAL_TUNING_DEFAULTS.batchSize },
    measuredGflops: Number((flopsPerSecond / 1e9).toFixed(2)),
    probeMs: Math.round(probeMs),
    estimatedSeconds: Number(estimate.seconds.toFixed(1)),
    estimatedPeakMB: Math.round(estimate.peakBytes / 2 ** 20),
    referenceSeconds: Number((referenceMs / 1000).toFixed(1)),
    scanSeconds: Number((scanMs / 1000).toFixed(1)),
    score: detection.score,
    familyScores: detection.familyScores,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

await main();
