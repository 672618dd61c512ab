/**
 * Efficacy jobs (`efficacy-job.ts`), each in its own process, `workers` at a time (one wasm core
 * each), in the order given. Shared by the benchmarks that train victims and defend or scan them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EfficacyJob } from './efficacy-job.ts';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

export type JobResult = {
  job: EfficacyJob;
  trainSeconds: number;
  before: { cda: number; asr: number };
  repair: ({
    defense: string;
    cdaBefore: number;
    asrBefore: number;
    cdaAfter: number;
    asrAfter: number;
    seconds: number;
    attempts?: number;
  } & Record<string, number | string>)[];
  detection: {
    detector: string;
    score: number;
    suspectedTarget: number | null;
    seconds: number;
    /** CTI only: every family's score per class. */
    familyScores?: Record<string, number[]>;
    /** CTI only: the patch family's score per class at each extra area budget. */
    patchExtraScores?: { area: number; scores: number[] }[];
    /** The detector's work came from the repair (NC's detection, CTI's reference model). */
    reusedFromRepair?: boolean;
  }[];
};

/** One job in its own process; its last stdout line is the result. */
export async function runJob(job: EfficacyJob): Promise<JobResult> {
  const script = path.join(here, 'efficacy-job.ts');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify(job)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as JobResult;
}

/** Runs every job; `onDone` hears each result as it lands (for progress lines). */
export async function runJobs(
  jobs: readonly EfficacyJob[],
  workers: number,
  onDone: (worker: number, result: JobResult) => void,
  onStart: (worker: number, job: EfficacyJob) => void = () => {},
): Promise<JobResult[]> {
  const results: JobResult[] = [];
  let next = 0;
  async function worker(id: number) {
    while (next < jobs.length) {
      const job = jobs[next++] as EfficacyJob;
      onStart(id, job);
      const result = await runJob(job);
      results.push(result);
      onDone(id, result);
    }
  }
  await Promise.all(Array.from({ length: workers }, (_, i) => worker(i + 1)));
  return results;
}

/**
 * Runs the jobs whose record is not under `recordDir` yet (each written as it lands, named by
 * `recordName`), so an interrupted benchmark resumes where it stopped; returns every job's record,
 * earlier or new, keyed by name. `cachedOnly` trains nothing (a partial run's figures).
 */
export async function runRecordedJobs(
  jobs: readonly EfficacyJob[],
  {
    workers,
    recordDir,
    recordName,
    cachedOnly = false,
    onDone = () => {},
  }: {
    workers: number;
    recordDir: string;
    recordName: (job: EfficacyJob) => string;
    cachedOnly?: boolean;
    onDone?: (worker: number, result: JobResult) => void;
  },
): Promise<{ records: Map<string, JobResult>; ran: number }> {
  mkdirSync(recordDir, { recursive: true });
  const recordPath = (job: EfficacyJob) => path.join(recordDir, `${recordName(job)}.json`);
  const records = new Map<string, JobResult>();
  for (const job of jobs) {
    const p = recordPath(job);
    if (existsSync(p)) records.set(recordName(job), JSON.parse(readFileSync(p, 'utf8')) as JobResult);
  }
  const todo = cachedOnly ? [] : jobs.filter((job) => !records.has(recordName(job)));
  await runJobs(todo, workers, (id, result) => {
    writeFileSync(recordPath(result.job), JSON.stringify(result));
    records.set(recordName(result.job), result);
    onDone(id, result);
  });
  return { records, ran: todo.length };
}
