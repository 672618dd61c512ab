/** How CTI turns each trigger family's class scores into a verdict: combining, thresholds. */
import { AntidoteError } from '../../errors.ts';
import type { TriggerFamily } from '../../formats/names.ts';

export type FamilyCombination = 'max' | 'centred';

/**
 * The model's score and suspected target from each family's score per class. `max`: a class scores
 * its best family, the model its best class (the method's rule). `centred`: each family's scores
 * are first lowered by that family's median over the checked classes, so a class counts by how far
 * it stands out within its family. Why: a backdoor is a shortcut to one class; a model that is
 * merely easy to flip raises a family's scores on many classes, and the median takes that level away while leaving a
 * lone target's score almost whole. Ties keep the earlier class and the earlier family.
 */
export function combineFamilyScores(
  familyScores: Partial<Record<TriggerFamily, readonly number[]>>,
  classes: readonly number[],
  rule: FamilyCombination,
  /**
   * Further score vectors of a family (the patch family at other area budgets), each centred by its
   * own median and competing as that family. Read by the centred rule with three or more classes
   * only: uncentred, a larger budget's scores would rise on every class alike.
   */
  extraViews: readonly { family: TriggerFamily; scores: readonly number[] }[] = [],
): { score: number; target: number | null; family: TriggerFamily | null; classScores: number[] } {
  const centring = rule === 'centred' && classes.length >= 3;
  const entries = [
    ...(Object.entries(familyScores) as [TriggerFamily, readonly number[]][]),
    ...(centring ? extraViews.map((v) => [v.family, v.scores] as [TriggerFamily, readonly number[]]) : []),
  ];
  const numClasses = entries[0]?.[1].length ?? 0;
  const classScores = new Array<number>(numClasses).fill(0);
  const bestFamily = new Map<number, TriggerFamily>();
  for (const [family, scores] of entries) {
    // Fewer than three classes (a user's one suspicion) leave no level to take away.
    const level = centring ? median(classes.map((c) => scores[c] ?? 0)) : 0;
    for (const c of classes) {
      const value = (scores[c] ?? 0) - level;
      if (!bestFamily.has(c) || value > (classScores[c] ?? 0)) {
        classScores[c] = value;
        bestFamily.set(c, family);
      }
    }
  }
  let target: number | null = null;
  for (const c of classes) if (target === null || (classScores[c] ?? 0) > (classScores[target] ?? 0)) target = c;
  return {
    score: target === null ? 0 : (classScores[target] ?? 0),
    target,
    family: target === null ? null : (bestFamily.get(target) ?? null),
    classScores,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * The verdict rule every consumer of a CTI score shares: strictly above the threshold. It pairs with
 * `calibrateThreshold`, which returns a clean reference model's own score, so that model stays clean.
 */
export function exceedsThreshold(score: number, threshold: number): boolean {
  return score > threshold;
}

/**
 * The decision threshold: the (1 - falsePositiveRate) quantile of scores of reference clean
 * models of the same architecture, trained by Antidote from the tenant's trusted data or supplied.
 */
export function calibrateThreshold(cleanScores: readonly number[], falsePositiveRate = 0.05): number {
  if (cleanScores.length === 0) throw new AntidoteError('INVALID_INPUT', 'Calibration needs at least one reference clean model.');
  const sorted = [...cleanScores].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((1 - falsePositiveRate) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}
