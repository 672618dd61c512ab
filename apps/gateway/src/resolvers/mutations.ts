/**
 * Mutations. User mistakes never throw: they come back as `userErrors` with a stable code.
 * Every state change is audited in the same transaction; jobs are enqueued after commit (and a
 * reconciler re-sends any a crash left behind).
 */
import type { Resolvers } from '../generated/resolvers.ts';
import { apiKeyMutations } from './api-key-mutations.ts';
import { authMutations } from './auth-mutations.ts';
import { jobMutations } from './job-mutations.ts';
import { monitorMutations } from './monitor-mutations.ts';
import { uploadMutations } from './upload-mutations.ts';

export const mutationResolvers: Resolvers = {
  Mutation: {
    ...authMutations.Mutation,
    ...uploadMutations.Mutation,
    ...jobMutations.Mutation,
    ...apiKeyMutations.Mutation,
    ...monitorMutations.Mutation,
  },
};
