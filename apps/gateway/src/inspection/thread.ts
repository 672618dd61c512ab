/** The inspection thread: parses one uploaded archive off the gateway's event loop, then exits. */
import { parentPort, workerData } from 'node:worker_threads';
import { isAntidoteError } from '@antidote/core/errors';
import { inspectUpload } from './inspect.ts';
import type { InspectionReply, InspectionRequest } from './protocol.ts';

try {
  const reply: InspectionReply = { ok: true, result: await inspectUpload(workerData as InspectionRequest) };
  parentPort?.postMessage(reply);
} catch (error) {
  const reply: InspectionReply = isAntidoteError(error)
    ? { ok: false, error: { code: error.code, message: error.message, details: { ...(error.details ?? {}) } } }
    : { ok: false, error: { code: 'CORRUPT_FILE', message: 'The file could not be read.' } };
  parentPort?.postMessage(reply);
}
