/**
 * Fine-tuning (FT) baseline: plain cross-entropy training of a copy of the suspect model on the
 * trusted data, with augmentation, stopping when held-out trusted accuracy drops more than the
 * budget. The paper's reference code passes the weight decay where the learning rate belongs; here
 * the learning rate is the learning rate and weight decay is a separate L2 term on kernels.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../datasets/image-dataset.ts';
import { singlePhaseCheckpointing } from '../checkpoint.ts';
import { heldOutReference, splitTrusted, workingCopy } from '../common.ts';
import { tuneWithinFloor } from '../floor-tuning.ts';
import type { DefenseOptions, RepairDefense, RepairResult } from '../types.ts';
import { CROSS_ENTROPY_REPLICA_LOSS, crossEntropy, outputsProbabilities, tuningReport, tuningSchedule } from './shared.ts';

export interface FineTuningOptions extends DefenseOptions {
  /** Training steps. Default 300 (Pivotal Tuning runs 600: its re-initialised head needs them to climb back within the accuracy budget). */
  steps?: number;
  /** Default 128 (capped at the size of the fit split). */
  batchSize?: number;
  /** SGD learning rate. Default 0.01. */
  learningRate?: number;
  /** Nesterov momentum. Default 0.9. */
  momentum?: number;
  /** L2 penalty on kernels added to the gradient. Default 5e-4. */
  weightDecay?: number;
  /** Allowed drop of held-out trusted accuracy (0.02 = 2 points) before stopping. Default 0.02. */
  accuracyBudget?: number;
  /** Steps between validation checks (and progress events). Default 25. */
  evaluateEvery?: number;
}

export const FINE_TUNING_DEFAULTS = {
  steps: 300,
  batchSize: 128,
  learningRate: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  accuracyBudget: 0.02,
  evaluateEvery: 25,
} as const satisfies Required<Omit<FineTuningOptions, keyof DefenseOptions>>;

export async function fineTuning(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: FineTuningOptions,
): Promise<RepairResult> {
  const started = performance.now();
  const settings = { ...FINE_TUNING_DEFAULTS, ...options };
  const { fit, validation } = splitTrusted(trusted, options);
  const checkpoint = singlePhaseCheckpointing('fine-tuning', 'fine-tune', settings.steps, options);
  const working = await workingCopy(model, trusted);
  try {
    const reference = await heldOutReference(model, validation);
    const accuracyBefore = reference.accuracy;
    const outcome = await tuneWithinFloor(
      working,
      fit,
      validation,
      {
        phase: 'fine-tune',
        ...tuningSchedule(settings),
        floor: accuracyBefore - settings.accuracyBudget,
        startAccuracy: accuracyBefore,
        reference,
        loss: crossEntropy(outputsProbabilities(model)),
        replicaLoss: CROSS_ENTROPY_REPLICA_LOSS,
        ...(checkpoint ? { checkpoint } : {}),
      },
      options,
    );
    return {
      model: working,
      defense: 'fine-tuning',
      validationAccuracyBefore: accuracyBefore,
      validationAccuracyAfter: outcome.accuracy,
      steps: outcome.steps,
      checkpoints: outcome.checkpoints,
      seconds: (performance.now() - started) / 1000,
      parameters: {
        ...tuningReport(settings, outcome, fit, validation),
        ...(outcome.resumedFromStep !== undefined ? { resumedFromStep: outcome.resumedFromStep } : {}),
      },
    };
  } catch (error) {
    working.dispose();
    throw error;
  }
}

export const fineTuningDefense: RepairDefense<FineTuningOptions> = { name: 'fine-tuning', repair: fineTuning };
