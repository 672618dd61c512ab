/**
 * The `npm start` demo's repair outside the service: the demo's victim (apps/cli service-demo:
 * small-cnn, 20,000 Fashion-MNIST images with 200 BadNets poisons, 2 epochs, seed 7), its trusted
 * 600 images, and the worker's Pivotal Tuning call (seed 0, the demo's steps), measured on the
 * demo's 2,000 evaluation images. Compares Pivotal Tuning options side by side on one victim.
 * `npm run bench:demo-repair -- [--cache DIR] [--variants JSON-array-of-options]`
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { triggeredTestSet } from '@antidote/core/attacks';
import { loadBuiltinDataset } from '@antidote/core/datasets';
import { type PivotalTuningOptions, pivotalTuning } from '@antidote/core/defenses';
import { createLabAttack, DEMO_PT_STEPS, DEMO_VICTIM, demoData, trainLabModel } from '@antidote/core/lab';
import { evaluateAttack, evaluateClean } from '@antidote/core/metrics';
import { loadModelFromFiles, saveModelToFiles } from '@antidote/core/models';
import { initRuntime } from '@antidote/core/runtime';
import type * as tf from '@tensorflow/tfjs';
import { option } from './cli-args.ts';

const cache = path.resolve(option('--cache', path.join(import.meta.dirname, '.cache', 'demo-victim')));
const variants = JSON.parse(option('--variants', '[{}]')) as Partial<PivotalTuningOptions>[];

await initRuntime({ backend: 'wasm' });
const { train, test } = loadBuiltinDataset('fashion-mnist');
const { victimTrain: victimData, trusted, evaluation } = demoData(train, test);
const attackSpec = {
  name: 'badnets' as const,
  poisonCount: DEMO_VICTIM.poisonCount,
  targetClass: DEMO_VICTIM.targetClass,
  seed: DEMO_VICTIM.seed,
};
let model: tf.LayersModel;
if (existsSync(path.join(cache, 'meta.json'))) {
  const meta = JSON.parse(readFileSync(path.join(cache, 'meta.json'), 'utf8')) as { files: string[] };
  model = await loadModelFromFiles(
    Object.fromEntries(meta.files.map((f) => [f, new Uint8Array(readFileSync(path.join(cache, f)))])),
  );
} else {
  const lab = await trainLabModel({
    train: victimData,
    test: evaluation,
    attack: attackSpec,
    recipe: { epochs: DEMO_VICTIM.epochs, seed: DEMO_VICTIM.seed },
  });
  model = lab.model;
  const files = await saveModelToFiles(model);
  mkdirSync(cache, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(cache, name), bytes);
  writeFileSync(path.join(cache, 'meta.json'), JSON.stringify({ files: Object.keys(files) }));
}
const triggered = triggeredTestSet(createLabAttack(attackSpec), evaluation);
const measure = async (m: tf.LayersModel) => ({
  cda: (await evaluateClean(m, evaluation)).cda,
  asr: (await evaluateAttack(m, triggered, DEMO_VICTIM.targetClass)).asr,
});
const before = await measure(model);
console.log(JSON.stringify({ before }));
for (const variant of variants) {
  const t0 = performance.now();
  const result = await pivotalTuning(model, trusted, {
    seed: 0,
    accuracyBudget: 0.02,
    steps: DEMO_PT_STEPS,
    ...variant,
  });
  const after = await measure(result.model);
  result.model.dispose();
  console.log(
    JSON.stringify({
      variant,
      cdaDrop: Number(((before.cda - after.cda) * 100).toFixed(1)),
      asr: Number((after.asr * 100).toFixed(1)),
      keptRun: result.parameters.keptRun,
      steps: result.steps,
      recipe: result.parameters.recipe,
      seconds: Math.round((performance.now() - t0) / 1000),
    }),
  );
}
