/**
 * The paper's evaluation as a job: for one attack and a list of poison counts, train clean and
 * poisoned models over seeds, scan each (CTI) and repair each (Pivotal Tuning), and report
 * detectability (ROC AUC of scan scores, poisoned vs clean) and robustness (attack success left
 * after repair within the clean-accuracy budget) per poison count, with a plot.
 * Each finished model is handed to `onModelDone`, so a retried sweep skips what it already has.
 */
import { exportImageArchive, loadBuiltinDataset, selectImages, stratifiedSample } from '@antidote/core/datasets';
import { throwIfAborted } from '@antidote/core/errors';
import { type LabAttackName, trainLabModel } from '@antidote/core/lab';
import { rocAuc } from '@antidote/core/metrics';
import { packModelArchive, saveModelToFiles } from '@antidote/core/models';
import { computeThreads, ensureRuntime, type ProgressCallback, startPool } from './common.ts';
import { runRepair } from './repair.ts';
import { runScan } from './scan.ts';

export interface SweepOptions {
  attack: LabAttackName;
  poisonCounts: number[];
  /** Models per poison count (and clean models), one per seed 1..seeds. */
  seeds: number;
  dataset: 'fashion-mnist' | 'mnist';
  /** Victim training images (a stratified subset keeps a sweep within minutes per model). Default 10,000. */
  trainImages?: number;
  epochs?: number;
  /** Scan and repair settings; defaults are the product's. */
  scanSteps?: number;
  referenceSteps?: number;
  repairSteps?: number;
  targetClass?: number;
}

export interface SweepModelResult {
  poisonCount: number;
  seed: number;
  /** Victim clean accuracy and attack success on held-out test images (fractions). */
  cda: number;
  asr: number | null;
  score: number;
  suspectedTarget: number | null;
  /** After the Pivotal Tuning repair, on held-out trusted images (fractions). */
  repairedCdaBefore: number;
  repairedCdaAfter: number;
  repairedAsrBefore: number | null;
  repairedAsrAfter: number | null;
  seconds: number;
}

export interface SweepRow {
  poisonCount: number;
  models: number;
  detectionAuc: number | null;
  targetHitRate: number | null;
  meanAsrBefore: number | null;
  meanAsrAfter: number | null;
  meanCdaDrop: number;
}

export interface SweepResult {
  attack: string;
  dataset: string;
  targetClass: number;
  models: SweepModelResult[];
  rows: SweepRow[];
  plotSvg: string;
}

export interface SweepInput {
  options: SweepOptions;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Models finished by an earlier attempt. */
  done?: SweepModelResult[];
  onModelDone?: (result: SweepModelResult) => Promise<void>;
  /** Compute threads every victim's training, scan and repair split their work over. */
  threads?: number;
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

export async function runSweep(input: SweepInput): Promise<SweepResult> {
  const { options, signal } = input;
  await ensureRuntime();
  const target = options.targetClass ?? 0;
  const { train, test } = loadBuiltinDataset(options.dataset);
  const evaluation = selectImages(
    test,
    Array.from({ length: 2000 }, (_, i) => i * 5),
  );
  const trusted = stratifiedSample(train, 0.01, 12345);
  const trustedZip = exportImageArchive(trusted.selected);
  const plan = [0, ...options.poisonCounts.filter((n) => n > 0)].flatMap((poisonCount) =>
    Array.from({ length: options.seeds }, (_, i) => ({ poisonCount, seed: i + 1 })),
  );
  const results = [...(input.done ?? [])];
  const has = (p: { poisonCount: number; seed: number }) =>
    results.some((r) => r.poisonCount === p.poisonCount && r.seed === p.seed);
  // One pool for the whole sweep: every victim trains, is scanned and repaired on it.
  const threadPool = await startPool(computeThreads(input), signal);
  const shared = threadPool ? { pool: threadPool } : {};
  try {
    for (const [index, item] of plan.entries()) {
      if (has(item)) continue;
      throwIfAborted(signal);
      const started = performance.now();
      const share = (fraction: number) => (index + fraction) / plan.length;
      const label = item.poisonCount === 0 ? `clean model, seed ${item.seed}` : `${item.poisonCount} poisoned, seed ${item.seed}`;
      await input.onProgress?.({
        phase: 'train',
        progress: share(0),
        message: `training ${label}`,
        step: index,
        totalSteps: plan.length,
      });
      // victims never train on the defender's trusted images
      const pool = trusted.rest;
      const victim = await trainLabModel({
        train: stratifiedSample(pool, Math.min(0.99, (options.trainImages ?? 10_000) / pool.labels.length), item.seed).selected,
        test: evaluation,
        ...(item.poisonCount > 0
          ? { attack: { name: options.attack, poisonCount: item.poisonCount, targetClass: target, seed: item.seed } }
          : {}),
        recipe: { epochs: options.epochs ?? 2, seed: item.seed },
        ...shared,
        ...(signal ? { signal } : {}),
      });
      let modelZip: Uint8Array;
      try {
        modelZip = packModelArchive(await saveModelToFiles(victim.model));
      } finally {
        victim.model.dispose();
      }
      const knownAttack = { name: options.attack, targetClass: target, seed: item.seed };
      await input.onProgress?.({ phase: 'scan', progress: share(0.3), message: `scanning ${label}` });
      const scan = await runScan({
        model: modelZip,
        trusted: trustedZip,
        options: {
          ...(options.scanSteps ? { steps: options.scanSteps } : {}),
          ...(options.referenceSteps ? { repairSteps: options.referenceSteps } : {}),
          seed: item.seed,
        },
        ...shared,
        ...(signal ? { signal } : {}),
      });
      await input.onProgress?.({ phase: 'repair', progress: share(0.7), message: `repairing ${label}` });
      const repair = await runRepair({
        model: modelZip,
        trusted: trustedZip,
        options: {
          method: 'pivotal-tuning',
          ...(options.repairSteps ? { steps: options.repairSteps } : {}),
          seed: item.seed,
          ...(item.poisonCount > 0 ? { knownAttack } : {}),
        },
        ...shared,
        ...(signal ? { signal } : {}),
      });
      const result: SweepModelResult = {
        poisonCount: item.poisonCount,
        seed: item.seed,
        cda: victim.cda,
        asr: victim.asr,
        score: scan.score,
        suspectedTarget: scan.suspectedTarget,
        repairedCdaBefore: repair.cdaBefore,
        repairedCdaAfter: repair.cdaAfter,
        repairedAsrBefore: repair.asrBefore ?? null,
        repairedAsrAfter: repair.asrAfter ?? null,
        seconds: (performance.now() - started) / 1000,
      };
      results.push(result);
      await input.onModelDone?.(result);
      await input.onProgress?.({
        phase: 'model-done',
        progress: share(1),
        step: index + 1,
        totalSteps: plan.length,
        metrics: { score: scan.score, cda: victim.cda * 100, ...(victim.asr !== null ? { asr: victim.asr * 100 } : {}) },
      });
    }
  } finally {
    await threadPool?.close();
  }
  const cleanScores = results.filter((r) => r.poisonCount === 0).map((r) => r.score);
  const rows: SweepRow[] = options.poisonCounts
    .filter((n) => n > 0)
    .map((poisonCount) => {
      const group = results.filter((r) => r.poisonCount === poisonCount);
      const asrBefore = group.flatMap((r) => (r.repairedAsrBefore === null ? [] : [r.repairedAsrBefore]));
      const asrAfter = group.flatMap((r) => (r.repairedAsrAfter === null ? [] : [r.repairedAsrAfter]));
      return {
        poisonCount,
        models: group.length,
        detectionAuc: rocAuc(
          group.map((r) => r.score),
          cleanScores,
        ),
        targetHitRate: group.length ? group.filter((r) => r.suspectedTarget === target).length / group.length : null,
        meanAsrBefore: mean(asrBefore),
        meanAsrAfter: mean(asrAfter),
        meanCdaDrop: mean(group.map((r) => r.repairedCdaBefore - r.repairedCdaAfter)) ?? 0,
      };
    });
  return {
    attack: options.attack,
    dataset: options.dataset,
    targetClass: target,
    models: results,
    rows,
    plotSvg: sweepPlot(options.attack, rows),
  };
}

/** Robustness and detectability against poison count, side by side (self-contained SVG). */
export function sweepPlot(attack: string, rows: SweepRow[]): string {
  const width = 320;
  const height = 220;
  const pad = 40;
  const xs = rows.map((r) => r.poisonCount);
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  const x = (v: number) => pad + ((v - xMin) / (xMax - xMin || 1)) * (width - 2 * pad);
  const y = (v: number) => height - pad - v * (height - 2 * pad);
  const panel = (title: string, values: (number | null)[], color: string, offset: number) => {
    const points = rows.flatMap((r, i) =>
      values[i] === null || values[i] === undefined ? [] : [`${x(r.poisonCount)},${y(values[i] as number)}`],
    );
    return `<g transform="translate(${offset},0)">
  <text x="${width / 2}" y="16" text-anchor="middle" font-size="12">${title}</text>
  <line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#444"/>
  <line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#444"/>
  <text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="11">poison count</text>
  <text x="${pad - 6}" y="${y(1) + 4}" text-anchor="end" font-size="10">1</text><text x="${pad - 6}" y="${y(0) + 4}" text-anchor="end" font-size="10">0</text>
  ${rows.map((r) => `<text x="${x(r.poisonCount)}" y="${height - pad + 14}" text-anchor="middle" font-size="10">${r.poisonCount}</text>`).join('')}
  <polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>
  ${points.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3.5" fill="${color}"/>`).join('')}
</g>`;
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${attack}: attack success after repair and detection AUC against poison count" width="${2 * width}" height="${height}" viewBox="0 0 ${2 * width} ${height}">
${panel(
  'attack success after PT repair',
  rows.map((r) => r.meanAsrAfter),
  '#c0392b',
  0,
)}
${panel(
  'detection ROC AUC (CTI)',
  rows.map((r) => r.detectionAuc),
  '#2c7fb8',
  width,
)}
</svg>`;
}
