/**
 * Token buckets per caller, in this process's memory: N gateway processes allow up to N times
 * the rate. Enough to stop a runaway CI loop; a shared limit would live in Postgres or a proxy.
 */
export function createRateLimiter(perMinute: number, burst = Math.max(10, Math.ceil(perMinute / 6))) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return {
    /** 0 when allowed; otherwise milliseconds until a token is available. */
    take(key: string, now = Date.now()): number {
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) * refillPerMs);
      bucket.at = now;
      buckets.set(key, bucket);
      if (buckets.size > 50_000) buckets.clear();
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) / refillPerMs);
    },
  };
}
