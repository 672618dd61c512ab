/**
 * Float weights must be finite: a model whose weights hold NaN or Inf loads, runs and answers
 * nonsense (every prediction one class), so evaluation would report it without a warning.
 * Refused at upload with a typed error naming the first bad weight.
 */
import { AntidoteError } from '@antidote/core/errors';
import type { ModelFiles } from '@antidote/core/formats';

interface WeightSpec {
  name?: unknown;
  shape?: unknown;
  dtype?: unknown;
  quantization?: unknown;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, bool: 1 };

/** Runs after the archive was described (so the manifest and the shard sizes already agree). */
export function assertFiniteWeights(files: ModelFiles): void {
  const modelJson = files['model.json'];
  if (!modelJson) return;
  const manifest = (JSON.parse(new TextDecoder().decode(modelJson)) as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) return;
  for (const group of manifest as { paths?: unknown; weights?: unknown }[]) {
    const paths = Array.isArray(group.paths) ? (group.paths as string[]) : [];
    const shards = paths.map((p) => files[p] ?? new Uint8Array(0));
    const total = shards.reduce((n, s) => n + s.byteLength, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const shard of shards) {
      data.set(shard, at);
      at += shard.byteLength;
    }
    let offset = 0;
    for (const spec of (Array.isArray(group.weights) ? group.weights : []) as WeightSpec[]) {
      const shape = Array.isArray(spec.shape) ? (spec.shape as number[]) : [];
      const values = shape.reduce((n, d) => n * d, 1);
      const quantized = spec.quantization !== undefined && spec.quantization !== null;
      const dtype = quantized
        ? String((spec.quantization as { dtype?: unknown }).dtype ?? 'uint8')
        : String(spec.dtype ?? 'float32');
      const size = values * (BYTES[dtype] ?? 4);
      if (!quantized && dtype === 'float32' && offset + size <= data.byteLength) {
        const view = new DataView(data.buffer, data.byteOffset + offset, size);
        for (let i = 0; i < values; i++) {
          if (!Number.isFinite(view.getFloat32(i * 4, true))) {
            throw new AntidoteError(
              'CORRUPT_FILE',
              `Weight ${String(spec.name ?? '?')} holds NaN or Infinity (value ${i}); export the model again from a healthy checkpoint.`,
              { details: { weight: String(spec.name ?? ''), index: i } },
            );
          }
        }
      }
      offset += size;
    }
  }
}
