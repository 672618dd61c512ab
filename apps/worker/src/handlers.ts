/**
 * What each job kind does with the database and the store around the pure compute in ./tasks:
 * fetch inputs under the job's tenant, run, store outputs (trigger image, repaired model as a
 * new version, finding), checkpoint long repairs, alert monitors.
 */
import type { ClassInversion, RepairTradeoff, ScanCalibration } from '@antidote/core/defenses';
import { AntidoteError, isAntidoteError } from '@antidote/core/errors';
import type { TriggerFamily } from '@antidote/core/formats';
import { describeModelArchive } from '@antidote/core/models';
import { insertModelVersion, recordArtifact, schema, type Tx } from '@antidote/db';
import { deliverWebhook, expiryFor, insertJob, parseJobParams, saveJobCheckpoint } from '@antidote/jobs';
import { readAllBytes } from '@antidote/storage';
import { eq } from 'drizzle-orm';
import { jobMemoryShare, type TaskEstimate, type TaskProgress } from './tasks/common.ts';
import type { EvaluateResult } from './tasks/evaluate.ts';
import type { ExportTaskResult, ImportTaskResult } from './tasks/import.ts';
import type { RepairCheckpoint, RepairTaskResult } from './tasks/repair.ts';
import type { ReferenceRunFacts, ScanCheckpoint, ScanResult, ScanResume } from './tasks/scan.ts';
import type { SweepModelResult, SweepResult } from './tasks/sweep.ts';
import { runTaskInThread } from './thread/runner.ts';
import type { JobContext } from './worker.ts';

export interface JobOutcome {
  message: string;
  metrics: Record<string, number>;
}

const readAll = (ctx: JobContext, sha256: string) => readAllBytes(ctx.options.store, sha256);

function tenant<T>(ctx: JobContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.options.database.withTenant(ctx.job.tenantId, fn);
}

async function loadInputs(ctx: JobContext, modelVersionId: string, datasetId: string) {
  const [version] = await tenant(ctx, (tx) =>
    tx.select().from(schema.modelVersions).where(eq(schema.modelVersions.id, modelVersionId)),
  );
  const [dataset] = await tenant(ctx, (tx) => tx.select().from(schema.datasets).where(eq(schema.datasets.id, datasetId)));
  if (!version) throw new AntidoteError('NOT_FOUND', 'The model version of this job no longer exists.');
  if (!dataset) throw new AntidoteError('NOT_FOUND', 'The dataset of this job no longer exists.');
  await ctx.emit({
    type: 'progress',
    phase: 'loading',
    progress: 0,
    message: `model v${version.version}, ${dataset.count} trusted images`,
  });
  const [original, trusted] = await Promise.all([readAll(ctx, version.artifactSha256), readAll(ctx, dataset.artifactSha256)]);
  const model = await importedArchive(ctx, version, original, trusted);
  return { version, dataset, model, original, trusted };
}

type ModelVersionRow = typeof schema.modelVersions.$inferSelect;

/** Formats the worker converts to TF.js before any task sees them. */
const IMPORTED_FORMATS = new Set(['onnx', 'keras3', 'keras2-h5']);
/** Top-1 agreement with ONNX Runtime below which scans and repairs need a stated reason. */
export const MIN_FIDELITY_AGREEMENT = 0.999;

/**
 * ONNX and Keras versions: the first job converts the upload (and checks the conversion against
 * ONNX Runtime on the trusted images), stores the TF.js archive, preprocessing and fidelity on the
 * version; later jobs reuse the archive. A conversion that disagrees with ONNX Runtime is refused
 * unless the job states why it may run anyway (audited).
 */
async function importedArchive(ctx: JobContext, version: ModelVersionRow, original: Uint8Array, trusted: Uint8Array) {
  if (!IMPORTED_FORMATS.has(version.format)) return original;
  const cached = version.metadata.tfjsSha256;
  let fidelity = version.fidelity as ImportTaskResult['fidelity'];
  let archive: Uint8Array;
  if (typeof cached === 'string' && (await ctx.options.store.stat(cached))) {
    archive = await readAll(ctx, cached);
  } else {
    await ctx.emit({ type: 'log', phase: 'importing', message: `converting the ${version.format} model to TF.js` });
    const result = await runTaskInThread<ImportTaskResult>(
      'import',
      { model: original, trusted, declared: version.metadata.declaredPreprocessing },
      { backend: ctx.options.backend, signal: ctx.signal },
    );
    const put = await storeBytes(ctx, result.archive, 'application/zip');
    archive = result.archive;
    fidelity = result.fidelity;
    await tenant(ctx, (tx) =>
      tx
        .update(schema.modelVersions)
        .set({
          preprocessing: { ...result.preprocessing, defaulted: result.defaulted },
          fidelity: result.fidelity as Record<string, unknown> | null,
          metadata: { ...version.metadata, tfjsSha256: put.sha256 },
        })
        .where(eq(schema.modelVersions.id, version.id)),
    );
    if (fidelity) {
      await ctx.emit({
        type: 'log',
        phase: 'importing',
        message: `fidelity vs ONNX Runtime on ${fidelity.n} ${fidelity.inputs} inputs: max |logit diff| ${fidelity.maxAbsDiff.toExponential(2)}, top-1 agreement ${percent(fidelity.top1Agreement)}%`,
      });
    }
  }
  if (fidelity && fidelity.top1Agreement < MIN_FIDELITY_AGREEMENT) {
    const reason = (ctx.job.params as { fidelityOverrideReason?: string }).fidelityOverrideReason;
    if (!reason) {
      throw new AntidoteError(
        'INVALID_INPUT',
        `The converted model agrees with ONNX Runtime on only ${percent(fidelity.top1Agreement)}% of inputs (max |logit diff| ${fidelity.maxAbsDiff.toExponential(2)}); results on it would not describe your model. Re-export the model, or start the job with fidelityOverrideReason saying why it may run anyway.`,
        { details: { top1Agreement: fidelity.top1Agreement, maxAbsDiff: fidelity.maxAbsDiff } },
      );
    }
    await ctx.audit('model.version.fidelity-override', `model_version:${version.id}`, {
      job: ctx.job.id,
      reason,
      top1Agreement: fidelity.top1Agreement,
    });
  }
  return archive;
}

/**
 * What a repaired version stores: the TF.js archive for TF.js originals; for ONNX and Keras the
 * customer's own file with the repaired weights written in (checked in ONNX Runtime), the TF.js
 * archive kept beside it for later jobs.
 */
async function repairedArtifact(
  ctx: JobContext,
  inputs: { version: ModelVersionRow; original: Uint8Array; trusted: Uint8Array },
  repaired: Uint8Array,
) {
  const tfjs = await storeBytes(ctx, repaired, 'application/zip');
  const described = describeModelArchive(repaired);
  if (!IMPORTED_FORMATS.has(inputs.version.format)) {
    return { artifactSha256: tfjs.sha256, format: described.format, metadata: { files: described.files } };
  }
  const preprocessing = inputs.version.preprocessing as { layout?: 'NCHW' | 'NHWC' } | null;
  const exported = await runTaskInThread<ExportTaskResult>(
    'export',
    {
      original: inputs.original,
      repaired,
      trusted: inputs.trusted,
      ...(preprocessing ? { preprocessing, ...(preprocessing.layout ? { layout: preprocessing.layout } : {}) } : {}),
    },
    { backend: ctx.options.backend, signal: ctx.signal },
  );
  const artifact = await storeBytes(ctx, exported.bytes, 'application/octet-stream');
  return {
    artifactSha256: artifact.sha256,
    format: inputs.version.format,
    preprocessing: inputs.version.preprocessing,
    fidelity: exported.fidelity as Record<string, unknown> | null,
    metadata: {
      files: inputs.version.metadata.files ?? [],
      ...(inputs.version.metadata.filename ? { filename: inputs.version.metadata.filename } : {}),
      tfjsSha256: tfjs.sha256,
      replacedInitializers: exported.replaced,
    },
  };
}

/** The task runs on its own thread with the worker's backend, this job's signal and progress sink. */
function threadHooks(ctx: JobContext) {
  return {
    backend: ctx.options.backend,
    threads: ctx.options.threadsPerJob ?? 1,
    // jobs of one process share its machine evenly; each thread's wasm heap is its own
    memoryLimitBytes: jobMemoryShare(ctx.options.concurrency),
    signal: ctx.signal,
    onProgress: progressSink(ctx) as (event: unknown) => void,
    onEstimate: (payload: unknown) => recordEstimate(ctx, payload as TaskEstimate),
  };
}

/**
 * Stores the task's estimate with the job and lets the attempt's time limit follow it (never
 * below the kind's default), before the long work starts.
 */
async function recordEstimate(ctx: JobContext, estimate: TaskEstimate): Promise<void> {
  const expireInSeconds = expiryFor(ctx.job.kind, estimate.seconds);
  const record = {
    seconds: estimate.seconds,
    peakBytes: estimate.peakBytes,
    flops: estimate.flops,
    flopsPerSecond: estimate.flopsPerSecond,
    trainPasses: estimate.trainPasses,
    inferPasses: estimate.inferPasses,
    expireInSeconds,
    estimatedAt: new Date().toISOString(),
  };
  await tenant(ctx, (tx) => tx.update(schema.jobs).set({ estimate: record }).where(eq(schema.jobs.id, ctx.job.id)));
  await ctx.options.queue.setExpiry(ctx.job.id, expireInSeconds);
  await ctx.emit({
    type: 'log',
    phase: 'estimate',
    message: `estimated ${formatSeconds(estimate.seconds)} and ${Math.round(estimate.peakBytes / 2 ** 20)} MB peak (${(estimate.flops / 1e12).toFixed(2)} TFLOP at ${(estimate.flopsPerSecond / 1e9).toFixed(1)} GFLOP/s measured here); time limit ${formatSeconds(expireInSeconds)}`,
  });
}

/** How the verdict was reached, for the job's message. */
function calibrationText(c: ScanCalibration, threshold: number): string {
  if (c.status === 'uncalibrated') return `uncalibrated: fixed band ${threshold}`;
  const against =
    c.referenceSource === 'family' ? `${c.referenceCount} clean models of its family` : `its ${c.referenceCount} other classes`;
  return `p = ${c.pValue?.toPrecision(2)} against ${against}, backdoored below ${c.falsePositiveRate}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Progress from the task: the tasks report overall progress in 0..1. */
function progressSink(ctx: JobContext) {
  return (event: TaskProgress) => {
    void ctx
      .emit({
        type: 'progress',
        phase: event.phase,
        progress: Math.min(1, Math.max(0, event.progress)),
        ...(event.step !== undefined ? { step: event.step } : {}),
        ...(event.totalSteps !== undefined ? { totalSteps: event.totalSteps } : {}),
        ...(event.metrics ? { metrics: finite(event.metrics) } : {}),
        ...(event.message ? { message: event.message.slice(0, 500) } : {}),
      })
      .catch(() => {});
  };
}

/** Tasks report fractions; the API and the database speak percent. */
const percent = (fraction: number) => Math.round(fraction * 10_000) / 100;

function finite(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}

async function storeBytes(ctx: JobContext, bytes: Uint8Array, contentType: string) {
  const put = await ctx.options.store.put(bytes, { contentType });
  await tenant(ctx, (tx) => recordArtifact(tx, ctx.job.tenantId, put.sha256, put.size, contentType));
  return put;
}

export async function runAnalysisJob(ctx: JobContext): Promise<JobOutcome> {
  try {
    return await dispatch(ctx);
  } catch (error) {
    // the bytes were accepted at upload; if they cannot be read now, say so in those terms
    if (isAntidoteError(error) && (error.code === 'UNSUPPORTED_FORMAT' || error.code === 'CORRUPT_FILE')) {
      throw new AntidoteError(error.code, `A stored input of this job cannot be read: ${error.message}`, {
        cause: error,
        details: { ...error.details },
      });
    }
    throw error;
  }
}

async function dispatch(ctx: JobContext): Promise<JobOutcome> {
  switch (ctx.job.kind) {
    case 'scan':
      return scanJob(ctx);
    case 'repair':
      return repairJob(ctx);
    case 'evaluate':
      return evaluateJob(ctx);
    case 'sweep':
      return sweepJob(ctx);
    default:
      throw new AntidoteError('INVALID_INPUT', `${ctx.job.kind} jobs are not run by this worker version yet.`);
  }
}

/**
 * What a scan keeps with its job (`jobs.checkpoint`): the reference repair's weights and each
 * inverted class's trigger as blobs, the scores inline. A retried scan resumes from it.
 */
interface StoredScanCheckpoint {
  digest: string;
  referenceSha256: string;
  referenceRun: ReferenceRunFacts;
  classes: {
    target: number;
    scores: ClassInversion['scores'];
    patchExtraScores?: ClassInversion['patchExtraScores'];
    displays: Partial<Record<TriggerFamily, string>>;
  }[];
}

async function scanResume(ctx: JobContext): Promise<ScanResume | undefined> {
  const stored = ctx.job.checkpoint as Partial<StoredScanCheckpoint> | null;
  if (!stored?.referenceSha256 || !stored.digest || !stored.referenceRun) return undefined;
  if (!(await ctx.options.store.stat(stored.referenceSha256))) return undefined;
  const classes: ClassInversion[] = [];
  for (const c of stored.classes ?? []) {
    const displays: ClassInversion['displays'] = {};
    for (const [family, sha] of Object.entries(c.displays) as [TriggerFamily, string][]) {
      if (!(await ctx.options.store.stat(sha))) continue;
      const bytes = await readAll(ctx, sha);
      displays[family] = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    classes.push({
      target: c.target,
      scores: c.scores,
      ...(c.patchExtraScores ? { patchExtraScores: c.patchExtraScores } : {}),
      displays,
    });
  }
  return {
    digest: stored.digest,
    reference: { archive: await readAll(ctx, stored.referenceSha256), run: stored.referenceRun },
    classes,
  };
}

async function scanJob(ctx: JobContext): Promise<JobOutcome> {
  const params = parseJobParams('scan', ctx.job.params);
  const inputs = await loadInputs(ctx, params.modelVersionId, params.datasetId);
  const resumeFrom = await scanResume(ctx);
  if (resumeFrom) {
    await ctx.emit({
      type: 'log',
      phase: 'resuming',
      message: `resuming: reference repair and ${resumeFrom.classes.length} inverted class(es) from the checkpoint`,
    });
  }
  let saved: StoredScanCheckpoint | null = resumeFrom ? ((ctx.job.checkpoint as StoredScanCheckpoint | null) ?? null) : null;
  const result = await runTaskInThread<ScanResult>(
    'scan',
    {
      model: inputs.model,
      trusted: inputs.trusted,
      options: {
        ...(params.candidateClasses ? { candidateClasses: params.candidateClasses } : {}),
        ...(params.threshold !== undefined ? { threshold: params.threshold } : {}),
        ...(params.steps !== undefined ? { steps: params.steps } : {}),
        ...(params.referenceSteps !== undefined ? { repairSteps: params.referenceSteps } : {}),
        ...(params.seed !== undefined ? { seed: params.seed } : {}),
        ...(params.knownAttack ? { knownAttack: params.knownAttack } : {}),
        ...(params.triggerFamilies ? { triggerFamilies: params.triggerFamilies } : {}),
        ...(params.reference ? { reference: params.reference } : {}),
        ...(params.falsePositiveRate !== undefined ? { falsePositiveRate: params.falsePositiveRate } : {}),
      },
      ...(resumeFrom ? { resumeFrom } : {}),
    },
    {
      ...threadHooks(ctx),
      onCheckpoint: async (payload) => {
        const checkpoint = payload as ScanCheckpoint;
        if (checkpoint.kind === 'reference') {
          const weights = await storeBytes(ctx, checkpoint.archive, 'application/zip');
          saved = { digest: checkpoint.digest, referenceSha256: weights.sha256, referenceRun: checkpoint.run, classes: [] };
        } else {
          if (!saved || saved.digest !== checkpoint.digest) return;
          const displays: Partial<Record<TriggerFamily, string>> = {};
          for (const [family, pixels] of Object.entries(checkpoint.inversion.displays) as [TriggerFamily, Float32Array][]) {
            const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
            displays[family] = (await storeBytes(ctx, bytes, 'application/octet-stream')).sha256;
          }
          saved = {
            ...saved,
            classes: [
              ...saved.classes.filter((c) => c.target !== checkpoint.inversion.target),
              {
                target: checkpoint.inversion.target,
                scores: checkpoint.inversion.scores,
                ...(checkpoint.inversion.patchExtraScores ? { patchExtraScores: checkpoint.inversion.patchExtraScores } : {}),
                displays,
              },
            ],
          };
        }
        const state = saved;
        await tenant(ctx, (tx) =>
          saveJobCheckpoint(tx, ctx.job.tenantId, ctx.job.id, { ...state }, { step: state.classes.length }),
        );
      },
    },
  );
  // the reference repair never left the suspect: the scan could not decide, which is not "clean"
  const verdict = result.params.inconclusive && result.verdict === 'clean' ? 'suspicious' : result.verdict;
  const trigger = result.triggerPng ? await storeBytes(ctx, result.triggerPng, 'image/png') : null;
  const [finding] = await tenant(ctx, (tx) =>
    tx
      .insert(schema.findings)
      .values({
        tenantId: ctx.job.tenantId,
        jobId: ctx.job.id,
        modelVersionId: inputs.version.id,
        datasetId: inputs.dataset.id,
        kind: 'detection',
        method: result.method,
        score: result.score,
        threshold: result.threshold,
        verdict,
        suspectedTarget: result.suspectedTarget,
        triggerSha256: trigger?.sha256 ?? null,
        cdaBefore: result.cda === null ? null : percent(result.cda),
        asrBefore: result.asr !== undefined ? percent(result.asr) : null,
        params: result.params,
        details: { perClassScores: result.perClassScores, durationMs: result.durationMs, calibration: result.calibration },
      })
      .returning(),
  );
  if (!finding) throw new Error('finding insert returned nothing');
  await ctx.audit('finding.create', `finding:${finding.id}`, { verdict, score: result.score, job: ctx.job.id });
  if (ctx.job.monitorId) await alertMonitor(ctx, ctx.job.monitorId, finding);
  return {
    message: `${verdict}${result.params.inconclusive ? ' (inconclusive)' : ''}: score ${result.score.toFixed(3)} (${calibrationText(result.calibration, result.threshold)})${result.suspectedTarget !== null ? `, suspected target ${result.suspectedTarget}` : ''}`,
    metrics: finite({
      score: result.score,
      ...(result.cda !== null ? { cda: percent(result.cda) } : {}),
      ...(result.asr !== undefined ? { asr: percent(result.asr) } : {}),
    }),
  };
}

/** Clean accuracy (and a known attack's success) of a version on a dataset; figures go in the final event. */
async function evaluateJob(ctx: JobContext): Promise<JobOutcome> {
  const params = parseJobParams('evaluate', ctx.job.params);
  const inputs = await loadInputs(ctx, params.modelVersionId, params.datasetId);
  const result = await runTaskInThread<EvaluateResult>(
    'evaluate',
    {
      model: inputs.model,
      dataset: inputs.trusted,
      options: params.knownAttack ? { knownAttack: params.knownAttack } : {},
    },
    threadHooks(ctx),
  );
  const perClass = Object.fromEntries(result.perClassAccuracy.map((a, i) => [`class${i}`, percent(a)]));
  await saveResult(ctx, {
    cda: percent(result.cda),
    asr: result.asr !== undefined ? percent(result.asr) : null,
    arr: result.arr !== undefined ? percent(result.arr) : null,
    images: result.images,
    perClassAccuracy: result.perClassAccuracy.map(percent),
    confusionMatrix: result.confusionMatrix,
  });
  return {
    message: `clean accuracy ${percent(result.cda).toFixed(1)}% on ${result.images} images${result.asr !== undefined ? `, attack success ${percent(result.asr).toFixed(1)}%` : ''}`,
    metrics: finite({
      cda: percent(result.cda),
      images: result.images,
      ...(result.asr !== undefined ? { asr: percent(result.asr) } : {}),
      ...(result.arr !== undefined ? { arr: percent(result.arr) } : {}),
      ...perClass,
    }),
  };
}

async function saveResult(ctx: JobContext, result: Record<string, unknown>): Promise<void> {
  await tenant(ctx, (tx) => tx.update(schema.jobs).set({ result }).where(eq(schema.jobs.id, ctx.job.id)));
}

/** A sweep checkpoints after every finished model; a retry goes on with the rest. */
async function sweepJob(ctx: JobContext): Promise<JobOutcome> {
  const params = parseJobParams('sweep', ctx.job.params);
  const done = ((ctx.job.checkpoint as { models?: SweepModelResult[] } | null)?.models ?? []).slice();
  if (done.length > 0) await ctx.emit({ type: 'log', phase: 'resuming', message: `${done.length} model(s) already done` });
  const result = await runTaskInThread<SweepResult>(
    'sweep',
    {
      options: {
        attack: params.attack,
        poisonCounts: params.poisonCounts,
        seeds: params.seeds,
        dataset: params.datasetName,
        ...(params.trainImages ? { trainImages: params.trainImages } : {}),
        ...(params.epochs ? { epochs: params.epochs } : {}),
        ...(params.scanSteps ? { scanSteps: params.scanSteps } : {}),
        ...(params.referenceSteps ? { referenceSteps: params.referenceSteps } : {}),
        ...(params.repairSteps ? { repairSteps: params.repairSteps } : {}),
      },
      done,
    },
    {
      ...threadHooks(ctx),
      onCheckpoint: async (payload) => {
        const model = payload as SweepModelResult;
        done.push(model);
        await tenant(ctx, (tx) => saveJobCheckpoint(tx, ctx.job.tenantId, ctx.job.id, { models: done }, { step: done.length }));
      },
    },
  );
  const plot = await storeBytes(ctx, new TextEncoder().encode(result.plotSvg), 'image/svg+xml');
  await saveResult(ctx, {
    attack: result.attack,
    dataset: result.dataset,
    targetClass: result.targetClass,
    rows: result.rows,
    models: result.models,
    plotSha256: plot.sha256,
  });
  const summary = result.rows
    .map(
      (r) =>
        `${r.poisonCount}: AUC ${r.detectionAuc?.toFixed(2) ?? '-'}, ASR after ${r.meanAsrAfter === null ? '-' : percent(r.meanAsrAfter).toFixed(1)}%`,
    )
    .join('; ');
  return {
    message: `sweep of ${result.attack} over ${result.models.length} models (${summary})`,
    metrics: { models: result.models.length },
  };
}

interface StoredCheckpoint {
  step: number;
  weightsSha256: string;
  state: Record<string, unknown>;
}

async function repairJob(ctx: JobContext): Promise<JobOutcome> {
  const params = parseJobParams('repair', ctx.job.params);
  const inputs = await loadInputs(ctx, params.modelVersionId, params.datasetId);
  const stored = ctx.job.checkpoint as StoredCheckpoint | null;
  let resumeFrom: RepairCheckpoint | undefined;
  if (stored?.weightsSha256 && (await ctx.options.store.stat(stored.weightsSha256))) {
    resumeFrom = { step: stored.step, weights: await readAll(ctx, stored.weightsSha256), state: stored.state };
    await ctx.emit({ type: 'log', phase: 'resuming', message: `resuming from checkpoint at step ${stored.step}` });
  }
  const result = await runTaskInThread<RepairTaskResult>(
    'repair',
    {
      model: inputs.model,
      trusted: inputs.trusted,
      options: {
        method: params.method,
        ...(params.steps !== undefined ? { steps: params.steps } : {}),
        // the API speaks percentage points, the tasks fractions
        ...(params.cdaBudget !== undefined ? { cdaBudget: params.cdaBudget / 100 } : {}),
        ...(params.seed !== undefined ? { seed: params.seed } : {}),
        ...(params.knownAttack ? { knownAttack: params.knownAttack } : {}),
      },
      ...(resumeFrom ? { resumeFrom } : {}),
    },
    {
      ...threadHooks(ctx),
      onCheckpoint: async (payload) => {
        const checkpoint = payload as RepairCheckpoint;
        const weights = await storeBytes(ctx, checkpoint.weights, 'application/zip');
        await tenant(ctx, (tx) =>
          saveJobCheckpoint(
            tx,
            ctx.job.tenantId,
            ctx.job.id,
            { step: checkpoint.step, weightsSha256: weights.sha256, state: checkpoint.state },
            { step: checkpoint.step },
          ),
        );
      },
    },
  );
  const metrics = finite({
    cdaBefore: percent(result.cdaBefore),
    cdaAfter: percent(result.cdaAfter),
    runs: result.runs,
    ...(result.asrBefore !== undefined ? { asrBefore: percent(result.asrBefore) } : {}),
    ...(result.asrAfter !== undefined ? { asrAfter: percent(result.asrAfter) } : {}),
  });
  const finding = {
    tenantId: ctx.job.tenantId,
    jobId: ctx.job.id,
    modelVersionId: inputs.version.id,
    datasetId: inputs.dataset.id,
    kind: 'repair' as const,
    method: result.method,
    cdaBefore: percent(result.cdaBefore),
    cdaAfter: percent(result.cdaAfter),
    asrBefore: result.asrBefore !== undefined ? percent(result.asrBefore) : null,
    asrAfter: result.asrAfter !== undefined ? percent(result.asrAfter) : null,
    params: { ...result.params, ...(params.budgetReason ? { budgetReason: params.budgetReason } : {}) },
  };
  const details = {
    steps: result.steps,
    durationMs: result.durationMs,
    resumedFromStep: result.resumedFromStep,
    keptRun: result.keptRun,
    runs: result.runs,
    frontier: result.frontier.map(tradeoffInPercent),
  };
  if (!result.outcome.repaired || !result.repaired) {
    // Nothing deployable came out: no new version, and the finding says why with the trade-offs seen.
    const [notRepaired] = await tenant(ctx, (tx) =>
      tx
        .insert(schema.findings)
        .values({ ...finding, verdict: 'not-repaired', details: { ...details, reasons: result.outcome.reasons } })
        .returning(),
    );
    await ctx.audit('model.version.not-repaired', `model_version:${inputs.version.id}`, {
      finding: notRepaired?.id,
      job: ctx.job.id,
      reasons: result.outcome.reasons,
    });
    return { message: `not repaired: ${result.outcome.reasons.join(' ')}`, metrics };
  }
  const repairedArchive = result.repaired;
  const { metadata: artifactMetadata, ...artifact } = await repairedArtifact(ctx, inputs, repairedArchive);
  const described = describeModelArchive(repairedArchive);
  const { version, repairFinding, verification } = await tenant(ctx, async (tx) => {
    const version = await insertModelVersion(tx, {
      tenantId: ctx.job.tenantId,
      modelId: inputs.version.modelId,
      ...artifact,
      inputShape: described.inputShape,
      numClasses: described.numClasses,
      paramCount: described.paramCount,
      classNames: inputs.version.classNames,
      parentVersionId: inputs.version.id,
      createdByJobId: ctx.job.id,
      metadata: { repairedWith: result.method, ...artifactMetadata },
    });
    if (!version) throw new AntidoteError('NOT_FOUND', 'The model of this job no longer exists.');
    // Without a known attack nothing measured the backdoor itself: a scan of the repaired version
    // is the evidence, and the finding points at it instead of implying removal.
    const verification = params.knownAttack
      ? null
      : (
          await insertJob(tx, {
            tenantId: ctx.job.tenantId,
            kind: 'scan',
            params: { modelVersionId: version.id, datasetId: inputs.dataset.id },
            idempotencyKey: `repair:${ctx.job.id}:verify`,
          })
        ).job;
    const evidence = verification
      ? { kind: 'verification-scan', jobId: verification.id }
      : { kind: 'known-attack', asrBefore: finding.asrBefore, asrAfter: finding.asrAfter };
    const [repairFinding] = await tx
      .insert(schema.findings)
      .values({ ...finding, verdict: 'repaired', repairedVersionId: version.id, details: { ...details, evidence } })
      .returning();
    return { version, repairFinding, verification };
  });
  if (verification) await ctx.options.queue.enqueue(verification);
  await ctx.audit('model.version.repaired', `model_version:${version.id}`, {
    parent: inputs.version.id,
    finding: repairFinding?.id,
    job: ctx.job.id,
    ...(params.budgetReason ? { budgetReason: params.budgetReason } : {}),
  });
  const asr =
    result.asrAfter !== undefined
      ? `, attack success ${percent(result.asrBefore ?? 0).toFixed(1)}% -> ${percent(result.asrAfter).toFixed(1)}%`
      : '; a scan of the repaired version checks the backdoor is gone';
  return {
    message: `repaired as version ${version.version}: ${result.labels === 'model' ? 'held-out agreement with the suspect' : 'clean accuracy'} ${percent(result.cdaBefore).toFixed(1)}% -> ${percent(result.cdaAfter).toFixed(1)}%${asr}`,
    metrics,
  };
}

function tradeoffInPercent(t: RepairTradeoff) {
  return {
    run: t.run,
    step: t.step,
    heldOutAccuracy: percent(t.heldOutAccuracy),
    drop: percent(t.drop),
    dropLow: percent(t.dropInterval[0]),
    dropHigh: percent(t.dropInterval[1]),
    heldOutImages: t.heldOutImages,
    withinBudget: t.withinBudget,
    ...(t.attackSuccess !== undefined ? { attackSuccess: percent(t.attackSuccess) } : {}),
  };
}

/** Continuous monitoring, the alerting half: a finding at or over the monitor's bar fires its webhooks. */
async function alertMonitor(ctx: JobContext, monitorId: string, finding: typeof schema.findings.$inferSelect): Promise<void> {
  const [monitor] = await tenant(ctx, (tx) => tx.select().from(schema.monitors).where(eq(schema.monitors.id, monitorId)));
  if (!monitor?.enabled) return;
  const overBar =
    monitor.scoreThreshold !== null && finding.score !== null
      ? finding.score >= monitor.scoreThreshold
      : finding.verdict !== 'clean';
  if (!overBar) return;
  const payload = {
    monitor: { id: monitor.id, name: monitor.name },
    finding: { id: finding.id, verdict: finding.verdict, score: finding.score, suspectedTarget: finding.suspectedTarget },
    modelVersionId: finding.modelVersionId,
  };
  for (const hook of monitor.webhooks) {
    const [delivery] = await tenant(ctx, (tx) =>
      tx
        .insert(schema.webhookDeliveries)
        .values({ tenantId: ctx.job.tenantId, monitorId, findingId: finding.id, url: hook.url, event: 'finding.alert', payload })
        .returning(),
    );
    let result = await deliverWebhook({
      ...hook,
      event: 'finding.alert',
      payload,
      allowPrivate: ctx.options.allowPrivateWebhooks,
    });
    let attempts = 1;
    // retried with backoff; a blocked target (private address) is not retried
    while (result.status === 'failed' && attempts < 3) {
      await new Promise((r) => setTimeout(r, 1000 * 3 ** (attempts - 1)));
      attempts += 1;
      result = await deliverWebhook({ ...hook, event: 'finding.alert', payload, allowPrivate: ctx.options.allowPrivateWebhooks });
    }
    await tenant(ctx, (tx) =>
      tx
        .update(schema.webhookDeliveries)
        .set({
          status: result.status,
          attempts,
          responseCode: result.responseCode,
          lastError: result.error,
          deliveredAt: result.status === 'delivered' ? new Date() : null,
        })
        .where(eq(schema.webhookDeliveries.id, delivery?.id ?? '')),
    );
  }
}
