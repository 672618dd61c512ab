/**
 * The loss terms of Pivotal Tuning (docs/method.md#pivotal-tuning): soft latent orthogonality (SLOL) on class
 * centroids of penultimate features, and the parameter-distance regulariser to the pivot.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Class centroids of `features` [N, D] for the classes present in `labels` [N], as [K, D] with
 * K = number of present classes, plus the same centroids for `pivotFeatures`. Empty classes are
 * dropped so an unbalanced batch does not produce zero rows.
 */
export function classCentroids(
  features: tf.Tensor2D,
  pivotFeatures: tf.Tensor2D,
  labels: Int32Array,
  numClasses: number,
): { centroids: tf.Tensor2D; pivotCentroids: tf.Tensor2D; present: number[] } {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  const present = counts.flatMap((count, c) => (count > 0 ? [c] : []));
  // Averaging matrix A [K, N]: A[k, n] = 1/count_k when labels[n] is the k-th present class.
  const weights = new Float32Array(present.length * labels.length);
  const row = new Map(present.map((c, k) => [c, k]));
  labels.forEach((label, n) => {
    const k = row.get(label);
    if (k !== undefined) weights[k * labels.length + n] = 1 / (counts[label] ?? 1);
  });
  const averaging = tf.tensor2d(weights, [present.length, labels.length]);
  const centroids = tf.matMul(averaging, features) as tf.Tensor2D;
  const pivotCentroids = tf.matMul(averaging, pivotFeatures) as tf.Tensor2D;
  averaging.dispose();
  return { centroids, pivotCentroids, present };
}

/**
 * Euclidean norm along `axis` as sqrt(sum(x^2) + eps): tf.norm's gradient at a zero vector is
 * 0/0 = NaN, and the i == j pair differences below are exactly zero.
 */
function safeNorm(x: tf.Tensor, axis: number, keepDims = false): tf.Tensor {
  return tf.sqrt(tf.add(tf.sum(tf.square(x), axis, keepDims), 1e-12));
}

/** Rows scaled to unit length. */
function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, safeNorm(x, 1, true));
}

/**
 * Term 1: Frobenius norm of the off-diagonal part of the centroid Gram matrix, divided by K.
 * The reference code subtracts a diagonal VECTOR from the Gram matrix (a broadcasting bug that
 * subtracts each column's diagonal entry everywhere); this is the intended off-diagonal norm.
 * Centroids are unit-normalised first, so the term measures angles, not feature scale (otherwise
 * shrinking all features would minimise it).
 */
export function centroidOrthogonality(centroids: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const k = centroids.shape[0];
    const unit = normalizeRows(centroids);
    const gram = tf.matMul(unit, unit, false, true);
    const offDiagonal = tf.mul(gram, tf.sub(1, tf.eye(k)));
    return tf.div(safeNorm(tf.reshape(offDiagonal, [-1]), 0), k) as tf.Scalar;
  });
}

/**
 * Term 2: sum over ordered pairs i != j of cos(C_i - C_j, C0_i - C0_j), divided by 2 (each
 * unordered pair once). High when the repaired model keeps the pivot's class geometry.
 */
export function pivotGeometryAlignment(centroids: tf.Tensor2D, pivotCentroids: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const k = centroids.shape[0];
    const d = centroids.shape[1];
    // All pair differences [K, K, D] by broadcasting.
    const diff = tf.sub(tf.reshape(centroids, [k, 1, d]), tf.reshape(centroids, [1, k, d]));
    const pivotDiff = tf.sub(tf.reshape(pivotCentroids, [k, 1, d]), tf.reshape(pivotCentroids, [1, k, d]));
    const dot = tf.sum(tf.mul(diff, pivotDiff), -1);
    const norms = tf.mul(safeNorm(diff, -1), safeNorm(pivotDiff, -1));
    // The diagonal (i == j) has zero-length differences: dot = 0 there, so cos = 0.
    const cosine = tf.div(dot, norms);
    return tf.div(tf.sum(cosine), 2) as tf.Scalar;
  });
}

export type SlolSign = 'align' | 'repel';

/**
 * SLOL = orthogonality - alignment ('align', our default) or orthogonality + alignment ('repel',
 * the reference code's sign). 'repel' collapsed clean accuracy in every setting tried
 * (docs/method.md#known-traps-in-the-reference-code-not-ported); 'align' keeps the pivot's clean class geometry while the CE term
 * and the parameter budget move the weights away from the backdoor.
 */
export function slolLoss(centroids: tf.Tensor2D, pivotCentroids: tf.Tensor2D, sign: SlolSign): tf.Scalar {
  return tf.tidy(() => {
    const orthogonality = centroidOrthogonality(centroids);
    const alignment = pivotGeometryAlignment(centroids, pivotCentroids);
    return (sign === 'align' ? tf.sub(orthogonality, alignment) : tf.add(orthogonality, alignment)) as tf.Scalar;
  });
}

/** sum((theta - theta0)^2) / number_of_parameters over the given weight pairs. */
export function parameterDistance(current: readonly tf.Tensor[], pivot: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    let count = 0;
    current.forEach((w, i) => {
      const w0 = pivot[i];
      if (!w0) return;
      total = tf.add(total, tf.sum(tf.squaredDifference(w, w0)));
      count += w.size;
    });
    return tf.div(total, Math.max(count, 1)) as tf.Scalar;
  });
}
