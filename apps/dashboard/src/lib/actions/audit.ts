'use server';
/** Verifying the tenant's hash-chained audit log. */
import type { ActionResult } from '@/lib/forms';
import { fromFailure } from '@/lib/forms';
import { gateway } from '@/lib/gateway/server';
import type { VerifyAuditChainQuery } from '@/lib/graphql/generated';
import { VerifyAuditChainQuery as VerifyOperation } from '@/lib/graphql/operations';

export async function verifyAuditChainAction(): Promise<ActionResult<VerifyAuditChainQuery['verifyAuditChain']>> {
  const result = await gateway(VerifyOperation, {});
  if (!result.ok) return fromFailure(result.error);
  return { ok: true, data: result.data.verifyAuditChain, message: null };
}
