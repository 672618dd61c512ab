/**
 * The database variables every service reads, declared once. Each app's env module spreads this
 * shape into its own schema and parses it there (no process.env here).
 */
import { z } from 'zod';

export const databaseEnvShape = {
  /** PostgreSQL connection string; unset = embedded PGlite. */
  DATABASE_URL: z.string().optional(),
  /** PGlite data folder when DATABASE_URL is unset. */
  ANTIDOTE_DATA_DIR: z.string().default('.antidote/data'),
};

export type DatabaseEnv = z.output<z.ZodObject<typeof databaseEnvShape>>;
