/**
 * Plain HTTP routes beside GraphQL: signed uploads (streamed into the store, never buffered),
 * signed downloads, reports, health. Signed links are bound to a tenant; the database row that
 * grants the tenant those bytes is checked too (RLS), so a forged or replayed link gets nothing.
 */
import { recordArtifact, schema } from '@antidote/db';
import { isSha256, verifyToken } from '@antidote/storage';
import { and, eq, isNull } from 'drizzle-orm';
import type { Express, Request, Response } from 'express';
import type { GatewayServices } from './context.ts';
import { toUserError } from './errors.ts';
import { loadReport, renderReportHtml, renderReportPdf } from './reports.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(res: Response, status: number, code: string, message: string) {
  if (!res.headersSent) res.status(status).json({ error: { code, message } });
}

function claimsOf(services: GatewayServices, req: Request, purpose: 'upload' | 'download') {
  const token = typeof req.query.token === 'string' ? req.query.token : '';
  const claims = verifyToken(services.env.signingSecret, token);
  if (claims.purpose !== purpose) throw Object.assign(new Error('token purpose mismatch'), { status: 403 });
  return claims;
}

export function mountHttpRoutes(app: Express, services: GatewayServices): void {
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await services.database.executeSql('select 1');
      res.json({ ok: true, database: services.database.kind, storage: services.store.kind });
    } catch {
      res.status(503).json({ ok: false });
    }
  });

  app.put('/uploads/:id', async (req, res) => {
    const uploadId = String(req.params.id);
    try {
      const claims = claimsOf(services, req, 'upload');
      if (claims.uploadId !== uploadId || !UUID.test(uploadId))
        return fail(res, 403, 'FORBIDDEN', 'This link is for another upload.');
      const [upload] = await services.database.withTenant(claims.tenantId, (tx) =>
        tx
          .select()
          .from(schema.uploads)
          .where(and(eq(schema.uploads.id, uploadId), isNull(schema.uploads.completedAt))),
      );
      if (!upload) return fail(res, 404, 'NOT_FOUND', 'No open upload with this ID (already used?).');
      const declared = Number(req.headers['content-length'] ?? Number.NaN);
      if (Number.isFinite(declared) && declared > upload.maxBytes) {
        return fail(res, 413, 'TOO_LARGE', `This upload was declared as ${upload.maxBytes} bytes.`);
      }
      const put = await services.store.put(req.iterator({ destroyOnReturn: false }), {
        maxBytes: upload.maxBytes,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
      });
      const completed = await services.database.withTenant(claims.tenantId, async (tx) => {
        await recordArtifact(
          tx,
          claims.tenantId,
          put.sha256,
          put.size,
          upload.purpose === 'model' ? 'application/zip' : 'application/octet-stream',
        );
        // a concurrent PUT to the same link may have completed it first: one of them wins
        return tx
          .update(schema.uploads)
          .set({ sha256: put.sha256, size: put.size, completedAt: new Date() })
          .where(and(eq(schema.uploads.id, uploadId), isNull(schema.uploads.completedAt)))
          .returning({ id: schema.uploads.id });
      });
      if (completed.length === 0) return fail(res, 409, 'CONFLICT', 'This upload was completed already.');
      res.json({ sha256: put.sha256, size: put.size });
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status) return fail(res, status, 'FORBIDDEN', 'Not allowed.');
      const user = toUserError(error);
      if (user)
        return fail(res, user.code === 'TOO_LARGE' ? 413 : user.code === 'UNAUTHENTICATED' ? 401 : 400, user.code, user.message);
      services.log.error({ err: error }, 'upload failed');
      fail(res, 500, 'INTERNAL', 'Upload failed.');
    }
  });

  app.get('/artifacts/:sha256/:filename', async (req, res) => {
    const sha256 = String(req.params.sha256);
    try {
      const claims = claimsOf(services, req, 'download');
      if (!isSha256(sha256) || claims.sha256 !== sha256) return fail(res, 403, 'FORBIDDEN', 'This link is for another file.');
      const [artifact] = await services.database.withTenant(claims.tenantId, (tx) =>
        tx.select().from(schema.artifacts).where(eq(schema.artifacts.sha256, sha256)),
      );
      if (!artifact) return fail(res, 404, 'NOT_FOUND', 'No such file.');
      res.setHeader('content-type', artifact.contentType);
      res.setHeader('content-length', String(artifact.size));
      res.setHeader('cache-control', 'private, max-age=600, immutable');
      res.setHeader('x-content-type-options', 'nosniff');
      // stored SVGs and images are shown, never run
      res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      if (artifact.contentType !== 'image/png') {
        res.setHeader('content-disposition', `attachment; filename="${String(req.params.filename).replace(/[^\w.-]/g, '_')}"`);
      }
      const stream = await services.store.get(sha256);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    } catch (error) {
      if ((error as { status?: number }).status === 403) return fail(res, 403, 'FORBIDDEN', 'Not allowed.');
      const user = toUserError(error);
      if (user) return fail(res, user.code === 'UNAUTHENTICATED' ? 401 : 404, user.code, user.message);
      services.log.error({ err: error }, 'download failed');
      fail(res, 500, 'INTERNAL', 'Download failed.');
    }
  });

  app.get('/reports/:file', async (req, res) => {
    const match = /^([0-9a-f-]{36})\.(html|pdf)$/i.exec(String(req.params.file));
    try {
      const claims = claimsOf(services, req, 'download');
      if (!match || claims.uploadId !== match[1]) return fail(res, 403, 'FORBIDDEN', 'This link is for another report.');
      const data = await services.database.withTenant(claims.tenantId, (tx) => loadReport(tx, services, match[1] ?? ''));
      if (!data) return fail(res, 404, 'NOT_FOUND', 'No such finding.');
      if (match[2] === 'pdf') {
        res.setHeader('content-type', 'application/pdf');
        res.setHeader('content-disposition', `attachment; filename="antidote-report-${data.finding.id}.pdf"`);
        res.end(await renderReportPdf(data));
      } else {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.setHeader('content-security-policy', "default-src 'none'; img-src data:; style-src 'unsafe-inline'");
        res.end(renderReportHtml(data));
      }
    } catch (error) {
      if ((error as { status?: number }).status === 403) return fail(res, 403, 'FORBIDDEN', 'Not allowed.');
      const user = toUserError(error);
      if (user) return fail(res, 401, user.code, user.message);
      services.log.error({ err: error }, 'report failed');
      fail(res, 500, 'INTERNAL', 'Report failed.');
    }
  });
}
