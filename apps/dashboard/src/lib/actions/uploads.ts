'use server';
/**
 * Upload steps that need the session: reserving an upload URL and registering the uploaded
 * bytes. The browser PUTs the file itself, straight to the gateway, between the two.
 */
import { refresh } from 'next/cache';
import { z } from 'zod';
import { type ActionResult, fromFailure, fromUserErrors, invalid } from '@/lib/forms';
import { gateway } from '@/lib/gateway/server';
import {
  AddModelVersionMutation,
  CreateUploadMutation,
  RegisterDatasetMutation,
  RegisterModelMutation,
} from '@/lib/graphql/operations';

// Errors about the uploaded bytes belong next to the file input.
const FILE_ALIASES = { uploadId: 'file', filename: 'file', sizeBytes: 'file' };

const createUploadInput = z.object({
  purpose: z.enum(['MODEL', 'DATASET']),
  filename: z.string().min(1).max(255),
  sizeBytes: z.number().int().positive(),
});

export async function createUploadAction(
  input: z.input<typeof createUploadInput>,
): Promise<ActionResult<{ id: string; url: string; maxBytes: number }>> {
  const parsed = createUploadInput.safeParse(input);
  if (!parsed.success) return invalid({ file: 'Choose a non-empty file.' });
  const result = await gateway(CreateUploadMutation, { input: parsed.data });
  if (!result.ok) return fromFailure(result.error);
  const { upload, userErrors } = result.data.createUpload;
  if (!upload) return fromUserErrors(userErrors, ['file'], FILE_ALIASES);
  return { ok: true, data: { id: upload.id, url: upload.url, maxBytes: upload.maxBytes }, message: null };
}

const registerModelInput = z.object({
  name: z.string().trim().min(1, 'Give the model a name.').max(100),
  description: z.string().trim().max(2000).optional(),
  uploadId: z.string().min(1),
});

export async function registerModelAction(
  input: z.input<typeof registerModelInput>,
): Promise<ActionResult<{ modelId: string; versionId: string | null }>> {
  const parsed = registerModelInput.safeParse(input);
  if (!parsed.success) return invalid({ name: parsed.error.issues[0]?.message ?? 'Invalid input.' });
  const result = await gateway(RegisterModelMutation, { input: parsed.data });
  if (!result.ok) return fromFailure(result.error);
  const { model, version, userErrors } = result.data.registerModel;
  if (!model) return fromUserErrors(userErrors, ['name', 'description', 'file'], FILE_ALIASES);
  refresh();
  return { ok: true, data: { modelId: model.id, versionId: version?.id ?? null }, message: null };
}

const addVersionInput = z.object({ modelId: z.string().min(1), uploadId: z.string().min(1) });

export async function addModelVersionAction(
  input: z.input<typeof addVersionInput>,
): Promise<ActionResult<{ versionId: string; version: number; monitorJobs: number }>> {
  const parsed = addVersionInput.safeParse(input);
  if (!parsed.success) return invalid({}, 'Invalid input.');
  const result = await gateway(AddModelVersionMutation, { input: parsed.data });
  if (!result.ok) return fromFailure(result.error);
  const { version, monitorJobs, userErrors } = result.data.addModelVersion;
  if (!version) return fromUserErrors(userErrors, ['file'], FILE_ALIASES);
  refresh();
  return { ok: true, data: { versionId: version.id, version: version.version, monitorJobs: monitorJobs.length }, message: null };
}

const registerDatasetInput = z.object({
  name: z.string().trim().min(1, 'Give the dataset a name.').max(100),
  uploadId: z.string().min(1),
});

export async function registerDatasetAction(
  input: z.input<typeof registerDatasetInput>,
): Promise<ActionResult<{ datasetId: string }>> {
  const parsed = registerDatasetInput.safeParse(input);
  if (!parsed.success) return invalid({ name: parsed.error.issues[0]?.message ?? 'Invalid input.' });
  const result = await gateway(RegisterDatasetMutation, { input: parsed.data });
  if (!result.ok) return fromFailure(result.error);
  const { dataset, userErrors } = result.data.registerDataset;
  if (!dataset) return fromUserErrors(userErrors, ['name', 'file'], FILE_ALIASES);
  refresh();
  return { ok: true, data: { datasetId: dataset.id }, message: null };
}
