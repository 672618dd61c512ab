/**
 * Upload inspection off the event loop: each archive is parsed in a short-lived worker thread
 * with a heap cap and a deadline, so a decompression or decoding bomb costs that thread, not
 * every other request the gateway is serving.
 */
import { Worker } from 'node:worker_threads';
import { AntidoteError, type ErrorCode } from '@antidote/core/errors';
import type { DatasetInspection, InspectionLimits, InspectionReply, InspectionRequest, ModelInspection } from './protocol.ts';

export type { DatasetInspection, InspectionLimits, ModelInspection } from './protocol.ts';

const entry = new URL('./entry.mjs', import.meta.url);

function runInThread(
  request: InspectionRequest,
  timeoutMs: number,
  heapMb: number,
): Promise<ModelInspection | DatasetInspection> {
  const worker = new Worker(entry, {
    workerData: request,
    transferList: [request.bytes.buffer as ArrayBuffer],
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 },
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const timer = setTimeout(
      () => finish(() => reject(new AntidoteError('TOO_LARGE', 'Reading this file took too long; upload a smaller one.'))),
      timeoutMs,
    );
    worker.on('message', (reply: InspectionReply) =>
      finish(() =>
        reply.ok
          ? resolve(reply.result)
          : reject(new AntidoteError(reply.error.code as ErrorCode, reply.error.message, { details: reply.error.details ?? {} })),
      ),
    );
    worker.on('error', (error) =>
      finish(() =>
        reject(
          (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new AntidoteError('TOO_LARGE', 'This file needs more memory to read than an upload may use.')
            : error,
        ),
      ),
    );
    worker.on('exit', (code) => finish(() => reject(new Error(`the inspection thread exited (${code}) before answering`))));
  });
}

export interface InspectionOptions {
  limits: InspectionLimits;
  timeoutMs: number;
  heapMb: number;
}

export function inspectModelArchive(bytes: Uint8Array, options: InspectionOptions): Promise<ModelInspection> {
  return runInThread(
    { kind: 'model', bytes, limits: options.limits },
    options.timeoutMs,
    options.heapMb,
  ) as Promise<ModelInspection>;
}

export function inspectDatasetArchive(
  bytes: Uint8Array,
  filename: string,
  options: InspectionOptions,
): Promise<DatasetInspection> {
  return runInThread(
    { kind: 'dataset', bytes, filename, limits: options.limits },
    options.timeoutMs,
    options.heapMb,
  ) as Promise<DatasetInspection>;
}
