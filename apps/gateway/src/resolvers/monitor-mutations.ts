/** Monitors: continuous scanning settings, their webhooks and a test delivery. */
import { schema } from '@antidote/db';
import { deliverWebhook, EgressRefusedError, MAX_WEBHOOKS_PER_MONITOR, parseEgressUrl } from '@antidote/jobs';
import { eq } from 'drizzle-orm';
import { requireRole } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { assertMonitorQuota } from '../quotas.ts';
import { attempt, audit, checkName, defined, need } from './mutation-support.ts';

export const monitorMutations: Resolvers = {
  Mutation: {
    createMonitor: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const name = checkName(input.name, ['input', 'name']);
        const modelId = need(input.modelId, 'Model', ['input', 'modelId']);
        const datasetId = need(input.datasetId, 'Dataset', ['input', 'datasetId']);
        const [model, dataset] = await Promise.all([ctx.loaders.model.load(modelId), ctx.loaders.dataset.load(datasetId)]);
        if (!model) throw new ApiError('NOT_FOUND', 'No model with this ID.', ['input', 'modelId']);
        if (!dataset) throw new ApiError('NOT_FOUND', 'No dataset with this ID.', ['input', 'datasetId']);
        const settings = monitorSettings(input);
        return ctx.tenant(async (tx) => {
          await assertMonitorQuota(tx, { creating: true, intervalMinutes: input.intervalMinutes });
          const [monitor] = await tx
            .insert(schema.monitors)
            .values({ tenantId: auth.tenantId, modelId, datasetId, name, ...settings })
            .returning();
          if (!monitor) throw new Error('monitor insert returned nothing');
          await audit(tx, auth, 'monitor.create', `monitor:${monitor.id}`, { name, webhooks: monitor.webhooks.length });
          return { monitor };
        });
      }),

    updateMonitor: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const id = need(input.id, 'Monitor', ['input', 'id']);
        const changes = {
          ...monitorSettings(input),
          ...(input.name ? { name: checkName(input.name, ['input', 'name']) } : {}),
        };
        return ctx.tenant(async (tx) => {
          await assertMonitorQuota(tx, { creating: false, intervalMinutes: input.intervalMinutes });
          const [monitor] = await tx.update(schema.monitors).set(changes).where(eq(schema.monitors.id, id)).returning();
          if (!monitor) throw new ApiError('NOT_FOUND', 'No monitor with this ID.', ['input', 'id']);
          await audit(tx, auth, 'monitor.update', `monitor:${id}`, { fields: Object.keys(changes) });
          return { monitor };
        });
      }),

    deleteMonitor: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const id = need(input.id, 'Monitor', ['input', 'id']);
        return ctx.tenant(async (tx) => {
          const [monitor] = await tx.delete(schema.monitors).where(eq(schema.monitors.id, id)).returning();
          if (!monitor) throw new ApiError('NOT_FOUND', 'No monitor with this ID.', ['input', 'id']);
          await audit(tx, auth, 'monitor.delete', `monitor:${id}`, { name: monitor.name });
          return { deletedId: input.id };
        });
      }),

    testMonitorWebhook: (_p, { input }, ctx) =>
      attempt(
        async () => {
          const auth = ctx.requireAuth();
          requireRole(auth, 'analyst');
          const id = need(input.id, 'Monitor', ['input', 'id']);
          const [monitor] = await ctx.tenant((tx) => tx.select().from(schema.monitors).where(eq(schema.monitors.id, id)));
          if (!monitor) throw new ApiError('NOT_FOUND', 'No monitor with this ID.', ['input', 'id']);
          const deliveries = await Promise.all(
            monitor.webhooks.map((hook) =>
              deliverWebhook({
                url: hook.url,
                secret: hook.secret,
                event: 'monitor.test',
                payload: { monitor: { id: input.id, name: monitor.name }, sentAt: new Date().toISOString() },
                allowPrivate: ctx.services.env.ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS,
              }),
            ),
          );
          await ctx.tenant((tx) =>
            audit(tx, auth, 'monitor.test', `monitor:${id}`, { results: deliveries.map((d) => d.status) }),
          );
          // a coarse outcome only: status codes and error text of the target would make this a
          // probe of whatever answers at that URL
          return {
            deliveries: deliveries.map((d) => ({
              url: d.url,
              status: d.status === 'blocked' ? 'refused' : d.status,
              responseCode: null,
              error: null,
            })),
          };
        },
        { deliveries: [] },
      ),
  },
};

function monitorSettings(input: {
  enabled?: boolean | null;
  scanOnNewVersion?: boolean | null;
  intervalMinutes?: number | null;
  scoreThreshold?: number | null;
  webhooks?: { url: string; secret: string }[] | null;
}) {
  if (
    input.intervalMinutes !== null &&
    input.intervalMinutes !== undefined &&
    (input.intervalMinutes < 5 || input.intervalMinutes > 43_200)
  ) {
    throw new ApiError('INVALID_INPUT', 'intervalMinutes is between 5 and 43200 (30 days).', ['input', 'intervalMinutes']);
  }
  if (
    input.scoreThreshold !== null &&
    input.scoreThreshold !== undefined &&
    !(input.scoreThreshold > 0 && input.scoreThreshold <= 1)
  ) {
    throw new ApiError('INVALID_INPUT', 'scoreThreshold is in (0, 1].', ['input', 'scoreThreshold']);
  }
  const webhooks = input.webhooks ?? [];
  if (webhooks.length > MAX_WEBHOOKS_PER_MONITOR)
    throw new ApiError('INVALID_INPUT', `A monitor has at most ${MAX_WEBHOOKS_PER_MONITOR} webhooks.`, ['input', 'webhooks']);
  for (const [i, hook] of webhooks.entries()) {
    try {
      // addresses are judged at delivery (a name can resolve anywhere); here syntax and length
      parseEgressUrl(hook.url, true);
    } catch (error) {
      const why = error instanceof EgressRefusedError ? error.message : 'not a URL';
      throw new ApiError('INVALID_INPUT', `Webhook URLs are http(s) URLs (${why}).`, ['input', 'webhooks', String(i), 'url']);
    }
    if (hook.secret.length < 16 || hook.secret.length > 256)
      throw new ApiError('INVALID_INPUT', 'Webhook secrets are 16 to 256 characters.', [
        'input',
        'webhooks',
        String(i),
        'secret',
      ]);
  }
  return defined({
    enabled: input.enabled,
    scanOnNewVersion: input.scanOnNewVersion,
    intervalMinutes: input.intervalMinutes,
    scoreThreshold: input.scoreThreshold,
    webhooks: input.webhooks ?? undefined,
    nextRunAt: input.intervalMinutes ? new Date(Date.now() + input.intervalMinutes * 60_000) : undefined,
  });
}
