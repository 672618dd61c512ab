/**
 * Relay connections over keyset pagination (newest first): the cursor is the last row's
 * (createdAt, id), so pages stay stable while rows are added, and no OFFSET scans.
 */
import type { Tx } from '@antidote/db';
import { and, count, desc, getTableColumns, getTableName, type InferSelectModel, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { ApiError } from './errors.ts';
import { preparedOn } from './prepared.ts';

const TOTAL = '__totalCount';

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

export interface Page<Row> {
  edges: { cursor: string; node: Row }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

function encodeCursor(createdAt: Date, id: string | number): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), String(id)])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      if (!Number.isNaN(Date.parse(value[0]))) return [value[0], value[1]];
    }
  } catch {}
  throw new ApiError('INVALID_INPUT', 'Malformed cursor: pass back an endCursor you received.', ['after']);
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
    throw new ApiError('INVALID_INPUT', `first must be between 0 and ${MAX_PAGE}.`, ['first']);
  }
  return first;
}

/** Newest-first pages of any tenant table with `createdAt` and `id` columns (the keyset). */
export async function paginate<T extends PgTable & { createdAt: AnyPgColumn; id: AnyPgColumn }>(
  tx: Tx,
  table: T,
  options: {
    where?: (SQL | undefined)[];
    first?: number | null;
    after?: string | null;
  },
): Promise<Page<InferSelectModel<T> & { createdAt: Date; id: string | number }>> {
  type Row = InferSelectModel<T> & { createdAt: Date; id: string | number };
  const limit = pageSize(options.first);
  const filters = (options.where ?? []).filter((f): f is SQL => f !== undefined);
  const keyset = options.after
    ? (() => {
        const [createdAt, id] = decodeCursor(options.after);
        return sql`(${table.createdAt}, ${table.id}) < (${createdAt}::timestamptz, ${id})`;
      })()
    : undefined;
  let rows: Row[];
  let total: number;
  if (keyset) {
    rows = (await tx
      .select()
      .from(table as PgTable)
      .where(and(...filters, keyset))
      .orderBy(desc(table.createdAt), desc(table.id))
      .limit(limit + 1)) as Row[];
    const [counted] = await tx
      .select({ n: count() })
      .from(table as PgTable)
      .where(and(...filters));
    total = counted?.n ?? 0;
  } else {
    // the first page counts in the same query: a window runs before LIMIT, over every matching row
    const firstPage = (t: Tx) =>
      t
        .select({ ...getTableColumns(table as PgTable), [TOTAL]: sql<number>`count(*) over ()`.mapWith(Number) })
        .from(table as PgTable)
        .where(and(...filters))
        .orderBy(desc(table.createdAt), desc(table.id));
    // unfiltered (every list's landing page): built once per connection
    const counted = (await (filters.length === 0
      ? preparedOn(tx, `first_page_${getTableName(table)}`, (t, name) =>
          firstPage(t).limit(sql.placeholder('limit')).prepare(name),
        ).execute({ limit: limit + 1 })
      : firstPage(tx).limit(limit + 1))) as (Row & { [TOTAL]: number })[];
    total = counted[0]?.[TOTAL] ?? 0;
    rows = counted.map(({ [TOTAL]: _, ...row }) => row as unknown as Row);
  }
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    // encoded only when asked for: most pages (the dashboard's) never select an edge's cursor
    edges: page.map((node) => ({
      node,
      get cursor() {
        return encodeCursor(node.createdAt, node.id);
      },
    })),
    pageInfo: { hasNextPage: rows.length > limit, endCursor: last ? encodeCursor(last.createdAt, last.id) : null },
    totalCount: total,
  };
}
