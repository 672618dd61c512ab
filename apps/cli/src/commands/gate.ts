/**
 * `antidote scan` and `antidote repair`: the CI gate. Locally they run the worker's own tasks on
 * a TF.js archive, an ONNX file or a Keras .keras/.h5 file (importing and checking the import
 * against ONNX Runtime first); `scan --remote` does the same through the GraphQL API.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AntidoteError } from '@antidote/core/errors';
import { classifyModelUpload, packModelArchive } from '@antidote/core/formats';
import { type ImportTaskResult, type ModelFidelity, runExport, runImport, runRepair, runScan } from '@antidote/worker/tasks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { CommandContext } from '../context.ts';
import { GATE_CLEAN, GATE_ERROR, GateExit, type GateVerdict, gateCode, gateErrorCode, junitReport } from '../gate.ts';
import { readModelFolder } from '../model-folder.ts';

export interface GateOptions {
  trusted?: string;
  junit?: string;
  steps?: number;
  referenceSteps?: number;
  classes?: number[];
  fidelityOverrideReason?: string;
  remote?: string;
  apiKey?: string;
  out?: string;
  cdaBudget?: number;
  /** antidote.json's fields, inline JSON or a file: the model's preprocessing (ONNX/Keras). */
  preprocess?: string;
}

async function statedPreprocessing(options: GateOptions): Promise<Record<string, unknown> | undefined> {
  if (!options.preprocess) return undefined;
  const text = options.preprocess.trim().startsWith('{')
    ? options.preprocess
    : await readFile(options.preprocess, 'utf8').catch(() =>
        Promise.reject(new AntidoteError('NOT_FOUND', `No preprocessing file at ${options.preprocess}.`)),
      );
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new AntidoteError('INVALID_INPUT', '--preprocess must be JSON with the fields of antidote.json, or a file holding it.');
  }
}

const MIN_AGREEMENT = 0.999;

async function readModel(file: string): Promise<Uint8Array> {
  const info = await stat(file).catch(() => null);
  if (!info) throw new AntidoteError('NOT_FOUND', `No model at ${file}.`);
  if (info.isDirectory()) return packModelArchive(await readModelFolder(file));
  return new Uint8Array(await readFile(file));
}

async function readTrusted(options: GateOptions): Promise<Uint8Array> {
  if (!options.trusted)
    throw new AntidoteError('INVALID_INPUT', '--trusted FILE is required: a zip of class folders (or another dataset format).');
  return new Uint8Array(
    await readFile(options.trusted).catch(() =>
      Promise.reject(new AntidoteError('NOT_FOUND', `No trusted dataset at ${options.trusted}.`)),
    ),
  );
}

/** A TF.js archive for the tasks; ONNX/Keras are imported and their fidelity gated. */
async function prepare(model: Uint8Array, trusted: Uint8Array, options: GateOptions, ctx: CommandContext) {
  const kind = classifyModelUpload(model).kind;
  if (kind === 'tfjs-layers' && options.preprocess) {
    throw new AntidoteError('INVALID_INPUT', '--preprocess applies to ONNX and Keras models; a TF.js model carries its own.');
  }
  if (kind === 'tfjs-layers') return { archive: model, kind, imported: null as ImportTaskResult | null };
  const declared = await statedPreprocessing(options);
  const imported = await runImport({ model, trusted, ...(declared ? { declared } : {}), signal: ctx.cancellation.signal });
  const fidelity = imported.fidelity;
  if (fidelity && fidelity.top1Agreement < MIN_AGREEMENT && !options.fidelityOverrideReason) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `The converted model agrees with ONNX Runtime on ${(fidelity.top1Agreement * 100).toFixed(2)}% of inputs only (max |logit diff| ${fidelity.maxAbsDiff.toExponential(2)}); pass --fidelity-override-reason "..." to gate it anyway.`,
    );
  }
  return { archive: imported.archive, kind, imported };
}

const fidelityLine = (f: ModelFidelity | null | undefined) =>
  f
    ? `fidelity vs ONNX Runtime: max |logit diff| ${f.maxAbsDiff.toExponential(2)}, top-1 agreement ${(f.top1Agreement * 100).toFixed(2)}% on ${f.n} ${f.inputs} inputs`
    : null;

/** Runs a gate body: prints its result, writes the JUnit file, and ends with the gate's exit code. */
async function gate(
  name: string,
  options: GateOptions,
  ctx: CommandContext,
  body: () => Promise<{ verdict?: GateVerdict; exitCode?: number; data: Record<string, unknown>; lines: string[] }>,
): Promise<never> {
  const started = performance.now();
  let exitCode: number;
  try {
    const outcome = await body();
    exitCode = outcome.exitCode ?? (outcome.verdict ? gateCode(outcome.verdict) : GATE_CLEAN);
    ctx.output.result({ ...outcome.data, exitCode }, () => outcome.lines);
    if (options.junit) {
      await writeFile(
        options.junit,
        junitReport({
          name,
          seconds: (performance.now() - started) / 1000,
          verdict: outcome.verdict,
          details: outcome.lines.join('\n'),
        }),
      );
    }
  } catch (error) {
    exitCode = gateErrorCode(error);
    const summary =
      error instanceof AntidoteError
        ? { code: error.code, message: error.message }
        : { code: 'INTERNAL' as const, message: error instanceof Error ? error.message : String(error) };
    ctx.output.error(summary);
    if (options.junit) {
      await writeFile(
        options.junit,
        junitReport({ name, seconds: (performance.now() - started) / 1000, details: summary.message, error: summary }),
      );
    }
  }
  throw new GateExit(exitCode);
}

export async function scanCommand(modelPath: string, options: GateOptions, ctx: CommandContext): Promise<never> {
  return gate(path.basename(modelPath), options, ctx, async () => {
    if (options.remote) return remoteScan(modelPath, options, ctx);
    await ctx.startRuntime();
    const model = await readModel(modelPath);
    const trusted = await readTrusted(options);
    const prepared = await prepare(model, trusted, options, ctx);
    const result = await runScan({
      model: prepared.archive,
      trusted,
      options: {
        ...(options.steps !== undefined ? { steps: options.steps } : {}),
        ...(options.referenceSteps !== undefined ? { repairSteps: options.referenceSteps } : {}),
        ...(options.classes ? { candidateClasses: options.classes } : {}),
      },
      signal: ctx.cancellation.signal,
    });
    const verdict = result.params.inconclusive && result.verdict === 'clean' ? 'suspicious' : result.verdict;
    return {
      verdict,
      data: {
        model: modelPath,
        format: prepared.kind,
        verdict,
        score: result.score,
        threshold: result.threshold,
        suspectedTarget: result.suspectedTarget,
        cda: result.cda,
        fidelity: prepared.imported?.fidelity ?? null,
        preprocessing: prepared.imported?.preprocessing ?? null,
      },
      lines: [
        `${modelPath} (${prepared.kind}): ${verdict.toUpperCase()}`,
        `score ${result.score.toFixed(3)} (threshold ${result.threshold.toFixed(3)})${result.suspectedTarget !== null ? `, suspected target class ${result.suspectedTarget}` : ''}`,
        result.cda === null
          ? "no clean accuracy: the trusted images have no labels (the suspect's predictions stood in)"
          : `clean accuracy on held-out trusted images ${(result.cda * 100).toFixed(1)}%`,
        ...[fidelityLine(prepared.imported?.fidelity)].filter((l): l is string => l !== null),
      ],
    };
  });
}

export async function repairCommand(modelPath: string, options: GateOptions, ctx: CommandContext): Promise<never> {
  return gate(path.basename(modelPath), options, ctx, async () => {
    if (!options.out) throw new AntidoteError('INVALID_INPUT', '--out FILE is required: where to write the repaired model.');
    await ctx.startRuntime();
    const model = await readModel(modelPath);
    const trusted = await readTrusted(options);
    const prepared = await prepare(model, trusted, options, ctx);
    const result = await runRepair({
      model: prepared.archive,
      trusted,
      options: {
        method: 'pivotal-tuning',
        ...(options.steps !== undefined ? { steps: options.steps } : {}),
        ...(options.cdaBudget !== undefined ? { cdaBudget: options.cdaBudget / 100 } : {}),
      },
      signal: ctx.cancellation.signal,
    });
    const figures = {
      cdaBefore: result.cdaBefore,
      cdaAfter: result.cdaAfter,
      labels: result.labels,
      reasons: result.outcome.reasons,
    };
    if (!result.outcome.repaired || !result.repaired) {
      return {
        exitCode: GATE_ERROR,
        data: { model: modelPath, repaired: false, ...figures },
        lines: [`not repaired: ${result.outcome.reasons.join(' ')}`],
      };
    }
    let bytes = result.repaired;
    let written: ModelFidelity | null = null;
    if (prepared.imported) {
      const exported = await runExport({
        original: model,
        repaired: result.repaired,
        trusted,
        preprocessing: prepared.imported.preprocessing,
        layout: prepared.imported.preprocessing.layout,
        signal: ctx.cancellation.signal,
      });
      bytes = exported.bytes;
      written = exported.fidelity;
    }
    await writeFile(options.out, bytes);
    return {
      exitCode: GATE_CLEAN,
      data: { model: modelPath, repaired: true, out: options.out, format: prepared.kind, ...figures, fidelity: written },
      lines: [
        `repaired ${modelPath} -> ${options.out} (${prepared.kind})`,
        `${result.labels === 'model' ? 'held-out agreement with the suspect (no labels)' : 'clean accuracy'} ${(result.cdaBefore * 100).toFixed(1)}% -> ${(result.cdaAfter * 100).toFixed(1)}%`,
        ...[fidelityLine(written)].filter((l): l is string => l !== null),
      ],
    };
  });
}

// ---- remote -----------------------------------------------------------------------------------

async function remoteScan(modelPath: string, options: GateOptions, ctx: CommandContext) {
  let lastProgressKey = '';
  if (!options.apiKey) throw new AntidoteError('INVALID_INPUT', '--remote needs --api-key KEY (or ANTIDOTE_API_KEY).');
  const base = options.remote?.replace(/\/+$/, '') as string;
  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
      body: JSON.stringify({ query, variables }),
    }).catch((cause: unknown) => Promise.reject(new AntidoteError('BACKEND_UNAVAILABLE', `Cannot reach ${base}.`, { cause })));
    const body = (await response.json().catch(() => ({}))) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    const first = body.errors?.[0];
    if (first || !body.data) {
      const code =
        first?.extensions?.code === 'UNAUTHENTICATED' || first?.extensions?.code === 'FORBIDDEN' ? 'INVALID_INPUT' : 'INTERNAL';
      throw new AntidoteError(code, `The API answered: ${first?.message ?? response.status}`);
    }
    return body.data;
  };
  const payload = <T extends { userErrors: { code: string; message: string }[] }>(p: T): T => {
    const e = p.userErrors[0];
    if (e) throw new AntidoteError(e.code as never, e.message);
    return p;
  };
  const upload = async (purpose: 'MODEL' | 'DATASET', file: string, bytes: Uint8Array) => {
    const { createUpload } = await gql<{
      createUpload: { upload: { id: string; url: string } | null; userErrors: { code: string; message: string }[] };
    }>('mutation($i: CreateUploadInput!) { createUpload(input: $i) { upload { id url } userErrors { code message } } }', {
      i: { purpose, filename: path.basename(file), sizeBytes: bytes.byteLength },
    });
    const target = payload(createUpload).upload as { id: string; url: string };
    const put = await fetch(target.url, { method: 'PUT', body: bytes });
    if (!put.ok) throw new AntidoteError('INTERNAL', `Uploading ${file} failed: ${put.status}.`);
    return target.id;
  };
  const model = await readModel(modelPath);
  const trusted = await readTrusted(options);
  // the API's names: letters, digits, spaces and ._()- only
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const name = `${path
    .basename(modelPath)
    .replace(/[^\w .()-]/g, '_')
    .slice(0, 60)} ${stamp}`.replace(/^[^A-Za-z0-9]+/, '');
  const { registerModel } = await gql<{
    registerModel: { version: { id: string } | null; userErrors: { code: string; message: string }[] };
  }>(
    'mutation($n: String!, $u: ID!, $p: JSON) { registerModel(input: { name: $n, uploadId: $u, preprocessing: $p }) { version { id } userErrors { code message } } }',
    { n: name, u: await upload('MODEL', modelPath, model), p: (await statedPreprocessing(options)) ?? null },
  );
  const { registerDataset } = await gql<{
    registerDataset: { dataset: { id: string } | null; userErrors: { code: string; message: string }[] };
  }>(
    'mutation($n: String!, $u: ID!) { registerDataset(input: { name: $n, uploadId: $u }) { dataset { id } userErrors { code message } } }',
    { n: `trusted for ${name}`, u: await upload('DATASET', options.trusted as string, trusted) },
  );
  const { startScan } = await gql<{ startScan: { job: { id: string } | null; userErrors: { code: string; message: string }[] } }>(
    'mutation($i: StartScanInput!) { startScan(input: $i) { job { id } userErrors { code message } } }',
    {
      i: {
        modelVersionId: payload(registerModel).version?.id,
        datasetId: payload(registerDataset).dataset?.id,
        ...(options.steps !== undefined ? { steps: options.steps } : {}),
        ...(options.referenceSteps !== undefined ? { referenceSteps: options.referenceSteps } : {}),
        ...(options.classes ? { candidateClasses: options.classes } : {}),
        ...(options.fidelityOverrideReason ? { fidelityOverrideReason: options.fidelityOverrideReason } : {}),
      },
    },
  );
  const jobId = payload(startScan).job?.id as string;
  const stream = await waitOnSubscription(base, options.apiKey, jobId, ctx, (event) => {
    // one line per phase and per tenth of it, so a CI log shows the scan moving without flooding
    const tenth = event.progress == null ? -1 : Math.floor(event.progress * 10);
    const key = `${event.phase ?? event.type}:${tenth}`;
    if (key !== lastProgressKey && event.type !== 'log') {
      lastProgressKey = key;
      ctx.output.note(
        `  ${event.type}${event.phase ? ` ${event.phase}` : ''}${event.progress != null ? ` ${Math.round(event.progress * 100)}%` : ''}${event.message ? `: ${event.message}` : ''}`,
      );
    }
  });
  type JobView = {
    state: string;
    error: { code: string; message: string } | null;
    findings: { verdict: string; score: number | null; suspectedTarget: number | null }[];
    modelVersion: { fidelity: ModelFidelity | null } | null;
  };
  const { node: job } = await gql<{ node: JobView }>(
    'query($id: ID!) { node(id: $id) { ... on Job { state error { code message } findings { verdict score suspectedTarget } modelVersion { fidelity { maxAbsDiff top1Agreement n maxAbsOutput inputs } } } } }',
    { id: jobId },
  );
  if (job.state !== 'SUCCEEDED') {
    throw new AntidoteError(
      (job.error?.code as never) ?? 'INTERNAL',
      job.error?.message ?? `The scan ended ${job.state.toLowerCase()}.`,
    );
  }
  const finding = job.findings[0];
  const verdict = (finding?.verdict.toLowerCase() ?? 'suspicious') as GateVerdict;
  return {
    verdict,
    data: {
      model: modelPath,
      remote: base,
      jobId,
      verdict,
      score: finding?.score ?? null,
      suspectedTarget: finding?.suspectedTarget ?? null,
      fidelity: job.modelVersion?.fidelity ?? null,
      // how the CLI learnt the job ended: the job's own event stream, not polling
      events: stream.events,
      lastEvent: stream.last.type,
    },
    lines: [
      `${modelPath} (scanned by ${base}, job ${jobId}): ${verdict.toUpperCase()}`,
      ...(finding?.score != null ? [`score ${finding.score.toFixed(3)}`] : []),
      ...[fidelityLine(job.modelVersion?.fidelity)].filter((l): l is string => l !== null),
    ],
  };
}

interface JobEvent {
  seq: number;
  type: string;
  phase: string | null;
  progress: number | null;
  message: string | null;
}

const TERMINAL_EVENTS = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Follows a job on the API's graphql-ws `jobProgress` subscription until its terminal event (the
 * server completes the stream after it). A dropped socket reconnects and subscribes again from
 * the last event seen; Ctrl-C cancels the job on the server, so a gate never leaves work behind.
 */
async function waitOnSubscription(
  base: string,
  apiKey: string,
  jobId: string,
  ctx: CommandContext,
  onEvent: (event: JobEvent) => void,
): Promise<{ events: number; last: JobEvent }> {
  let afterSeq = 0;
  let events = 0;
  let last: JobEvent | null = null;
  const url = `${base.replace(/^http/, 'ws')}/graphql`;
  for (let attempt = 0; attempt < 5 && !(last && TERMINAL_EVENTS.has(last.type)); attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    ctx.cancellation.check();
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      retryAttempts: 0,
      lazy: true,
    });
    const iterator = client.iterate<{ jobProgress: JobEvent }>({
      query:
        'subscription($id: ID!, $after: Int) { jobProgress(jobId: $id, afterSeq: $after) { seq type phase progress message } }',
      variables: { id: jobId, after: afterSeq },
    });
    const stop = () => void iterator.return?.();
    ctx.cancellation.signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const result of iterator) {
        if (result.errors?.length) {
          const first = result.errors[0] as { message: string; extensions?: { code?: string } };
          const code = first.extensions?.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_INPUT';
          throw new AntidoteError(code, `The API refused the job's progress stream: ${first.message}`);
        }
        const event = result.data?.jobProgress;
        if (!event || event.seq <= afterSeq) continue;
        afterSeq = event.seq;
        events++;
        last = event;
        onEvent(event);
      }
    } catch (error) {
      if (error instanceof AntidoteError) throw error;
      // a closed or unreachable socket: subscribe again from the last event seen
    } finally {
      ctx.cancellation.signal.removeEventListener('abort', stop);
      await client.dispose();
    }
    if (ctx.cancellation.signal.aborted) {
      await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({
          query: 'mutation($i: CancelJobInput!) { cancelJob(input: $i) { userErrors { code message } } }',
          variables: { i: { jobId } },
        }),
      }).catch(() => {});
      ctx.cancellation.check();
    }
  }
  if (!last || !TERMINAL_EVENTS.has(last.type)) {
    throw new AntidoteError(
      'BACKEND_UNAVAILABLE',
      `The progress stream of job ${jobId} ended before the job did; see it at ${base}.`,
    );
  }
  return { events, last };
}
