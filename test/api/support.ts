/**
 * Helpers for API tests against a real gateway: GraphQL calls that fail loudly, signed uploads,
 * graphql-ws subscriptions that record what they receive, and real model/dataset archives built
 * once per test process with @antidote/core.
 */
import { exportImageArchive } from '@antidote/core/datasets';
import { createModel, packModelArchive, saveModelToFiles } from '@antidote/core/models';
import type { TestGateway } from '@antidote/gateway/testing';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export type Session = Awaited<ReturnType<TestGateway['signUp']>>;

export interface UserErrorShape {
  code: string;
  message?: string;
  field?: string[] | null;
}

export type Payload<T> = T & { userErrors: UserErrorShape[] };

/** A GraphQL call that must not return top-level errors. */
export async function ok<T>(
  gw: TestGateway,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
  tenant?: string,
): Promise<T> {
  const response = await gw.gql<T>(token, query, variables, tenant);
  if (response.errors?.length || !response.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(response.errors ?? response)}\nquery: ${query}`);
  }
  return response.data;
}

/** A mutation whose payload (the only root field) must carry no userErrors. */
export async function mutate<T>(
  gw: TestGateway,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Payload<T>> {
  const data = await ok<Record<string, Payload<T>>>(gw, token, query, variables);
  const payload = Object.values(data)[0];
  if (!payload) throw new Error(`no payload for ${query}`);
  if (payload.userErrors.length > 0) throw new Error(`userErrors: ${JSON.stringify(payload.userErrors)}\nquery: ${query}`);
  return payload;
}

export interface UploadSlot {
  id: string;
  url: string;
}

export async function createUploadSlot(
  gw: TestGateway,
  token: string,
  purpose: 'MODEL' | 'DATASET',
  filename: string,
  sizeBytes: number,
): Promise<UploadSlot> {
  const payload = await mutate<{ upload: UploadSlot }>(
    gw,
    token,
    'mutation($i: CreateUploadInput!) { createUpload(input: $i) { upload { id url } userErrors { code message field } } }',
    { i: { purpose, filename, sizeBytes } },
  );
  return payload.upload;
}

/** createUpload + PUT of the bytes to the signed URL. */
export async function uploadBytes(
  gw: TestGateway,
  token: string,
  purpose: 'MODEL' | 'DATASET',
  filename: string,
  bytes: Uint8Array,
): Promise<UploadSlot & { sha256: string }> {
  const slot = await createUploadSlot(gw, token, purpose, filename, bytes.length);
  const response = await fetch(slot.url, { method: 'PUT', body: bytes });
  if (response.status !== 200) throw new Error(`upload PUT answered ${response.status}: ${await response.text()}`);
  const { sha256 } = (await response.json()) as { sha256: string };
  return { ...slot, sha256 };
}

/** The raw database id inside a global ID (`base64url("Type:id")`). */
export function rawId(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new Error(`not a global id: ${globalId}`);
  return decoded.slice(colon + 1);
}

export function globalId(type: string, id: string | number): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

/** Every string anywhere in a JSON value. */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, out);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) stringsIn(item, out);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// ---- graphql-ws ------------------------------------------------------------------------------

export function wsClient(gw: TestGateway, connectionParams: Record<string, unknown>): Client {
  return createClient({
    url: `${gw.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: true,
    retryAttempts: 0,
  });
}

export interface Recording<T> {
  readonly events: T[];
  readonly error: unknown;
  readonly completed: boolean;
  readonly ended: boolean;
  stop(): void;
}

/** Subscribes and records every result, the error (if any) and completion. */
export function record<T>(client: Client, query: string, variables?: Record<string, unknown>): Recording<T> {
  const events: T[] = [];
  let error: unknown;
  let completed = false;
  const stop = client.subscribe<T>(
    { query, ...(variables ? { variables } : {}) },
    {
      next: (value) => {
        if (value.data) events.push(value.data as T);
        if (value.errors) error = value.errors;
      },
      error: (e) => {
        error = e;
      },
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    events,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    get ended() {
      return completed || error !== undefined;
    },
    stop,
  };
}

// ---- archives ---------------------------------------------------------------------------------

export interface Archives {
  /** Three different small-cnn archives (28x28x1, 10 classes): different seeds, different sha256. */
  models: [Uint8Array, Uint8Array, Uint8Array];
  /** Two different synthetic 28x28x1 image zips, 2 images per class. */
  datasets: [Uint8Array, Uint8Array];
}

async function modelArchive(seed: number): Promise<Uint8Array> {
  const model = createModel({ architecture: 'small-cnn', inputShape: [28, 28, 1], numClasses: 10, seed });
  try {
    return packModelArchive(await saveModelToFiles(model));
  } finally {
    model.dispose();
  }
}

function datasetArchive(seed: number): Uint8Array {
  const count = 20;
  const size = 28 * 28;
  const images = new Uint8Array(count * size);
  for (let i = 0; i < images.length; i++) images[i] = (i * 31 + seed * 17 + Math.floor(i / size) * 7) % 256;
  return exportImageArchive({
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % 10),
    height: 28,
    width: 28,
    channels: 1,
    classNames: Array.from({ length: 10 }, (_, i) => `class${i}`),
    flipAugment: false,
  });
}

let archives: Promise<Archives> | undefined;

/** Built once per test process (both backends share them). */
export function buildArchives(): Promise<Archives> {
  archives ??= (async () => ({
    models: [await modelArchive(1), await modelArchive(2), await modelArchive(3)],
    datasets: [datasetArchive(1), datasetArchive(2)],
  }))();
  return archives;
}
