import { anchorAuditHead, schema, verifyAuditChain } from '@antidote/db';
import { and, asc, count, desc, eq, gt, ilike, inArray, sql } from 'drizzle-orm';
import { toApiRole } from '../auth.ts';
import type { GraphQLContext } from '../context.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { fromGlobalId } from '../ids.ts';
import { modelHealth } from '../loaders.ts';
import type { FindingRow, JobRow } from '../mappers.ts';
import { paginate } from '../pagination.ts';

const lower = <T extends string>(value: string) => value.toLowerCase().replaceAll('_', '-') as T;

async function resolveNode(ctx: GraphQLContext, globalId: string) {
  const parsed = fromGlobalId(globalId);
  if (!parsed) return null;
  const { type, id } = parsed;
  const tag = <T extends object>(row: T | null | undefined) => (row ? { ...row, __typename: type } : null);
  switch (type) {
    case 'Model':
      return tag(await ctx.loaders.model.load(id));
    case 'ModelVersion':
      return tag(await ctx.loaders.modelVersion.load(id));
    case 'Dataset':
      return tag(await ctx.loaders.dataset.load(id));
    case 'Job':
      return tag(await ctx.loaders.job.load(id));
    case 'Tenant':
      return tag((await ctx.tenant((tx) => tx.select().from(schema.tenants).where(eq(schema.tenants.id, id))))[0]);
    case 'Finding':
      return tag((await ctx.tenant((tx) => tx.select().from(schema.findings).where(eq(schema.findings.id, id))))[0]);
    case 'Monitor':
      return tag((await ctx.tenant((tx) => tx.select().from(schema.monitors).where(eq(schema.monitors.id, id))))[0]);
    case 'ApiKey':
      return tag((await ctx.tenant((tx) => tx.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, id))))[0]);
    case 'AuditEntry':
      return tag(
        (
          await ctx.tenant((tx) =>
            tx
              .select()
              .from(schema.auditLog)
              .where(eq(schema.auditLog.id, Number(id))),
          )
        )[0],
      );
    default:
      return null;
  }
}

export const queryResolvers: Resolvers = {
  Query: {
    node: (_p, { id }, ctx) => resolveNode(ctx, id) as never,
    me: async (_p, _a, ctx) => {
      const auth = ctx.requireAuth();
      const [tenant] = await ctx.tenant((tx) => tx.select().from(schema.tenants));
      const memberships = auth.userId
        ? await ctx.services.database.asService((tx) =>
            tx
              .select({ tenant: schema.tenants, role: schema.memberships.role })
              .from(schema.memberships)
              .innerJoin(schema.tenants, eq(schema.tenants.id, schema.memberships.tenantId))
              .where(eq(schema.memberships.userId, auth.userId ?? ''))
              .orderBy(asc(schema.memberships.createdAt)),
          )
        : [];
      const [user] = auth.userId
        ? await ctx.services.database.asService((tx) =>
            tx
              .select({ id: schema.users.id, email: schema.users.email, name: schema.users.name })
              .from(schema.users)
              .where(eq(schema.users.id, auth.userId ?? '')),
          )
        : [];
      if (!tenant) throw new Error('tenant row invisible to its own member');
      return {
        user: user ?? null,
        tenant,
        role: toApiRole(auth.role),
        memberships: memberships.map((m) => ({ tenant: m.tenant, role: toApiRole(m.role) })),
        authKind: auth.authKind,
      };
    },
    overview: async (_p, _a, ctx) => {
      ctx.requireAuth();
      const { models, running, recentJobs } = await ctx.tenant(async (tx) => ({
        models: await tx.select({ id: schema.models.id }).from(schema.models),
        running: (
          await tx
            .select({ n: count() })
            .from(schema.jobs)
            .where(inArray(schema.jobs.state, ['queued', 'running']))
        )[0],
        recentJobs: await tx.select().from(schema.jobs).orderBy(desc(schema.jobs.createdAt)).limit(10),
      }));
      // outside the transaction above: the loaders open their own (PGlite has one connection)
      const healths = await Promise.all(models.map((m) => modelHealth(ctx.loaders, m.id)));
      const counts = new Map<string, number>();
      for (const health of healths) counts.set(health, (counts.get(health) ?? 0) + 1);
      return {
        modelCount: models.length,
        healthCounts: (['UNSCANNED', 'CLEAN', 'SUSPICIOUS', 'BACKDOORED', 'REPAIRED'] as const).map((health) => ({
          health,
          count: counts.get(health) ?? 0,
        })),
        runningJobs: running?.n ?? 0,
        recentJobs,
        findingsTrend: [],
      };
    },
    models: (_p, args, ctx) =>
      ctx.tenant((tx) =>
        paginate(tx, schema.models, {
          where: [args.search ? ilike(schema.models.name, `%${args.search.replace(/[%_\\]/g, '\\$&')}%`) : undefined],
          first: args.first,
          after: args.after,
        }),
      ),
    datasets: (_p, args, ctx) => ctx.tenant((tx) => paginate(tx, schema.datasets, { first: args.first, after: args.after })),
    jobs: (_p, args, ctx) =>
      ctx.tenant((tx) =>
        paginate(tx, schema.jobs, {
          where: [
            args.state ? eq(schema.jobs.state, lower(args.state) as JobRow['state']) : undefined,
            args.kind ? eq(schema.jobs.kind, lower(args.kind) as JobRow['kind']) : undefined,
          ],
          first: args.first,
          after: args.after,
        }),
      ),
    findings: (_p, args, ctx) =>
      ctx.tenant((tx) =>
        paginate(tx, schema.findings, {
          where: [args.verdict ? eq(schema.findings.verdict, lower(args.verdict) as FindingRow['verdict']) : undefined],
          first: args.first,
          after: args.after,
        }),
      ),
    monitors: (_p, args, ctx) => ctx.tenant((tx) => paginate(tx, schema.monitors, { first: args.first, after: args.after })),
    apiKeys: (_p, args, ctx) => ctx.tenant((tx) => paginate(tx, schema.apiKeys, { first: args.first, after: args.after })),
    auditLog: (_p, args, ctx) =>
      ctx.tenant((tx) =>
        paginate(tx, schema.auditLog, {
          where: [
            args.action ? ilike(schema.auditLog.action, `${args.action.replace(/[%_\\]/g, '\\$&')}%`) : undefined,
            args.actor ? eq(schema.auditLog.actor, args.actor) : undefined,
          ],
          first: args.first,
          after: args.after,
        }),
      ),
    verifyAuditChain: (_p, args, ctx) =>
      ctx.tenant((tx) =>
        verifyAuditChain(tx, ctx.requireAuth().tenantId, {
          key: ctx.services.env.auditAnchorKey,
          anchors: (args.anchors ?? []).map((a) => ({ ...a })),
        }),
      ),
    auditAnchor: (_p, _a, ctx) =>
      ctx.tenant((tx) => anchorAuditHead(tx, ctx.requireAuth().tenantId, ctx.services.env.auditAnchorKey)),
    // the pool is shared by every tenant: per backend in aggregate, no machine names or IDs
    workers: async (_p, _a, ctx) => {
      ctx.requireAuth();
      const rows = await ctx.services.database.asService((tx) =>
        tx
          .select({
            backend: schema.workers.backend,
            concurrency: sql<number>`sum(${schema.workers.concurrency})::int`,
            lastSeenAt: sql<Date>`max(${schema.workers.lastSeenAt})`,
          })
          .from(schema.workers)
          .where(gt(schema.workers.lastSeenAt, sql`now() - interval '2 minutes'`))
          .groupBy(schema.workers.backend)
          .orderBy(asc(schema.workers.backend)),
      );
      return rows.map((r) => ({
        id: `pool:${r.backend}`,
        backend: r.backend,
        concurrency: r.concurrency,
        lastSeenAt: new Date(r.lastSeenAt),
      }));
    },
  },
  Overview: {
    findingsTrend: async (_p, args, ctx) => {
      const days = Math.min(Math.max(args.days ?? 30, 1), 365);
      const rows = await ctx.tenant((tx) =>
        tx
          .select({
            day: sql<string>`to_char(date_trunc('day', ${schema.findings.createdAt} at time zone 'UTC'), 'YYYY-MM-DD')`,
            verdict: schema.findings.verdict,
            n: count(),
          })
          .from(schema.findings)
          .where(and(gt(schema.findings.createdAt, sql`now() - make_interval(days => ${days})`)))
          .groupBy(sql`1`, schema.findings.verdict)
          .orderBy(sql`1`),
      );
      const byDay = new Map<
        string,
        { day: string; clean: number; suspicious: number; backdoored: number; repaired: number; notRepaired: number }
      >();
      for (const row of rows) {
        const point = byDay.get(row.day) ?? { day: row.day, clean: 0, suspicious: 0, backdoored: 0, repaired: 0, notRepaired: 0 };
        point[row.verdict === 'not-repaired' ? 'notRepaired' : row.verdict] += row.n;
        byDay.set(row.day, point);
      }
      return [...byDay.values()];
    },
  },
};
