/**
 * `antidote runtime`: which TensorFlow.js backend runs here, why the faster ones were skipped, and
 * which engine runs inference-only phases, from both engines measured on the zoo's small CNN.
 */
import { compareInferenceEngines, type EngineRate, type InferenceEngine, ORT_MIN_IMAGES } from '@antidote/core/metrics';
import { createModel } from '@antidote/core/models';
import type { RuntimeDescription } from '@antidote/core/runtime';
import type { CommandContext } from '../context.ts';
import { formatTable } from '../format.ts';

export interface InferenceDescription {
  /** What evaluation, STRIP and the like use on this machine for ORT_MIN_IMAGES images or more. */
  engine: InferenceEngine;
  minImages: number;
  probe: { model: string; images: number; rates: EngineRate[] };
}

function yesNo(value: boolean | null): string {
  return value === null ? 'n/a' : value ? 'yes' : 'no';
}

const rate = (r: EngineRate) =>
  r.imagesPerSecond === null ? `unavailable (${r.reason})` : `${r.imagesPerSecond.toFixed(0)} images/s`;

export function runtimeLines(runtime: RuntimeDescription, inference?: InferenceDescription): string[] {
  const lines = formatTable([
    ['Backend', `${runtime.backend} (tfjs backend "${runtime.tfjsBackend}", TensorFlow.js ${runtime.tfjsVersion})`],
    ['Native package', runtime.nativePackage ?? 'none'],
    ['SIMD', yesNo(runtime.simd)],
    ['Threads', yesNo(runtime.threads)],
    ...(inference
      ? ([
          [
            'Inference',
            `${inference.engine} for ${inference.minImages}+ images (evaluation, STRIP); training on the backend above`,
          ],
          ...inference.probe.rates.map((r) => [
            `  ${r.engine}`,
            `${rate(r)} (${inference.probe.model}, ${inference.probe.images} images)`,
          ]),
        ] as [string, string][])
      : []),
  ]);
  if (runtime.patchedKernels.length > 0) {
    lines.push('Patched kernels:', ...runtime.patchedKernels.map((kernel) => `  - ${kernel}`));
  }
  if (runtime.skipped.length > 0) {
    lines.push('Skipped backends:', ...runtime.skipped.map((s) => `  - ${s.backend}: ${s.reason}`));
  }
  return lines;
}

async function describeInference(backend: string): Promise<InferenceDescription> {
  const model = createModel({ architecture: 'small-cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  try {
    // the pure-JS cpu backend needs seconds per hundred images
    const images = backend === 'cpu' ? 32 : ORT_MIN_IMAGES;
    const { rates, auto } = await compareInferenceEngines(model, { images, passes: 1 });
    return { engine: auto, minImages: ORT_MIN_IMAGES, probe: { model: 'small-cnn 28x28x1', images, rates } };
  } finally {
    model.dispose();
  }
}

export async function runtimeCommand(ctx: CommandContext): Promise<void> {
  const runtime = await ctx.startRuntime();
  const inference = await describeInference(runtime.backend);
  ctx.output.result({ ...runtime, inference }, () => runtimeLines(runtime, inference));
}
