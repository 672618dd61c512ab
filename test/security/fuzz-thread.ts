/**
 * The fuzzer's isolated target thread: runs the gateway's upload inspection (the code its
 * inspection thread runs) on each case it is sent and answers how it ended. h5wasm is wasm called
 * synchronously, so only terminating this thread stops a case that spins; fuzz.ts does that at
 * the deadline, as the gateway does with its own inspection thread.
 */
import { parentPort } from 'node:worker_threads';
import { isAntidoteError } from '@antidote/core/errors';
import { type InspectionLimits, inspectUpload } from '@antidote/gateway/inspect';

export interface IsolatedCase {
  id: number;
  bytes: Uint8Array;
  limits: InspectionLimits;
}

export interface IsolatedOutcome {
  id: number;
  outcome: 'accepted' | 'typed' | 'untyped';
  message: string;
}

parentPort?.on('message', async ({ id, bytes, limits }: IsolatedCase) => {
  let reply: IsolatedOutcome;
  try {
    await inspectUpload({ kind: 'model', bytes, limits });
    reply = { id, outcome: 'accepted', message: '' };
  } catch (error) {
    reply = isAntidoteError(error)
      ? { id, outcome: 'typed', message: error.code }
      : {
          id,
          outcome: 'untyped',
          message: `${(error as Error)?.name ?? typeof error}: ${String((error as Error)?.message ?? error).slice(0, 200)}`,
        };
  }
  parentPort?.postMessage(reply);
});
