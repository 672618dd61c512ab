/**
 * `npm run bench:implant -- --attack sig [--counts 200,600,1500] [--params '{"delta":30}'] [--epochs 3]`:
 * the attack side of the efficacy benchmark on its own. Trains tiny-cnn victims (10,000
 * Fashion-MNIST images, 3 epochs, seed 1, target class 0: the tiny recipe of `bench:efficacy`)
 * with increasing poison counts and stops at the first whose test ASR reaches 80%, the rule
 * ATTACK_SETTINGS follows. Clean-label attacks can poison at most the target class's own images
 * (about 1,000 of 10,000), so their counts are capped there. Prints and appends one JSON line per
 * victim to bench/results/implant.jsonl.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLEAN_LABEL_ATTACKS } from '@antidote/core/formats';
import { option } from './cli-args.ts';
import type { EfficacyJob } from './efficacy-job.ts';
import { runJob } from './job-pool.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const attack = option('--attack', '') as EfficacyJob['attack'];
if (!attack) throw new Error('--attack <name> is required');
const cleanLabel = (CLEAN_LABEL_ATTACKS as readonly string[]).includes(attack);
// The 10,000-image split holds 1,000 images of the target class; a clean-label attack can poison no more.
const counts = option('--counts', cleanLabel ? '200,600,1000' : '200,600,1500')
  .split(',')
  .map(Number);
const params = JSON.parse(option('--params', '{}')) as Record<string, number>;
const bar = Number(option('--bar', '0.8'));
const resultsDir = path.resolve(option('--out', path.join(here, 'results')));
mkdirSync(resultsDir, { recursive: true });

for (const poisonCount of counts) {
  const job: EfficacyJob = {
    dataset: option('--dataset', 'fashion-mnist'),
    architecture: option('--arch', 'tiny-cnn') as EfficacyJob['architecture'],
    attack,
    poisonCount,
    attackParams: params,
    seed: Number(option('--seed', '1')),
    trainImages: Number(option('--train-images', '10000')),
    epochs: Number(option('--epochs', '3')),
    trustedFraction: 0.01,
    defenses: [],
    detectors: [],
    testImages: null,
  };
  const started = Date.now();
  const result = await runJob(job);
  const line = {
    date: new Date().toISOString(),
    attack,
    poisonCount,
    params,
    epochs: job.epochs,
    seed: job.seed,
    cda: result.before.cda,
    asr: result.before.asr,
    trainSeconds: Number(result.trainSeconds.toFixed(1)),
    wallSeconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
  console.log(JSON.stringify(line));
  appendFileSync(path.join(resultsDir, 'implant.jsonl'), `${JSON.stringify(line)}\n`);
  if (result.before.asr >= bar) break;
}
