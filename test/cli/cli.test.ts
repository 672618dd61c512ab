/**
 * The `antidote` command end to end: every test spawns the real bin (`node apps/cli/bin/antidote.mjs`)
 * from the repo root and checks exit codes, stdout/stderr and the files it writes.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILTIN_DATASETS, classHistogram, loadBuiltinDataset } from '@antidote/core/datasets';
import { LAB_ATTACK_NAMES } from '@antidote/core/lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = 'apps/cli/bin/antidote.mjs';
const LONG = 180_000;

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: Record<string, string>;
  /** Called with the stdout seen so far; return true to send SIGINT (once). */
  interruptWhen?: (stdout: string) => boolean;
  timeoutMs?: number;
}

/** The environment of the test run minus everything the CLI reads, so only `env` changes behaviour. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['ANTIDOTE_BACKEND', 'ANTIDOTE_DEBUG', 'NO_COLOR', 'FORCE_COLOR', 'INIT_CWD']) delete env[key];
  return { ...env, ...extra };
}

function runCli(args: string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(options.env), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? LONG - 10_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!interrupted && options.interruptWhen?.(stdout)) {
        interrupted = true;
        // Let training get past its first steps, so the abort is seen by the training loop.
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** --json output must be exactly one JSON document: JSON.parse of the whole stdout. */
function parseJson<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

function expectCleanError(run: CliRun): void {
  expect(run.stderr).toMatch(/^antidote: /m);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

/** Big-endian IDX file (MNIST format): magic 0 0 8 <rank>, then uint32 dims, then uint8 data. */
function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, 0x08);
  header.setUint8(3, dims.length);
  dims.forEach((d, i) => {
    header.setUint32(4 + 4 * i, d);
  });
  const out = new Uint8Array(header.byteLength + data.byteLength);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'antidote-cli-e2e-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('antidote runtime', () => {
  it('--json reports the wasm backend (no native tfjs here) as one JSON document', async () => {
    const run = await runCli(['runtime', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const runtime = parseJson<{ backend: string; simd: unknown; patchedKernels: string[]; skipped: { backend: string }[] }>(run);
    expect(runtime.backend).toBe('wasm');
    expect(typeof runtime.simd).toBe('boolean');
    expect(runtime.patchedKernels.length).toBeGreaterThan(0);
    expect(runtime.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
    // ONNX Runtime is installed here: inference-only phases use it, both engines measured side by side
    const { inference } = parseJson<{
      inference: { engine: string; probe: { rates: { engine: string; imagesPerSecond: number }[] } };
    }>(run);
    expect(inference.engine).toBe('onnxruntime');
    expect(inference.probe.rates.map((r) => r.engine)).toEqual(['tfjs', 'onnxruntime']);
    for (const r of inference.probe.rates) expect(r.imagesPerSecond).toBeGreaterThan(0);
  });

  it('takes ANTIDOTE_BACKEND, lets --backend override it, and rejects a bad value with exit 2', async () => {
    const fromEnv = await runCli(['runtime', '--json'], { env: { ANTIDOTE_BACKEND: 'cpu' } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(parseJson(fromEnv).backend).toBe('cpu');

    const overridden = await runCli(['--backend', 'wasm', 'runtime', '--json'], { env: { ANTIDOTE_BACKEND: 'cpu' } });
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(parseJson(overridden).backend).toBe('wasm');

    const bad = await runCli(['runtime'], { env: { ANTIDOTE_BACKEND: 'gpu' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ANTIDOTE_BACKEND must be one of');
    expectCleanError(bad);
  });
});

describe('antidote datasets', () => {
  it('--json lists the built-in datasets with counts and class names', async () => {
    const run = await runCli(['datasets', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { datasets } = parseJson<{
      datasets: { name: string; shape: number[]; classNames: string[]; train: { images: number }; test: { images: number } }[];
    }>(run);
    expect(datasets.map((d) => d.name)).toEqual([...BUILTIN_DATASETS]);
    const fashion = datasets.find((d) => d.name === 'fashion-mnist');
    expect(fashion?.train.images).toBe(60000);
    expect(fashion?.test.images).toBe(10000);
    expect(fashion?.shape).toEqual([28, 28, 1]);
    expect(fashion?.classNames).toHaveLength(10);
    expect(fashion?.classNames[0]).toBe('T-shirt/top');
  });

  it('--import summarises an IDX pair, and rejects a file in no known format with exit 2', async () => {
    const count = 12;
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
    const images = Uint8Array.from({ length: count * 5 * 4 }, (_, i) => i % 256);
    await writeFile(path.join(work, 'tiny-images.idx'), idxBytes([count, 5, 4], images));
    await writeFile(path.join(work, 'tiny-labels.idx'), idxBytes([count], labels));
    const run = await runCli([
      'datasets',
      '--import',
      path.join(work, 'tiny-labels.idx'),
      path.join(work, 'tiny-images.idx'),
      '--class-names',
      'a,b,c',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(parseJson(run)).toMatchObject({
      format: 'idx',
      images: count,
      shape: [5, 4, 1],
      classNames: ['a', 'b', 'c'],
      classHistogram: [4, 4, 4],
    });

    await writeFile(path.join(work, 'notes.txt'), 'these are not images');
    const bad = await runCli(['datasets', '--import', path.join(work, 'notes.txt'), '--json']);
    expect(bad.code).toBe(2);
    expect(parseJson<{ error: { code: string; message: string } }>(bad).error).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    expect(bad.stderr).toContain('notes.txt');
    expectCleanError(bad);
  });
});

describe('bad input exits 2 with a clear message', () => {
  it('eval on a folder with a corrupt model.json names model.json', async () => {
    const dir = path.join(work, 'corrupt-model');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'model.json'), '{"modelTopology": {"broken": tru');
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(16));
    const run = await runCli(['eval', '--model', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('model.json');
    expect(run.stderr).toContain(dir);
    expect(run.stdout).toBe('');
    expectCleanError(run);

    const json = await runCli(['eval', '--model', dir, '--json']);
    expect(json.code).toBe(2);
    const { error } = parseJson<{ error: { code: string; message: string } }>(json);
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toContain('model.json');
  });

  it('eval on a folder without model.json or without its weights says which file is missing', async () => {
    const empty = path.join(work, 'empty-model');
    await mkdir(empty, { recursive: true });
    const noJson = await runCli(['eval', '--model', empty, '--json']);
    expect(noJson.code).toBe(2);
    expect(parseJson<{ error: { code: string; message: string } }>(noJson).error).toMatchObject({ code: 'NOT_FOUND' });
    expect(noJson.stderr).toContain('model.json');

    const noWeights = path.join(work, 'no-weights');
    await mkdir(noWeights, { recursive: true });
    await writeFile(
      path.join(noWeights, 'model.json'),
      JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }),
    );
    const run = await runCli(['eval', '--model', noWeights]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('weights.bin');
    expectCleanError(run);
  });

  it('poison --attack nope names the known attacks', async () => {
    const run = await runCli(['poison', '--attack', 'nope', '--out', path.join(work, 'never')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nope');
    for (const name of LAB_ATTACK_NAMES) expect(run.stderr).toContain(name);
    expectCleanError(run);
    expect(existsSync(path.join(work, 'never'))).toBe(false);
  });

  it('usage errors (bad number, unknown command, bad --param) exit 2', async () => {
    const epochs = await runCli(['train', '--epochs', 'abc', '--out', path.join(work, 'never')]);
    expect(epochs.code).toBe(2);
    expect(epochs.stderr).toContain('--epochs');

    const unknown = await runCli(['frobnicate', '--json']);
    expect(unknown.code).toBe(2);
    expect(parseJson<{ error: { code: string } }>(unknown).error.code).toBe('INVALID_INPUT');

    const param = await runCli(['poison', '--attack', 'badnets', '--param', 'targetClass=3', '--out', path.join(work, 'never')]);
    expect(param.code).toBe(2);
    expect(param.stderr).toContain('--target');
    expectCleanError(param);
  });
});

describe('train, poison and eval on MNIST (wasm)', () => {
  const clean = () => path.join(work, 'mnist-clean');
  const poisoned = () => path.join(work, 'mnist-badnets');
  let trainedCda = Number.NaN;

  it(
    'train saves model.json + weights.bin and reports CDA; eval --json measures the same CDA',
    async () => {
      const train = await runCli([
        'train',
        '--dataset',
        'mnist',
        '--epochs',
        '1',
        '--out',
        clean(),
        '--backend',
        'wasm',
        '--json',
      ]);
      expect(train.code, train.stderr).toBe(0);
      const report = parseJson<{ cda: number; wallSeconds: number; backend: string; model: { files: string[] } }>(train);
      expect(report.backend).toBe('wasm');
      expect(report.wallSeconds).toBeGreaterThan(0);
      expect(report.model.files).toEqual(expect.arrayContaining(['model.json', 'weights.bin']));
      expect(existsSync(path.join(clean(), 'model.json'))).toBe(true);
      expect(existsSync(path.join(clean(), 'weights.bin'))).toBe(true);
      expect(existsSync(path.join(clean(), 'antidote-attack.json'))).toBe(false);
      trainedCda = report.cda;

      const evaluated = await runCli(['eval', '--model', clean(), '--dataset', 'mnist', '--json', '--backend', 'wasm']);
      expect(evaluated.code, evaluated.stderr).toBe(0);
      const result = parseJson<{
        cda: number;
        perClassAccuracy: { accuracy: number }[];
        attack: unknown;
        testSet: { images: number };
      }>(evaluated);
      expect(result.cda).toBeGreaterThan(0.5);
      expect(result.cda).toBe(trainedCda);
      expect(result.testSet.images).toBe(1500);
      expect(result.perClassAccuracy).toHaveLength(10);
      expect(result.attack).toBeNull();
    },
    LONG,
  );

  it(
    'eval --data reads the same test images from an IDX pair and agrees with --dataset mnist',
    async () => {
      expect(existsSync(path.join(clean(), 'model.json')), 'needs the model of the previous test').toBe(true);
      const { test } = loadBuiltinDataset('mnist');
      const count = test.labels.length;
      await writeFile(path.join(work, 'mnist-test-images.idx'), idxBytes([count, 28, 28], test.images));
      await writeFile(path.join(work, 'mnist-test-labels.idx'), idxBytes([count], Uint8Array.from(test.labels)));
      const files = [path.join(work, 'mnist-test-images.idx'), path.join(work, 'mnist-test-labels.idx')];

      const imported = await runCli(['datasets', '--import', ...files, '--json']);
      expect(imported.code, imported.stderr).toBe(0);
      expect(parseJson(imported)).toMatchObject({ images: count, shape: [28, 28, 1], classHistogram: classHistogram(test) });

      const run = await runCli(['eval', '--model', clean(), '--data', ...files, '--json', '--backend', 'wasm']);
      expect(run.code, run.stderr).toBe(0);
      const result = parseJson<{ cda: number; testSet: { kind: string; images: number } }>(run);
      expect(result.testSet).toMatchObject({ kind: 'files', images: count });
      expect(result.cda).toBe(trainedCda);

      // Fashion-MNIST images have the same shape: a 3-class dataset must be refused, not silently scored.
      await writeFile(
        path.join(work, 'three-labels.idx'),
        idxBytes(
          [count],
          Uint8Array.from(test.labels, (l) => l % 3),
        ),
      );
      const mismatch = await runCli(['eval', '--model', clean(), '--data', files[0] ?? '', path.join(work, 'three-labels.idx')]);
      expect(mismatch.code).toBe(2);
      expect(mismatch.stderr).toMatch(/10 classes but the dataset has 3/);
      expectCleanError(mismatch);
    },
    LONG,
  );

  it(
    'poison saves the attack spec, and eval reuses it to measure the same ASR/ARR',
    async () => {
      const run = await runCli([
        'poison',
        '--attack',
        'badnets',
        '--poison-count',
        '100',
        '--target',
        '0',
        '--dataset',
        'mnist',
        '--epochs',
        '1',
        '--param',
        'patchSize=4',
        '--out',
        poisoned(),
        '--backend',
        'wasm',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const report = parseJson<{ cda: number; asr: number; arr: number; attack: { poisonedImages: number } }>(run);
      expect(report.cda).toBeGreaterThan(0.5);
      expect(report.asr).toBeGreaterThanOrEqual(0);
      expect(report.attack.poisonedImages).toBe(100);
      const spec = JSON.parse(await readFile(path.join(poisoned(), 'antidote-attack.json'), 'utf8'));
      expect(spec).toEqual({ name: 'badnets', poisonCount: 100, targetClass: 0, seed: 1, params: { patchSize: 4 } });

      // No --dataset: eval takes mnist from antidote-model.json and the attack from antidote-attack.json.
      const evaluated = await runCli(['eval', '--model', poisoned(), '--json', '--backend', 'wasm']);
      expect(evaluated.code, evaluated.stderr).toBe(0);
      const result = parseJson<{ cda: number; testSet: { name: string }; attack: { source: string; asr: number; arr: number } }>(
        evaluated,
      );
      expect(result.testSet.name).toBe('mnist');
      expect(result.cda).toBe(report.cda);
      expect(result.attack).toMatchObject({ source: 'antidote-attack.json', asr: report.asr, arr: report.arr });
    },
    LONG,
  );

  it(
    'Ctrl-C during training exits 130 with "cancelled" and saves nothing',
    async () => {
      const out = path.join(work, 'mnist-cancelled');
      const run = await runCli(['train', '--dataset', 'mnist', '--epochs', '20', '--out', out, '--backend', 'wasm'], {
        interruptWhen: (stdout) => stdout.includes('Training a clean model'),
      });
      expect(run.signal).toBeNull();
      expect(run.code, run.stderr).toBe(130);
      expect(run.stderr).toMatch(/^antidote: cancelled$/m);
      expect(existsSync(path.join(out, 'model.json'))).toBe(false);
    },
    LONG,
  );
});
