/**
 * Fuzzing of the upload parsers (model archives, ONNX, Keras `.keras`/`.h5`, datasets, the
 * gateway's preflight): seeded mutations of valid inputs, each of which must end in a result or a
 * typed AntidoteError, quickly. `fuzz.test.ts` runs a fixed seed in CI; `npm run fuzz` runs longer
 * (fuzz-cli.ts).
 *
 * Keras cases run the gateway's inspection in a thread of their own (fuzz-thread.ts) with a
 * deadline, as the gateway does: h5wasm reads HDF5 synchronously in wasm, and some damaged files
 * make it spin forever, which no timer on the same thread can interrupt. A case that reaches the
 * deadline is ended by terminating the thread and counts as the typed TOO_LARGE the gateway
 * answers then; the report counts them apart (`deadlines`).
 */

import { Worker } from 'node:worker_threads';
import { exportImageArchive, importDataset } from '@antidote/core/datasets';
import { isAntidoteError } from '@antidote/core/errors';
import { keras2H5, kerasArchive, sequentialKerasLayers } from '@antidote/core/formats/keras';
import { OnnxGraphBuilder, parseOnnx } from '@antidote/core/formats/onnx';
import { describeModelArchive } from '@antidote/core/models';
import { createRng, type Rng } from '@antidote/core/random';
import type { InspectionLimits } from '@antidote/gateway/inspect';
import { preflightArchive } from '@antidote/gateway/preflight';
import { strToU8, zipSync } from 'fflate';
import type { IsolatedCase, IsolatedOutcome } from './fuzz-thread.ts';

export interface FuzzFailure {
  target: string;
  seed: number;
  caseIndex: number;
  problem: string;
}

export interface TargetReport {
  cases: number;
  typedErrors: number;
  accepted: number;
  /** Isolated targets: cases ended by terminating their thread at the deadline. */
  deadlines: number;
  slowestMs: number;
}

export interface FuzzReport {
  cases: number;
  typedErrors: number;
  accepted: number;
  deadlines: number;
  slowestMs: number;
  perTarget: Record<string, TargetReport>;
  failures: FuzzFailure[];
}

function modelCorpus(): Uint8Array {
  const modelJson = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'fuzz',
        layers: [
          { class_name: 'Flatten', config: { name: 'flatten', batch_input_shape: [null, 4, 4, 1] } },
          { class_name: 'Dense', config: { name: 'dense', units: 3, activation: 'softmax', use_bias: true } },
        ],
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'dense/kernel', shape: [16, 3], dtype: 'float32' },
          { name: 'dense/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ],
  };
  return zipSync({ 'model.json': strToU8(JSON.stringify(modelJson)), 'group1-shard1of1.bin': new Uint8Array(51 * 4) });
}

function datasetCorpus(): Uint8Array {
  const images = new Uint8Array(6 * 8 * 8);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37) % 256;
  return exportImageArchive({
    images,
    labels: Int32Array.from([0, 1, 2, 0, 1, 2]),
    height: 8,
    width: 8,
    channels: 1,
    classNames: ['a', 'b', 'c'],
    flipAugment: false,
  });
}

/** A small CNN as PyTorch exports it: NCHW input, Conv + Relu, Flatten, Gemm to 3 logits. */
function onnxCorpus(): Uint8Array {
  const rng = createRng(3);
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * 0.1);
  const g = new OnnxGraphBuilder();
  const x = g.input('input', ['batch', 1, 8, 8]);
  const w = g.initializer('conv.weight', { dims: [2, 1, 3, 3], data: values(18) });
  const b = g.initializer('conv.bias', { dims: [2], data: values(2) });
  const conv = g.node('Conv', [x, w, b], { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } });
  const flat = g.node('Flatten', [g.node('Relu', [conv])], { axis: { i: 1 } });
  const fw = g.initializer('fc.weight', { dims: [3, 128], data: values(384) });
  const fb = g.initializer('fc.bias', { dims: [3], data: values(3) });
  g.node('Gemm', [flat, fw, fb], { transB: { i: 1 } }, ['logits']);
  g.output('logits', ['batch', 3]);
  return g.build();
}

/** The smallest Keras models the importer takes: an 8x8 grey Sequential CNN with 3 classes. */
const kerasLayers = () => sequentialKerasLayers(8, 1, 3);
const kerasCorpus = () => kerasArchive('Sequential', kerasLayers());
const h5Corpus = () => keras2H5(kerasLayers());

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff];

/** One mutation of `input`: flips, overwrites with boundary values, inserts, deletes, truncates. */
function mutate(input: Uint8Array, rng: Rng): Uint8Array {
  const bytes = Uint8Array.from(input);
  const edits = 1 + rng.int(8);
  let out = bytes;
  for (let e = 0; e < edits; e++) {
    const at = rng.int(Math.max(out.length, 1));
    switch (rng.int(6)) {
      case 0:
        out[at] = (out[at] ?? 0) ^ (1 << rng.int(8));
        break;
      case 1:
        out[at] = INTERESTING[rng.int(INTERESTING.length)] ?? 0;
        break;
      case 2: {
        // a 32-bit field set to an extreme (sizes, counts, offsets in zip headers)
        const value = [0, 0xffffffff, 0x7fffffff, 0x80000000, out.length][rng.int(5)] ?? 0;
        for (let k = 0; k < 4 && at + k < out.length; k++) out[at + k] = (value >>> (8 * k)) & 0xff;
        break;
      }
      case 3:
        out = Uint8Array.from([
          ...out.subarray(0, at),
          ...Array.from({ length: 1 + rng.int(16) }, () => rng.int(256)),
          ...out.subarray(at),
        ]);
        break;
      case 4:
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(Math.min(out.length, at + 1 + rng.int(32)))]);
        break;
      default:
        out = out.subarray(0, at);
    }
  }
  return out;
}

const LIMITS: InspectionLimits = {
  maxUnpackedBytes: 64 * 1024 * 1024,
  maxRatio: 50,
  ratioFloorBytes: 1024 * 1024,
  maxPixelBytes: 64 * 1024 * 1024,
  maxImages: 10_000,
};

type Target =
  | { name: string; corpus: () => Uint8Array | Promise<Uint8Array>; run: (bytes: Uint8Array) => Promise<unknown> | unknown }
  | { name: string; corpus: () => Uint8Array | Promise<Uint8Array>; isolated: true };

const TARGETS: Target[] = [
  {
    name: 'describeModelArchive',
    corpus: modelCorpus,
    run: (b) => describeModelArchive(b, { maxBytes: LIMITS.maxUnpackedBytes }),
  },
  { name: 'preflight(model)', corpus: modelCorpus, run: (b) => preflightArchive(b, 'model', LIMITS) },
  {
    name: 'importDataset',
    corpus: datasetCorpus,
    run: (b) => importDataset([{ name: 'fuzz.zip', bytes: b }], { maxBytes: 16 * 1024 * 1024, maxImages: 10_000 }),
  },
  { name: 'preflight(dataset)', corpus: datasetCorpus, run: (b) => preflightArchive(b, 'dataset', LIMITS) },
  { name: 'parseOnnx', corpus: onnxCorpus, run: (b) => parseOnnx(b) },
  { name: 'inspect(.keras)', corpus: kerasCorpus, isolated: true },
  { name: 'inspect(.h5)', corpus: h5Corpus, isolated: true },
];

/**
 * One thread that runs isolated cases one after another; replaced after a case it had to end.
 * The first case on each thread pays for tsx and h5wasm starting (seconds on a busy machine), so
 * every new thread first runs the unmutated corpus under a generous limit.
 */
class IsolatedRunner {
  private worker: Worker | null = null;
  private nextId = 0;

  constructor(private readonly warmup: Uint8Array) {}

  private start(): Worker {
    const worker = new Worker(new URL('./fuzz-thread.mjs', import.meta.url));
    worker.unref();
    return worker;
  }

  private send(worker: Worker, bytes: Uint8Array, deadlineMs: number): Promise<IsolatedOutcome | 'deadline'> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const done = (outcome: IsolatedOutcome | 'deadline' | Error) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const onMessage = (reply: IsolatedOutcome) => reply.id === id && done(reply);
      const onError = (error: Error) => done(error);
      const timer = setTimeout(() => done('deadline'), deadlineMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      const message: IsolatedCase = { id, bytes, limits: LIMITS };
      worker.postMessage(message);
    });
  }

  /** Starts and warms a thread when there is none; not part of any case's time. */
  async ready(): Promise<void> {
    if (!this.worker) {
      const fresh = this.start();
      const warm = await this.send(fresh, this.warmup, 1_800_000);
      if (warm === 'deadline' || warm.outcome !== 'accepted') {
        await fresh.terminate();
        throw new Error(`the fuzz thread did not accept the unmutated corpus: ${JSON.stringify(warm)}`);
      }
      this.worker = fresh;
    }
  }

  async run(bytes: Uint8Array, deadlineMs: number): Promise<IsolatedOutcome | 'deadline'> {
    await this.ready();
    const outcome = await this.send(this.worker as Worker, bytes, deadlineMs).catch((error: Error) => {
      // the thread died (a crash, not a spin): a failure of the case, and a new thread next time
      this.worker = null;
      return { id: -1, outcome: 'untyped' as const, message: `the thread died: ${error.message}` };
    });
    if (outcome === 'deadline') {
      const stuck = this.worker;
      this.worker = null;
      await stuck?.terminate();
    }
    return outcome;
  }

  async close() {
    await this.worker?.terminate();
    this.worker = null;
  }
}

/**
 * Runs `casesPerTarget` mutated inputs through every parser (`only`: the targets whose name
 * contains it). Isolated targets end a case at `maxCaseMs - 1 s`, so a spinning case, thread
 * termination included, stays within `maxCaseMs`.
 */
export async function runFuzz(seed: number, casesPerTarget: number, maxCaseMs = 5000, only?: string): Promise<FuzzReport> {
  const report: FuzzReport = { cases: 0, typedErrors: 0, accepted: 0, deadlines: 0, slowestMs: 0, perTarget: {}, failures: [] };
  for (const target of TARGETS.filter((t) => !only || t.name.includes(only))) {
    const rng = createRng(seed);
    const corpus = await target.corpus();
    const isolated = 'isolated' in target ? new IsolatedRunner(corpus) : null;
    const stats: TargetReport = { cases: 0, typedErrors: 0, accepted: 0, deadlines: 0, slowestMs: 0 };
    report.perTarget[target.name] = stats;
    const fail = (caseIndex: number, problem: string) => report.failures.push({ target: target.name, seed, caseIndex, problem });
    try {
      for (let i = 0; i < casesPerTarget; i++) {
        const input = i === 0 ? corpus : mutate(corpus, rng);
        await isolated?.ready();
        const started = performance.now();
        let endedAtDeadline = false;
        if (isolated) {
          const outcome = await isolated.run(input, maxCaseMs - 1000);
          endedAtDeadline = outcome === 'deadline';
          if (outcome === 'deadline') stats.deadlines += 1;
          else if (outcome.outcome === 'accepted') stats.accepted += 1;
          else if (outcome.outcome === 'typed') stats.typedErrors += 1;
          else fail(i, `untyped ${outcome.message}`);
        } else if ('run' in target) {
          try {
            await target.run(input);
            stats.accepted += 1;
          } catch (error) {
            if (isAntidoteError(error)) stats.typedErrors += 1;
            else
              fail(
                i,
                `untyped ${(error as Error)?.name ?? typeof error}: ${String((error as Error)?.message ?? error).slice(0, 200)}`,
              );
          }
        }
        const ms = performance.now() - started;
        stats.slowestMs = Math.max(stats.slowestMs, Math.round(ms));
        // A case ended at the deadline was bounded by it; tearing down and restarting its thread
        // afterwards is the runner's cost (seconds on a loaded machine), not the parser's.
        if (ms > maxCaseMs && !endedAtDeadline) fail(i, `took ${Math.round(ms)} ms`);
        stats.cases += 1;
      }
    } finally {
      await isolated?.close();
    }
    report.cases += stats.cases;
    report.typedErrors += stats.typedErrors;
    report.accepted += stats.accepted;
    report.deadlines += stats.deadlines;
    report.slowestMs = Math.max(report.slowestMs, stats.slowestMs);
  }
  return report;
}
