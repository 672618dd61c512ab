/** `antidote runtime`: which TensorFlow.js backend runs here, and why the faster ones were skipped. */
import type { RuntimeDescription } from '@antidote/core/runtime';
import type { CommandContext } from '../context.ts';
import { formatTable } from '../format.ts';

function yesNo(value: boolean | null): string {
  return value === null ? 'n/a' : value ? 'yes' : 'no';
}

export function runtimeLines(runtime: RuntimeDescription): string[] {
  const lines = formatTable([
    ['Backend', `${runtime.backend} (tfjs backend "${runtime.tfjsBackend}", TensorFlow.js ${runtime.tfjsVersion})`],
    ['Native package', runtime.nativePackage ?? 'none'],
    ['SIMD', yesNo(runtime.simd)],
    ['Threads', yesNo(runtime.threads)],
  ]);
  if (runtime.patchedKernels.length > 0) {
    lines.push('Patched kernels:', ...runtime.patchedKernels.map((kernel) => `  - ${kernel}`));
  }
  if (runtime.skipped.length > 0) {
    lines.push('Skipped backends:', ...runtime.skipped.map((s) => `  - ${s.backend}: ${s.reason}`));
  }
  return lines;
}

export async function runtimeCommand(ctx: CommandContext): Promise<void> {
  const runtime = await ctx.startRuntime();
  ctx.output.result(runtime, () => runtimeLines(runtime));
}
