/**
 * One job of `bench:efficacy`, in its own process (one wasm core each): train a victim model for
 * (attack, seed), then run every repair defense on 1% trusted data, and detectors when asked.
 * Test-set figures are measured after each defense returns; no defense sees them.
 * Prints one JSON document on stdout.
 */

import path from 'node:path';
import { triggeredTestSet } from '@antidote/core/attacks';
import { loadBuiltinDataset, selectImages } from '@antidote/core/datasets';
import {
  BASELINE_DEFENSES,
  calibratedTriggerInversion,
  combineFamilyScores,
  type DefenseOptions,
  type FamilyCombination,
  type NeuralCleanseDetection,
  neuralCleanseDetect,
  neuralCleanseRepair,
  type PivotalTuningOptions,
  pivotalTuning,
  type RepairResult,
  type TriggerFamily,
  type TriggerInversionOptions,
} from '@antidote/core/defenses';
import { createLabAttack, type LabAttackName, trainLabModel } from '@antidote/core/lab';
import { evaluateAttack, evaluateClean } from '@antidote/core/metrics';
import type { Architecture } from '@antidote/core/models';
import { ThreadPool } from '@antidote/core/parallel';
import { initRuntime } from '@antidote/core/runtime';
import type * as tf from '@tensorflow/tfjs';
import { loadCachedModel, saveCachedModel, victimCacheKey, victimSplit } from './victims.ts';

export interface EfficacyJob {
  dataset: string;
  architecture: Architecture;
  attack: LabAttackName | 'clean';
  poisonCount: number;
  /** Attack knobs beyond the defaults (e.g. WaNet's warp strength). */
  attackParams: Record<string, number>;
  seed: number;
  trainImages: number;
  epochs: number;
  trustedFraction: number;
  defenses: string[];
  detectors: string[];
  /** CTI's trigger families (core default when absent). */
  ctiFamilies?: TriggerFamily[];
  /** CTI's rule for combining families (core default when absent). */
  ctiCombine?: FamilyCombination;
  /** Further CTI options over core's defaults (experiments; the defaults when absent). */
  ctiOptions?: Partial<Pick<TriggerInversionOptions, 'patchArea' | 'patchExtraAreas'>>;
  /** Pivotal Tuning's options over core's defaults (experiments; the defaults when absent). */
  ptOptions?: Partial<PivotalTuningOptions>;
  /** Test images to measure on (the first N of the test split); all when null. */
  testImages: number | null;
  /**
   * A directory of trained victims (`--victim-cache`): training is deterministic, so a run that
   * changes only a defense can load the victim an earlier run trained instead of training it again.
   */
  victimCache?: string;
  /** Compute threads for Pivotal Tuning and CTI (data-parallel steps, classes); 1 when absent. */
  threads?: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as EfficacyJob;
await initRuntime({ backend: 'wasm' });
const { train: fullTrain, test: fullTest } = loadBuiltinDataset(job.dataset);
const { victimTrain, trusted } = victimSplit(fullTrain, job);
const test =
  job.testImages === null
    ? fullTest
    : selectImages(
        fullTest,
        Array.from({ length: Math.min(job.testImages, fullTest.labels.length) }, (_, i) => i),
      );

const started = performance.now();
const cacheDir = job.victimCache ? path.join(job.victimCache, victimCacheKey(job)) : null;
async function trainOrLoadVictim(): Promise<{ model: tf.LayersModel; poisonedImages: number; cached: boolean }> {
  const cached = cacheDir ? await loadCachedModel<{ poisonedImages: number }>(cacheDir) : null;
  if (cached) return { model: cached.model, poisonedImages: cached.extra.poisonedImages, cached: true };
  const lab = await trainLabModel({
    train: victimTrain,
    test,
    ...(job.attack === 'clean'
      ? {}
      : { attack: { name: job.attack, poisonCount: job.poisonCount, targetClass: 0, seed: job.seed, params: job.attackParams } }),
    recipe: { epochs: job.epochs, seed: job.seed, architecture: job.architecture },
  });
  if (cacheDir) await saveCachedModel(cacheDir, lab.model, { poisonedImages: lab.poisonedIndices.length });
  return { model: lab.model, poisonedImages: lab.poisonedIndices.length, cached: false };
}
const lab = await trainOrLoadVictim();
const trainSeconds = (performance.now() - started) / 1000;
const attackSpec =
  job.attack === 'clean'
    ? null
    : { name: job.attack, poisonCount: job.poisonCount, targetClass: 0, seed: job.seed, params: job.attackParams };
// ASR of a clean model is measured with the BadNets trigger, so clean rows stay comparable.
const attack = createLabAttack(attackSpec ?? { name: 'badnets', poisonCount: 1, targetClass: 0, seed: job.seed });
// A trigger drawn from images (Refool's reflections) comes from the victim's training set, as in the lab.
if ('fitTrigger' in attack && attack.fitTrigger) attack.fitTrigger(victimTrain);
const triggered = triggeredTestSet(attack, test);

async function measure(model: tf.LayersModel) {
  const clean = await evaluateClean(model, test);
  const backdoor = await evaluateAttack(model, triggered, 0);
  return { cda: clean.cda, asr: backdoor.asr, arr: backdoor.arr };
}

const before = await measure(lab.model);
const repair: Record<string, unknown>[] = [
  { defense: 'none', cdaBefore: before.cda, asrBefore: before.asr, cdaAfter: before.cda, asrAfter: before.asr, seconds: 0 },
];
// PT, CTI and the cross-entropy baselines split their batches over the pool; NAD's student and
// Neural Cleanse's unlearning train on this thread.
const pool = (job.threads ?? 1) > 1 ? await ThreadPool.start({ threads: job.threads }) : null;
const options: DefenseOptions = { seed: job.seed, ...(pool ? { pool } : {}) };
// Neural Cleanse's repair starts with exactly the detection its detector runs (same seed and
// options), so a job that runs both keeps that detection instead of reversing triggers twice.
let neuralCleanseDetection: NeuralCleanseDetection | null = null;
for (const name of job.defenses) {
  const t0 = performance.now();
  let result: RepairResult;
  if (name === 'pivotal-tuning') {
    result = await pivotalTuning(lab.model, trusted, { ...job.ptOptions, ...options });
  } else if (name === 'pivotal-tuning-unlabelled') {
    // The same trusted images with their labels ignored: PT learns the suspect's own answers.
    result = await pivotalTuning(lab.model, trusted, { ...job.ptOptions, ...options, useLabels: false });
  } else if (name === 'neural-cleanse') {
    const repaired = await neuralCleanseRepair(lab.model, trusted, options);
    neuralCleanseDetection = repaired.detection;
    result = repaired;
  } else {
    const defense = BASELINE_DEFENSES[name as keyof typeof BASELINE_DEFENSES];
    if (!defense) throw new Error(`unknown defense ${name}`);
    result = await defense.repair(lab.model, trusted, options);
  }
  const after = await measure(result.model);
  repair.push({
    defense: name,
    cdaBefore: before.cda,
    asrBefore: before.asr,
    cdaAfter: after.cda,
    asrAfter: after.asr,
    arrAfter: after.arr,
    validationAccuracyBefore: result.validationAccuracyBefore,
    validationAccuracyAfter: result.validationAccuracyAfter,
    steps: result.steps,
    ...(typeof result.parameters.attempts === 'number' ? { attempts: result.parameters.attempts } : {}),
    // Pivotal Tuning's recipe ('pivot-head' or 'fresh-head').
    ...(typeof result.parameters.recipe === 'string' ? { recipe: result.parameters.recipe } : {}),
    // What the held-out figures measure: accuracy, or agreement with the suspect (no labels).
    ...(typeof result.parameters.heldOutMetric === 'string' ? { heldOutMetric: result.parameters.heldOutMetric } : {}),
    // Pivotal Tuning's noise-blend gate: the suspect's noise sensitivity and the share it chose.
    ...(typeof result.parameters.noiseSensitivity === 'number'
      ? { noiseSensitivity: result.parameters.noiseSensitivity, noiseBlend: result.parameters.noiseBlend }
      : {}),
    seconds: (performance.now() - t0) / 1000,
  });
  result.model.dispose();
}

const detection: Record<string, unknown>[] = [];
for (const name of job.detectors) {
  const t0 = performance.now();
  if (name === 'cti') {
    const r = await calibratedTriggerInversion(lab.model, trusted, {
      seed: job.seed,
      ...(pool ? { pool } : {}),
      ...(job.ctiFamilies ? { triggerFamilies: job.ctiFamilies } : {}),
      ...(job.ctiCombine ? { combine: job.ctiCombine } : {}),
      ...job.ctiOptions,
    });
    r.repairedModel.dispose();
    const seconds = (performance.now() - t0) / 1000;
    detection.push({
      detector: 'cti',
      score: r.score,
      suspectedTarget: r.suspectedTarget,
      // CTI trains its own reference (a pinned recipe, not the repair's), so nothing is reused.
      seconds,
      reusedFromRepair: false,
      ...(typeof r.parameters.triggerFamily === 'string' ? { triggerFamily: r.parameters.triggerFamily } : {}),
      combine: r.parameters.combine,
      // Every family's score per class, so another combination can be read off the same inversions.
      familyScores: r.familyScores,
      ...(r.patchExtraScores.length > 0 ? { patchExtraScores: r.patchExtraScores } : {}),
    });
    // With several families, each one alone as well (same inversions), so one run compares them.
    const perFamily = Object.entries(r.familyScores);
    if (perFamily.length > 1) {
      const classes = (r.classScores ?? []).map((_, c) => c);
      // A row read off the same inversions under another combination.
      const derivedRow = (detector: string, combined: ReturnType<typeof combineFamilyScores>) =>
        detection.push({
          detector,
          score: combined.score,
          suspectedTarget: combined.target,
          seconds,
          reusedFromRepair: false,
          ...(combined.family ? { triggerFamily: combined.family } : {}),
        });
      const other: FamilyCombination = r.parameters.combine === 'centred' ? 'max' : 'centred';
      derivedRow(`cti-${other}`, combineFamilyScores(r.familyScores, classes, other));
      // What the same run scores without its extra patch budgets (the main budget's inversion is
      // the same with or without them).
      if (r.patchExtraScores.length > 0) derivedRow('cti-main-budget', combineFamilyScores(r.familyScores, classes, 'centred'));
      for (const [family, scores] of perFamily) {
        derivedRow(`cti-${family}`, combineFamilyScores({ [family]: scores }, classes, 'max'));
      }
    }
  } else if (name === 'neural-cleanse') {
    const r = neuralCleanseDetection ?? (await neuralCleanseDetect(lab.model, trusted, { seed: job.seed }));
    detection.push({
      detector: 'neural-cleanse',
      score: r.score,
      suspectedTarget: r.suspectedTarget,
      // Reused from the repair: its cost is inside the repair's seconds.
      seconds: neuralCleanseDetection ? 0 : (performance.now() - t0) / 1000,
      reusedFromRepair: neuralCleanseDetection !== null,
    });
  }
}
lab.model.dispose();
await pool?.close();
process.stdout.write(
  `${JSON.stringify({ job, trainSeconds, trustedImages: trusted.labels.length, poisonedImages: lab.poisonedImages, victimCached: lab.cached, before, repair, detection, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
