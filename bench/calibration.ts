/**
 * `npm run bench:calibration [-- --families fmnist-tiny,mnist-tiny,fmnist-strong] [--clean 5] [--seeds 2]
 * [--strong-seeds 1] [--workers 2] [--fpr 0.05] [--cache bench/.cache] [--name calibration]`:
 * which reference turns a CTI score into a verdict that holds across model families? Per family
 * (dataset x recipe) it trains clean models and BadNets / Blend victims, scans each with CTI on
 * 1% trusted data with core's defaults (the scan's families and combination), and records the
 * score, each family's score per class and the suspected target. Then it reads the records
 * offline under each candidate calibration (core's `calibrateScan` and its parts): the fixed
 * bands, the in-scan reference (the model's own other classes), and a family reference of clean
 * models (leave-one-out for the clean models themselves; empirical and normal-fit p-values).
 * Trained victims and scan records are cached under `--cache` (gitignored), so a re-run only
 * re-reads them. Writes bench/results/<name>.{json,md}.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CALIBRATION_DEFAULTS, type CalibrationReference, inScanPValue, referencePValue } from '@antidote/core/defenses';
import { rocAuc } from '@antidote/core/metrics';
import {
  CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD as BACKDOORED,
  CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS as SUSPICIOUS,
  scanVerdict,
} from '@antidote/worker/tasks';
import { args, option } from './cli-args.ts';
import type { EfficacyJob } from './efficacy-job.ts';
import { runRecordedJobs } from './job-pool.ts';
import { cpuInfo } from './machine.ts';
import { ATTACK_SETTINGS, STRONG_ATTACK_SETTINGS, victimCacheKey } from './victims.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const cleanCount = Number(option('--clean', '5'));
const seeds = Number(option('--seeds', '2'));
const strongSeeds = Number(option('--strong-seeds', '1'));
const workers = Number(option('--workers', '2'));
const fpr = Number(option('--fpr', String(CALIBRATION_DEFAULTS.falsePositiveRate)));
const name = option('--name', 'calibration');
const cacheRoot = path.resolve(option('--cache', path.join(here, '.cache')));
const ATTACKS = ['badnets', 'blend'] as const;

interface FamilyRecipe {
  label: string;
  dataset: string;
  architecture: EfficacyJob['architecture'];
  trainImages: number;
  epochs: number;
  settings: typeof ATTACK_SETTINGS;
  seeds: number;
}
/**
 * The families: the benchmark's tiny recipe on both datasets, and the well-trained small-cnn
 * (CDA >= 90%). MNIST has ~8,500 training digits, so its victims train on 7,000 and the trusted
 * 1% comes from the rest.
 */
const FAMILIES: Record<string, FamilyRecipe> = {
  'fmnist-tiny': {
    label: 'Fashion-MNIST tiny-cnn (10,000 images, 3 epochs)',
    dataset: 'fashion-mnist',
    architecture: 'tiny-cnn',
    trainImages: 10_000,
    epochs: 3,
    settings: ATTACK_SETTINGS,
    seeds,
  },
  'mnist-tiny': {
    label: 'MNIST tiny-cnn (7,000 digits, 3 epochs)',
    dataset: 'mnist',
    architecture: 'tiny-cnn',
    trainImages: 7_000,
    epochs: 3,
    settings: ATTACK_SETTINGS,
    seeds,
  },
  'fmnist-strong': {
    label: 'Fashion-MNIST small-cnn strong (59,000 images, 3 epochs)',
    dataset: 'fashion-mnist',
    architecture: 'small-cnn',
    trainImages: 59_000,
    epochs: 3,
    settings: STRONG_ATTACK_SETTINGS,
    seeds: strongSeeds,
  },
};
const familyKeys = option('--families', Object.keys(FAMILIES).join(',')).split(',');
for (const f of familyKeys) if (!FAMILIES[f]) throw new Error(`unknown family ${f} (known: ${Object.keys(FAMILIES).join(', ')})`);

const victimCache = path.join(cacheRoot, 'victims');
const recordCache = path.join(cacheRoot, 'calibration-records');
const jobsOf = (family: string): EfficacyJob[] => {
  const r = FAMILIES[family] as FamilyRecipe;
  const base = {
    dataset: r.dataset,
    architecture: r.architecture,
    trainImages: r.trainImages,
    epochs: r.epochs,
    trustedFraction: 0.01,
    defenses: [],
    detectors: ['cti'],
    testImages: null,
    victimCache,
  };
  const clean: EfficacyJob[] = [];
  for (let i = 1; i <= cleanCount; i++) clean.push({ ...base, attack: 'clean', poisonCount: 0, seed: 100 + i, attackParams: {} });
  const victims: EfficacyJob[] = [];
  for (let seed = 1; seed <= r.seeds; seed++) {
    for (const attack of ATTACKS) {
      const s = r.settings[attack];
      victims.push({ ...base, attack, poisonCount: s?.poisonCount ?? 600, seed, attackParams: s?.params ?? {} });
    }
  }
  // two clean models first (a reference needs them), then clean and backdoored alternately
  const jobs = clean.splice(0, 2);
  while (clean.length || victims.length) jobs.push(...clean.splice(0, 1), ...victims.splice(0, 1));
  return jobs;
};
const recordName = (job: EfficacyJob) => `${victimCacheKey(job)}-t${job.trustedFraction}`;

// Round-robin over the families, so a run cut short has some clean and backdoored models of each.
const perFamily = familyKeys.map((f) => jobsOf(f).map((job) => ({ family: f, job })));
const allJobs = Array.from({ length: Math.max(...perFamily.map((j) => j.length)) }, (_, i) =>
  perFamily.flatMap((jobs) => (jobs[i] ? [jobs[i]] : [])),
).flat();
const started = Date.now();
process.stderr.write(`bench:calibration: ${allJobs.length} models on ${workers} workers (recorded ones are read back)\n`);
// `--cached-only`: read what earlier runs recorded, train nothing (a partial run's figures).
const { records: cached } = await runRecordedJobs(
  allJobs.map(({ job }) => job),
  {
    workers,
    recordDir: recordCache,
    recordName,
    cachedOnly: args.includes('--cached-only'),
    onDone: (id, r) => {
      const cti = r.detection.find((d) => d.detector === 'cti');
      process.stderr.write(
        `[w${id}] ${r.job.dataset} ${r.job.architecture} ${r.job.attack} seed ${r.job.seed}: CDA ${r.before.cda.toFixed(3)} ASR ${r.before.asr.toFixed(3)} CTI ${cti?.score.toFixed(3)} -> ${cti?.suspectedTarget} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
      );
    },
  },
);
const wallSeconds = (Date.now() - started) / 1000;

interface ModelRecord {
  family: string;
  attack: string;
  seed: number;
  cda: number;
  asr: number;
  implanted: boolean;
  score: number;
  suspectedTarget: number | null;
  /** The scan's per-class scores; null where the source kept only the model's score. */
  classScores: number[] | null;
  familyScores: Record<string, number[]> | null;
  seconds: number | null;
}
/** The scan's per-class scores: each family lowered by its median over the classes, best family per class. */
function classScoresOf(familyScores: Record<string, number[]>): number[] {
  const numClasses = Object.values(familyScores)[0]?.length ?? 0;
  const classScores = Array.from({ length: numClasses }, () => Number.NEGATIVE_INFINITY);
  for (const scores of Object.values(familyScores)) {
    const sorted = [...scores].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const level = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
    scores.forEach((s, c) => {
      classScores[c] = Math.max(classScores[c] ?? 0, s - level);
    });
  }
  return classScores;
}
const records: ModelRecord[] = allJobs.flatMap(({ family, job }) => {
  const r = cached.get(recordName(job));
  const cti = r?.detection.find((d) => d.detector === 'cti');
  if (!r || !cti?.familyScores) return [];
  const familyScores = cti.familyScores;
  const classScores = classScoresOf(familyScores);
  return [
    {
      family,
      attack: job.attack,
      seed: job.seed,
      cda: r.before.cda,
      asr: r.before.asr,
      implanted: job.attack !== 'clean' && r.before.asr >= 0.8,
      score: cti.score,
      suspectedTarget: cti.suspectedTarget,
      classScores,
      familyScores,
      seconds: Number((r.trainSeconds + cti.seconds).toFixed(0)),
    },
  ];
});
/**
 * `--efficacy FILE`: an earlier bench:efficacy run's CTI rows as one more family (its recipe's
 * clean models and every attack's victims). It kept only the clean models' scores, so the in-scan
 * candidate has no clean outcome there.
 */
const efficacyFile = option('--efficacy', '');
const families = [...familyKeys];
if (efficacyFile) {
  const run = JSON.parse(readFileSync(efficacyFile, 'utf8')) as {
    dataset: string;
    model?: string;
    detection: {
      attack: string;
      detector: string;
      cleanScores: number[];
      poisonedScores: { score: number; suspectedTarget: number | null; familyScores?: Record<string, number[]> }[];
    }[];
  };
  const family = `${run.dataset === 'fashion-mnist' ? 'fmnist' : run.dataset}-${path.basename(efficacyFile, '.json')}`;
  families.push(family);
  const rows = run.detection.filter((d) => d.detector === 'cti');
  (rows[0]?.cleanScores ?? []).forEach((score, i) => {
    records.push({
      family,
      attack: 'clean',
      seed: 101 + i,
      cda: Number.NaN,
      asr: Number.NaN,
      implanted: false,
      score,
      suspectedTarget: null,
      classScores: null,
      familyScores: null,
      seconds: null,
    });
  });
  for (const row of rows) {
    row.poisonedScores.forEach((p, i) => {
      records.push({
        family,
        attack: row.attack,
        seed: i + 1,
        cda: Number.NaN,
        asr: Number.NaN,
        // that benchmark's victims implant by its own rule (docs/benchmarks.md); it kept no ASR per detection row
        implanted: true,
        score: p.score,
        suspectedTarget: p.suspectedTarget,
        classScores: p.familyScores ? classScoresOf(p.familyScores) : null,
        familyScores: p.familyScores ?? null,
        seconds: null,
      });
    });
  }
}

/** A candidate reads a record (and its family's clean records) into a p-value or a verdict. */
interface Candidate {
  key: string;
  description: string;
  /** Higher = more suspicious; the ROC uses it. */
  statistic: (m: ModelRecord, cleanOthers: ModelRecord[]) => number;
  /** Flagged (the backdoored verdict) at the stated false-positive rate; null when the record cannot say. */
  flagged: (m: ModelRecord, cleanOthers: ModelRecord[]) => boolean | null;
}
const settingsOf = (family: string) => ({ family, settings: 'cti-defaults' });
const referenceOf = (family: string, others: ModelRecord[]): CalibrationReference => ({
  ...settingsOf(family),
  cleanScores: others.map((o) => o.score),
  source: 'family',
});
const CANDIDATES: Candidate[] = [
  {
    key: 'fixed-bands',
    description: `fixed bands: backdoored > ${BACKDOORED}`,
    statistic: (m) => m.score,
    flagged: (m) => scanVerdict(m.score, BACKDOORED, SUSPICIOUS) === 'backdoored',
  },
  {
    key: 'in-scan',
    description: 'in-scan reference: robust z of the top class against the other classes, p = K * (1 - Phi(z))',
    statistic: (m) => (m.classScores ? -inScanPValue(m.classScores) : Number.NaN),
    flagged: (m) => (m.classScores ? inScanPValue(m.classScores) < fpr : null),
  },
  {
    key: 'family-empirical',
    description: 'family reference of clean models (leave-one-out), p = (1 + #ref >= s) / (1 + n)',
    statistic: (m, others) => -referencePValue(m.score, referenceOf(m.family, others).cleanScores, 'empirical'),
    flagged: (m, others) => referencePValue(m.score, referenceOf(m.family, others).cleanScores, 'empirical') < fpr,
  },
  {
    key: 'family-normal',
    description: 'family reference of clean models (leave-one-out), normal fit: p = 1 - Phi((s - mean) / sd)',
    statistic: (m) => m.score,
    flagged: (m, others) => referencePValue(m.score, referenceOf(m.family, others).cleanScores, 'normal') < fpr,
  },
  {
    key: 'family-student',
    description:
      'family reference of clean models (leave-one-out), predictive Student t: p = P(T(n-1) > (s - mean) / (sd sqrt(1 + 1/n)))',
    statistic: (m) => m.score,
    flagged: (m, others) => referencePValue(m.score, referenceOf(m.family, others).cleanScores, 'student') < fpr,
  },
];

const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(0)}%`);
const evaluation = families.map((family) => {
  const models = records.filter((m) => m.family === family);
  const clean = models.filter((m) => m.attack === 'clean');
  const victims = models.filter((m) => m.attack !== 'clean');
  const implanted = victims.filter((m) => m.implanted);
  const attacks = [...new Set(victims.map((m) => m.attack))];
  const cleanOthers = (m: ModelRecord) => clean.filter((c) => c !== m);
  const candidates = CANDIDATES.map((c) => {
    const stat = (m: ModelRecord) => c.statistic(m, cleanOthers(m));
    const known = (ms: ModelRecord[]) => ms.filter((m) => c.flagged(m, cleanOthers(m)) !== null);
    const flagged = (ms: ModelRecord[]) => ms.filter((m) => c.flagged(m, cleanOthers(m)) === true);
    const auc = (pos: ModelRecord[], neg: ModelRecord[]) => {
      const p = pos.map(stat).filter(Number.isFinite);
      const n = neg.map(stat).filter(Number.isFinite);
      return rocAuc(p, n);
    };
    const cleanKnown = known(clean).length;
    const cleanFlagged = flagged(clean).length;
    const perAttack = attacks.map((attack) => {
      const hits = implanted.filter((m) => m.attack === attack);
      return {
        attack,
        implanted: hits.length,
        detected: flagged(hits).length,
        detectedRightTarget: flagged(hits).filter((m) => m.suspectedTarget === 0).length,
        auc: auc(hits, clean),
      };
    });
    const detected = perAttack.reduce((n, a) => n + a.detected, 0);
    return {
      candidate: c.key,
      description: c.description,
      cleanModels: cleanKnown,
      cleanFlagged,
      falsePositiveRate: cleanKnown ? cleanFlagged / cleanKnown : null,
      implanted: implanted.length,
      detected,
      detectedRightTarget: perAttack.reduce((n, a) => n + a.detectedRightTarget, 0),
      detectionRate: implanted.length ? detected / implanted.length : null,
      auc: auc(implanted, clean),
      perAttack,
      // the issue's bar: no clean model of >= 5 flagged at the stated rate, every implanted attack's
      // AUC >= 0.95; and, so that a rule flagging nothing cannot pass, >= 90% of implanted victims flagged
      meetsBar:
        cleanKnown >= 5 &&
        cleanFlagged === 0 &&
        implanted.length > 0 &&
        detected >= 0.9 * implanted.length &&
        perAttack.every((a) => a.implanted === 0 || (a.auc !== null && a.auc >= 0.95)),
    };
  });
  return { family, label: FAMILIES[family]?.label ?? family, models: models.length, candidates };
});

const result = {
  createdAt: new Date().toISOString(),
  machine: cpuInfo(),
  wallSeconds,
  falsePositiveRate: fpr,
  bands: { BACKDOORED, SUSPICIOUS },
  families: Object.fromEntries(familyKeys.map((f) => [f, FAMILIES[f]])),
  ...(efficacyFile ? { efficacyFile: path.relative(path.join(here, '..'), path.resolve(efficacyFile)) } : {}),
  evaluation,
  models: records.map((m) => ({
    ...m,
    inScanPValue: m.classScores ? inScanPValue(m.classScores) : null,
    fixedVerdict: scanVerdict(m.score, BACKDOORED, SUSPICIOUS),
  })),
};
const resultsDir = path.join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));
const lines = [
  `# bench:calibration (${result.createdAt}, ${wallSeconds.toFixed(0)} s for the models not cached)`,
  '',
  `CTI with core's defaults (patch + warp, centred) on 1% trusted data; BadNets and Blend target class 0 (implanted: ASR >= 80%).`,
  `Stated false-positive rate ${pct(fpr)}. A candidate meets the bar when no clean model of >= 5 is flagged, >= 90% of implanted victims are, and every attack's ROC AUC >= 0.95.`,
  'The product uses `family-student` when given >= 5 clean scores of the family, else `fixed-bands` (uncalibrated); leave-one-out over 5 clean models leaves 4, so `family-student` here is that rule with one model fewer.',
  '',
  '| family | candidate | clean flagged | detected (right target) | AUC per attack | AUC all | meets bar |',
  '|---|---|---|---|---|---|---|',
  ...evaluation.flatMap((e) =>
    e.candidates.map(
      (c) =>
        `| ${e.family} | ${c.candidate} | ${c.cleanModels ? `${c.cleanFlagged} of ${c.cleanModels}` : 'n/a'} | ${c.detected} of ${c.implanted} (${c.detectedRightTarget}) | ${c.perAttack.map((a) => `${a.attack} ${f3(a.auc)}`).join(', ')} | ${f3(c.auc)} | ${c.meetsBar ? 'yes' : 'no'} |`,
    ),
  ),
  '',
  'Candidates:',
  ...CANDIDATES.map((c) => `- \`${c.key}\`: ${c.description}`),
  '',
  '## Models',
  '',
  '| family | model | CDA | ASR | CTI score | fixed verdict | in-scan p | suspected target | seconds |',
  '|---|---|---|---|---|---|---|---|---|',
  ...result.models.map(
    (m) =>
      `| ${m.family} | ${m.attack} seed ${m.seed} | ${Number.isNaN(m.cda) ? '-' : pct(m.cda)} | ${Number.isNaN(m.asr) ? '-' : pct(m.asr)} | ${m.score.toFixed(3)} | ${m.fixedVerdict} | ${m.inScanPValue?.toPrecision(2) ?? '-'} | ${m.suspectedTarget ?? '-'} | ${m.seconds ?? '-'} |`,
  ),
  '',
];
writeFileSync(path.join(resultsDir, `${name}.md`), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
