/**
 * The `npm start` demo's scan + repair (its victim, trusted set and Pivotal-Tuning steps) through
 * the worker's own tasks, on 1 and on 2 compute threads per job, side by side in one run: each
 * configuration in a process of its own (so peak RSS is its own), alternating, `--rounds` times.
 *
 * usage: npm run bench:demo-threads -- [--rounds N] [--threads 1,2] [--cache DIR]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportImageArchive, loadBuiltinDataset } from '@antidote/core/datasets';
import { DEMO_PT_STEPS, DEMO_VICTIM, demoData } from '@antidote/core/lab';
import { packModelArchive, saveModelToFiles } from '@antidote/core/models';
import { initRuntime } from '@antidote/core/runtime';
import { runRepair, runScan } from '@antidote/worker/tasks';
import { option } from './cli-args.ts';
import { cpuInfo } from './machine.ts';
import { demoVictim } from './victims.ts';

const cache = path.resolve(option('--cache', path.join(import.meta.dirname, '.cache', 'demo-victim')));
const knownAttack = { name: 'badnets', targetClass: DEMO_VICTIM.targetClass };

interface Measured {
  threads: number;
  scanSeconds: number;
  repairSeconds: number;
  totalSeconds: number;
  scanScore: number;
  scanVerdict: string;
  repaired: boolean;
  repairCdaDrop: number;
  repairAsrAfter: number | null;
  peakRssMb: number;
  loadAverage: number;
  /** Seconds from each progress phase's first event to the next phase's, scan then repair. */
  phaseSeconds: Record<string, number>;
}

/** A progress sink that times phases (prefixed with the task) from one event to the next. */
function phaseClock(phaseSeconds: Record<string, number>) {
  let current: { key: string; since: number } | null = null;
  const close = () => {
    if (current) phaseSeconds[current.key] = (phaseSeconds[current.key] ?? 0) + (performance.now() - current.since) / 1000;
  };
  return {
    sink: (task: string) => (event: { phase: string }) => {
      const key = `${task}:${event.phase}`;
      if (current?.key === key) return;
      close();
      current = { key, since: performance.now() };
    },
    stop: () => {
      close();
      current = null;
    },
  };
}

async function demoInputs() {
  await initRuntime({ backend: 'wasm' });
  const { train, test } = loadBuiltinDataset('fashion-mnist');
  const data = demoData(train, test);
  const { trusted } = data;
  const model = await demoVictim(cache, data);
  const inputs = { model: packModelArchive(await saveModelToFiles(model)), trusted: exportImageArchive(trusted) };
  model.dispose();
  return inputs;
}

/** One scan + repair on `threads` compute threads, in this process. */
async function runOnce(threads: number): Promise<Measured> {
  const { model, trusted } = await demoInputs();
  const phaseSeconds: Record<string, number> = {};
  const clock = phaseClock(phaseSeconds);
  const t0 = performance.now();
  const scan = await runScan({
    model,
    trusted,
    options: { knownAttack, repairSteps: DEMO_PT_STEPS },
    threads,
    onProgress: clock.sink('scan'),
  });
  clock.stop();
  const t1 = performance.now();
  const repair = await runRepair({
    model,
    trusted,
    options: { method: 'pivotal-tuning', steps: DEMO_PT_STEPS, knownAttack },
    threads,
    onProgress: clock.sink('repair'),
  });
  clock.stop();
  const t2 = performance.now();
  return {
    threads,
    scanSeconds: (t1 - t0) / 1000,
    repairSeconds: (t2 - t1) / 1000,
    totalSeconds: (t2 - t0) / 1000,
    scanScore: scan.score,
    scanVerdict: scan.verdict,
    repaired: repair.outcome.repaired,
    repairCdaDrop: repair.cdaBefore - repair.cdaAfter,
    repairAsrAfter: repair.asrAfter ?? null,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    loadAverage: Number((os.loadavg()[0] ?? 0).toFixed(2)),
    phaseSeconds: Object.fromEntries(Object.entries(phaseSeconds).map(([k, v]) => [k, Number(v.toFixed(1))])),
  };
}

const child = option('--run', '');
if (child) {
  console.log(JSON.stringify(await runOnce(Number(child))));
  process.exit(0);
}

const rounds = Number(option('--rounds', '1'));
const threadCounts = option('--threads', '1,2').split(',').map(Number);
// Train (or load) the victim once before timing anything.
await demoInputs();
const rows: Measured[] = [];
const started = Date.now();
for (let round = 0; round < rounds; round++) {
  // Alternate the order between rounds so a drift in the machine's pace hits both sides.
  const order = round % 2 === 0 ? threadCounts : [...threadCounts].reverse();
  for (const threads of order) {
    process.stderr.write(`  round ${round + 1}: ${threads} thread(s) ...`);
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, '--run', String(threads), '--cache', cache],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const row = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Measured;
    process.stderr.write(` ${row.totalSeconds.toFixed(0)} s\n`);
    rows.push(row);
  }
}
const mean = (threads: number, key: 'scanSeconds' | 'repairSeconds' | 'totalSeconds') => {
  const values = rows.filter((r) => r.threads === threads).map((r) => r[key]);
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
};
const base = Math.min(...threadCounts);
const speedups = threadCounts
  .filter((t) => t !== base)
  .map((threads) => ({
    threads,
    scan: Number((mean(base, 'scanSeconds') / mean(threads, 'scanSeconds')).toFixed(2)),
    repair: Number((mean(base, 'repairSeconds') / mean(threads, 'repairSeconds')).toFixed(2)),
    total: Number((mean(base, 'totalSeconds') / mean(threads, 'totalSeconds')).toFixed(2)),
  }));
const result = {
  createdAt: new Date().toISOString(),
  machine: cpuInfo(),
  demo: { ptSteps: DEMO_PT_STEPS, victim: DEMO_VICTIM, trustedImages: 600 },
  wallSeconds: Math.round((Date.now() - started) / 1000),
  rows,
  speedups,
};
const out = path.join(import.meta.dirname, 'results');
writeFileSync(path.join(out, 'demo-threads.json'), `${JSON.stringify(result, null, 2)}\n`);
const f = (n: number, d = 1) => n.toFixed(d);
const md = [
  `# bench:demo-threads (${result.createdAt})`,
  '',
  `Machine: ${result.machine.cpuModel}, ${result.machine.cpus} cores, Node ${result.machine.node}. The \`npm start\` demo's scan and Pivotal Tuning repair (${DEMO_PT_STEPS} steps each, 600 trusted images, known attack BadNets) through the worker's tasks, each configuration in its own process, alternating; ${result.wallSeconds} s in all.`,
  '',
  '| threads | scan s | repair s | scan + repair s | scan score | verdict | repaired | CDA drop (held out) | ASR after (held out) | peak RSS MB | load avg |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.threads} | ${f(r.scanSeconds)} | ${f(r.repairSeconds)} | ${f(r.totalSeconds)} | ${f(r.scanScore, 3)} | ${r.scanVerdict} | ${r.repaired ? 'yes' : 'no'} | ${f(r.repairCdaDrop * 100)} pts | ${r.repairAsrAfter === null ? '-' : `${f(r.repairAsrAfter * 100)}%`} | ${r.peakRssMb} | ${r.loadAverage} |`,
  ),
  '',
  ...speedups.map(
    (s) =>
      `- ${s.threads} threads vs ${base}: scan ${s.scan}x, repair ${s.repair}x, scan + repair **${s.total}x** (means over rounds).`,
  ),
  '',
  'Seconds per progress phase, mean over rounds (a phase runs from its first progress event to the next one; Pivotal Tuning first reports after 25 steps, which therefore count in `load`):',
  '',
  `| phase | ${threadCounts.map((t) => `${t} thread(s)`).join(' | ')} |`,
  `|---|${threadCounts.map(() => '---').join('|')}|`,
  ...[...new Set(rows.flatMap((r) => Object.keys(r.phaseSeconds)))].map((phase) => {
    const cells = threadCounts.map((t) => {
      const values = rows.filter((r) => r.threads === t).map((r) => r.phaseSeconds[phase] ?? 0);
      return (values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)).toFixed(1);
    });
    return `| ${phase} | ${cells.join(' | ')} |`;
  }),
  '',
];
writeFileSync(path.join(out, 'demo-threads.md'), md.join('\n'));
console.log(md.join('\n'));
