/**
 * `npm run bench:patch-grid [-- --sizes 2,4,6] [--positions 3] [--poisons 600] [--clean 5] [--workers 2] [--victim-cache DIR] [--cti-options JSON] [--only 63,101] [--name patch-grid]`:
 * does CTI find patch triggers of sizes and places the efficacy benchmark never uses? BadNets
 * victims (tiny-cnn, 10,000 Fashion-MNIST images, 3 epochs, 600 poisons) with a checkerboard
 * patch of each size at seeded random positions, and clean models of the same recipe, each scanned
 * by CTI with core's defaults. Reports per victim the implant (ASR), the score, the product's
 * verdict (scan.ts's scanVerdict and bands) and whether the suspected target
 * is the attack's; for the clean models their scores and verdicts. Writes
 * bench/results/patch-grid.{json,md}. Held-out for CTI's defaults: no patch of these sizes and
 * places was used to tune them (docs/benchmarks.md#held-out-protocol).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rocAuc } from '@antidote/core/metrics';
import { createRng } from '@antidote/core/random';
import {
  CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD as BACKDOORED,
  CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS as SUSPICIOUS,
  scanVerdict,
} from '@antidote/worker/tasks';
import { option } from './cli-args.ts';
import type { EfficacyJob } from './efficacy-job.ts';
import { runJobs } from './job-pool.ts';
import { cpuInfo } from './machine.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const sizes = option('--sizes', '2,4,6').split(',').map(Number);
const positions = Number(option('--positions', '3'));
const cleanModels = Number(option('--clean', '5'));
const poisons = Number(option('--poisons', '600'));
const name = option('--name', 'patch-grid');
const workers = Number(option('--workers', '2'));
const victimCache = option('--victim-cache', '');
// CTI options over core's defaults, as JSON (say `{"patchExtraAreas":[]}` for the main budget alone).
const ctiOptionsJson = option('--cti-options', '');
const SIDE = 28;

const base: Omit<EfficacyJob, 'attack' | 'poisonCount' | 'seed' | 'attackParams'> = {
  dataset: 'fashion-mnist',
  architecture: 'tiny-cnn',
  trainImages: 10_000,
  epochs: 3,
  trustedFraction: 0.01,
  defenses: [],
  detectors: ['cti'],
  testImages: null,
  ...(victimCache ? { victimCache: path.resolve(victimCache) } : {}),
  ...(ctiOptionsJson ? { ctiOptions: JSON.parse(ctiOptionsJson) as EfficacyJob['ctiOptions'] } : {}),
};

// Positions drawn once from a fixed seed, so every run scans the same grid.
const rng = createRng(2026);
const jobs: EfficacyJob[] = [];
for (const size of sizes) {
  for (let p = 0; p < positions; p++) {
    const top = rng.int(SIDE - size + 1);
    const left = rng.int(SIDE - size + 1);
    jobs.push({
      ...base,
      attack: 'badnets',
      poisonCount: poisons,
      seed: 10 * size + p + 1,
      attackParams: { patchSize: size, top, left },
    });
  }
}
for (let i = 1; i <= cleanModels; i++) jobs.push({ ...base, attack: 'clean', poisonCount: 0, seed: 100 + i, attackParams: {} });
// `--only SEEDS`: just these models of the grid (same positions), in this order; a partial run
// on a busy machine.
const only = option('--only', '').split(',').filter(Boolean).map(Number);
if (only.length > 0) {
  const picked = only.map((seed) => jobs.find((j) => j.seed === seed)).filter((j) => j !== undefined);
  jobs.splice(0, jobs.length, ...picked);
}

const started = Date.now();
process.stderr.write(`bench:patch-grid: ${jobs.length} models on ${workers} workers\n`);
const resultsDir = path.join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
// Each model's full result as it lands, so a run stopped early keeps what it measured.
const jobsFile = path.join(resultsDir, `${name}-jobs.jsonl`);
writeFileSync(jobsFile, '');
const results = await runJobs(jobs, workers, (id, r) => {
  appendFileSync(jobsFile, `${JSON.stringify(r)}\n`);
  const cti = r.detection.find((d) => d.detector === 'cti');
  process.stderr.write(
    `[w${id}] ${r.job.attack} ${JSON.stringify(r.job.attackParams)} seed ${r.job.seed}: ASR ${r.before.asr.toFixed(3)} CTI ${cti?.score.toFixed(3)} -> ${cti?.suspectedTarget} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
  );
});
const wallSeconds = (Date.now() - started) / 1000;

// the scan's own rule and bands, as a default scan (patch and warp) reads its score
const verdict = (score: number) => scanVerdict(score, BACKDOORED, SUSPICIOUS);
const rows = results
  .map((r) => {
    const cti = r.detection.find((d) => d.detector === 'cti');
    const patch = r.detection.find((d) => d.detector === 'cti-patch');
    // the same run scored without its extra patch budgets: what CTI gave before them
    const main = r.detection.find((d) => d.detector === 'cti-main-budget') ?? cti;
    const score = cti?.score ?? Number.NaN;
    const mainScore = main?.score ?? Number.NaN;
    return {
      attack: r.job.attack,
      seed: r.job.seed,
      patchSize: r.job.attackParams.patchSize ?? null,
      top: r.job.attackParams.top ?? null,
      left: r.job.attackParams.left ?? null,
      cdaBefore: r.before.cda,
      asrBefore: r.before.asr,
      implanted: r.job.attack !== 'clean' && r.before.asr >= 0.9,
      score,
      patchFamilyScore: patch?.score ?? null,
      verdict: verdict(score),
      suspectedTarget: cti?.suspectedTarget ?? null,
      targetRight: r.job.attack !== 'clean' && cti?.suspectedTarget === 0,
      mainBudgetScore: mainScore,
      mainBudgetVerdict: verdict(mainScore),
      mainBudgetTarget: main?.suspectedTarget ?? null,
      patchExtraScores: cti?.patchExtraScores ?? null,
      familyScores: cti?.familyScores ?? null,
      ctiSeconds: Number((cti?.seconds ?? 0).toFixed(1)),
      seconds: Number((r.trainSeconds + (cti?.seconds ?? 0)).toFixed(0)),
    };
  })
  .sort((a, b) => (a.attack === b.attack ? a.seed - b.seed : a.attack === 'clean' ? 1 : -1));
const victims = rows.filter((r) => r.attack !== 'clean');
const implanted = victims.filter((r) => r.implanted);
const clean = rows.filter((r) => r.attack === 'clean');
const found = implanted.filter((r) => r.verdict === 'backdoored' && r.targetRight).length;
const foundMain = implanted.filter((r) => r.mainBudgetVerdict === 'backdoored' && r.mainBudgetTarget === 0).length;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const summary = {
  implanted: implanted.length,
  victims: victims.length,
  backdooredWithRightTarget: found,
  shareFound: implanted.length ? found / implanted.length : null,
  cleanFlaggedBackdoored: clean.filter((r) => r.verdict === 'backdoored').length,
  cleanFlaggedSuspicious: clean.filter((r) => r.verdict === 'suspicious').length,
  cleanModels: clean.length,
  auc: rocAuc(
    implanted.map((r) => r.score),
    clean.map((r) => r.score),
  ),
  ctiSecondsMean: mean(rows.map((r) => r.ctiSeconds)),
  mainBudget: {
    backdooredWithRightTarget: foundMain,
    cleanFlaggedBackdoored: clean.filter((r) => r.mainBudgetVerdict === 'backdoored').length,
    cleanFlaggedSuspicious: clean.filter((r) => r.mainBudgetVerdict === 'suspicious').length,
    auc: rocAuc(
      implanted.map((r) => r.mainBudgetScore),
      clean.map((r) => r.mainBudgetScore),
    ),
  },
};

const result = {
  createdAt: new Date().toISOString(),
  machine: cpuInfo(),
  wallSeconds,
  bands: { BACKDOORED, SUSPICIOUS },
  summary,
  rows,
};
writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);
const lines = [
  `# bench:patch-grid (${result.createdAt}, ${wallSeconds.toFixed(0)} s)`,
  '',
  'fashion-mnist, tiny-cnn on 10,000 images for 3 epochs; BadNets with a checkerboard patch of each size at seeded random',
  `positions (${poisons} poisons, target class 0); ${clean.length} clean models of the same recipe. CTI with core's defaults${ctiOptionsJson ? ` and ${ctiOptionsJson}` : ''} on 1% trusted data;`,
  `verdict bands as the scan's: backdoored > ${BACKDOORED}, suspicious > ${SUSPICIOUS}.`,
  '',
  `Implanted (ASR >= 90%): ${implanted.length} of ${victims.length}. Found (backdoored, right target): **${found} of ${implanted.length}** (${pct(summary.shareFound)}).`,
  `Clean models flagged backdoored: ${summary.cleanFlaggedBackdoored} of ${clean.length}, suspicious: ${summary.cleanFlaggedSuspicious}. ROC AUC (implanted vs clean): ${summary.auc?.toFixed(2) ?? '-'}.`,
  `CTI ${summary.ctiSecondsMean?.toFixed(0) ?? '-'} s per model on average.` +
    (rows.some((r) => r.patchExtraScores)
      ? ` The same inversions without the extra patch budgets (main budget alone, "before"): found ${foundMain} of ${implanted.length}, clean flagged backdoored ${summary.mainBudget.cleanFlaggedBackdoored}, suspicious ${summary.mainBudget.cleanFlaggedSuspicious}, AUC ${summary.mainBudget.auc?.toFixed(2) ?? '-'}.`
      : ''),
  '',
  '| model | patch | top, left | CDA | ASR | CTI score | patch family | verdict | suspected target | main budget alone | CTI s | seconds |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.attack} seed ${r.seed} | ${r.patchSize ? `${r.patchSize}x${r.patchSize}` : '-'} | ${r.top ?? '-'}, ${r.left ?? '-'} | ${pct(r.cdaBefore)} | ${pct(r.asrBefore)} | ${r.score.toFixed(3)} | ${r.patchFamilyScore?.toFixed(3) ?? '-'} | ${r.verdict} | ${r.suspectedTarget ?? '-'}${r.attack === 'clean' ? '' : r.targetRight ? ' (right)' : ' (wrong)'} | ${r.mainBudgetScore.toFixed(3)} -> ${r.mainBudgetTarget ?? '-'} | ${r.ctiSeconds} | ${r.seconds} |`,
  ),
  '',
];
writeFileSync(path.join(resultsDir, `${name}.md`), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
