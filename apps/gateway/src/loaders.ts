/** One DataLoader per lookup per request, so a page of 100 models costs a handful of queries. */
import { schema, type Tx } from '@antidote/db';
import DataLoader from 'dataloader';
import { and, asc, desc, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { ModelVersionRow } from './mappers.ts';
import { preparedOn } from './prepared.ts';

export type Health = 'UNSCANNED' | 'CLEAN' | 'SUSPICIOUS' | 'BACKDOORED' | 'REPAIRED';

export function healthOf(verdict: string | null, isRepairOutput: boolean): Health {
  if (!verdict) return isRepairOutput ? 'REPAIRED' : 'UNSCANNED';
  if (verdict === 'clean' && isRepairOutput) return 'REPAIRED';
  return verdict.toUpperCase() as Health;
}

type Tenant = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

/**
 * `column = any($1)` with the ids as one array parameter: the same SQL text for every batch size,
 * so the statement is prepared once per connection (inArray spells out one parameter per id).
 */
const anyOf = (column: AnyPgColumn, ids: readonly (string | null)[]) => sql`${column} = any(${sql.param([...ids])})`;

/** A version's latest detection verdict, as a column of a query on model_versions. */
// spelled out: drizzle renders the column as a bare "id" here, which would bind to findings.id
const latestVerdictOf = sql<
  string | null
>`(select f.verdict from findings f where f.model_version_id = "model_versions"."id" and f.kind = 'detection' order by f.created_at desc limit 1)`;

export type VersionWithVerdict = ModelVersionRow & { latestVerdict: string | null };

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

function byIdLoader<Row extends { id: string }>(tenant: Tenant, load: (tx: Tx, ids: string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = await tenant((tx) => load(tx, [...ids]));
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/**
 * A class whose fields are made on first read: a request builds only the loaders its query uses
 * (the models page uses one of ten).
 */
function lazily<F extends Record<string, (tenant: Tenant) => unknown>>(factories: F) {
  class Lazy {
    constructor(readonly tenant: Tenant) {}
  }
  for (const [key, make] of Object.entries(factories)) {
    Object.defineProperty(Lazy.prototype, key, {
      get(this: Lazy) {
        const value = make(this.tenant);
        Object.defineProperty(this, key, { value });
        return value;
      },
    });
  }
  return (tenant: Tenant) => new Lazy(tenant) as unknown as { readonly [K in keyof F]: ReturnType<F[K]> };
}

const { models, modelVersions, datasets, jobs, findings } = schema;

const newLoaders = lazily({
  model: (tenant: Tenant) => byIdLoader(tenant, (tx, ids) => tx.select().from(models).where(anyOf(models.id, ids))),
  modelVersion: (tenant: Tenant) =>
    byIdLoader(tenant, (tx, ids) => tx.select().from(modelVersions).where(anyOf(modelVersions.id, ids))),
  dataset: (tenant: Tenant) => byIdLoader(tenant, (tx, ids) => tx.select().from(datasets).where(anyOf(datasets.id, ids))),
  job: (tenant: Tenant) => byIdLoader(tenant, (tx, ids) => tx.select().from(jobs).where(anyOf(jobs.id, ids))),
  /** Each model's versions, oldest first, each with its latest detection verdict (for Model.health). */
  versionsOfModel: (tenant: Tenant) =>
    new DataLoader<string, VersionWithVerdict[]>(async (modelIds) => {
      const rows = await tenant((tx) =>
        preparedOn(tx, 'versions_of_model', (t, name) =>
          t
            .select({ ...getTableColumns(modelVersions), latestVerdict: latestVerdictOf })
            .from(modelVersions)
            .where(sql`${modelVersions.modelId} = any(${sql.placeholder('ids')})`)
            .orderBy(asc(modelVersions.version))
            .prepare(name),
        ).execute({ ids: [...modelIds] }),
      );
      const grouped = groupBy(rows, (r) => r.modelId);
      return modelIds.map((id) => grouped.get(id) ?? []);
    }),
  childrenOfVersion: (tenant: Tenant) =>
    new DataLoader<string, ModelVersionRow[]>(async (ids) => {
      const rows = await tenant((tx) => tx.select().from(modelVersions).where(anyOf(modelVersions.parentVersionId, ids)));
      const grouped = groupBy(rows, (r) => r.parentVersionId);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
  findingsOfVersion: (tenant: Tenant) =>
    new DataLoader<string, (typeof findings.$inferSelect)[]>(async (ids) => {
      const rows = await tenant((tx) =>
        tx.select().from(findings).where(anyOf(findings.modelVersionId, ids)).orderBy(desc(findings.createdAt)),
      );
      const grouped = groupBy(rows, (r) => r.modelVersionId);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
  findingsOfJob: (tenant: Tenant) =>
    new DataLoader<string, (typeof findings.$inferSelect)[]>(async (ids) => {
      const rows = await tenant((tx) => tx.select().from(findings).where(anyOf(findings.jobId, ids)));
      const grouped = groupBy(rows, (r) => r.jobId);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
  monitorsOfModel: (tenant: Tenant) =>
    new DataLoader<string, (typeof schema.monitors.$inferSelect)[]>(async (ids) => {
      const rows = await tenant((tx) => tx.select().from(schema.monitors).where(anyOf(schema.monitors.modelId, ids)));
      const grouped = groupBy(rows, (r) => r.modelId);
      return ids.map((id) => grouped.get(id) ?? []);
    }),
  /**
   * Health per version: its latest detection verdict; a version produced by a repair is
   * REPAIRED until a scan says otherwise than clean.
   */
  healthOfVersion: (tenant: Tenant) =>
    new DataLoader<string, Health>(async (ids) => {
      const rows = await tenant((tx) =>
        tx
          .select({
            id: modelVersions.id,
            parent: modelVersions.parentVersionId,
            verdict: latestVerdictOf,
          })
          .from(modelVersions)
          .where(anyOf(modelVersions.id, ids)),
      );
      const map = new Map(rows.map((r) => [r.id, healthOf(r.verdict, r.parent !== null)]));
      return ids.map((id) => map.get(id) ?? 'UNSCANNED');
    }),
  activeJobOfVersion: (tenant: Tenant) =>
    new DataLoader<string, boolean>(async (ids) => {
      const rows = await tenant((tx) =>
        tx
          .select({ id: jobs.modelVersionId })
          .from(jobs)
          .where(and(anyOf(jobs.modelVersionId, ids), inArray(jobs.state, ['queued', 'running']))),
      );
      const set = new Set(rows.map((r) => r.id));
      return ids.map((id) => set.has(id));
    }),
});

export function createLoaders(tenant: Tenant) {
  return newLoaders(tenant);
}

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * A model's health is its latest version's (the overview and Model.health both ask this); the
 * versions loader carries each version's verdict, so this costs no query of its own.
 */
export async function modelHealth(loaders: Loaders, modelId: string): Promise<Health> {
  const latest = (await loaders.versionsOfModel.load(modelId)).at(-1);
  return latest ? healthOf(latest.latestVerdict, latest.parentVersionId !== null) : 'UNSCANNED';
}
