/**
 * The job catalog: every kind of work the queue carries, its parameter schema (validated when a
 * job is started and again when a worker picks it up), retry policy and time limit.
 */
import {
  type AttackName,
  ATTACK_NAMES as CORE_ATTACKS,
  LAB_ATTACK_NAMES,
  REPAIR_DEFENSES,
  TRIGGER_FAMILIES,
} from '@antidote/core/formats';
import { z } from 'zod';

// the names core implements, so a job can never name an attack or defense core does not know
export const REPAIR_METHODS = REPAIR_DEFENSES;
export const ATTACK_NAMES = CORE_ATTACKS as readonly [AttackName, ...AttackName[]];
export const SWEEP_ATTACKS = LAB_ATTACK_NAMES;

const knownAttack = z
  .object({ name: z.enum(ATTACK_NAMES), targetClass: z.number().int().min(0).max(999) })
  .describe('Measure ASR for this attack too (benchmarks, demos); never used to choose anything.');

export const scanParams = z.strictObject({
  modelVersionId: z.uuid(),
  datasetId: z.uuid(),
  candidateClasses: z.array(z.number().int().min(0).max(999)).max(1000).optional(),
  threshold: z.number().positive().max(1).optional(),
  steps: z.number().int().min(1).max(5000).optional(),
  /** Steps of the Pivotal-Tuning reference the inverted triggers are calibrated against. */
  referenceSteps: z.number().int().min(1).max(20000).optional(),
  seed: z.number().int().optional(),
  knownAttack: knownAttack.optional(),
  /** Trigger shapes CTI inverts (core's default when absent). */
  triggerFamilies: z.array(z.enum(TRIGGER_FAMILIES)).min(1).max(TRIGGER_FAMILIES.length).optional(),
  /** Why a scan/repair may run on an imported model whose fidelity check agreed on less than 99.9% (audited). */
  fidelityOverrideReason: z.string().trim().min(10).max(1000).optional(),
  /** Clean models' scores of the model's family, measured with the scan's settings: the verdict is read against them. */
  reference: z
    .strictObject({
      family: z.string().trim().min(1).max(200),
      settings: z.string().trim().min(1).max(500),
      cleanScores: z.array(z.number().min(-1).max(1)).min(1).max(10_000),
      source: z.string().trim().min(1).max(200).optional(),
    })
    .optional(),
  /** The false-positive rate the backdoored verdict is held to (core's default when absent). */
  falsePositiveRate: z.number().gt(0).lt(1).optional(),
});

/** Clean-accuracy loss (points) a repair may take without the caller stating why. */
export const DEFAULT_CDA_BUDGET = 2;

export const repairParams = z
  .strictObject({
    modelVersionId: z.uuid(),
    datasetId: z.uuid(),
    method: z.enum(REPAIR_METHODS).default('pivotal-tuning'),
    steps: z.number().int().min(1).max(20000).optional(),
    cdaBudget: z.number().min(0).max(100).optional(),
    /** Why a budget above the default is acceptable; required for one, kept in the audit log. */
    budgetReason: z.string().trim().min(10).max(1000).optional(),
    seed: z.number().int().optional(),
    knownAttack: knownAttack.optional(),
    /** Why a scan/repair may run on an imported model whose fidelity check agreed on less than 99.9% (audited). */
    fidelityOverrideReason: z.string().trim().min(10).max(1000).optional(),
  })
  .refine((p) => p.cdaBudget === undefined || p.cdaBudget <= DEFAULT_CDA_BUDGET || p.budgetReason !== undefined, {
    message: `a cdaBudget above ${DEFAULT_CDA_BUDGET} points needs a budgetReason (at least 10 characters) saying why the larger loss is acceptable`,
    path: ['budgetReason'],
  });

export const evaluateParams = z.strictObject({
  modelVersionId: z.uuid(),
  datasetId: z.uuid(),
  knownAttack: knownAttack.optional(),
  /** Why a scan/repair may run on an imported model whose fidelity check agreed on less than 99.9% (audited). */
  fidelityOverrideReason: z.string().trim().min(10).max(1000).optional(),
});

export const sweepParams = z.strictObject({
  attack: z.enum(SWEEP_ATTACKS),
  poisonCounts: z.array(z.number().int().min(0).max(60000)).min(1).max(10),
  seeds: z.number().int().min(1).max(10).default(1),
  datasetName: z.enum(['fashion-mnist', 'mnist']).default('fashion-mnist'),
  trainImages: z.number().int().min(100).max(60000).optional(),
  epochs: z.number().min(0.1).max(50).optional(),
  scanSteps: z.number().int().min(1).max(5000).optional(),
  referenceSteps: z.number().int().min(1).max(20000).optional(),
  repairSteps: z.number().int().min(1).max(20000).optional(),
});

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retryLimit: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
  /** A running attempt older than this is presumed dead (killed worker) and retried. */
  expireInSeconds: number;
}

export const JOB_CATALOG = {
  scan: { params: scanParams, policy: { retryLimit: 2, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 3600 } },
  repair: {
    params: repairParams,
    policy: { retryLimit: 3, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 4 * 3600 },
  },
  evaluate: {
    params: evaluateParams,
    policy: { retryLimit: 2, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 1800 },
  },
  sweep: {
    params: sweepParams,
    policy: { retryLimit: 1, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 12 * 3600 },
  },
} as const satisfies Record<string, { params: z.ZodType; policy: RetryPolicy }>;

export type JobKind = keyof typeof JOB_CATALOG;

/** How many times its estimate a job may run before its attempt is presumed dead. */
export const ESTIMATE_EXPIRY_FACTOR = 3;

/**
 * A running attempt's time limit: the kind's default, or a multiple of the job's estimate when
 * that is longer, so a legitimate long scan (a 224-px model) is not killed as a dead one.
 */
export function expiryFor(kind: JobKind, estimatedSeconds: number | null | undefined): number {
  const base = JOB_CATALOG[kind].policy.expireInSeconds;
  if (!(typeof estimatedSeconds === 'number' && Number.isFinite(estimatedSeconds) && estimatedSeconds > 0)) return base;
  return Math.max(base, Math.ceil(ESTIMATE_EXPIRY_FACTOR * estimatedSeconds));
}
export const JOB_KINDS = Object.keys(JOB_CATALOG) as JobKind[];
export type JobParams<K extends JobKind> = z.output<(typeof JOB_CATALOG)[K]['params']>;
export type JobParamsInput<K extends JobKind> = z.input<(typeof JOB_CATALOG)[K]['params']>;

export function isJobKind(value: string): value is JobKind {
  return Object.hasOwn(JOB_CATALOG, value);
}

export class InvalidJobParamsError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(kind: string, issues: { path: string; message: string }[]) {
    super(`Invalid ${kind} parameters: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidJobParamsError';
    this.issues = issues;
  }
}

export function parseJobParams<K extends JobKind>(kind: K, params: unknown): JobParams<K> {
  const result = JOB_CATALOG[kind].params.safeParse(params);
  if (!result.success) {
    throw new InvalidJobParamsError(
      kind,
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data as JobParams<K>;
}
