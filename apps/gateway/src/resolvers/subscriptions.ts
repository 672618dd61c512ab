import { schema } from '@antidote/db';
import type { JobEvent } from '@antidote/jobs';
import { eq } from 'drizzle-orm';
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../context.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { decodeId } from '../ids.ts';

/**
 * graphql-js ends a subscription by calling `return()` on its iterator; a generator parked on
 * "wait for the next NOTIFY" would only see that at its next event. Aborting first unparks it.
 */
function abortable<T, K extends string>(
  key: K,
  ctx: GraphQLContext,
  start: (signal: AbortSignal) => AsyncGenerator<T>,
): AsyncIterableIterator<Record<K, T>> {
  const controller = new AbortController();
  const inner = start(controller.signal);
  const iterator: AsyncIterableIterator<Record<K, T>> = {
    async next() {
      const step = await inner.next();
      if (step.done) return { done: true, value: undefined };
      // every event is delivered on the credential's current word, not the one given at subscribe
      if (!(await ctx.credentialActive())) {
        controller.abort();
        await inner.return(undefined);
        throw new GraphQLError('The credential of this subscription was revoked or has expired.', {
          extensions: { code: 'UNAUTHENTICATED' },
        });
      }
      return { done: false, value: { [key]: step.value } as Record<K, T> };
    },
    async return() {
      controller.abort();
      await inner.return(undefined);
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

export const subscriptionResolvers: Resolvers = {
  Subscription: {
    jobProgress: {
      subscribe: async (_p, args, ctx: GraphQLContext) => {
        const auth = ctx.requireAuth();
        const jobId = decodeId(args.jobId, 'Job');
        const [job] = jobId
          ? await ctx.tenant((tx) => tx.select({ id: schema.jobs.id }).from(schema.jobs).where(eq(schema.jobs.id, jobId)))
          : [];
        if (!job) throw new GraphQLError('No job with this ID.', { extensions: { code: 'NOT_FOUND' } });
        return abortable<JobEvent, 'jobProgress'>('jobProgress', ctx, (signal) =>
          ctx.services.hub.subscribe({ tenantId: auth.tenantId, jobId: job.id, afterSeq: args.afterSeq ?? 0, signal }),
        ) as never;
      },
    },
    tenantEvents: {
      subscribe: (_p, _a, ctx: GraphQLContext) => {
        const auth = ctx.requireAuth();
        return abortable<JobEvent, 'tenantEvents'>('tenantEvents', ctx, (signal) =>
          ctx.services.hub.subscribe({ tenantId: auth.tenantId, signal }),
        ) as never;
      },
    },
  },
};
