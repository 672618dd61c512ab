/**
 * `antidote scan` / `antidote repair` as a CI gate on an ONNX file: the documented exit codes,
 * --json, the JUnit report, and bad input as exit 3. Spawns the real bin like cli.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { plainCnnOnnx } from '@antidote/core/convert';
import { exportImageArchive, loadBuiltinDataset, stratifiedSample } from '@antidote/core/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = 'apps/cli/bin/antidote.mjs';

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['ANTIDOTE_BACKEND', 'ANTIDOTE_DEBUG', 'NO_COLOR', 'FORCE_COLOR', 'ANTIDOTE_API_KEY']) delete env[key];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('antidote scan/repair as a CI gate', { timeout: 300_000 }, () => {
  let dir: string;
  let model: string;
  let trusted: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'antidote-gate-'));
    model = path.join(dir, 'model.onnx');
    trusted = path.join(dir, 'trusted.zip');
    await writeFile(model, plainCnnOnnx({ size: 28, seed: 4 }));
    const { test } = loadBuiltinDataset('fashion-mnist');
    await writeFile(trusted, exportImageArchive(stratifiedSample(test, 0.02, 1).selected));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scans an ONNX file: exit code = verdict, --json, a JUnit report and the import fidelity', async () => {
    const junit = path.join(dir, 'report.xml');
    const run = await runCli([
      'scan',
      model,
      '--trusted',
      trusted,
      '--steps',
      '3',
      '--classes',
      '0,1',
      '--json',
      '--junit',
      junit,
    ]);
    const result = JSON.parse(run.stdout) as {
      verdict: string;
      exitCode: number;
      format: string;
      fidelity: { top1Agreement: number };
    };
    expect(run.code).toBe({ clean: 0, suspicious: 1, backdoored: 2 }[result.verdict]);
    expect(result).toMatchObject({ format: 'onnx', exitCode: run.code });
    expect(result.fidelity.top1Agreement).toBe(1);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('<testsuite name="antidote scan" tests="1"');
    expect(xml).toContain(`failures="${result.verdict === 'clean' ? 0 : 1}"`);
  });

  it('exits 3 on bad input: a truncated ONNX file, a missing --trusted, repair without --out', async () => {
    const broken = path.join(dir, 'broken.onnx');
    await writeFile(broken, (await readFile(model)).subarray(0, 200));
    const junit = path.join(dir, 'broken.xml');
    const truncated = await runCli(['scan', broken, '--trusted', trusted, '--json', '--junit', junit]);
    expect(truncated.code).toBe(3);
    expect(JSON.parse(truncated.stdout || truncated.stderr).error.code).toBe('CORRUPT_FILE');
    expect(await readFile(junit, 'utf8')).toContain('errors="1"');
    expect((await runCli(['scan', model])).code).toBe(3);
    expect((await runCli(['repair', model, '--trusted', trusted])).code).toBe(3);
    // usage errors too, not the other commands' 2
    expect((await runCli(['scan', model, '--trusted', trusted, '--steps', 'many'])).code).toBe(3);
  });
});
