/**
 * Calibrated Trigger Inversion (CTI) detection. For each candidate target class, optimise a
 * trigger that flips the suspect model to that class but NOT its Pivotal-Tuning repair; a real
 * backdoor is exactly such a shortcut, which repair removes.
 * score_c = ASR(trigger on suspect) - ASR(trigger on repaired), model score = max_c score_c.
 *
 * Trigger families: by default `patch` (Neural Cleanse's stamp (1 - m) * x + m * p held to a small
 * area) and `warp` (a smooth displacement field from a coarse control grid, WaNet's trigger shape,
 * held to a few pixels); on request `additive` (the method's: a full-image delta with an L1 size
 * penalty). `combineFamilyScores` turns each family's class scores into the model's.
 */
import * as tf from '@tensorflow/tfjs';
import { upsampleBicubic } from '../attacks/triggers.ts';
import { type ImageDataset, selectImages } from '../datasets/image-dataset.ts';
import { AntidoteError, throwIfAborted } from '../errors.ts';
import { TRIGGER_FAMILIES, type TriggerFamily } from '../formats/names.ts';
import { createRng } from '../random.ts';
import { batchTensor, labelTensor } from '../training/batches.ts';
import { splitTrusted } from './common.ts';
import { type PivotalTuningOptions, pivotalTuning } from './pivotal-tuning.ts';
import type { DefenseOptions, Detector, DetectResult } from './types.ts';

export interface TriggerInversionOptions extends DefenseOptions {
  /** Check only this class (the user's suspicion); default: every class. */
  targetClass?: number;
  /** Check only these classes (ignored when `targetClass` is set); default: every class. */
  candidateClasses?: readonly number[];
  /** Adam steps of each class's additive inversion. */
  steps?: number;
  /** Fit images per step of the additive inversion. */
  batchSize?: number;
  learningRate?: number;
  /** Weight of the calibration term CE(repaired(x'), y). */
  calibrationWeight?: number;
  /**
   * Weight of mean |delta| (an L1 size penalty on the trigger) in the inversion loss. The reference
   * code uses none; on Fashion-MNIST's small CNN an unpenalised full-image trigger flipped clean
   * models as readily as backdoored ones (score 0.84 clean vs 0.86 BadNets, both naming class 0,
   * measured with 50 Adam steps), because a 28x28 grey image has no room to spare. A real trigger
   * is small, so a size penalty keeps only those: with 100, clean models scored 0.065 and 0.093
   * and BadNets models 0.48 and 0.52, each naming the true target (30 separated less: 0.34 vs 0.69).
   */
  normPenalty?: number;
  /**
   * Trigger shapes to invert, each scored the same calibrated way, combined by `combine`.
   * Default `['patch', 'warp']`. `additive` is the method's own shape (a faint full-image delta
   * under an L1 size penalty); `patch` is Neural Cleanse's mask x pattern under an area budget,
   * which can also paint a blend's faint delta wherever the mask is soft; `warp` is WaNet's smooth
   * displacement field, which neither paints. Measured with `bench:efficacy` (Fashion-MNIST, five
   * clean and five poisoned models per attack, every family inverted on the same models): the patch
   * family alone had ROC AUC 1.00 and named the target on 30 of 30 victims of the six painted
   * attacks, with victims at 0.58-0.96 against clean 0.22-0.31, where the additive family had AUC
   * 0.64 on Adaptive-Patch and named the target on none of the WaNet victims (nor did the patch
   * family: class 8 on all five); the warp family named WaNet's target on 5 of 5 (efficacy-cti-patch,
   * efficacy-cti-warp, efficacy-cti-warp-2, efficacy-cti-warp-wanet). The additive family added
   * nothing the patch family missed and cost as much as the other two together, so it is opt-in.
   * The full benchmark with this default (2026-12-06, README "Measured"): ROC AUC 1.00 and the
   * target named on 35 of 35 victims of seven attacks (0.481-0.931 against clean 0.134-0.287).
   */
  triggerFamilies?: readonly TriggerFamily[];
  /** Adam steps of each class's patch inversion. */
  patchSteps?: number;
  /** Fit images per step of the patch inversion. */
  patchBatchSize?: number;
  /** Adam learning rate of the patch inversion. */
  patchLearningRate?: number;
  /**
   * Area the patch mask may cover without penalty, as a share of the image (mask L1 / pixels).
   * A real patch trigger is small; a clean model can be flipped by a large enough stamp of its
   * class, so beyond this area every pixel costs `patchOverBudgetWeight`.
   */
  patchArea?: number;
  /** Penalty per mask pixel beyond `patchArea`. */
  patchOverBudgetWeight?: number;
  /** Penalty per mask pixel within `patchArea`: keeps the mask from filling its budget for nothing. */
  patchMaskWeight?: number;
  /**
   * How the families' per-class scores become the model's score and suspected target (see
   * `combineFamilyScores`): `max` (the method's max over classes, per class the best family) or
   * `centred` (default: each family's scores less that family's median class score first). With
   * several families the plain maximum let one family's easy classes win: WaNet's 10-epoch victims
   * flip towards class 8 under patch triggers at 0.72-0.94, above the warp family's 0.79-0.91 on
   * the true target, so the maximum named the target on 3 of 5 and the centred rule on 5 of 5.
   */
  combine?: FamilyCombination;
  /** Adam steps of each class's warp inversion. */
  warpSteps?: number;
  /** Fit images per step of the warp inversion. */
  warpBatchSize?: number;
  /** Adam learning rate of the warp inversion (on the control grid's logits). */
  warpLearningRate?: number;
  /** Side of the warp's control grid (WaNet's k), upsampled bicubically to the image. */
  warpGrid?: number;
  /** Largest displacement of any pixel, in pixels: the warp family's size budget. */
  warpMaxShift?: number;
  /** A PT-repaired model to reuse (repair and detection share it); computed when absent. */
  repairedModel?: tf.LayersModel;
  repairOptions?: Omit<PivotalTuningOptions, keyof DefenseOptions>;
  /** Decision threshold on the score, from `calibrateThreshold` over reference clean models. */
  threshold?: number;
}

export { TRIGGER_FAMILIES, type TriggerFamily };

export const TRIGGER_INVERSION_DEFAULTS = {
  steps: 50,
  batchSize: 64,
  learningRate: 0.01,
  calibrationWeight: 0.5,
  normPenalty: 100,
  triggerFamilies: ['patch', 'warp'] as readonly TriggerFamily[],
  // 50 steps of 32 images at twice the learning rate of 100 steps of 64: a quarter of the work for
  // the same scores (Adaptive-Patch victim 0.556 vs 0.583, clean model 0.250 vs 0.259).
  patchSteps: 50,
  patchBatchSize: 32,
  patchLearningRate: 0.2,
  // 12 pixels of a 28x28 image. Measured on Fashion-MNIST (2 clean, 2 Adaptive-Patch models): 9
  // pixels scored clean 0.24-0.33 / victims 0.56-0.63; 12: 0.28-0.32 / 0.64-0.68; 16 (weight
  // 0.2): clean 0.32-0.44 / victims 0.74-0.98 over five each; no budget: clean 0.72-0.81.
  patchArea: 0.015,
  patchOverBudgetWeight: 0.2,
  patchMaskWeight: 0.01,
  combine: 'centred' as FamilyCombination,
  // A 4x4 grid per axis is WaNet's own k; 1.5 px covers its s = 1 field (at most ~1 px here).
  // Measured on one WaNet victim and one clean model (10 epochs): target 0.79 vs clean 0.15; with
  // 50 steps of 32 images at lr 0.1 instead of 100 of 64 at 0.05, 0.861 vs 0.870 on another victim
  // and 0.204 vs 0.222 on its clean model, in a quarter of the work.
  warpSteps: 50,
  warpBatchSize: 32,
  warpLearningRate: 0.1,
  warpGrid: 4,
  warpMaxShift: 1.5,
} as const;

/**
 * The distinct families of a caller's list, or INVALID_INPUT. Exported so a caller that runs
 * minutes of work before CTI (the scan's reference repair) can refuse a bad list first.
 */
export function checkTriggerFamilies(value: unknown): TriggerFamily[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((f) => (TRIGGER_FAMILIES as readonly unknown[]).includes(f))) {
    throw new AntidoteError('INVALID_INPUT', `triggerFamilies must be a non-empty list of ${TRIGGER_FAMILIES.join(', ')}.`);
  }
  return [...new Set(value as TriggerFamily[])];
}

export type FamilyCombination = 'max' | 'centred';

/**
 * The model's score and suspected target from each family's score per class. `max`: a class scores
 * its best family, the model its best class (the method's rule). `centred`: each family's scores
 * are first lowered by that family's median over the checked classes, so a class counts by how far
 * it stands out within its family. Why: a backdoor is a shortcut to one class; a model that is
 * merely easy to flip (WaNet's 10-epoch victims: the patch stamp flipped four classes at 0.45-0.91)
 * raises a family's scores on many classes, and the median takes that level away while leaving a
 * lone target's score almost whole. Ties keep the earlier class and the earlier family.
 */
export function combineFamilyScores(
  familyScores: Partial<Record<TriggerFamily, readonly number[]>>,
  classes: readonly number[],
  rule: FamilyCombination,
): { score: number; target: number | null; family: TriggerFamily | null; classScores: number[] } {
  const entries = Object.entries(familyScores) as [TriggerFamily, readonly number[]][];
  const numClasses = entries[0]?.[1].length ?? 0;
  const classScores = new Array<number>(numClasses).fill(0);
  const bestFamily = new Map<number, TriggerFamily>();
  for (const [family, scores] of entries) {
    // Fewer than three classes (a user's one suspicion) leave no level to take away.
    const level = rule === 'centred' && classes.length >= 3 ? median(classes.map((c) => scores[c] ?? 0)) : 0;
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

type Stamp = (images: tf.Tensor4D) => tf.Tensor;

function attackRate(model: tf.LayersModel, images: tf.Tensor4D, stamp: Stamp, target: number): number {
  return tf.tidy(() => {
    const predicted = tf.argMax(model.predict(stamp(images)) as tf.Tensor, -1);
    return tf.mean(tf.cast(tf.equal(predicted, target), 'float32')).dataSync()[0] ?? 0;
  });
}

/** One trigger to invert: how to apply it, what it costs, how to optimise it, what to show. */
interface TriggerShape {
  stamp: Stamp;
  sizePenalty: () => tf.Scalar;
  variables: tf.Variable[];
  steps: number;
  batchSize: number;
  learningRate: number;
  draw: ReturnType<typeof createRng>;
  /** HWC pixels in [0, 1] for display. */
  display: () => Promise<Float32Array>;
  dispose: () => void;
}

export async function calibratedTriggerInversion(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: TriggerInversionOptions,
): Promise<
  DetectResult & {
    repairedModel: tf.LayersModel;
    /** Each family's score per class (0 for classes not checked), before taking the best. */
    familyScores: Partial<Record<TriggerFamily, number[]>>;
  }
> {
  const started = performance.now();
  const settings = { ...TRIGGER_INVERSION_DEFAULTS, ...options };
  const numClasses = trusted.classNames.length;
  if (options.targetClass !== undefined && !(options.targetClass >= 0 && options.targetClass < numClasses)) {
    throw new AntidoteError('INVALID_INPUT', `targetClass must be in 0..${numClasses - 1}, got ${options.targetClass}.`);
  }
  if (
    options.candidateClasses !== undefined &&
    (options.candidateClasses.length === 0 ||
      !options.candidateClasses.every((c) => Number.isInteger(c) && c >= 0 && c < numClasses))
  ) {
    throw new AntidoteError('INVALID_INPUT', `candidateClasses must be a non-empty list of classes in 0..${numClasses - 1}.`);
  }
  const repaired =
    options.repairedModel ??
    (
      await pivotalTuning(model, trusted, {
        select: 'final',
        ...options.repairOptions,
        seed: options.seed,
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (p) => options.onProgress?.({ ...p, phase: 'repair' }),
      })
    ).model;
  // Invert on the fit part, score on the held-out part, as with every defense choice.
  const { fit, validation } = splitTrusted(trusted, options);
  const candidates =
    options.targetClass !== undefined
      ? [options.targetClass]
      : options.candidateClasses !== undefined
        ? [...new Set(options.candidateClasses)].sort((a, b) => a - b)
        : Array.from({ length: numClasses }, (_, c) => c);

  const { height, width, channels } = trusted;
  const families = checkTriggerFamilies(settings.triggerFamilies);
  const rng = createRng(options.seed ^ 0x1234567);
  // Its own stream, so adding the patch family leaves the additive inversion exactly as it was.
  const patchRng = createRng((options.seed ^ 0x5a7c4) >>> 0);
  const warpRng = createRng((options.seed ^ 0x3e11d) >>> 0);
  const checked = new Set<number>();
  const familyScores = new Map<TriggerFamily, number[]>(families.map((f) => [f, new Array<number>(numClasses).fill(0)]));
  const displays = new Map<string, Float32Array>();

  /**
   * Minimises CE(suspect(x'), target) + calibrationWeight * CE(repaired(x'), truth) + the family's
   * size penalty over `variables`, on batches of fit images not of the target class.
   */
  async function optimise(
    source: readonly number[],
    target: number,
    { stamp, sizePenalty, variables, steps, batchSize, learningRate, draw }: TriggerShape,
  ): Promise<void> {
    const optimizer = tf.train.adam(learningRate, 0.5, 0.9);
    try {
      for (let step = 0; step < steps; step++) {
        const picks = Int32Array.from({ length: Math.min(batchSize, source.length) }, () => source[draw.int(source.length)] ?? 0);
        const flip = trusted.flipAugment && draw.next() < 0.5;
        tf.tidy(() => {
          let images = batchTensor(fit, picks);
          if (flip) images = tf.reverse(images, 2);
          const labels = labelTensor(fit, picks);
          const targets = tf.oneHot(tf.fill([picks.length], target, 'int32') as tf.Tensor1D, numClasses);
          const truths = tf.oneHot(labels, numClasses);
          optimizer.minimize(
            () => {
              const triggered = stamp(images);
              const flipSuspect = tf.losses.softmaxCrossEntropy(targets, model.predict(triggered) as tf.Tensor);
              const keepRepaired = tf.losses.softmaxCrossEntropy(truths, repaired.predict(triggered) as tf.Tensor);
              return tf.addN([flipSuspect, tf.mul(settings.calibrationWeight, keepRepaired), sizePenalty()]) as tf.Scalar;
            },
            false,
            variables,
          );
        });
        if (step % 10 === 9) await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(options.signal);
      }
    } finally {
      optimizer.dispose();
    }
  }

  function additiveShape(): TriggerShape {
    // tf.variable shares the initial tensor's data but does not own the wrapper: release it.
    const initial = tf.tidy(() => tf.mul(tf.randomUniform([1, height, width, channels], 0, 1, 'float32', rng.seed()), 0.01));
    const delta = tf.variable(initial);
    initial.dispose();
    return {
      stamp: (images) => tf.clipByValue(tf.add(images, delta), 0, 1),
      sizePenalty: () =>
        settings.normPenalty > 0 ? (tf.mul(settings.normPenalty, tf.mean(tf.abs(delta))) as tf.Scalar) : tf.scalar(0),
      variables: [delta],
      steps: settings.steps,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      draw: rng,
      // The trigger is additive in [-1, 1]; shift it to [0, 1] for display.
      display: async () => Float32Array.from(await delta.data(), (v) => Math.min(1, Math.max(0, 0.5 + v / 2))),
      dispose: () => delta.dispose(),
    };
  }

  function patchShape(): TriggerShape {
    // As in Neural Cleanse: mask = sigmoid(logits) over HxW, pattern = (tanh(logits) + 1) / 2 over
    // HxWxC. The mask starts small (sigmoid(-3) ~ 5% everywhere) so it grows only where it pays.
    // Variables built inside a tidy: it releases the initial values and keeps the variables.
    const maskLogits = tf.tidy(() => tf.variable(tf.fill([1, height, width, 1], -3)));
    const patternLogits = tf.tidy(() =>
      tf.variable(tf.mul(tf.randomNormal([1, height, width, channels], 0, 1, 'float32', patchRng.seed()), 0.1)),
    );
    const mask = () => tf.sigmoid(maskLogits);
    const pattern = () => tf.div(tf.add(tf.tanh(patternLogits), 1), 2);
    const budget = settings.patchArea * height * width;
    return {
      stamp: (images) => {
        const m = mask();
        return tf.add(tf.mul(tf.sub(1, m), images), tf.mul(m, pattern()));
      },
      sizePenalty: () => {
        const area = tf.sum(mask());
        return tf.add(
          tf.mul(settings.patchMaskWeight, area),
          tf.mul(settings.patchOverBudgetWeight, tf.relu(tf.sub(area, budget))),
        ) as tf.Scalar;
      },
      variables: [maskLogits, patternLogits],
      steps: settings.patchSteps,
      batchSize: settings.patchBatchSize,
      learningRate: settings.patchLearningRate,
      draw: patchRng,
      // The stamp on black: what the trigger paints, where it paints it.
      display: async () => {
        const shown = tf.tidy(() => tf.mul(mask(), pattern()));
        const pixels = Float32Array.from(await shown.data());
        shown.dispose();
        return pixels;
      },
      dispose: () => tf.dispose([maskLogits, patternLogits]),
    };
  }

  function warpShape(): TriggerShape {
    // As WaNet builds its field: a grid x grid control grid per axis, upsampled bicubically to the
    // image (a linear map, so one [H*W, grid^2] matrix); tanh bounds every pixel's displacement.
    const grid = settings.warpGrid;
    const upsample = bicubicUpsamplingMatrix(grid, height, width);
    const logits = tf.tidy(() => tf.variable(tf.mul(tf.randomNormal([grid * grid, 2], 0, 1, 'float32', warpRng.seed()), 0.1)));
    const stamp: Stamp = (images) =>
      bilinearWarp(images, tf.mul(settings.warpMaxShift, tf.tanh(tf.matMul(upsample, logits))) as tf.Tensor2D);
    return {
      stamp,
      sizePenalty: () => tf.scalar(0),
      variables: [logits],
      steps: settings.warpSteps,
      batchSize: settings.warpBatchSize,
      learningRate: settings.warpLearningRate,
      draw: warpRng,
      // A regular grid of lines, warped: shows how and where the trigger bends the image.
      display: async () => {
        const lines = tf.tidy(() => {
          const ruled = tf.buffer([1, height, width, channels], 'float32');
          for (let r = 0; r < height; r++)
            for (let c = 0; c < width; c++)
              for (let k = 0; k < channels; k++) ruled.set(r % 4 === 1 || c % 4 === 1 ? 1 : 0, 0, r, c, k);
          return stamp(ruled.toTensor() as tf.Tensor4D);
        });
        const pixels = Float32Array.from(await lines.data());
        lines.dispose();
        return pixels;
      },
      dispose: () => tf.dispose([logits, upsample]),
    };
  }

  try {
    for (const [k, target] of candidates.entries()) {
      throwIfAborted(options.signal);
      const source = Array.from(fit.labels.keys()).filter((i) => fit.labels[i] !== target);
      const heldOut = Array.from(validation.labels.keys()).filter((i) => validation.labels[i] !== target);
      if (source.length === 0 || heldOut.length === 0) continue;
      const held = selectImages(validation, heldOut);
      const images = batchTensor(held, Int32Array.from(held.labels.keys()));
      try {
        for (const family of families) {
          const shape = family === 'additive' ? additiveShape() : family === 'patch' ? patchShape() : warpShape();
          try {
            await optimise(source, target, shape);
            const score = attackRate(model, images, shape.stamp, target) - attackRate(repaired, images, shape.stamp, target);
            (familyScores.get(family) as number[])[target] = score;
            displays.set(`${family}:${target}`, await shape.display());
            checked.add(target);
          } finally {
            shape.dispose();
          }
        }
      } finally {
        images.dispose();
      }
      await options.onProgress?.({
        phase: 'invert',
        step: k + 1,
        totalSteps: candidates.length,
        // The class's best family so far, whatever rule combines them at the end.
        metrics: { class: target, score: Math.max(...families.map((f) => familyScores.get(f)?.[target] ?? 0)) },
      });
    }
  } catch (error) {
    // Cancelled or failed: the repaired reference is released unless the caller owns it.
    if (repaired !== options.repairedModel) repaired.dispose();
    throw error;
  }

  const combined = combineFamilyScores(
    Object.fromEntries(familyScores),
    candidates.filter((c) => checked.has(c)),
    settings.combine,
  );
  const best = combined.target ?? candidates[0] ?? 0;
  const score = combined.score;
  const classScores = combined.classScores;
  const pixels = combined.family ? displays.get(`${combined.family}:${best}`) : undefined;
  const trigger = combined.family && pixels ? { family: combined.family, pixels } : null;
  const threshold = options.threshold ?? null;
  return {
    detector: 'cti',
    score,
    classScores: options.targetClass !== undefined ? null : classScores,
    suspectedTarget: best,
    threshold,
    verdict: threshold === null ? 'uncalibrated' : exceedsThreshold(score, threshold) ? 'backdoored' : 'clean',
    trigger: trigger ? { pixels: trigger.pixels, height, width, channels } : null,
    seconds: (performance.now() - started) / 1000,
    parameters: {
      calibrationWeight: settings.calibrationWeight,
      candidates: candidates.length,
      triggerFamilies: families.join(','),
      combine: settings.combine,
      ...(trigger ? { triggerFamily: trigger.family } : {}),
      // The suspected class's score per family, so a report can say which shape gave it away.
      ...Object.fromEntries(families.map((f) => [`${f}Score`, familyScores.get(f)?.[best] ?? 0])),
      ...(families.includes('additive')
        ? {
            steps: settings.steps,
            batchSize: settings.batchSize,
            learningRate: settings.learningRate,
            normPenalty: settings.normPenalty,
          }
        : {}),
      ...(families.includes('patch')
        ? {
            patchSteps: settings.patchSteps,
            patchBatchSize: settings.patchBatchSize,
            patchLearningRate: settings.patchLearningRate,
            patchArea: settings.patchArea,
            patchOverBudgetWeight: settings.patchOverBudgetWeight,
            patchMaskWeight: settings.patchMaskWeight,
          }
        : {}),
      ...(families.includes('warp')
        ? {
            warpSteps: settings.warpSteps,
            warpBatchSize: settings.warpBatchSize,
            warpLearningRate: settings.warpLearningRate,
            warpGrid: settings.warpGrid,
            warpMaxShift: settings.warpMaxShift,
          }
        : {}),
    },
    repairedModel: repaired,
    familyScores: Object.fromEntries(familyScores),
  };
}

/** The attacks' `upsampleBicubic` of a grid x grid field as a matrix: [H*W, grid^2]. */
function bicubicUpsamplingMatrix(grid: number, height: number, width: number): tf.Tensor2D {
  const cells = grid * grid;
  const matrix = new Float32Array(height * width * cells);
  for (let cell = 0; cell < cells; cell++) {
    const basis = new Float64Array(cells);
    basis[cell] = 1;
    const column = upsampleBicubic(basis, grid, grid, height, width);
    for (let p = 0; p < height * width; p++) matrix[p * cells + cell] = column[p] as number;
  }
  return tf.tensor2d(matrix, [height * width, cells]);
}

/**
 * Resamples NHWC images bilinearly at each pixel moved by `displacement` ([H*W, 2]: x, y in
 * pixels), clamped to the image, as the attacks' `warpBilinear` does; differentiable in the
 * displacement. tfjs has no grid-sample op, so the sampling is one [H*W, H*W] weight matrix,
 * weights[p, i*W + j] = wy[p, i] * wx[p, j] with wx[p, j] = max(0, 1 - |x_p - j|) (likewise wy),
 * and a matMul: only matMul and elementwise kernels, which our wasm backend trains. Building the
 * matrix once per batch costs less than weighting every image's rows separately (measured on
 * 32 images of 28x28: 21-26 ms against 32-55 ms per Adam step).
 */
export function bilinearWarp(images: tf.Tensor4D, displacement: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = images.shape;
    const pixels = height * width;
    const column = tf.tensor2d(
      Float32Array.from({ length: pixels }, (_, p) => p % width),
      [pixels, 1],
    );
    const row = tf.tensor2d(
      Float32Array.from({ length: pixels }, (_, p) => Math.floor(p / width)),
      [pixels, 1],
    );
    const [dx, dy] = tf.split(displacement, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const x = tf.clipByValue(tf.add(column, dx), 0, width - 1);
    const y = tf.clipByValue(tf.add(row, dy), 0, height - 1);
    const wx = tf.relu(tf.sub(1, tf.abs(tf.sub(x, tf.range(0, width, 1, 'float32').reshape([1, width])))));
    const wy = tf.relu(tf.sub(1, tf.abs(tf.sub(y, tf.range(0, height, 1, 'float32').reshape([1, height])))));
    const weights = tf.reshape(tf.mul(tf.reshape(wy, [pixels, height, 1]), tf.reshape(wx, [pixels, 1, width])), [pixels, pixels]);
    const flat = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [batch * channels, pixels]);
    const sampled = tf.matMul(flat, weights, false, true);
    return tf.transpose(tf.reshape(sampled, [batch, channels, height, width]), [0, 2, 3, 1]) as tf.Tensor4D;
  });
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

export const calibratedTriggerInversionDetector: Detector<TriggerInversionOptions> = {
  name: 'cti',
  detect: async (model, trusted, options) => {
    const { repairedModel, familyScores: _perFamily, ...result } = await calibratedTriggerInversion(model, trusted, options);
    if (repairedModel !== options.repairedModel) repairedModel.dispose();
    return result;
  },
};
