/**
 * Fuzzing of the upload parsers (model archives, datasets, the gateway's preflight): seeded
 * mutations of valid inputs, each of which must end in a result or a typed AntidoteError, quickly.
 * `fuzz.test.ts` runs a fixed seed in CI; `npm run fuzz` runs longer (fuzz-cli.ts).
 */

import { exportImageArchive, importDataset } from '@antidote/core/datasets';
import { isAntidoteError } from '@antidote/core/errors';
import { describeModelArchive } from '@antidote/core/models';
import { createRng, type Rng } from '@antidote/core/random';
import { preflightArchive } from '@antidote/gateway/preflight';
import { strToU8, zipSync } from 'fflate';

export interface FuzzFailure {
  target: string;
  seed: number;
  caseIndex: number;
  problem: string;
}

export interface FuzzReport {
  cases: number;
  typedErrors: number;
  accepted: number;
  slowestMs: number;
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

const LIMITS = { maxUnpackedBytes: 64 * 1024 * 1024, maxRatio: 50, ratioFloorBytes: 1024 * 1024 };

const TARGETS: { name: string; corpus: () => Uint8Array; run: (bytes: Uint8Array) => Promise<unknown> | unknown }[] = [
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
];

/** Runs `casesPerTarget` mutated inputs through every parser. */
export async function runFuzz(seed: number, casesPerTarget: number, maxCaseMs = 5000): Promise<FuzzReport> {
  const report: FuzzReport = { cases: 0, typedErrors: 0, accepted: 0, slowestMs: 0, failures: [] };
  for (const target of TARGETS) {
    const rng = createRng(seed);
    const corpus = target.corpus();
    for (let i = 0; i < casesPerTarget; i++) {
      const input = i === 0 ? corpus : mutate(corpus, rng);
      const started = performance.now();
      try {
        await target.run(input);
        report.accepted += 1;
      } catch (error) {
        if (isAntidoteError(error)) report.typedErrors += 1;
        else
          report.failures.push({
            target: target.name,
            seed,
            caseIndex: i,
            problem: `untyped ${(error as Error)?.name ?? typeof error}: ${String((error as Error)?.message ?? error).slice(0, 200)}`,
          });
      }
      const ms = performance.now() - started;
      report.slowestMs = Math.max(report.slowestMs, ms);
      if (ms > maxCaseMs) report.failures.push({ target: target.name, seed, caseIndex: i, problem: `took ${Math.round(ms)} ms` });
      report.cases += 1;
    }
  }
  return report;
}
