/**
 * How a repaired checkpoint compares with the suspect on the held-out trusted images: the accuracy
 * drop, judged image by image (paired), with its standard error. With 1% trusted data the held-out
 * split is ~120 images, so a 2-point budget is judged with about as much noise as the budget itself;
 * the error is stated next to every figure instead of being hidden (docs/method.md#held-out-noise).
 */
import { AntidoteError } from '../errors.ts';

export interface HeldOutComparison {
  images: number;
  accuracy: number;
  /** The suspect's accuracy minus this model's, on the same images (a fraction; negative = better). */
  drop: number;
  /** Standard error of `drop`, from the images on which the two models disagree. */
  dropStdError: number;
  /** Images the suspect got right and this model wrong. */
  lost: number;
  /** Images the suspect got wrong and this model right. */
  gained: number;
  /** Share of images on which both models predict the same class. */
  agreement: number;
}

export function compareHeldOut(
  suspectPredictions: ArrayLike<number>,
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
): HeldOutComparison {
  const n = labels.length;
  if (suspectPredictions.length !== n || predictions.length !== n) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Held-out comparison of ${predictions.length} and ${suspectPredictions.length} predictions for ${n} labels.`,
    );
  }
  let correct = 0;
  let lost = 0;
  let gained = 0;
  let same = 0;
  for (let i = 0; i < n; i++) {
    const before = suspectPredictions[i] === labels[i];
    const now = predictions[i] === labels[i];
    if (now) correct++;
    if (before && !now) lost++;
    if (!before && now) gained++;
    if (suspectPredictions[i] === predictions[i]) same++;
  }
  const safe = Math.max(n, 1);
  const net = lost - gained;
  // Variance of a difference of paired proportions: ((b + c) - (b - c)^2 / n) / n^2.
  const variance = Math.max(0, lost + gained - (net * net) / safe) / (safe * safe);
  return {
    images: n,
    accuracy: correct / safe,
    drop: net / safe,
    dropStdError: Math.sqrt(variance),
    lost,
    gained,
    agreement: same / safe,
  };
}

/**
 * Whether a held-out drop is compatible with the budget: at most `budget` plus `tolerance` standard
 * errors. A tolerance of 0 is the plain point estimate.
 */
export function withinBudget(
  comparison: Pick<HeldOutComparison, 'drop' | 'dropStdError'>,
  budget: number,
  tolerance: number,
): boolean {
  // Rounding guard: 2 lost images of 120 is a drop of exactly 1/60, which must pass a 1/60 budget.
  return comparison.drop <= budget + tolerance * comparison.dropStdError + 1e-9;
}

/** A two-sided 95% interval of the drop, in the same units (fractions). */
export function dropInterval(comparison: Pick<HeldOutComparison, 'drop' | 'dropStdError'>): [number, number] {
  return [comparison.drop - 1.96 * comparison.dropStdError, comparison.drop + 1.96 * comparison.dropStdError];
}
