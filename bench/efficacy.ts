/**
 * `npm run bench:efficacy [-- --quick] [--dataset fashion-mnist] [--seeds 3] [--first-seed 1] [--attacks a,b] [--matched-clean]
 * [--trusted-fraction 0.01]`: every attack x {no defense, FT, FP, NAD, NC, PT} with 1% trusted data, plus CTI and NC
 * detection scores over clean and poisoned models -> ROC AUC. Jobs run in two processes (one
 * wasm core each). Writes bench/results/efficacy.{json,md} (fields as in bench-format.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  calibrateThreshold,
  type FamilyCombination,
  TRIGGER_INVERSION_DEFAULTS,
  type TriggerFamily,
} from '@antidote/core/defenses';
import { rocAuc } from '@antidote/core/metrics';
import { args, option } from './cli-args.ts';
import type { EfficacyJob } from './efficacy-job.ts';
import { type JobResult, runJobs } from './job-pool.ts';
import { cpuInfo, probe } from './machine.ts';
import { type Split, splitOf, TUNING_VICTIMS } from './split.ts';
import { ATTACK_SETTINGS, STRONG_ATTACK_SETTINGS } from './victims.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = args.includes('--quick');
/**
 * Victim recipes. `tiny` (default): tiny-cnn on 10,000 images, CDA 80-85%, the recipe every
 * earlier default was tuned on. `strong`: small-cnn on 59,000 images with the lab's recipe, CDA
 * >= 90%, the well-trained models teams actually have (docs/benchmarks.md#profiles).
 */
const profile = option('--profile', 'tiny');
if (!['tiny', 'strong'].includes(profile)) throw new Error(`--profile must be tiny or strong, got ${profile}`);
const strong = profile === 'strong';
const dataset = option('--dataset', 'fashion-mnist');
const architecture = option('--arch', strong ? 'small-cnn' : 'tiny-cnn') as EfficacyJob['architecture'];
const seeds = Number(option('--seeds', quick ? '1' : '3'));
// Repairs run seeds firstSeed..seeds, so a long run can be split (say seed 1 with every defense,
// seeds 2-3 with Pivotal Tuning only) without repeating a victim.
const firstSeed = Number(option('--first-seed', '1'));
const detectionModels = Number(option('--detection-models', quick ? '1' : '5'));
// Compute threads per job (data-parallel Pivotal Tuning, CTI's reference repair and classes);
// jobs then run cores / threads at a time unless --workers says otherwise.
const threads = Number(option('--threads', '1'));
const workers = Number(option('--workers', String(Math.max(1, Math.floor(2 / threads)))));
const attacks = option(
  '--attacks',
  quick
    ? 'badnets'
    : strong
      ? 'badnets,blend,wanet,adaptive-patch'
      : 'badnets,blend,wanet,adaptive-blend,adaptive-patch,trigger-scattered-badnets,parameter-controlled',
).split(',') as EfficacyJob['attack'][];
const defenses = option(
  '--defenses',
  quick ? 'fine-tuning,pivotal-tuning' : 'fine-tuning,fine-pruning,nad,neural-cleanse,pivotal-tuning',
)
  .split(',')
  .filter(Boolean);
const detectors = option('--detectors', quick ? 'cti' : 'cti,neural-cleanse')
  .split(',')
  .filter(Boolean);
// CTI's trigger families; several also report each family alone (rows cti-<family>).
const ctiFamiliesOption = option('--cti-families', '');
const ctiFamilies = ctiFamiliesOption ? (ctiFamiliesOption.split(',') as TriggerFamily[]) : null;
// How CTI combines its families (core default when absent); several families also report the other rule.
const ctiCombineOption = option('--cti-combine', '');
const ctiCombine = ctiCombineOption ? (ctiCombineOption as FamilyCombination) : null;
// Further CTI options over core's defaults, as JSON (experiments, say `{"patchExtraAreas":[0.05]}`).
const ctiOptionsJson = option('--cti-options', '');
const ctiOptions = ctiOptionsJson ? (JSON.parse(ctiOptionsJson) as EfficacyJob['ctiOptions']) : undefined;
// What the CTI jobs run: the options given, else core's defaults.
const ctiFamiliesRun = ctiFamilies ?? TRIGGER_INVERSION_DEFAULTS.triggerFamilies;
const ctiCombineRun = ctiCombine ?? TRIGGER_INVERSION_DEFAULTS.combine;
const detectorRows = [
  ...detectors,
  ...(detectors.includes('cti') && ctiFamiliesRun.length > 1
    ? [...ctiFamiliesRun.map((f) => `cti-${f}`), ctiCombineRun === 'centred' ? 'cti-max' : 'cti-centred']
    : []),
  // With extra patch budgets, the same run's score without them.
  ...(detectors.includes('cti') &&
  ctiCombineRun === 'centred' &&
  ctiFamiliesRun.includes('patch') &&
  (ctiOptions?.patchExtraAreas ?? TRIGGER_INVERSION_DEFAULTS.patchExtraAreas).length > 0
    ? ['cti-main-budget']
    : []),
];
// A partial run (say, detection only) can save under its own name instead of overwriting the full one.
const resultName = option('--name', quick ? 'efficacy-quick' : strong ? 'efficacy-strong' : 'efficacy');
const resultsDir = path.resolve(option('--out', path.join(here, 'results')));
const attackSettings = strong ? STRONG_ATTACK_SETTINGS : ATTACK_SETTINGS;
const poisonCountOverride = option('--poison-count', '');
// Set, it overrides every attack's own epochs (ATTACK_SETTINGS).
const epochsOverride = option('--epochs', '');
const poisonCountOf = (attack: string) =>
  poisonCountOverride ? Number(poisonCountOverride) : (attackSettings[attack]?.poisonCount ?? 200);
// Pivotal Tuning's options over core's defaults, as JSON (experiments; recorded in the output).
const ptOptionsJson = option('--pt-options', '');
const ptOptions = ptOptionsJson ? (JSON.parse(ptOptionsJson) as EfficacyJob['ptOptions']) : undefined;
// `--victim-cache DIR`: load victims an earlier run trained (same attack, seed, recipe) instead
// of training them again; the rows say which were loaded.
const victimCache = option('--victim-cache', '');
const base = {
  dataset,
  ...(ptOptions ? { ptOptions } : {}),
  ...(victimCache ? { victimCache: path.resolve(victimCache) } : {}),
  architecture,
  trainImages: Number(option('--train-images', strong ? '59000' : '10000')),
  epochs: epochsOverride ? Number(epochsOverride) : quick ? 2 : 3,
  attackParams: {},
  ...(ctiFamilies ? { ctiFamilies } : {}),
  ...(ctiCombine ? { ctiCombine } : {}),
  ...(ctiOptions ? { ctiOptions } : {}),
  // The defender's clean data as a share of the training set (the paper's 1%; less for the data curve).
  trustedFraction: Number(option('--trusted-fraction', '0.01')),
  testImages: quick ? 2000 : null,
  ...(threads > 1 ? { threads } : {}),
};

const victimOf = (attack: string) => ({
  ...base,
  poisonCount: poisonCountOf(attack),
  epochs: epochsOverride ? base.epochs : (attackSettings[attack]?.epochs ?? base.epochs),
  attackParams: attackSettings[attack]?.params ?? {},
});
// Longest jobs first (victims with every repair), then detection-only victims, then clean ones,
// so neither worker idles at the end while the other runs a long job.
const jobs: EfficacyJob[] = [];
for (const attack of attacks) {
  for (let seed = firstSeed; seed <= seeds; seed++) {
    jobs.push({ ...victimOf(attack), attack, seed, defenses, detectors: seed <= detectionModels ? detectors : [] });
  }
}
for (const attack of attacks) {
  for (let seed = seeds + 1; seed <= detectionModels; seed++) {
    jobs.push({ ...victimOf(attack), attack, seed, defenses: [], detectors });
  }
}
/**
 * Clean reference models are trained with the base recipe. An attack whose victims train longer
 * (WaNet: 10 epochs) is then compared with clean models trained for fewer epochs, and a detector
 * score that grows with training length alone would pass for detection. `--matched-clean` trains
 * one clean set per recipe so every attack is compared with clean models of its own recipe; it is
 * not the default because the extra 10-epoch set does not fit the full run's hour on 2 cores.
 */
const matchedClean = args.includes('--matched-clean');
const cleanEpochs = matchedClean ? [...new Set(attacks.map((a) => victimOf(a).epochs))] : [base.epochs];
for (const epochs of cleanEpochs) {
  for (let seed = 1; seed <= detectionModels; seed++) {
    jobs.push({ ...base, epochs, attack: 'clean', poisonCount: 0, seed: 100 + seed, defenses: [], detectors });
  }
}

/**
 * The machine's compute pace (wasm 1024^3 matMul, the engine benchmark's probe) just before and
 * after the jobs, recorded with the wall time: this shared machine's speed drifts within a day and
 * between days (docs/benchmarks.md#history). A compute gauge only, so memory-bound slowdowns may
 * escape it; speed-ups are measured as ratios within one run, not across runs.
 */
function wasmMatmulGflops(): number | null {
  const rate = probe(['wasm', 'matmul'])?.matmulGflops;
  return typeof rate === 'number' ? Number(rate.toFixed(2)) : null;
}
const gflopsBefore = wasmMatmulGflops();

const started = Date.now();
const results = await runJobs(
  jobs,
  workers,
  (id, result) => {
    const pt = result.repair.find((r) => r.defense === 'pivotal-tuning');
    process.stderr.write(
      `[w${id}] ${result.job.attack} seed ${result.job.seed}: CDA ${result.before.cda.toFixed(3)} ASR ${result.before.asr.toFixed(3)}` +
        (pt ? ` -> PT CDA ${Number(pt.cdaAfter).toFixed(3)} ASR ${Number(pt.asrAfter).toFixed(3)}` : '') +
        ` (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  },
  (id, job) => process.stderr.write(`[w${id}] ${job.attack} seed ${job.seed} ...\n`),
);
const wallSeconds = (Date.now() - started) / 1000;
const gflopsAfter = wasmMatmulGflops();

const auc = rocAuc;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const spread = (xs: number[]) => (xs.length ? Math.max(...xs) - Math.min(...xs) : 0);

const repairRows: (Record<string, number | string> & { attack: string; seed: number; defense: string })[] = results.flatMap((r) =>
  r.repair.map((row) => ({ attack: r.job.attack, poisonCount: r.job.poisonCount, seed: r.job.seed, ...row })),
);
/**
 * `--reuse FILE`: rows of defenses and detectors this run did not run, taken from an earlier run's
 * JSON, so a run that changes one defense (say Pivotal Tuning's defaults) can be checked against
 * the baselines without re-running them. A repair row is taken only when its victim is the same
 * model: same attack, seed and poison count, and test CDA and ASR before equal to this run's to
 * the last digit (the jobs are deterministic); otherwise the run stops. Detection rows are taken
 * per attack when this run ran no detector. Reused rows say so (`reusedFrom`). Several files,
 * comma-separated, combine runs that each ran some defenses on the same victims.
 */
const reuseFiles = option('--reuse', '').split(',').filter(Boolean);
const reuseFile = reuseFiles.map((f) => path.basename(f)).join(', ');
const reusedDefenses = new Set<string>();
let reusedDetection: Record<string, unknown>[] = [];
for (const file of reuseFiles) {
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as {
    repair: (Record<string, number | string> & { attack: string; seed: number; defense: string; poisonCount: number })[];
    detection: (Record<string, unknown> & { attack: string })[];
  };
  for (const row of earlier.repair) {
    if (row.defense === 'none' || defenses.includes(row.defense) || !attacks.includes(row.attack as EfficacyJob['attack']))
      continue;
    const victim = results.find((r) => r.job.attack === row.attack && r.job.seed === row.seed);
    if (!victim) continue;
    if (
      victim.job.poisonCount !== row.poisonCount ||
      victim.before.cda !== Number(row.cdaBefore) ||
      victim.before.asr !== Number(row.asrBefore)
    ) {
      throw new Error(
        `--reuse: ${row.attack} seed ${row.seed} is not the same victim as in ${file} (CDA/ASR before ${victim.before.cda}/${victim.before.asr} vs ${row.cdaBefore}/${row.asrBefore})`,
      );
    }
    // A row another reused file already gave (same defense and victim) is not counted twice.
    if (repairRows.some((r) => r.defense === row.defense && r.attack === row.attack && r.seed === row.seed)) continue;
    repairRows.push({ ...row, reusedFrom: path.basename(file) });
    reusedDefenses.add(row.defense);
  }
  if (detectors.length === 0) {
    reusedDetection = [
      ...reusedDetection,
      ...earlier.detection
        .filter((d) => attacks.includes(d.attack as EfficacyJob['attack']))
        .map((d) => ({ ...d, reusedFrom: path.basename(file) })),
    ];
  }
}
const reportedDefenses = [...defenses, ...[...reusedDefenses].filter((d) => !defenses.includes(d))];
function standaloneSeconds(rows: JobResult['detection']): number | null {
  const standalone = rows.filter((d) => !d.reusedFromRepair);
  return standalone.length > 0 ? mean(standalone.map((d) => d.seconds)) : null;
}
/** The clean models an attack is compared with: those of its own recipe when trained, else the base ones. */
function cleanReferenceEpochs(attack: string): number {
  const epochs = victimOf(attack).epochs;
  return results.some((r) => r.job.attack === 'clean' && r.job.epochs === epochs) ? epochs : base.epochs;
}
const cleanDetections = (detector: string, epochs: number) =>
  results
    .filter((r) => r.job.attack === 'clean' && r.job.epochs === epochs)
    .flatMap((r) => r.detection.filter((d) => d.detector === detector));
const freshDetectionRows = attacks.flatMap((attack) =>
  detectorRows.map((detector) => {
    const poisoned = results
      .filter((r) => r.job.attack === attack)
      .flatMap((r) => r.detection.filter((d) => d.detector === detector));
    const cleanEpochs = cleanReferenceEpochs(attack);
    const cleanRuns = cleanDetections(detector, cleanEpochs);
    const clean = cleanRuns.map((d) => d.score);
    // The threshold a tenant would calibrate from these clean models at a 5% false-positive rate,
    // and the share of this attack's models it flags (score above it, as the verdict rule reads).
    const threshold = clean.length > 0 ? calibrateThreshold(clean, 0.05) : null;
    return {
      attack,
      poisonCount: poisonCountOf(attack),
      detector,
      clean: clean.length,
      // Epochs the clean models and this attack's victims trained for; unequal, a score that
      // grows with training length alone would look like detection.
      cleanEpochs,
      victimEpochs: victimOf(attack).epochs,
      poisoned: poisoned.length,
      auc: auc(
        poisoned.map((d) => d.score),
        clean,
      ),
      targetHitRate: poisoned.length ? poisoned.filter((d) => d.suspectedTarget === 0).length / poisoned.length : null,
      thresholdAt5PercentFpr: threshold,
      detectedAtThreshold:
        threshold !== null && poisoned.length ? poisoned.filter((d) => d.score > threshold).length / poisoned.length : null,
      // Every model's score, so a threshold can be calibrated from the clean ones afterwards.
      cleanScores: clean,
      poisonedScores: poisoned.map((d) => ({
        score: d.score,
        suspectedTarget: d.suspectedTarget,
        ...(d.familyScores ? { familyScores: d.familyScores } : {}),
        ...(d.patchExtraScores ? { patchExtraScores: d.patchExtraScores } : {}),
      })),
      // CTI with several families: each clean model's family scores per class, for other rules.
      ...(cleanRuns.some((d) => d.familyScores) ? { cleanFamilyScores: cleanRuns.map((d) => d.familyScores ?? null) } : {}),
      ...(cleanRuns.some((d) => d.patchExtraScores)
        ? { cleanPatchExtraScores: cleanRuns.map((d) => d.patchExtraScores ?? null) }
        : {}),
      // A standalone scan's cost: models whose detector reused the repair's work are left out
      // (null when every model reused it).
      seconds: standaloneSeconds(poisoned),
      reusedRepair: poisoned.filter((d) => d.reusedFromRepair).length,
    };
  }),
);
const detectionRows = [...freshDetectionRows, ...(reusedDetection as typeof freshDetectionRows)];
/**
 * `--holdout`: the summary and the checks are computed separately for the tuning and the held-out
 * victims (bench/split.ts); the checks that judge a default are the held-out ones.
 */
const holdout = args.includes('--holdout');
const splitOfRow = (r: { attack: string; seed: number }): Split => splitOf(strong ? 'strong' : 'tiny', r.attack, r.seed);
const summarise = (split: Split | 'all') =>
  attacks.flatMap((attack) =>
    ['none', ...reportedDefenses].map((defense) => {
      const rows = repairRows.filter(
        (r) => r.attack === attack && r.defense === defense && (split === 'all' || splitOfRow(r) === split),
      );
      const drop = rows.map((r) => Number(r.cdaBefore) - Number(r.cdaAfter));
      const asr = rows.map((r) => Number(r.asrAfter));
      return {
        attack,
        defense,
        runs: rows.length,
        meanCdaBefore: mean(rows.map((r) => Number(r.cdaBefore))),
        meanCdaDrop: mean(drop),
        cdaDropSpread: spread(drop),
        meanAsrBefore: mean(rows.map((r) => Number(r.asrBefore))),
        meanAsrAfter: mean(asr),
        asrAfterSpread: spread(asr),
        meanSeconds: mean(rows.map((r) => Number(r.seconds))),
        // Repairs that needed more than their first run (Pivotal Tuning's retries): the first run
        // should succeed for most victims.
        extraRuns: rows.filter((r) => Number(r.attempts ?? 1) > 1).length,
      };
    }),
  );
const summary = summarise(holdout ? 'held-out' : 'all');
const tuningSummary = holdout ? summarise('tuning') : null;

const output = {
  createdAt: new Date().toISOString(),
  dataset,
  trustedFraction: base.trustedFraction,
  quick,
  profile,
  seeds: { first: firstSeed, last: seeds },
  ...(ptOptions ? { ptOptions } : {}),
  model: architecture,
  victim: {
    trainImages: base.trainImages,
    epochs: base.epochs,
    perAttack: Object.fromEntries(
      attacks.map((a) => [a, { poisonCount: poisonCountOf(a), epochs: victimOf(a).epochs, params: victimOf(a).attackParams }]),
    ),
    testImages: base.testImages ?? 'all',
  },
  wallSeconds,
  machine: {
    ...cpuInfo(),
    wasmMatmulGflopsBefore: gflopsBefore,
    wasmMatmulGflopsAfter: gflopsAfter,
  },
  ...(reuseFile ? { reusedFrom: path.basename(reuseFile), reusedDefenses: [...reusedDefenses] } : {}),
  ...(holdout ? { split: { tuningVictims: TUNING_VICTIMS[strong ? 'strong' : 'tiny'] }, tuningSummary } : {}),
  repair: repairRows.map((r) => ({ ...r, split: splitOfRow(r) })),
  detection: detectionRows,
  summary,
};
mkdirSync(resultsDir, { recursive: true });
const name = resultName;
writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(output, null, 2)}\n`);
const pct = (v: number) => (100 * v).toFixed(1);
const summaryTable = (rows: typeof summary) => [
  '',
  '| attack | defense | runs | needed a 2nd/3rd run | CDA before | CDA drop (pts, spread) | ASR before | ASR after (spread) | seconds |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows
    .filter((s) => s.runs > 0)
    .map(
      (s) =>
        `| ${s.attack} | ${s.defense} | ${s.runs} | ${s.extraRuns} | ${pct(s.meanCdaBefore)} | ${pct(s.meanCdaDrop)} (${pct(s.cdaDropSpread)}) | ${pct(s.meanAsrBefore)} | ${pct(s.meanAsrAfter)} (${pct(s.asrAfterSpread)}) | ${s.meanSeconds.toFixed(0)} |`,
    ),
];
const lines = [
  `# bench:efficacy${quick ? ' --quick' : ''}${profile !== 'tiny' ? ` --profile ${profile}` : ''} (${output.createdAt}, ${wallSeconds.toFixed(0)} s)`,
  '',
  `Machine: ${output.machine.cpus} x ${output.machine.cpuModel}, Node ${output.machine.node}; wasm matMul ${output.machine.wasmMatmulGflopsBefore ?? '-'} GFLOP/s before the jobs, ${output.machine.wasmMatmulGflopsAfter ?? '-'} after.`,
  '',
  `${dataset}, ${architecture} trained on ${base.trainImages} images for ${base.epochs} epochs, poisoned images ${attacks.map((a) => `${a} ${poisonCountOf(a)}${victimOf(a).epochs !== base.epochs ? ` (${victimOf(a).epochs} epochs, ${JSON.stringify(victimOf(a).attackParams)})` : ''}`).join(', ')}, ` +
    `${Number((100 * base.trustedFraction).toFixed(2))}% trusted data (${Math.round(base.trustedFraction * 60000)} images, 20% of it held out for validation), ${firstSeed > 1 ? `seeds ${firstSeed}-${seeds}` : `${seeds} seed(s)`} per defense, ${detectionModels} clean and ${detectionModels} poisoned models per attack for detection (${detectors.join(', ') || 'none'}${detectors.includes('cti') ? `; CTI trigger families ${ctiFamiliesRun.join(', ')}${ctiFamiliesRun.length > 1 ? `, combined ${ctiCombineRun}` : ''}` : ''}).`,
  ...(ptOptions ? ['', `Pivotal Tuning options over core's defaults: \`${JSON.stringify(ptOptions)}\`.`] : []),
  ...(reuseFile
    ? [
        '',
        `Reused from ${path.basename(reuseFile)} (same victims, checked): ${[...reusedDefenses].join(', ') || 'no repair rows'}${reusedDetection.length ? ', detection rows' : ''}.`,
      ]
    : []),
  ...(tuningSummary ? ['', '## Held-out victims (the checks judge these)'] : []),
  ...summaryTable(summary),
  ...(tuningSummary ? ['', '## Tuning victims (defaults were chosen on these)', ...summaryTable(tuningSummary)] : []),
  '',
  '| attack | detector | clean (epochs) | poisoned (epochs) | ROC AUC | target hit rate | threshold (5% FPR on clean) | detected at it | seconds per model (standalone) |',
  '|---|---|---|---|---|---|---|---|---|',
  ...detectionRows.map(
    (d) =>
      `| ${d.attack} | ${d.detector} | ${d.clean} (${d.cleanEpochs}) | ${d.poisoned} (${d.victimEpochs}) | ${d.auc === null ? '-' : d.auc.toFixed(2)} | ${d.targetHitRate === null ? '-' : d.targetHitRate.toFixed(2)} | ${d.thresholdAt5PercentFpr === null ? '-' : d.thresholdAt5PercentFpr.toFixed(3)} | ${d.detectedAtThreshold === null ? '-' : d.detectedAtThreshold.toFixed(2)} | ${d.seconds === null ? '-' : d.seconds.toFixed(0)} |`,
  ),
  '',
];
writeFileSync(path.join(resultsDir, `${name}.md`), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);

/**
 * `--check`: the bars of the benchmark, as pass/fail lines and the exit code. The full run checks
 * the product claim (PT: mean ASR <= 10% at <= 2 points, no worse than the best baseline; CTI:
 * AUC >= 0.9, target right >= 80%); `--quick` looser bars (one seed, 2,000 test images) that
 * still catch a regression: a PT that stops removing BadNets or a CTI that stops telling a
 * backdoored model from a clean one.
 */
if (args.includes('--check')) {
  const bars = quick
    ? { asr: 0.25, cdaDrop: 0.03, auc: 1, target: 1, implanted: 0.5 }
    : { asr: 0.1, cdaDrop: 0.02, auc: 0.9, target: 0.8, implanted: 0.5 };
  const checks: { check: string; pass: boolean; value: string }[] = [];
  for (const attack of attacks) {
    const row = (defense: string) => summary.find((s) => s.attack === attack && s.defense === defense && s.runs > 0);
    const pt = row('pivotal-tuning');
    if (pt) {
      checks.push({
        check: `${attack}: backdoor implanted (ASR before >= ${pct(bars.implanted)}%)`,
        pass: pt.meanAsrBefore >= bars.implanted,
        value: `${pct(pt.meanAsrBefore)}%`,
      });
      checks.push({
        check: `${attack}: PT mean ASR after <= ${pct(bars.asr)}%`,
        pass: pt.meanAsrAfter <= bars.asr,
        value: `${pct(pt.meanAsrAfter)}%`,
      });
      checks.push({
        check: `${attack}: PT mean CDA drop <= ${pct(bars.cdaDrop)} pts`,
        pass: pt.meanCdaDrop <= bars.cdaDrop,
        value: `${pct(pt.meanCdaDrop)} pts`,
      });
      const baselines = reportedDefenses.filter((d) => d !== 'pivotal-tuning').flatMap((d) => row(d) ?? []);
      const withinBudget = baselines.filter((b) => b.meanCdaDrop <= bars.cdaDrop);
      if (withinBudget.length > 0) {
        const best = withinBudget.reduce((a, b) => (b.meanAsrAfter < a.meanAsrAfter ? b : a));
        checks.push({
          check: `${attack}: PT mean ASR after <= best baseline within the CDA budget (${best.defense})`,
          pass: pt.meanAsrAfter <= best.meanAsrAfter,
          value: `${pct(pt.meanAsrAfter)}% vs ${pct(best.meanAsrAfter)}%`,
        });
      }
    }
    for (const d of detectionRows.filter((r) => r.attack === attack && r.detector === 'cti' && r.auc !== null)) {
      checks.push({
        check: `${attack}: CTI ROC AUC >= ${bars.auc}`,
        pass: (d.auc ?? 0) >= bars.auc,
        value:
          (d.auc ?? 0).toFixed(2) +
          (d.cleanEpochs !== d.victimEpochs ? ` (clean models ${d.cleanEpochs} epochs, victims ${d.victimEpochs})` : ''),
      });
      checks.push({
        check: `${attack}: CTI target right >= ${pct(bars.target)}%`,
        pass: (d.targetHitRate ?? 0) >= bars.target,
        value: `${pct(d.targetHitRate ?? 0)}%`,
      });
    }
  }
  const failed = checks.filter((c) => !c.pass);
  const report = [
    '| check | result | value |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.check} | ${c.pass ? 'pass' : 'FAIL'} | ${c.value} |`),
  ];
  writeFileSync(path.join(resultsDir, `${name}-checks.md`), `${report.join('\n')}\n`);
  process.stdout.write(`\n${report.join('\n')}\n${checks.length - failed.length} checks passed, ${failed.length} failed\n`);
  if (checks.length === 0 || failed.length > 0) process.exitCode = 1;
}
