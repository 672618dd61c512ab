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
// Only the data-parallel rows (the thread-count comparison), e.g. to re-measure it alone.
const threadsOnly = process.argv.includes('--threads-only');
// Only the inference-engine rows (tfjs on wasm against ONNX Runtime), alone.
const inferenceOnly = process.argv.includes('--inference-only');
const INFERENCE_MODELS = ['tiny-cnn', 'small-cnn', 'tiny-resnet', 'resnet20', 'preact-resnet18'];

const num = (v: unknown, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : '-');

function main() {
  const backends = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  const machine = cpuInfo();
  const limits: Record<string, { matmulGflops: number }> = {};
  const rows: Row[] = [];
  process.stderr.write(`bench:engine on ${machine.cpuModel} (${machine.cpus} cores), node ${machine.node}\n`);
  for (const backend of threadsOnly || inferenceOnly ? [] : backends) {
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

  // Data-parallel training on 1, 2 and all cores' compute threads, back to back per model.
  const threadCounts = [...new Set([1, 2, machine.cpus])];
  const machinePeak = machine.cpus * machine.fmaPeakGflopsPerCore;
  const threadRows: Row[] = [];
  for (const model of inferenceOnly ? [] : ['small-cnn', 'resnet20']) {
    for (const threads of threadCounts) {
      const row = probe(['wasm', model, '--threads', String(threads), ...(quick ? ['--steps', '20'] : [])]);
      if (row) threadRows.push(row);
    }
  }
  const speedups = threadRows.map((r) => {
    const base = threadRows.find((b) => b.model === r.model && b.threads === 1)?.trainImagesPerSec as number | undefined;
    const rate = r.trainImagesPerSec as number | null;
    return {
      model: r.model,
      threads: r.threads,
      trainImagesPerSec: rate,
      overOneThread: rate && base ? Number((rate / base).toFixed(2)) : null,
      shareOfMachineFmaPeak: typeof r.trainGflops === 'number' ? Number((r.trainGflops / machinePeak).toFixed(4)) : null,
      loadAverage: r.loadAverage,
    };
  });

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

  // Inference-only phases: both engines on the same images in one process per model, back to back.
  const inferenceRows: Row[] = [];
  for (const model of threadsOnly ? [] : INFERENCE_MODELS) {
    const images = model === 'preact-resnet18' ? 128 : model === 'resnet20' ? 512 : 1024;
    const probed = probe(['wasm', 'inference', model, '--images', String(quick ? Math.min(images, 256) : images)]);
    if (!probed) continue;
    const rates = probed.rates as { engine: string; imagesPerSecond: number | null; reason: string }[];
    const tfjs = rates.find((r) => r.engine === 'tfjs')?.imagesPerSecond ?? null;
    for (const r of rates) {
      inferenceRows.push({
        model,
        inputShape: probed.inputShape,
        backend: r.engine === 'tfjs' ? probed.backend : 'onnxruntime',
        images: probed.images,
        inferImagesPerSec: r.imagesPerSecond === null ? null : Number(r.imagesPerSecond.toFixed(1)),
        overWasm: r.imagesPerSecond !== null && tfjs ? Number((r.imagesPerSecond / tfjs).toFixed(2)) : null,
        chosen: r.engine === probed.auto,
        forwardMflopsPerImage: probed.forwardMflopsPerImage,
        ...(r.imagesPerSecond === null ? { error: r.reason } : {}),
        peakRssMb: probed.peakRssMb,
        loadAverage: probed.loadAverage,
      });
    }
  }

  const result = {
    createdAt: new Date().toISOString(),
    quick,
    machine,
    limits,
    rows,
    comparisons,
    threadRows,
    speedups,
    inferenceRows,
  };
  mkdirSync(resultsDir, { recursive: true });
  // A threads-only or inference-only run keeps the full run's files.
  const name = threadsOnly ? 'engine-threads' : inferenceOnly ? 'engine-inference' : 'engine';
  writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);

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
    `Data-parallel training on wasm compute threads (one backend per thread); machine FMA peak ${machinePeak.toFixed(1)} GFLOP/s ` +
      `(${machine.cpus} x ${machine.fmaPeakGflopsPerCore}). The load average is the machine's 1-minute figure as each row ended: ` +
      'other processes share the cores.',
    '',
    '| model | threads | batch | train img/s | x 1 thread | train GFLOP/s | % of machine FMA peak | tensor growth | peak RSS MB | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...threadRows.map((r, i) => {
      const s = speedups[i];
      const growth = r.error ? `error: ${String(r.error).slice(0, 60)}` : `${r.tensorGrowth} over ${r.timedSteps} steps`;
      const share = s?.shareOfMachineFmaPeak === null || s === undefined ? '-' : `${(100 * s.shareOfMachineFmaPeak).toFixed(1)}%`;
      return `| ${r.model} | ${r.threads} | ${r.batchSize} | ${num(r.trainImagesPerSec, 2)} | ${s?.overOneThread ?? '-'} | ${num(r.trainGflops, 2)} | ${share} | ${growth} | ${r.peakRssMb} | ${r.loadAverage} |`;
    }),
    '',
    'Inference-only phases (evaluation, STRIP): the tfjs backend that trains (one wasm core) against ONNX Runtime ' +
      '(native kernels, all cores) on the same images in one process, each after a warm-up pass. `chosen` is what ' +
      "core's `auto` picks for 512 images or more (`predictClassesFast`).",
    '',
    '| model | input | engine | images | infer img/s | x wasm | chosen | peak RSS MB | load avg |',
    '|---|---|---|---|---|---|---|---|---|',
    ...inferenceRows.map(
      (r) =>
        `| ${r.model} | ${(r.inputShape as number[]).join('x')} | ${r.backend} | ${r.images} | ${r.error ? `unavailable: ${String(r.error).slice(0, 60)}` : num(r.inferImagesPerSec)} | ${r.overWasm ?? '-'} | ${r.chosen ? 'yes' : ''} | ${r.peakRssMb} | ${r.loadAverage} |`,
    ),
    '',
  ];
  writeFileSync(path.join(resultsDir, `${name}.md`), lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
