/**
 * Cheap checks on an archive before anything is inflated: the sizes its directory declares, the
 * compression ratio, and, for models, that model.json (inflated alone first) accounts for the
 * weight bytes. fflate allocates exactly the declared size per entry, so declared sizes bound memory.
 */
import { gunzipSync } from 'node:zlib';
import { AntidoteError } from '@antidote/core/errors';
import { unzipSync } from 'fflate';

export interface PreflightLimits {
  /** Most bytes the archive may unpack to. */
  maxUnpackedBytes: number;
  /** Most unpacked/packed ratio, once the unpacked size passes `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

const isZip = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;

const tooLarge = (message: string, details: Record<string, unknown>) => new AntidoteError('TOO_LARGE', message, { details });

function checkRatio(unpacked: number, packed: number, limits: PreflightLimits): void {
  if (unpacked > limits.maxUnpackedBytes) {
    throw tooLarge(`The archive unpacks to ${unpacked} bytes; the limit is ${limits.maxUnpackedBytes}.`, {
      maxBytes: limits.maxUnpackedBytes,
    });
  }
  if (unpacked > limits.ratioFloorBytes && unpacked > limits.maxRatio * Math.max(packed, 1)) {
    throw tooLarge(
      `The archive unpacks ${Math.round(unpacked / Math.max(packed, 1))}x its size; the limit is ${limits.maxRatio}x.`,
      {
        maxRatio: limits.maxRatio,
      },
    );
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, bool: 1 };

/** Weight bytes model.json's manifest declares (over-estimates never under-count). */
function declaredWeightBytes(modelJson: Uint8Array): number {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(modelJson));
  } catch {
    throw new AntidoteError('CORRUPT_FILE', 'model.json is not valid JSON.');
  }
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) throw new AntidoteError('CORRUPT_FILE', 'model.json has no weightsManifest.');
  let total = 0;
  for (const group of manifest) {
    const weights = (group as { weights?: unknown }).weights;
    if (!Array.isArray(weights)) continue;
    for (const spec of weights as { shape?: unknown; dtype?: unknown; quantization?: { dtype?: unknown } }[]) {
      const shape = Array.isArray(spec.shape) ? (spec.shape as unknown[]) : [];
      const values = shape.reduce<number>((n, d) => n * (typeof d === 'number' && d >= 0 ? d : 0), 1);
      const dtype = String(spec.quantization?.dtype ?? spec.dtype ?? 'float32');
      total += values * (DTYPE_BYTES[dtype] ?? 4);
      if (!Number.isFinite(total)) throw new AntidoteError('CORRUPT_FILE', 'model.json declares impossibly large weights.');
    }
  }
  return total;
}

/** Sizes and ratio of any archive; for a model zip also model.json against the other entries. */
export function preflightArchive(bytes: Uint8Array, kind: 'model' | 'dataset', limits: PreflightLimits): void {
  if (isGzip(bytes)) {
    // inflating under a hard output cap is the only honest measure of a gzip stream
    const cap = Math.min(limits.maxUnpackedBytes, Math.max(limits.ratioFloorBytes, limits.maxRatio * bytes.length));
    let unpacked: number;
    try {
      unpacked = gunzipSync(bytes, { maxOutputLength: cap + 1 }).length;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
        throw tooLarge(`The archive unpacks to more than ${cap} bytes (${limits.maxRatio}x its size at most).`, {
          maxBytes: cap,
        });
      throw new AntidoteError('CORRUPT_FILE', 'The gzip stream is damaged or truncated.');
    }
    checkRatio(unpacked, bytes.length, limits);
    return;
  }
  if (!isZip(bytes)) return;
  let declared = 0;
  let otherBytes = 0;
  let modelJsonName: string | undefined;
  let modelJson: Uint8Array | undefined;
  try {
    const inflated = unzipSync(bytes, {
      filter: (info) => {
        declared += info.originalSize;
        const isModelJson = kind === 'model' && /^(?:[^/]+\/)?model\.json$/.test(info.name);
        if (isModelJson && !modelJsonName && info.originalSize <= 64 * 1024 * 1024) modelJsonName = info.name;
        else otherBytes += info.originalSize;
        // only model.json is inflated here, and only when its declared size is sane
        return isModelJson && info.name === modelJsonName;
      },
    });
    modelJson = modelJsonName ? inflated[modelJsonName] : undefined;
  } catch (error) {
    if (error instanceof AntidoteError) throw error;
    throw new AntidoteError('CORRUPT_FILE', 'The zip archive is damaged or truncated.');
  }
  checkRatio(declared, bytes.length, limits);
  if (kind === 'model' && modelJson) {
    const weights = declaredWeightBytes(modelJson);
    // weight files plus a little slack for READMEs and the like
    if (otherBytes > weights + 1024 * 1024) {
      throw tooLarge(`The archive holds ${otherBytes} bytes besides model.json, which declares ${weights} bytes of weights.`, {
        declaredWeightBytes: weights,
      });
    }
  }
}
