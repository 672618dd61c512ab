'use server';
/** Monitors: continuous scanning of a model's new versions, with webhooks. */
import { refresh } from 'next/cache';
import type { ActionResult, FieldErrors, FormState } from '@/lib/forms';
import { checked, fromFailure, fromUserErrors, invalid, numberField, text } from '@/lib/forms';
import { gateway } from '@/lib/gateway/server';
import type { WebhookInput } from '@/lib/graphql/generated';
import {
  CreateMonitorMutation,
  DeleteMonitorMutation,
  TestMonitorWebhookMutation,
  UpdateMonitorMutation,
} from '@/lib/graphql/operations';

function webhooks(formData: FormData, errors: FieldErrors): WebhookInput[] {
  const urls = formData.getAll('webhookUrl').map((v) => (typeof v === 'string' ? v.trim() : ''));
  const secrets = formData.getAll('webhookSecret').map((v) => (typeof v === 'string' ? v.trim() : ''));
  const list: WebhookInput[] = [];
  urls.forEach((url, index) => {
    const secret = secrets[index] ?? '';
    if (!url && !secret) return;
    const position = list.length;
    if (!/^https?:\/\/\S+$/i.test(url)) errors[`webhooks.${position}.url`] = 'Give an http(s) URL.';
    if (secret.length < 16) errors[`webhooks.${position}.secret`] = 'Use a secret of at least 16 characters.';
    list.push({ url, secret });
  });
  return list;
}

function schedule(formData: FormData, errors: FieldErrors) {
  const intervalMinutes = numberField(formData, 'intervalMinutes');
  if (intervalMinutes !== undefined && !(Number.isInteger(intervalMinutes) && intervalMinutes >= 1)) {
    errors.intervalMinutes = 'The interval is a whole number of minutes, 1 or more (leave empty for none).';
  }
  const scoreThreshold = numberField(formData, 'scoreThreshold');
  if (scoreThreshold !== undefined && !(scoreThreshold > 0 && scoreThreshold <= 1)) {
    errors.scoreThreshold = 'The threshold is a detection score in (0, 1].';
  }
  return { intervalMinutes: intervalMinutes ?? null, scoreThreshold: scoreThreshold ?? null };
}

const FIELDS = ['name', 'modelId', 'datasetId', 'intervalMinutes', 'scoreThreshold', 'webhooks'];

function withWebhookFields(count: number): string[] {
  return [...FIELDS, ...Array.from({ length: count }, (_, i) => [`webhooks.${i}.url`, `webhooks.${i}.secret`]).flat()];
}

export async function createMonitorAction(_previous: FormState, formData: FormData): Promise<ActionResult> {
  const errors: FieldErrors = {};
  const name = text(formData, 'name');
  const modelId = text(formData, 'modelId');
  const datasetId = text(formData, 'datasetId');
  if (!name) errors.name = 'Give the monitor a name.';
  if (!modelId) errors.modelId = 'Choose the model to watch.';
  if (!datasetId) errors.datasetId = 'Choose the trusted dataset scans use.';
  const hooks = webhooks(formData, errors);
  const input = {
    name: name ?? '',
    modelId: modelId ?? '',
    datasetId: datasetId ?? '',
    enabled: checked(formData, 'enabled'),
    scanOnNewVersion: checked(formData, 'scanOnNewVersion'),
    ...schedule(formData, errors),
    webhooks: hooks,
  };
  if (Object.keys(errors).length) return invalid(errors);
  const result = await gateway(CreateMonitorMutation, { input });
  if (!result.ok) return fromFailure(result.error);
  const { monitor, userErrors } = result.data.createMonitor;
  if (!monitor) return fromUserErrors(userErrors, withWebhookFields(hooks.length));
  refresh();
  return { ok: true, data: null, message: `Monitor “${input.name}” created.` };
}

export async function updateMonitorAction(_previous: FormState, formData: FormData): Promise<ActionResult> {
  const errors: FieldErrors = {};
  const id = text(formData, 'id');
  const name = text(formData, 'name');
  if (!id) return invalid({}, 'No monitor given.');
  if (!name) errors.name = 'Give the monitor a name.';
  const replaceWebhooks = checked(formData, 'replaceWebhooks');
  const hooks = replaceWebhooks ? webhooks(formData, errors) : [];
  const input = {
    id,
    name: name ?? '',
    enabled: checked(formData, 'enabled'),
    scanOnNewVersion: checked(formData, 'scanOnNewVersion'),
    ...schedule(formData, errors),
    ...(replaceWebhooks ? { webhooks: hooks } : {}),
  };
  if (Object.keys(errors).length) return invalid(errors);
  const result = await gateway(UpdateMonitorMutation, { input });
  if (!result.ok) return fromFailure(result.error);
  const { monitor, userErrors } = result.data.updateMonitor;
  if (!monitor) return fromUserErrors(userErrors, withWebhookFields(hooks.length));
  refresh();
  return { ok: true, data: null, message: 'Saved.' };
}

export async function setMonitorEnabledAction(id: string, enabled: boolean): Promise<ActionResult> {
  if (typeof id !== 'string' || typeof enabled !== 'boolean') return invalid({}, 'Invalid input.');
  const result = await gateway(UpdateMonitorMutation, { input: { id, enabled } });
  if (!result.ok) return fromFailure(result.error);
  const { monitor, userErrors } = result.data.updateMonitor;
  if (!monitor) return fromUserErrors(userErrors, []);
  refresh();
  return { ok: true, data: null, message: enabled ? 'Monitor enabled.' : 'Monitor paused.' };
}

export async function deleteMonitorAction(id: string): Promise<ActionResult> {
  if (typeof id !== 'string' || !id) return invalid({}, 'No monitor given.');
  const result = await gateway(DeleteMonitorMutation, { input: { id } });
  if (!result.ok) return fromFailure(result.error);
  const { deletedId, userErrors } = result.data.deleteMonitor;
  if (!deletedId) return fromUserErrors(userErrors, []);
  refresh();
  return { ok: true, data: null, message: 'Monitor deleted.' };
}

export interface Delivery {
  url: string;
  status: string;
  responseCode: number | null;
  error: string | null;
}

export async function testMonitorWebhookAction(id: string): Promise<ActionResult<Delivery[]>> {
  if (typeof id !== 'string' || !id) return invalid({}, 'No monitor given.');
  const result = await gateway(TestMonitorWebhookMutation, { input: { id } });
  if (!result.ok) return fromFailure(result.error);
  const { deliveries, userErrors } = result.data.testMonitorWebhook;
  if (userErrors.length) return fromUserErrors(userErrors, []);
  return { ok: true, data: deliveries, message: deliveries.length ? null : 'This monitor has no webhooks.' };
}
