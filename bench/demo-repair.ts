import path from 'node:path';
import { triggeredTestSet } from '@antidote/core/attacks';
import { loadBuiltinDataset } from '@antidote/core/datasets';
import { type PivotalTuningOptions, pivotalTuning } from '@antidote/core/defenses';
import { createLabAttack, DEMO_ATTACK, DEMO_PT_STEPS, DEMO_VICTIM, demoData } from '@antidote/core/lab';
import { evaluateAttack, evaluateClean } from '@antidote/core/metrics';
import { initRuntime } from '@antidote/core/runtime';
import type * as tf from '@tensorflow/tfjs';
import { option } from './cli-args.ts';
import { demoVictim } from './victims.ts';

const cache = path.resolve(option('--cache', path.join(import.meta.dirname, '.cache', 'demo-victim')));
const variants = JSON.parse(option('--variants', '[{}]')) as Partial<PivotalTuningOptions>[];

await initRuntime({ backend: 'wasm' });
const { train, test } = loadBuiltinDataset('fashion-mnist');
const data = demoData(train, test);
const { trusted, evaluation } = data;
const model = await demoVictim(cache, data);
const triggered = triggeredTestSet(createLabAttack(DEMO_ATTACK), evaluation);
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
