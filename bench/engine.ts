/**
 * `npm run bench:engine`: training and inference speed of the zoo's small CNN and ResNet-20 on
 * every backend this machine can load, side by side in one run, against each backend's own
 * large-matmul rate and the CPU's theoretical FMA peak. Writes bench/results/engine.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuInfo, probe, type Row } from './machine.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const quick = process.argv.includes('--quick');

const num = (v: unknown, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : '-');

function main() {
  const backends = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  const machine = cpuInfo();
  const limits: Record<string, { matmulGflops: number }> = {};
  const rows: Row[] = [];
  process.stderr.write(`bench:engine on ${machine.cpuModel} (${machine.cpus} cores), node ${machine.node}\n`);
  for (const backend of backends) {
    const matmul = probe([backend, 'matmul']);
    if (!matmul) continue;
    limits[backend] = { matmulGflops: Number((matmul.matmulGflops as number).toFixed(2)) };
    for (const model of ['small-cnn', 'resnet20']) {
      const extra = quick ? ['--steps', backend === 'cpu' ? '1' : '20'] : [];
      const row = probe([backend, model, ...extra]);
      if (row) rows.push(row);
    }
    if (backend === 'wasm') {
      const stock = probe(['wasm', 'small-cnn', '--stock', '--steps', '2']);
      if (stock) rows.push(stock);
    }
  }

  const find = (backend: string, model: string, variant: string) =>
    rows.find((r) => r.backend === backend && r.model === model && r.variant === variant);
  const comparisons = ['small-cnn', 'resnet20'].map((model) => {
    const wasm = find('wasm', model, 'antidote-kernels');
    const cpu = find('cpu', model, 'stock');
    const wasmTrain = wasm?.trainImagesPerSec as number | undefined;
    const cpuTrain = cpu?.trainImagesPerSec as number | undefined;
    const wasmGflops = wasm?.trainGflops as number | undefined;
    return {
      model,
      wasmOverStockCpuTrain: wasmTrain && cpuTrain ? Number((wasmTrain / cpuTrain).toFixed(1)) : null,
      wasmTrainShareOfMatmul: wasmGflops && limits.wasm ? Number((wasmGflops / limits.wasm.matmulGflops).toFixed(3)) : null,
    };
  });

  const result = { createdAt: new Date().toISOString(), quick, machine, limits, rows, comparisons };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'engine.json'), `${JSON.stringify(result, null, 2)}\n`);

  const lines = [
    `# bench:engine (${result.createdAt})`,
    '',
    `Machine: ${machine.cpuModel}, ${machine.cpus} cores at ${machine.ghz} GHz, Node ${machine.node}. ` +
      `FMA peak per core: ${machine.fmaPeakGflopsPerCore} GFLOP/s native (AVX2), ${machine.wasmSimdPeakGflopsPerCore} GFLOP/s with 128-bit wasm SIMD.`,
    '',
    '| backend | large matMul GFLOP/s |',
    '|---|---|',
    ...Object.entries(limits).map(([b, l]) => `| ${b} | ${l.matmulGflops} |`),
    '',
    '| model | backend | kernels | batch | train img/s | infer img/s | train GFLOP/s | % of matMul | tensor growth | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const limit = limits[r.backend]?.matmulGflops;
      const share = typeof r.trainGflops === 'number' && limit ? `${((100 * r.trainGflops) / limit).toFixed(0)}%` : '-';
      const growth = r.error ? `error: ${String(r.error).slice(0, 60)}` : `${r.tensorGrowth} over ${r.timedSteps} steps`;
      return `| ${r.model} | ${r.backend} | ${r.variant} | ${r.batchSize} | ${num(r.trainImagesPerSec, 2)} | ${num(r.inferImagesPerSec)} | ${num(r.trainGflops, 2)} | ${share} | ${growth} | ${r.peakRssMb} |`;
    }),
    '',
    '| model | wasm train / stock cpu train | wasm train GFLOP/s / wasm matMul GFLOP/s |',
    '|---|---|---|',
    ...comparisons.map((c) => `| ${c.model} | ${c.wasmOverStockCpuTrain ?? '-'}x | ${c.wasmTrainShareOfMatmul ?? '-'} |`),
    '',
  ];
  writeFileSync(path.join(resultsDir, 'engine.md'), lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
