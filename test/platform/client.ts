/** A test client of the public API: GraphQL over HTTP, uploads, and graphql-ws subscriptions. */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface ApiClient {
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  upload(purpose: 'MODEL' | 'DATASET', filename: string, bytes: Uint8Array): Promise<string>;
  /** Collects subscription payloads until the server completes the stream (or `limit`). */
  subscribe<T>(query: string, variables: Record<string, unknown>, options?: { limit?: number; timeoutMs?: number }): Promise<T[]>;
}

export function apiClient(baseUrl: string, token: string): ApiClient {
  const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  return {
    gql,
    async upload(purpose, filename, bytes) {
      const { createUpload } = await gql<{ createUpload: { upload: { id: string; url: string } } }>(
        'mutation($i: CreateUploadInput!) { createUpload(input: $i) { upload { id url } userErrors { code message } } }',
        { i: { purpose, filename, sizeBytes: bytes.byteLength } },
      );
      const put = await fetch(createUpload.upload.url, { method: 'PUT', body: bytes });
      if (!put.ok) throw new Error(`upload failed: ${put.status} ${await put.text()}`);
      return createUpload.upload.id;
    },
    async subscribe<T>(query: string, variables: Record<string, unknown>, options: { limit?: number; timeoutMs?: number } = {}) {
      const client = createClient({
        url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
      });
      const received: T[] = [];
      const timer = setTimeout(() => void iterator.return?.(), options.timeoutMs ?? 600_000);
      const iterator = client.iterate<T>({ query, variables });
      try {
        for await (const result of iterator) {
          if (result.errors?.length) throw new Error(`subscription error: ${JSON.stringify(result.errors)}`);
          if (result.data) received.push(result.data as T);
          if (options.limit && received.length >= options.limit) break;
        }
      } finally {
        clearTimeout(timer);
        await client.dispose();
      }
      return received;
    },
  };
}
