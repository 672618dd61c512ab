/**
 * `npm run bench:efficacy [-- --quick] [--dataset fashion-mnist] [--seeds 3] [--attacks a,b]`:
 * every attack x {no defense, FT, FP, NAD, NC, PT} with 1% trusted data, plus CTI and NC
 * detection scores over clean and poisoned models -> ROC AUC. Jobs run in two processes (one
 * wasm core each). Writes bench/results/efficacy.{json,md} (fields as in bench-format.md).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { rocAuc } from '@antidote/core/metrics';
import type { EfficacyJob } from './efficacy-job.ts';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const quick = args.includes('--quick');
const dataset = option('--dataset', 'fashion-mnist');
const seeds = Number(option('--seeds', quick ? '1' : '3'));
const detectionModels = Number(option('--detection-models', quick ? '0' : '5'));
const workers = Number(option('--workers', '2'));
const attacks = option(
  '--attacks',
  quick ? 'badnets,blend' : 'badnets,blend,wanet,adaptive-blend,adaptive-patch,trigger-scattered-badnets,parameter-controlled',
).split(',') as EfficacyJob['attack'][];
const defenses = option('--defenses', 'fine-tuning,fine-pruning,nad,neural-cleanse,pivotal-tuning').split(',').filter(Boolean);
const detectors = option('--detectors', 'cti,neural-cleanse').split(',').filter(Boolean);
// A partial run (say, detection only) can save under its own name instead of overwriting the full one.
const resultName = option('--name', quick ? 'efficacy-quick' : 'efficacy');
const base = {
  dataset,
  poisonCount: Number(option('--poison-count', '200')),
  trainImages: Number(option('--train-images', quick ? '10000' : '30000')),
  epochs: Number(option('--epochs', quick ? '2' : '3')),
  trustedFraction: 0.01,
  quick,
};

const jobs: EfficacyJob[] = [];
for (const attack of attacks) {
  for (let seed = 1; seed <= Math.max(seeds, detectionModels); seed++) {
    jobs.push({
      ...base,
      attack,
      seed,
      defenses: seed <= seeds ? defenses : [],
      detectors: seed <= detectionModels ? detectors : [],
    });
  }
}
for (let seed = 1; seed <= detectionModels; seed++) {
  jobs.push({ ...base, attack: 'clean', seed: 100 + seed, defenses: [], detectors });
}

type JobResult = {
  job: EfficacyJob;
  trainSeconds: number;
  before: { cda: number; asr: number };
  repair: ({
    defense: string;
    cdaBefore: number;
    asrBefore: number;
    cdaAfter: number;
    asrAfter: number;
    seconds: number;
  } & Record<string, number | string>)[];
  detection: { detector: string; score: number; suspectedTarget: number | null; seconds: number }[];
};

const started = Date.now();
const results: JobResult[] = [];
let next = 0;
async function worker(id: number) {
  while (next < jobs.length) {
    const job = jobs[next++]!;
    const label = `${job.attack} seed ${job.seed}`;
    process.stderr.write(`[w${id}] ${label} ...\n`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(here, 'efficacy-job.ts'), JSON.stringify(job)], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as JobResult;
    results.push(result);
    const pt = result.repair.find((r) => r.defense === 'pivotal-tuning');
    process.stderr.write(
      `[w${id}] ${label}: CDA ${result.before.cda.toFixed(3)} ASR ${result.before.asr.toFixed(3)}` +
        (pt ? ` -> PT CDA ${Number(pt.cdaAfter).toFixed(3)} ASR ${Number(pt.asrAfter).toFixed(3)}` : '') +
        ` (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }
}
await Promise.all(Array.from({ length: workers }, (_, i) => worker(i + 1)));

const auc = rocAuc;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const spread = (xs: number[]) => (xs.length ? Math.max(...xs) - Math.min(...xs) : 0);

const repairRows = results.flatMap((r) =>
  r.repair.map((row) => ({ attack: r.job.attack, poisonCount: r.job.poisonCount, seed: r.job.seed, ...row })),
);
const cleanScores = (detector: string) =>
  results
    .filter((r) => r.job.attack === 'clean')
    .flatMap((r) => r.detection.filter((d) => d.detector === detector).map((d) => d.score));
const detectionRows = attacks.flatMap((attack) =>
  detectors.map((detector) => {
    const poisoned = results
      .filter((r) => r.job.attack === attack)
      .flatMap((r) => r.detection.filter((d) => d.detector === detector));
    const clean = cleanScores(detector);
    return {
      attack,
      poisonCount: base.poisonCount,
      detector,
      clean: clean.length,
      poisoned: poisoned.length,
      auc: auc(
        poisoned.map((d) => d.score),
        clean,
      ),
      targetHitRate: poisoned.length ? poisoned.filter((d) => d.suspectedTarget === 0).length / poisoned.length : null,
      // Every model's score, so a threshold can be calibrated from the clean ones afterwards.
      cleanScores: clean,
      poisonedScores: poisoned.map((d) => ({ score: d.score, suspectedTarget: d.suspectedTarget })),
      seconds: mean(poisoned.map((d) => d.seconds)),
    };
  }),
);
const summary = attacks.flatMap((attack) =>
  ['none', ...defenses].map((defense) => {
    const rows = repairRows.filter((r) => r.attack === attack && r.defense === defense);
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
    };
  }),
);

const wallSeconds = (Date.now() - started) / 1000;
const output = {
  createdAt: new Date().toISOString(),
  dataset,
  trustedFraction: base.trustedFraction,
  quick,
  model: 'small-cnn',
  victim: { trainImages: base.trainImages, epochs: base.epochs, poisonCount: base.poisonCount },
  wallSeconds,
  repair: repairRows,
  detection: detectionRows,
  summary,
};
const resultsDir = path.join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const name = resultName;
writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(output, null, 2)}\n`);
const pct = (v: number) => (100 * v).toFixed(1);
const lines = [
  `# bench:efficacy${quick ? ' --quick' : ''} (${output.createdAt}, ${wallSeconds.toFixed(0)} s)`,
  '',
  `${dataset}, small CNN trained on ${base.trainImages} images for ${base.epochs} epochs, poison count ${base.poisonCount}, ` +
    `1% trusted data (${Math.round(base.trustedFraction * 60000)} images, 20% of it held out for validation), ${seeds} seed(s) per defense, ${detectionModels} clean and ${detectionModels} poisoned models per attack for detection (${detectors.join(', ') || 'none'}).`,
  '',
  '| attack | defense | runs | CDA before | CDA drop (pts, spread) | ASR before | ASR after (spread) | seconds |',
  '|---|---|---|---|---|---|---|---|',
  ...summary.map(
    (s) =>
      `| ${s.attack} | ${s.defense} | ${s.runs} | ${pct(s.meanCdaBefore)} | ${pct(s.meanCdaDrop)} (${pct(s.cdaDropSpread)}) | ${pct(s.meanAsrBefore)} | ${pct(s.meanAsrAfter)} (${pct(s.asrAfterSpread)}) | ${s.meanSeconds.toFixed(0)} |`,
  ),
  '',
  '| attack | detector | clean | poisoned | ROC AUC | target hit rate |',
  '|---|---|---|---|---|---|',
  ...detectionRows.map(
    (d) =>
      `| ${d.attack} | ${d.detector} | ${d.clean} | ${d.poisoned} | ${d.auc === null ? '-' : d.auc.toFixed(2)} | ${d.targetHitRate === null ? '-' : d.targetHitRate.toFixed(2)} |`,
  ),
  '',
];
writeFileSync(path.join(resultsDir, `${name}.md`), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
