/**
 * Hot queries built once per pooled connection instead of once per request: drizzle renders a
 * query builder to SQL text and a prepared-query object on every execution, which for the models
 * page cost more CPU than the database spent answering it.
 *
 * A prepared query belongs to the drizzle handle it was made on, and a tenant transaction's handle
 * is its connection's (packages/db keeps one per pooled connection), so the cache is keyed by the
 * handle: nothing made for one connection runs on another. Handles that are new per transaction
 * (PGlite) simply miss and build as before. RLS is untouched: the statement runs inside the
 * caller's tenant transaction like any other.
 */
import type { Tx } from '@antidote/db';

const byHandle = new WeakMap<Tx, Map<string, unknown>>();

/** The query `build` makes on `tx`, made once per handle and `key`; `key` names the statement too. */
export function preparedOn<Q>(tx: Tx, key: string, build: (tx: Tx, name: string) => Q): Q {
  let queries = byHandle.get(tx);
  if (!queries) {
    queries = new Map();
    byHandle.set(tx, queries);
  }
  let query = queries.get(key) as Q | undefined;
  if (!query) {
    query = build(tx, `antidote_q_${key}`);
    queries.set(key, query);
  }
  return query;
}
