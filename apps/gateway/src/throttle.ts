/**
 * Sign-in throttling kept in Postgres, so every gateway process counts the same failures:
 * per account and per client address, a few failures in a window block the key, and each
 * further failure doubles the block (capped). Successes clear the account's count.
 */
import { type Database, schema } from '@antidote/db';
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { ApiError } from './errors.ts';

export interface ThrottlePolicy {
  /** Failures allowed in a window before the key is blocked. */
  freeFailures: number;
  windowSeconds: number;
  firstBlockSeconds: number;
  maxBlockSeconds: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  windowSeconds: 900,
  firstBlockSeconds: 30,
  maxBlockSeconds: 900,
};
/** Addresses carry many users (offices, NAT) and junk bearer tokens: a looser count. */
export const ADDRESS_POLICY: ThrottlePolicy = {
  freeFailures: 20,
  windowSeconds: 900,
  firstBlockSeconds: 30,
  maxBlockSeconds: 900,
};

export const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`;
export const addressKey = (ip: string | undefined) => `ip:${ip ?? 'unknown'}`;

/** RATE_LIMITED when any key is blocked now. */
export async function assertNotThrottled(database: Database, keys: string[]): Promise<void> {
  const blocked = await database.asService((tx) =>
    tx
      .select({ until: schema.signInThrottle.blockedUntil })
      .from(schema.signInThrottle)
      .where(and(inArray(schema.signInThrottle.key, keys), gt(schema.signInThrottle.blockedUntil, sql`now()`))),
  );
  const until = Math.max(0, ...blocked.map((b) => b.until?.getTime() ?? 0));
  if (until > 0) {
    const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
    throw new ApiError('RATE_LIMITED', `Too many failed attempts; try again in ${seconds} s.`);
  }
}

/** Counts one failure against `key` (atomically, whatever process saw it). */
export async function recordFailure(database: Database, key: string, policy: ThrottlePolicy): Promise<void> {
  const window = sql.raw(`interval '${Math.floor(policy.windowSeconds)} seconds'`);
  const t = schema.signInThrottle;
  // a fresh window when the last one is over; past the free failures, block for
  // firstBlock * 2^(extra failures), capped
  await database.asService((tx) =>
    tx.execute(sql`
      insert into ${t} (key, failures, window_started_at) values (${key}, 1, now())
      on conflict (key) do update set
        failures = case when ${t.windowStartedAt} < now() - ${window} then 1 else ${t.failures} + 1 end,
        window_started_at = case when ${t.windowStartedAt} < now() - ${window} then now() else ${t.windowStartedAt} end,
        blocked_until = case
          when ${t.windowStartedAt} >= now() - ${window} and ${t.failures} + 1 > ${policy.freeFailures}
          then now() + make_interval(secs => least(${policy.maxBlockSeconds}::float8,
            ${policy.firstBlockSeconds}::float8 * power(2, ${t.failures} + 1 - ${policy.freeFailures} - 1)))
          else ${t.blockedUntil} end`),
  );
}

export async function clearFailures(database: Database, key: string): Promise<void> {
  await database.asService((tx) => tx.delete(schema.signInThrottle).where(eq(schema.signInThrottle.key, key)));
}
