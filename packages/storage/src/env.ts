/**
 * The artifact-store variables every service reads, declared once. Each app's env module spreads
 * this shape into its own schema and parses it there (no process.env here).
 */
import { z } from 'zod';

export const storageEnvShape = {
  /** Filesystem artifact store root, or S3 when ANTIDOTE_S3_BUCKET is set. */
  ANTIDOTE_STORAGE_DIR: z.string().default('.antidote/artifacts'),
  ANTIDOTE_S3_BUCKET: z.string().optional(),
  /** An S3-compatible server (MinIO, Ceph); AWS when unset. */
  ANTIDOTE_S3_ENDPOINT: z.url().optional(),
  ANTIDOTE_S3_REGION: z.string().default('us-east-1'),
  ANTIDOTE_S3_PREFIX: z.string().default(''),
};

export type StorageEnv = z.output<z.ZodObject<typeof storageEnvShape>>;
