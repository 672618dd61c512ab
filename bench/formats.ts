/**
 * `npm run bench:formats`: import time, fidelity-check time, peak RSS and fidelity against ONNX
 * Runtime for ONNX classifiers from 28 px to 224 px, each in its own process (tfjs on wasm).
 * Writes bench/results/formats.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuInfo } from './machine.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const count = process.argv.includes('--quick') ? '32' : '256';

const cases: [string, number][] = [
  ['plain-cnn', 28],
  ['resnet-like', 32],
  ['resnext-like', 32],
  ['resnet18', 32],
  ['mobilenet-like', 64],
  ['resnet18', 64],
  ['resnet-like', 224],
  ['mobilenet-like', 224],
  ['resnet18', 224],
];

const rows: Record<string, unknown>[] = [];
const machine = cpuInfo();
for (const [model, size] of cases) {
  process.stderr.write(`  ${model} ${size}px ...`);
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'formats-probe.ts'), model, String(size), count],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const row = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  process.stderr.write(` ${row.importMs} ms import, ${row.peakRssMB} MB peak, max |diff| ${row.maxAbsDiff}\n`);
  rows.push(row);
}

const result = { createdAt: new Date().toISOString(), machine, inputs: Number(count), rows };
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'formats.json'), `${JSON.stringify(result, null, 2)}\n`);
const lines = [
  `# bench:formats (${result.createdAt})`,
  '',
  `Machine: ${machine.cpuModel}, ${machine.cpus} cores, Node ${machine.node}. tfjs on wasm; ONNX Runtime CPU with graph optimisations off; ${count} seeded-noise inputs per model.`,
  '',
  '| model | input | params | .onnx MB | import ms | fidelity check ms | peak RSS MB | max abs diff | max abs logit | top-1 agreement |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.model} | ${r.size}x${r.size}x${r.channels} | ${r.params} | ${r.onnxMB} | ${r.importMs} | ${r.fidelityMs} | ${r.peakRssMB} | ${Number(r.maxAbsDiff).toExponential(1)} | ${Number(r.maxAbsOutput).toFixed(1)} | ${(Number(r.top1Agreement) * 100).toFixed(1)}% |`,
  ),
  '',
];

// ---- A 224-px scan, run to completion in its own process (formats-scan-probe.ts).
const SCAN_MODEL = 'mobilenet-like';
process.stderr.write(`  scan of ${SCAN_MODEL} 224px ...`);
const scanOut = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'formats-scan-probe.ts'), SCAN_MODEL, '224'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
const scan = JSON.parse(scanOut.trim().split('\n').pop() ?? '{}') as Record<string, unknown> & {
  settings: Record<string, unknown>;
};
process.stderr.write(` ${scan.scanSeconds} s, ${scan.peakRssMB} MB peak\n`);
const SCAN_RSS_LIMIT_MB = 4096;
lines.push(
  '## A 224x224x3 scan',
  '',
  `${scan.model} at 224x224x3 (${scan.forwardGflop} GFLOP per forward pass), ${JSON.stringify(scan.settings)}: Pivotal-Tuning reference, then CTI over the listed families and classes, on wasm.`,
  '',
  '| estimated s | measured s (reference) | measured s (scan) | estimated peak MB | peak RSS MB | under 4 GB | train GFLOP/s measured |',
  '|---|---|---|---|---|---|---|',
  `| ${scan.estimatedSeconds} | ${scan.referenceSeconds} | ${scan.scanSeconds} | ${scan.estimatedPeakMB} | ${scan.peakRssMB} | ${Number(scan.peakRssMB) < SCAN_RSS_LIMIT_MB ? 'yes' : 'NO'} | ${scan.measuredGflops} |`,
  '',
);
writeFileSync(path.join(here, 'results', 'formats.json'), `${JSON.stringify({ ...result, scan224: scan }, null, 2)}\n`);
writeFileSync(path.join(here, 'results', 'formats.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));
if (Number(scan.peakRssMB) >= SCAN_RSS_LIMIT_MB) {
  process.stderr.write(`the 224-px scan peaked at ${scan.peakRssMB} MB, over ${SCAN_RSS_LIMIT_MB} MB\n`);
  process.exitCode = 1;
}
