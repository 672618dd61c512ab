import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAntidoteError } from '../errors.ts';
import { saveModelToFiles } from '../models/model-io.ts';
import { createModel } from '../models/zoo.ts';
import { initRuntime } from '../runtime/backend.ts';
import { ThreadPool } from './pool.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const testHandlers = new URL('./fixtures/test-handlers.ts', import.meta.url).href;
// Each thread compiles core with tsx and loads tfjs: seconds when idle, minutes on a loaded machine.
const SLOW = 300_000;

describe('ThreadPool', () => {
  let pool: ThreadPool;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    pool = await ThreadPool.start({ threads: 2, backend: 'wasm', handlerModules: [testHandlers] });
  }, SLOW);
  afterAll(() => pool.close());

  it('runs a model sent as files on every thread, as the main thread does, without leaking tensors', async () => {
    const model = createModel({ architecture: 'tiny-cnn', inputShape: [12, 12, 1], numClasses: 4, seed: 3 });
    await pool.loadModel('m', await saveModelToFiles(model));
    const expected = tf.tidy(() =>
      Array.from((model.predict(tf.randomUniform([8, 12, 12, 1], 0, 1, 'float32', 7)) as tf.Tensor).dataSync()),
    );
    model.dispose();
    const before = await pool.broadcast<{ numTensors: number }>('memory', null);
    const outputs = await pool.map(
      Array.from({ length: 100 }, (_, i) => i),
      'predict',
      () => ({ key: 'm', batch: 8, seed: 7 }),
    );
    const after = await pool.broadcast<{ numTensors: number }>('memory', null);
    for (const output of outputs) expect(output).toEqual(expected);
    expect(after.map((m) => m.numTensors)).toEqual(before.map((m) => m.numTensors));
    await pool.broadcast('drop', { keys: ['m'] });
    const dropped = await pool.broadcast<{ numTensors: number }>('memory', null);
    expect(dropped.every((m, i) => m.numTensors < (before[i]?.numTensors ?? 0))).toBe(true);
  });

  it('a failing handler rejects its call with an AntidoteError and leaves the pool running', async () => {
    await expect(pool.call(0, 'throw-in-call', null)).rejects.toMatchObject({ code: 'INTERNAL', message: 'a handler failed' });
    await expect(pool.call(1, 'no-such-handler', null)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(pool.running).toBe(true);
    expect(await pool.call(1, 'memory', null)).toMatchObject({ numTensors: expect.any(Number) });
  });
});

describe('ThreadPool failures', { timeout: SLOW }, () => {
  const start = (threads: number, signal?: AbortSignal) =>
    ThreadPool.start({ threads, backend: 'cpu', handlerModules: [testHandlers], ...(signal ? { signal } : {}) });

  it.each([
    ['throws outside a call', 'throw-uncaught', null, /crashed \(boom from a compute thread\)/],
    ['exits', 'exit', { code: 3 }, /crashed \(it exited with code 3\)/],
  ])('a thread that %s fails the job with a clear AntidoteError', async (_, handler, payload, message) => {
    const pool = await start(2);
    const other = pool.call(1, 'hang', null);
    const error = await pool.call(0, handler, payload).catch((e: unknown) => e);
    expect(isAntidoteError(error, 'INTERNAL')).toBe(true);
    expect((error as Error).message).toMatch(message);
    // The other thread's call fails with it, and the pool takes no more work.
    await expect(other).rejects.toBe(error);
    await expect(pool.call(1, 'memory', null)).rejects.toBe(error);
    expect(pool.running).toBe(false);
  });

  it('aborting the job stops the threads and rejects their calls with CANCELLED', async () => {
    const controller = new AbortController();
    const pool = await start(2, controller.signal);
    const calls = [pool.call(0, 'hang', null), pool.call(1, 'hang', null)];
    controller.abort(new Error('user cancelled'));
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(pool.close()).resolves.toBeUndefined();
    expect(pool.running).toBe(false);
  });

  it('a thread whose backend cannot load fails the start', async () => {
    await expect(ThreadPool.start({ threads: 1, backend: 'tensorflow-gpu' })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
  });

  it('SIGTERM stops the threads, rejects their calls, then ends the process as SIGTERM does', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/sigterm-child.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready') && !child.killed) child.kill('SIGTERM');
    });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect(out).toContain('rejected CANCELLED');
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
