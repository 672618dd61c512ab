import { StorageError } from './errors.ts';
import type { GetOptions } from './types.ts';

export interface ByteRange {
  start: number;
  /** Inclusive; undefined means to the end. */
  end: number | undefined;
}

/** Validates the shape of a requested range; null when the whole content is wanted. */
export function parseRange(opts: GetOptions | undefined): ByteRange | null {
  const start = opts?.start;
  const end = opts?.end;
  if (start === undefined && end === undefined) return null;
  const valid = (n: number | undefined) => n === undefined || (Number.isSafeInteger(n) && n >= 0);
  if (!valid(start) || !valid(end) || (end !== undefined && end < (start ?? 0))) {
    throw new StorageError('INVALID_RANGE', 'A range needs integer offsets with 0 <= start <= end.', { details: { start, end } });
  }
  return { start: start ?? 0, end };
}

/** HTTP semantics: a range starting past the last byte is unsatisfiable; an end past it is clamped. */
export function clampRange(range: ByteRange, size: number): { start: number; end: number } {
  if (range.start >= size) {
    throw new StorageError('INVALID_RANGE', 'The range starts beyond the end of the content.', {
      details: { start: range.start, size },
    });
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}
