/** Writes shared by the gateway (uploads) and the worker (repaired versions, trigger images). */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from './client.ts';
import { artifacts, models, modelVersions } from './schema/index.ts';

/** Grants the tenant read access to stored bytes (idempotent). */
export async function recordArtifact(tx: Tx, tenantId: string, sha256: string, size: number, contentType: string): Promise<void> {
  await tx.insert(artifacts).values({ tenantId, sha256, size, contentType }).onConflictDoNothing();
}

export interface ModelVersionInput {
  tenantId: string;
  modelId: string;
  artifactSha256: string;
  format: string;
  inputShape: number[];
  numClasses: number;
  paramCount: number;
  classNames?: string[] | null;
  parentVersionId?: string | null;
  createdByJobId?: string | null;
  metadata?: Record<string, unknown>;
  preprocessing?: Record<string, unknown> | null;
  fidelity?: Record<string, unknown> | null;
}

/** Next version number under a lock on the model row, so concurrent uploads never collide. */
export async function insertModelVersion(tx: Tx, input: ModelVersionInput) {
  const [model] = await tx.select({ id: models.id }).from(models).where(eq(models.id, input.modelId)).for('update');
  if (!model) return null;
  const [last] = await tx
    .select({ version: modelVersions.version })
    .from(modelVersions)
    .where(and(eq(modelVersions.modelId, input.modelId)))
    .orderBy(desc(modelVersions.version))
    .limit(1);
  const [row] = await tx
    .insert(modelVersions)
    .values({
      tenantId: input.tenantId,
      modelId: input.modelId,
      version: (last?.version ?? 0) + 1,
      artifactSha256: input.artifactSha256,
      format: input.format,
      inputShape: input.inputShape,
      numClasses: input.numClasses,
      paramCount: input.paramCount,
      classNames: input.classNames ?? null,
      parentVersionId: input.parentVersionId ?? null,
      createdByJobId: input.createdByJobId ?? null,
      metadata: input.metadata ?? {},
      preprocessing: input.preprocessing ?? null,
      fidelity: input.fidelity ?? null,
      createdAt: sql`now()`,
    })
    .returning();
  return row ?? null;
}
