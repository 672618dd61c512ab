/**
 * What a repair may claim. A repair that kept no checkpoint within the accuracy budget hands back
 * the suspect's own weights; one that kept a checkpoint may still leave a known attack working.
 * Neither is "repaired". In both cases the user gets the trade-offs the run saw (held-out accuracy
 * drop with its uncertainty, and a known attack's success when one was given), so a larger budget
 * is a decision taken on figures, not a retry in the dark (docs/method.md#honest-outcome).
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointRecord } from './floor-tuning.ts';
import { dropInterval } from './held-out.ts';

/** Attack success a repair must get under, when the attack is known, to count as repaired. */
export const REPAIRED_ATTACK_SUCCESS_BAR = 0.1;

/** One evaluated checkpoint as a trade-off between clean accuracy and (when known) the attack. */
export interface RepairTradeoff {
  run: string;
  step: number;
  /** Held-out trusted accuracy of the checkpoint (fraction). */
  heldOutAccuracy: number;
  /** Paired drop against the suspect on the same images (fraction; negative = better). */
  drop: number;
  /** Two-sided 95% interval of `drop` from the held-out size. */
  dropInterval: [number, number];
  heldOutImages: number;
  withinBudget: boolean;
  /** The known attack's success on held-out images, when an attack was given. */
  attackSuccess?: number;
}

/**
 * The checkpoints worth showing: with a known attack, those no other checkpoint beats on both
 * drop and attack success (the frontier), otherwise the lowest drops seen. At most `limit`,
 * ordered by drop.
 */
export function repairFrontier(
  checkpoints: readonly CheckpointRecord[],
  options: { attackMetric?: string; limit?: number } = {},
): RepairTradeoff[] {
  const limit = options.limit ?? 12;
  const points: RepairTradeoff[] = checkpoints.flatMap((c) => {
    if (!c.heldOut) return [];
    const attack = options.attackMetric ? c.metrics[options.attackMetric] : undefined;
    return [
      {
        run: c.phase,
        step: c.step,
        heldOutAccuracy: c.heldOut.accuracy,
        drop: c.heldOut.drop,
        dropInterval: dropInterval(c.heldOut),
        heldOutImages: c.heldOut.images,
        withinBudget: c.withinFloor,
        ...(attack !== undefined && Number.isFinite(attack) ? { attackSuccess: attack } : {}),
      },
    ];
  });
  const byDrop = [...points].sort((a, b) => a.drop - b.drop || b.step - a.step);
  if (!byDrop.some((p) => p.attackSuccess !== undefined)) return byDrop.slice(0, limit);
  const frontier: RepairTradeoff[] = [];
  let bestAttack = Number.POSITIVE_INFINITY;
  for (const p of byDrop) {
    const attack = p.attackSuccess ?? Number.POSITIVE_INFINITY;
    if (attack < bestAttack) {
      frontier.push(p);
      bestAttack = attack;
    }
  }
  // Too many points: keep both ends and an even spread between them.
  if (frontier.length <= limit) return frontier;
  return Array.from({ length: limit }, (_, i) => frontier[Math.round((i * (frontier.length - 1)) / (limit - 1))]!);
}

export interface RepairJudgement {
  repaired: boolean;
  /** Why not, in the user's words; empty when repaired. */
  reasons: string[];
}

/** Whether two models of the same architecture hold exactly the same weights. */
export function sameWeights(a: tf.LayersModel, b: tf.LayersModel): boolean {
  const wa = a.getWeights();
  const wb = b.getWeights();
  if (wa.length !== wb.length) return false;
  return wa.every((w, i) => {
    const other = wb[i]!;
    if (w.size !== other.size) return false;
    const x = w.dataSync();
    const y = other.dataSync();
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
    return true;
  });
}

/**
 * `repaired` only when the repair changed the model (a repair that keeps nothing within the
 * budget hands back the suspect's weights) and, with a known attack, brought its success under
 * `REPAIRED_ATTACK_SUCCESS_BAR`.
 */
export function judgeRepair(
  result: {
    changed: boolean;
    accuracyBudget: number;
    /** 'agreement' when the held-out labels were the suspect's own predictions (unlabelled trusted data). */
    heldOutMetric?: 'accuracy' | 'agreement';
  },
  knownAttack?: { successBefore: number; successAfter: number },
): RepairJudgement {
  const reasons: string[] = [];
  const budget = `${(result.accuracyBudget * 100).toFixed(1)}-point`;
  const metric = result.heldOutMetric === 'agreement' ? 'agreement with the suspect' : 'accuracy';
  if (!result.changed) {
    reasons.push(`No checkpoint kept held-out ${metric} within the ${budget} budget; the model came back unchanged.`);
  } else if (knownAttack && knownAttack.successAfter > REPAIRED_ATTACK_SUCCESS_BAR) {
    reasons.push(
      `The known attack still succeeds on ${(knownAttack.successAfter * 100).toFixed(1)}% of held-out images ` +
        `(${(knownAttack.successBefore * 100).toFixed(1)}% before; the bar is ${REPAIRED_ATTACK_SUCCESS_BAR * 100}%) within the ${budget} budget.`,
    );
  }
  return { repaired: reasons.length === 0, reasons };
}
