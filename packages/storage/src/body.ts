import { cancelled, StorageError, throwIfAborted } from './errors.ts';
import type { PutBody, PutOptions } from './types.ts';

export function maxBytesOf(opts: PutOptions): number {
  const { maxBytes } = opts;
  if (maxBytes === undefined) return Number.POSITIVE_INFINITY;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) {
    throw new StorageError('INVALID_INPUT', 'maxBytes must be a non-negative integer.', { details: { maxBytes } });
  }
  return maxBytes;
}

/**
 * The iterator's next chunk, or CANCELLED as soon as the signal fires. A listener per call rather
 * than one shared abort promise raced each time: every race would leave a reaction on that promise,
 * growing with the chunk count of a long upload.
 */
function nextOrAbort(iterator: AsyncIterator<unknown>, signal: AbortSignal | undefined): Promise<IteratorResult<unknown>> {
  if (!signal) return iterator.next();
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cancelled(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    iterator
      .next()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Normalises an upload body to a sequence of byte chunks. Every `next()` races the abort signal:
 * a client that stops sending must not pin the upload (and its temp file) until the socket times
 * out. Strings are refused rather than re-encoded, since a decoded binary stream cannot be
 * turned back into its original bytes.
 */
export async function* readBody(body: PutBody, signal?: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
  throwIfAborted(signal);
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  const iterate = (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
  if (typeof iterate !== 'function') {
    throw new StorageError('INVALID_BODY', 'The upload body is neither bytes nor an async iterable of bytes.');
  }
  const iterator = iterate.call(body);
  let ended = false;
  try {
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await nextOrAbort(iterator, signal);
      } catch (err) {
        if (err instanceof StorageError) throw err;
        throw new StorageError('INVALID_BODY', 'The upload body failed before its end.', { cause: err });
      }
      if (step.done) {
        ended = true;
        return;
      }
      if (!(step.value instanceof Uint8Array)) {
        throw new StorageError('INVALID_BODY', 'The upload body yielded something other than bytes.', {
          details: { chunkType: typeof step.value },
        });
      }
      yield step.value;
    }
  } finally {
    // Tell an abandoned source to stop without waiting: a stalled source may never answer, and its
    // iterator's return() waits for the pending next(). A stream is destroyed outright, as
    // stream.pipeline would, so a stalled client connection does not outlive the upload.
    if (!ended) {
      const destroy = (body as { destroy?: unknown }).destroy;
      if (typeof destroy === 'function') destroy.call(body);
      void Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
    }
  }
}
