/** What every mutation shares: the userErrors wrapper, ID and name checks, audit, enqueue after commit. */
import { appendAudit, type Tx } from '@antidote/db';
import type { Job } from '@antidote/jobs';
import type { AuthContext } from '../auth.ts';
import type { GraphQLContext } from '../context.ts';
import { ApiError, toUserError } from '../errors.ts';
import type { UserError } from '../generated/resolvers.ts';
import { decodeId, type NodeType } from '../ids.ts';

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._()-]{0,99}$/u;

/** Runs a mutation body; known failures become userErrors, unknown ones propagate (masked). */
export async function attempt<T extends object, D extends object = object>(
  work: () => Promise<T>,
  emptyPayload?: D,
): Promise<(T | (D & Partial<T>)) & { userErrors: UserError[] }> {
  try {
    return { ...(await work()), userErrors: [] };
  } catch (error) {
    const userError = toUserError(error);
    if (!userError) throw error;
    return { ...(emptyPayload as D), userErrors: [userError] } as D & Partial<T> & { userErrors: UserError[] };
  }
}

export function need(globalId: string, type: NodeType, field: string[]): string {
  const id = decodeId(globalId, type);
  if (!id) throw new ApiError('NOT_FOUND', `No ${type} with this ID.`, field);
  return id;
}

export function checkName(name: string, field: string[]): string {
  const trimmed = name.trim();
  if (!NAME.test(trimmed)) {
    throw new ApiError(
      'INVALID_INPUT',
      'Names are 1-100 letters, digits, spaces or ._()- and start with a letter or digit.',
      field,
    );
  }
  return trimmed;
}

export const audit = (tx: Tx, auth: AuthContext, action: string, target: string, details: Record<string, unknown> = {}) =>
  appendAudit(tx, { tenantId: auth.tenantId, actor: auth.actor, action, target, details });

export async function enqueueAfterCommit(ctx: GraphQLContext, jobs: { job: Job; created: boolean }[]) {
  for (const { job, created } of jobs) if (created) await ctx.services.queue.enqueue(job);
}

export function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null | undefined>;
  };
}
