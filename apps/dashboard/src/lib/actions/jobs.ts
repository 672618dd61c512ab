'use server';
/** Starting and cancelling jobs from the dashboard's forms. */
import { refresh } from 'next/cache';
import { redirect } from 'next/navigation';
import type { ActionResult, FormState } from '@/lib/forms';
import { fromFailure, fromUserErrors, invalid, numberField, text } from '@/lib/forms';
import { gateway } from '@/lib/gateway/server';
import type { KnownAttackInput, RepairMethod, TriggerFamily } from '@/lib/graphql/generated';
import { CancelJobMutation, StartRepairMutation, StartScanMutation } from '@/lib/graphql/operations';
import { ATTACK_NAMES, REPAIR_METHODS } from '@/lib/vocabulary';

type Fields = Record<string, string>;

function knownAttack(formData: FormData, errors: Fields): KnownAttackInput | undefined {
  const name = text(formData, 'attackName');
  if (!name) return undefined;
  if (!(ATTACK_NAMES as readonly string[]).includes(name)) errors.attackName = 'Unknown attack.';
  const target = numberField(formData, 'attackTarget');
  if (target === undefined || !Number.isInteger(target) || target < 0) {
    errors.attackTarget = 'Give the attack’s target class (a class index, 0 or more).';
    return undefined;
  }
  return { name, targetClass: target };
}

function common(formData: FormData, errors: Fields) {
  const modelVersionId = text(formData, 'modelVersionId');
  const datasetId = text(formData, 'datasetId');
  if (!modelVersionId) errors.modelVersionId = 'Choose a model version.';
  if (!datasetId) errors.datasetId = 'Choose a trusted dataset.';
  const seed = numberField(formData, 'seed');
  if (seed !== undefined && !Number.isInteger(seed)) errors.seed = 'The seed is a whole number.';
  return {
    modelVersionId: modelVersionId ?? '',
    datasetId: datasetId ?? '',
    seed,
    knownAttack: knownAttack(formData, errors),
    idempotencyKey: text(formData, 'idempotencyKey'),
  };
}

const SCAN_FIELDS = [
  'referenceSteps',
  'modelVersionId',
  'datasetId',
  'threshold',
  'seed',
  'attackName',
  'attackTarget',
  'knownAttack.name',
  'knownAttack.targetClass',
];

export async function startScanAction(_previous: FormState, formData: FormData): Promise<ActionResult> {
  const errors: Fields = {};
  const input = common(formData, errors);
  const threshold = numberField(formData, 'threshold');
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) errors.threshold = 'The threshold is a score in (0, 1].';
  const steps = numberField(formData, 'steps');
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) errors.steps = 'Steps is a whole number, 1 or more.';
  const referenceSteps = numberField(formData, 'referenceSteps');
  if (referenceSteps !== undefined && !(Number.isInteger(referenceSteps) && referenceSteps >= 1)) {
    errors.referenceSteps = 'Reference steps is a whole number, 1 or more.';
  }
  const classesText = text(formData, 'candidateClasses');
  const candidateClasses = classesText
    ?.split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  if (candidateClasses?.some((c) => !Number.isInteger(c) || c < 0)) errors.candidateClasses = 'List class indices, e.g. 0, 3, 7.';
  // Nothing ticked leaves the families to the API's default (patch and warp).
  const ticked: TriggerFamily[] = [
    ...(formData.get('additiveTriggers') === 'on' ? (['ADDITIVE'] as const) : []),
    ...(formData.get('patchTriggers') === 'on' ? (['PATCH'] as const) : []),
    ...(formData.get('warpTriggers') === 'on' ? (['WARP'] as const) : []),
  ];
  const triggerFamilies: TriggerFamily[] | undefined = ticked.length ? ticked : undefined;
  if (Object.keys(errors).length) return invalid(errors);
  const result = await gateway(StartScanMutation, {
    input: { ...input, threshold, steps, referenceSteps, candidateClasses, triggerFamilies },
  });
  if (!result.ok) return fromFailure(result.error);
  const { job, userErrors } = result.data.startScan;
  if (!job)
    return fromUserErrors(userErrors, SCAN_FIELDS, {
      'knownAttack.name': 'attackName',
      'knownAttack.targetClass': 'attackTarget',
    });
  redirect(`/jobs/${encodeURIComponent(job.id)}`);
}

const REPAIR_FIELDS = [...SCAN_FIELDS, 'method', 'cdaBudget'];

export async function startRepairAction(_previous: FormState, formData: FormData): Promise<ActionResult> {
  const errors: Fields = {};
  const input = common(formData, errors);
  const methodText = text(formData, 'method');
  const method = REPAIR_METHODS.find((m) => m.value === methodText)?.value as RepairMethod | undefined;
  if (methodText && !method) errors.method = 'Unknown repair method.';
  const cdaBudget = numberField(formData, 'cdaBudget');
  if (cdaBudget !== undefined && !(cdaBudget >= 0 && cdaBudget <= 100))
    errors.cdaBudget = 'The budget is 0 to 100 accuracy points.';
  const steps = numberField(formData, 'steps');
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) errors.steps = 'Steps is a whole number, 1 or more.';
  if (Object.keys(errors).length) return invalid(errors);
  const result = await gateway(StartRepairMutation, { input: { ...input, method, cdaBudget, steps } });
  if (!result.ok) return fromFailure(result.error);
  const { job, userErrors } = result.data.startRepair;
  if (!job)
    return fromUserErrors(userErrors, REPAIR_FIELDS, {
      'knownAttack.name': 'attackName',
      'knownAttack.targetClass': 'attackTarget',
    });
  redirect(`/jobs/${encodeURIComponent(job.id)}`);
}

export async function cancelJobAction(jobId: string): Promise<ActionResult<{ state: string }>> {
  if (typeof jobId !== 'string' || !jobId) return invalid({}, 'No job given.');
  const result = await gateway(CancelJobMutation, { input: { jobId } });
  if (!result.ok) return fromFailure(result.error);
  const { job, userErrors } = result.data.cancelJob;
  if (!job) return fromUserErrors(userErrors, []);
  refresh();
  return { ok: true, data: { state: job.state }, message: 'Cancellation requested.' };
}
