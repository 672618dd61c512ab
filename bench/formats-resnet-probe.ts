/**
 * The 32x32x3 ResNet row of `npm run bench:formats`, in its own process: the platform test's
 * backdoored tiny-resnet (test/platform/fixtures.ts, exported to ONNX), run through the worker's
 * own tasks as a job would: import with the fidelity check, scan, repair (Pivotal Tuning), and the
 * repaired weights written back into the ONNX file and checked in ONNX Runtime. Prints JSON.
 */
import { resnet18Onnx } from '@antidote/core/convert';
import { backdooredOnnx } from '@antidote/test/platform/fixtures.ts';
import { runExport, runImport, runRepair, runScan } from '@antidote/worker/tasks';

/** The platform test's settings (test/platform/onnx-model.test.ts): the row times that flow. */
const SETTINGS = {
  scan: {
    candidateClasses: [0, 1],
    steps: 5,
    repairSteps: 20,
    triggerFamilies: ['patch' as const],
    knownAttack: { name: 'badnets' as const, targetClass: 0 },
  },
  repair: { method: 'pivotal-tuning' as const, steps: 120, knownAttack: { name: 'badnets' as const, targetClass: 0 } },
};

const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(1));

/**
 * `resnet18` as the argument: a ResNet-18 (CIFAR stem, 11M parameters, untrained) in place of the
 * trained victim, on the same trusted images, with a 20-step repair: a wall-time row only (its
 * scan and repair say nothing about a backdoor).
 */
const resnet18 = process.argv[2] === 'resnet18';
if (resnet18) SETTINGS.repair.steps = 20;

async function main() {
  let t = performance.now();
  const trained = await backdooredOnnx();
  const fixture = resnet18 ? { ...trained, onnx: resnet18Onnx({ size: 32, cifarStem: true }) } : trained;
  const trainSeconds = seconds(t);
  t = performance.now();
  const imported = await runImport({ model: fixture.onnx, trusted: fixture.trustedZip });
  const importSeconds = seconds(t);
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  let phase = '';
  const onProgress = (p: { phase: string }) => {
    if (p.phase === phase) return;
    if (phase) phases[phase] = (phases[phase] ?? 0) + seconds(phaseStart);
    phase = p.phase;
    phaseStart = performance.now();
  };
  const closePhases = () => {
    if (phase) phases[phase] = (phases[phase] ?? 0) + seconds(phaseStart);
    phase = '';
  };
  t = performance.now();
  const scan = await runScan({
    model: imported.archive,
    trusted: fixture.trustedZip,
    options: SETTINGS.scan,
    onProgress: (p) => onProgress({ phase: `scan:${p.phase}` }),
  });
  closePhases();
  const scanSeconds = seconds(t);
  t = performance.now();
  const repair = await runRepair({
    model: imported.archive,
    trusted: fixture.trustedZip,
    options: SETTINGS.repair,
    onProgress: (p) => onProgress({ phase: `repair:${p.phase}` }),
  });
  closePhases();
  const repairSeconds = seconds(t);
  t = performance.now();
  const exported = repair.repaired
    ? await runExport({
        original: fixture.onnx,
        repaired: repair.repaired,
        trusted: fixture.trustedZip,
        preprocessing: imported.preprocessing,
        layout: imported.preprocessing.layout,
      })
    : null;
  const exportSeconds = seconds(t);
  const row = {
    model: resnet18 ? 'resnet18 (untrained)' : 'tiny-resnet',
    size: 32,
    settings: SETTINGS,
    victim: { cda: fixture.cda, asr: fixture.asr },
    trainSeconds,
    importSeconds,
    scanSeconds,
    repairSeconds,
    exportSeconds,
    phases,
    scan: {
      verdict: scan.verdict,
      score: scan.score,
      suspectedTarget: scan.suspectedTarget,
      // batches the worker shrank to fit the job's memory, when it had to
      batchScale: scan.params.batchScale ?? 1,
      repairBatch: scan.params.repairBatch ?? null,
    },
    repair: {
      repaired: repair.outcome.repaired,
      steps: repair.steps,
      runs: repair.runs,
      cdaBefore: repair.cdaBefore,
      cdaAfter: repair.cdaAfter,
      asrBefore: repair.asrBefore,
      asrAfter: repair.asrAfter,
      batchScale: repair.params.batchScale ?? 1,
      batchSize: repair.params.batchSize ?? null,
    },
    exportedFidelity: exported?.fidelity ?? null,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

await main();
