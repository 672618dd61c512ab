/**
 * The audit log as CSV: pages through the gateway's auditLog (100 entries a request) as the
 * signed-in user, streaming rows as they come. Filters as on the page (?action=&actor=).
 */
import type { NextRequest } from 'next/server';
import { csvRow } from '@/lib/csv';
import { boundGateway } from '@/lib/gateway/server';
import type { GatewayFailure } from '@/lib/graphql/client';
import { AuditLogQuery } from '@/lib/graphql/operations';

export const dynamic = 'force-dynamic';

const MAX_ROWS = 100_000;

function failure(error: GatewayFailure): Response {
  const status = error.code === 'FORBIDDEN' ? 403 : error.code === 'NETWORK' ? 502 : 500;
  return new Response(`Could not export the audit log: ${error.message}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

export async function GET(request: NextRequest): Promise<Response> {
  const action = request.nextUrl.searchParams.get('action')?.slice(0, 200) || undefined;
  const actor = request.nextUrl.searchParams.get('actor')?.slice(0, 200) || undefined;
  const bound = await boundGateway();
  if (!bound.ok) return failure(bound.error);
  const call = bound.data;
  // The first page is fetched before answering, so an error is a proper status, not a broken file.
  const first = await call(AuditLogQuery, { first: 100, action, actor });
  if (!first.ok) return failure(first.error);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(
        encoder.encode(csvRow(['seq', 'created_at', 'actor', 'action', 'target', 'details', 'prev_hash', 'hash'])),
      );
      let page = first.data.auditLog;
      let rows = 0;
      for (;;) {
        for (const { node } of page.edges) {
          controller.enqueue(
            encoder.encode(
              csvRow([node.seq, node.createdAt, node.actor, node.action, node.target, node.details, node.prevHash, node.hash]),
            ),
          );
          rows += 1;
        }
        if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor || rows >= MAX_ROWS) break;
        const next = await call(AuditLogQuery, { first: 100, after: page.pageInfo.endCursor, action, actor });
        if (!next.ok) {
          // the file says it is incomplete rather than ending silently
          controller.enqueue(encoder.encode(csvRow([`# export stopped: ${next.error.message}`])));
          break;
        }
        page = next.data.auditLog;
      }
      controller.close();
    },
  });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="antidote-audit-${day}.csv"`,
      'cache-control': 'no-store',
    },
  });
}
