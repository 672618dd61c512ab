/**
 * `npm run bench:data-curve [-- --fractions 0.0025,0.005,0.01] [--attacks badnets,blend,wanet,adaptive-patch]
 * [--first-seed 2] [--seeds 2] [--clean 3] [--profile tiny] [--workers 2] [--cache bench/.cache] [--name data-curve]`:
 * how repair and detection hold as the defender's clean data shrinks, and without labels. Per trusted
 * fraction, every victim is repaired by Pivotal Tuning with the labels and without them (its own
 * answers learnt, agreement with the suspect judged), and scanned by CTI, as are clean models for the
 * ROC AUC. The trusted sets are nested (the same seeded draw, cut shorter), victims are trained once
 * for every fraction (`--cache`), and each job's record is kept, so an interrupted run resumes.
 * Writes bench/results/<name>.{json,md,svg}; the default seed (2) is a held-out victim
 * (bench/split.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rocAuc } from '@antidote/core/metrics';
import { args, option } from './cli-args.ts';
import type { EfficacyJob } from './efficacy-job.ts';
import { type JobResult, runRecordedJobs } from './job-pool.ts';
import { cpuInfo } from './machine.ts';
import { splitOf } from './split.ts';
import { ATTACK_SETTINGS, STRONG_ATTACK_SETTINGS, victimCacheKey } from './victims.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const profile = option('--profile', 'tiny');
if (profile !== 'tiny' && profile !== 'strong') throw new Error(`--profile must be tiny or strong, got ${profile}`);
const strong = profile === 'strong';
const fractions = option('--fractions', '0.0025,0.005,0.01').split(',').map(Number);
const attacks = option('--attacks', 'badnets,blend,wanet,adaptive-patch').split(',') as EfficacyJob['attack'][];
const firstSeed = Number(option('--first-seed', '2'));
const lastSeed = Number(option('--seeds', '2'));
const cleanCount = Number(option('--clean', '3'));
const workers = Number(option('--workers', '2'));
const name = option('--name', strong ? 'data-curve-strong' : 'data-curve');
const cacheRoot = path.resolve(option('--cache', path.join(here, '.cache')));
const settings = strong ? STRONG_ATTACK_SETTINGS : ATTACK_SETTINGS;
const BARS = { asr: 0.1, cdaDrop: 0.02, implanted: 0.8 };
const REPAIRS = ['pivotal-tuning', 'pivotal-tuning-unlabelled'] as const;

const base = {
  dataset: 'fashion-mnist',
  architecture: (strong ? 'small-cnn' : 'tiny-cnn') as EfficacyJob['architecture'],
  trainImages: strong ? 59_000 : 10_000,
  detectors: ['cti'],
  testImages: null,
  victimCache: path.join(cacheRoot, 'victims'),
};
const jobsOf = (trustedFraction: number): EfficacyJob[] => [
  ...attacks.flatMap((attack) =>
    Array.from({ length: lastSeed - firstSeed + 1 }, (_, i) => ({
      ...base,
      trustedFraction,
      attack,
      seed: firstSeed + i,
      poisonCount: settings[attack]?.poisonCount ?? 600,
      epochs: settings[attack]?.epochs ?? 3,
      attackParams: settings[attack]?.params ?? {},
      defenses: [...REPAIRS],
    })),
  ),
  ...Array.from({ length: cleanCount }, (_, i) => ({
    ...base,
    trustedFraction,
    attack: 'clean' as const,
    seed: 101 + i,
    poisonCount: 0,
    epochs: 3,
    attackParams: {},
    defenses: [],
  })),
];
// One fraction after another: the first trains every victim once and the later ones load them
// (interleaved, two workers trained the same victim at once).
const allJobs = fractions.flatMap(jobsOf);
const recordName = (job: EfficacyJob) => `${victimCacheKey(job)}-t${job.trustedFraction}-${job.defenses.join('+')}`;

const started = Date.now();
process.stderr.write(`bench:data-curve: ${allJobs.length} jobs on ${workers} workers (recorded ones are read back)\n`);
const { records, ran } = await runRecordedJobs(allJobs, {
  workers,
  recordDir: path.join(cacheRoot, 'data-curve-records'),
  recordName,
  cachedOnly: args.includes('--cached-only'),
  onDone: (id, r) => {
    const rows = r.repair
      .filter((row) => row.defense !== 'none')
      .map((row) => `${row.defense} CDA ${row.cdaAfter.toFixed(3)} ASR ${row.asrAfter.toFixed(3)}`);
    const cti = r.detection.find((d) => d.detector === 'cti');
    process.stderr.write(
      `[w${id}] t${r.job.trustedFraction} ${r.job.attack} seed ${r.job.seed}: CDA ${r.before.cda.toFixed(3)} ASR ${r.before.asr.toFixed(3)} ${rows.join(', ')} CTI ${cti?.score.toFixed(3)} -> ${cti?.suspectedTarget} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  },
});
const wallSeconds = (Date.now() - started) / 1000;
const results = allJobs.flatMap((job) => {
  const r = records.get(recordName(job));
  return r ? [r] : [];
});

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const implanted = (r: JobResult) => r.job.attack !== 'clean' && r.before.asr >= BARS.implanted;
const repairRows = results.flatMap((r) =>
  r.repair
    .filter((row) => row.defense !== 'none')
    .map((row) => ({
      attack: r.job.attack,
      poisonCount: r.job.poisonCount,
      seed: r.job.seed,
      split: splitOf(profile, r.job.attack, r.job.seed),
      trustedFraction: r.job.trustedFraction,
      labelled: row.defense === 'pivotal-tuning',
      implanted: implanted(r),
      ...row,
      defense: 'pivotal-tuning',
      mitigated: row.asrAfter <= BARS.asr && row.cdaBefore - row.cdaAfter <= BARS.cdaDrop,
    })),
);
const ctiOf = (r: JobResult) => r.detection.find((d) => d.detector === 'cti');
const curve = fractions.map((trustedFraction) => {
  const at = results.filter((r) => r.job.trustedFraction === trustedFraction);
  const repairs = (labelled: boolean) => {
    const rows = repairRows.filter(
      (row) => row.trustedFraction === trustedFraction && row.labelled === labelled && row.implanted,
    );
    return {
      runs: rows.length,
      meanAsrAfter: mean(rows.map((row) => row.asrAfter)),
      meanCdaDrop: mean(rows.map((row) => row.cdaBefore - row.cdaAfter)),
      worstCdaDrop: Math.max(...rows.map((row) => row.cdaBefore - row.cdaAfter)),
      mitigated: rows.filter((row) => row.mitigated).length,
      extraRuns: rows.filter((row) => Number(row.attempts ?? 1) > 1).length,
      meanSeconds: mean(rows.map((row) => row.seconds)),
    };
  };
  const clean = at.filter((r) => r.job.attack === 'clean').flatMap((r) => ctiOf(r)?.score ?? []);
  const poisoned = at.filter(implanted).flatMap((r) => {
    const cti = ctiOf(r);
    return cti ? [cti] : [];
  });
  return {
    trustedFraction,
    trustedImages: Math.round(trustedFraction * 60_000),
    labelled: repairs(true),
    unlabelled: repairs(false),
    detection: {
      detector: 'cti',
      clean: clean.length,
      poisoned: poisoned.length,
      auc: rocAuc(
        poisoned.map((d) => d.score),
        clean,
      ),
      targetHitRate: poisoned.length ? poisoned.filter((d) => d.suspectedTarget === 0).length / poisoned.length : null,
      maxCleanScore: clean.length ? Math.max(...clean) : null,
      minPoisonedScore: poisoned.length ? Math.min(...poisoned.map((d) => d.score)) : null,
      meanSeconds: mean(at.flatMap((r) => ctiOf(r)?.seconds ?? [])),
    },
  };
});

const output = {
  createdAt: new Date().toISOString(),
  machine: cpuInfo(),
  wallSeconds,
  jobsRun: ran,
  profile,
  dataset: base.dataset,
  model: base.architecture,
  victim: { trainImages: base.trainImages, attacks: Object.fromEntries(attacks.map((a) => [a, settings[a] ?? {}])) },
  seeds: { first: firstSeed, last: lastSeed },
  bars: BARS,
  curve,
  repair: repairRows,
  detection: results.map((r) => ({
    attack: r.job.attack,
    seed: r.job.seed,
    trustedFraction: r.job.trustedFraction,
    cda: r.before.cda,
    asr: r.before.asr,
    score: ctiOf(r)?.score ?? null,
    suspectedTarget: ctiOf(r)?.suspectedTarget ?? null,
  })),
};
const resultsDir = path.join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(output, null, 2)}\n`);
writeFileSync(path.join(resultsDir, `${name}.svg`), plot(curve));

const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(1) : '-');
const share = (fraction: number) => `${Number((100 * fraction).toFixed(2))}%`;
const f2 = (v: number | null) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(2));
const repairCell = (s: (typeof curve)[number]['labelled']) =>
  `${s.mitigated} of ${s.runs} | ${pct(s.meanAsrAfter)} | ${pct(s.meanCdaDrop)} (${pct(s.worstCdaDrop)}) | ${s.extraRuns} | ${s.meanSeconds.toFixed(0)}`;
const lines = [
  `# bench:data-curve${strong ? ' --profile strong' : ''} (${output.createdAt}, ${wallSeconds.toFixed(0)} s for ${ran} jobs not recorded before)`,
  '',
  `Fashion-MNIST, ${base.architecture} on ${base.trainImages} images; attacks ${attacks.join(', ')} (target 0), seeds ${firstSeed}-${lastSeed} (held-out victims); ${cleanCount} clean models per fraction for CTI's ROC AUC. ` +
    `Trusted data drawn from the images the victim did not train on, 20% of it held out; mitigated = ASR <= ${pct(BARS.asr)}% at <= ${pct(BARS.cdaDrop)} points of test CDA; only implanted victims (ASR >= ${pct(BARS.implanted)}%) count. ` +
    "Without labels PT learns the suspect's own answers and judges checkpoints by agreement with it.",
  '',
  `![robustness vs trusted data](${name}.svg)`,
  '',
  '| trusted data | labels | mitigated | mean ASR after (%) | mean CDA drop (worst), pts | needed a 2nd run | PT seconds |',
  '|---|---|---|---|---|---|---|',
  ...curve.flatMap((c) => [
    `| ${share(c.trustedFraction)} (${c.trustedImages}) | yes | ${repairCell(c.labelled)} |`,
    `| ${share(c.trustedFraction)} (${c.trustedImages}) | no | ${repairCell(c.unlabelled)} |`,
  ]),
  '',
  '| trusted data | CTI ROC AUC | target right | clean models (max score) | implanted victims (min score) | seconds per scan |',
  '|---|---|---|---|---|---|',
  ...curve.map(
    (c) =>
      `| ${share(c.trustedFraction)} | ${f2(c.detection.auc)} | ${f2(c.detection.targetHitRate)} | ${c.detection.clean} (${f2(c.detection.maxCleanScore)}) | ${c.detection.poisoned} (${f2(c.detection.minPoisonedScore)}) | ${c.detection.meanSeconds.toFixed(0)} |`,
  ),
  '',
  '## Repairs',
  '',
  '| trusted data | attack | seed | labels | CDA before -> after | ASR before -> after | runs | mitigated |',
  '|---|---|---|---|---|---|---|---|',
  ...repairRows.map(
    (r) =>
      `| ${share(r.trustedFraction)} | ${r.attack} | ${r.seed} | ${r.labelled ? 'yes' : 'no'} | ${pct(r.cdaBefore)} -> ${pct(r.cdaAfter)} | ${pct(r.asrBefore)} -> ${pct(r.asrAfter)} | ${r.attempts ?? 1} | ${r.implanted ? (r.mitigated ? 'yes' : 'no') : 'not implanted'} |`,
  ),
  '',
];
writeFileSync(path.join(resultsDir, `${name}.md`), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);

/** Two panels over the trusted fraction: repair (ASR after and CDA drop, with and without labels) and CTI's AUC. */
function plot(points: typeof curve): string {
  const width = 720;
  const height = 300;
  const panel = { top: 40, bottom: 250, left: 60, width: 280 };
  const xs = points.map((p) => p.trustedFraction);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const xAt = (left: number, x: number) => left + (xMax === xMin ? panel.width / 2 : ((x - xMin) / (xMax - xMin)) * panel.width);
  const yAt = (v: number, max: number) => panel.bottom - (Math.min(v, max) / max) * (panel.bottom - panel.top);
  const series = (left: number, max: number, values: number[], colour: string, dash: string, label: string, row: number) => {
    const pts = values.flatMap((v, i) =>
      Number.isFinite(v) ? [`${xAt(left, xs[i] ?? 0).toFixed(1)},${yAt(v, max).toFixed(1)}`] : [],
    );
    return [
      `<polyline fill="none" stroke="${colour}" stroke-width="2" stroke-dasharray="${dash}" points="${pts.join(' ')}"/>`,
      ...pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${colour}"/>`),
      `<text x="${left + 8}" y="${panel.top + 14 * row}" font-size="11" fill="${colour}">${label}</text>`,
    ];
  };
  const axes = (left: number, max: number, unit: string, title: string) => [
    `<text x="${left}" y="${panel.top - 14}" font-size="13" font-weight="bold">${title}</text>`,
    `<line x1="${left}" y1="${panel.bottom}" x2="${left + panel.width}" y2="${panel.bottom}" stroke="#444"/>`,
    `<line x1="${left}" y1="${panel.top}" x2="${left}" y2="${panel.bottom}" stroke="#444"/>`,
    ...[0, 0.5, 1].map(
      (t) =>
        `<text x="${left - 6}" y="${(yAt(t * max, max) + 4).toFixed(1)}" font-size="10" text-anchor="end">${(t * max).toFixed(unit === '' ? 1 : 0)}${unit}</text>`,
    ),
    ...xs.map(
      (x) =>
        `<text x="${xAt(left, x).toFixed(1)}" y="${panel.bottom + 16}" font-size="10" text-anchor="middle">${(100 * x).toFixed(2)}%</text>`,
    ),
    `<text x="${left + panel.width / 2}" y="${panel.bottom + 34}" font-size="11" text-anchor="middle">trusted data (share of the training set)</text>`,
  ];
  const repairMax = 50;
  const right = panel.left + panel.width + 80;
  const body = [
    ...axes(panel.left, repairMax, '%', 'Pivotal Tuning: ASR after / CDA drop (points)'),
    ...series(
      panel.left,
      repairMax,
      points.map((p) => 100 * p.labelled.meanAsrAfter),
      '#b3261e',
      '',
      'ASR after, labels',
      1,
    ),
    ...series(
      panel.left,
      repairMax,
      points.map((p) => 100 * p.unlabelled.meanAsrAfter),
      '#b3261e',
      '5 3',
      'ASR after, no labels',
      2,
    ),
    ...series(
      panel.left,
      repairMax,
      points.map((p) => 100 * p.labelled.meanCdaDrop),
      '#1d4ed8',
      '',
      'CDA drop, labels',
      3,
    ),
    ...series(
      panel.left,
      repairMax,
      points.map((p) => 100 * p.unlabelled.meanCdaDrop),
      '#1d4ed8',
      '5 3',
      'CDA drop, no labels',
      4,
    ),
    ...axes(right, 1, '', 'CTI: ROC AUC'),
    ...series(
      right,
      1,
      points.map((p) => p.detection.auc ?? Number.NaN),
      '#166534',
      '',
      'ROC AUC',
      1,
    ),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body.join('\n')}\n</svg>\n`;
}
