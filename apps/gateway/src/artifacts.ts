/** Reading stored bytes under a cap, and the signed links the API hands out. */
import { readAllBytes, signToken } from '@antidote/storage';
import type { GatewayServices } from './context.ts';
import { ApiError } from './errors.ts';

const LINK_TTL_MS = 15 * 60_000;

export async function readArtifact(services: GatewayServices, sha256: string, maxBytes: number): Promise<Uint8Array> {
  const stat = await services.store.stat(sha256);
  if (!stat) throw new ApiError('NOT_FOUND', 'The uploaded bytes are gone; upload again.');
  if (stat.size > maxBytes) throw new ApiError('TOO_LARGE', `The file is ${stat.size} bytes; the limit is ${maxBytes}.`);
  return readAllBytes(services.store, sha256);
}

export function downloadUrl(services: GatewayServices, tenantId: string, sha256: string, filename: string): string {
  const token = signToken(services.env.signingSecret, {
    tenantId,
    purpose: 'download',
    sha256,
    expiresAt: Date.now() + LINK_TTL_MS,
  });
  return `${services.publicUrl()}/artifacts/${sha256}/${encodeURIComponent(filename)}?token=${token}`;
}

export function reportUrl(services: GatewayServices, tenantId: string, findingId: string, format: 'html' | 'pdf'): string {
  const token = signToken(services.env.signingSecret, {
    tenantId,
    purpose: 'download',
    uploadId: findingId,
    expiresAt: Date.now() + LINK_TTL_MS,
  });
  return `${services.publicUrl()}/reports/${findingId}.${format}?token=${token}`;
}
