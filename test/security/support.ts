/**
 * Helpers for the attack suite: a loopback server that records every request it gets (the
 * "internal service" an attacker aims at), and fixtures inserted straight into the real database
 * when the attack is not about how they were made.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { schema } from '@antidote/db';
import type { TestGateway } from '@antidote/gateway/testing';

export interface Victim {
  port: number;
  url: string;
  hits: { url: string; host: string }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 answering `status` with a body that must never leak. */
export async function startVictim(status = 200): Promise<Victim> {
  const hits: Victim['hits'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    hits.push({ url: req.url ?? '', host: req.headers.host ?? '' });
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'text/plain' }).end('internal-secret-banner'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A model and a dataset row for `tenantId` (enough for monitors and node lookups). */
export async function insertModelAndDataset(gw: TestGateway, tenantId: string) {
  return gw.database.withTenant(tenantId, async (tx) => {
    const [model] = await tx
      .insert(schema.models)
      .values({ tenantId, name: `m-${Math.random()}` })
      .returning();
    const [dataset] = await tx
      .insert(schema.datasets)
      .values({
        tenantId,
        name: `d-${Math.random()}`,
        artifactSha256: 'a'.repeat(64),
        format: 'zip',
        count: 10,
        numClasses: 10,
        imageShape: [28, 28, 1],
        classHistogram: Array(10).fill(1),
      })
      .returning();
    if (!model || !dataset) throw new Error('fixture insert returned nothing');
    return { modelId: model.id, datasetId: dataset.id };
  });
}

export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
