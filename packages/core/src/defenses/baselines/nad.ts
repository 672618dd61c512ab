/**
 * Neural Attention Distillation (NAD) baseline (Li et al., ICLR 2021). A teacher is the suspect
 * fine-tuned briefly on the trusted data; the student (another copy of the suspect) is trained
 * with cross-entropy plus beta times the distance between its attention maps and the teacher's at
 * the last conv layers. Fine-tuning weakens the backdoor a little; matching the teacher's
 * attention spreads that weakening through the feature maps the backdoor uses.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../datasets/image-dataset.ts';
import { AntidoteError } from '../../errors.ts';
import { outputToLogits, predictBatch } from '../../models/features.ts';
import { cloneModel } from '../../models/model-io.ts';
import {
  type CheckpointPart,
  checkResume,
  checkTotalSteps,
  encodeTensors,
  type JsonObject,
  phaseCheckpointing,
  phaseFromJson,
  restoreWeights,
  stateNumber,
  stateObject,
  stateString,
  tensorsFromEntry,
  tensorsToEntry,
} from '../checkpoint.ts';
import { heldOutReference, splitTrusted, workingCopy } from '../common.ts';
import { type CheckpointRecord, type FloorTuningOutcome, tuneWithinFloor } from '../floor-tuning.ts';
import type { DefenseOptions, RepairDefense, RepairResult } from '../types.ts';
import {
  CROSS_ENTROPY_REPLICA_LOSS,
  convActivation,
  crossEntropy,
  outputsProbabilities,
  requireConvLayers,
  tuningReport,
} from './shared.ts';

export interface NadOptions extends DefenseOptions {
  /** Teacher fine-tuning steps (NAD: a few epochs). Default 100. */
  teacherSteps?: number;
  /** Student (distillation) steps. Default 300. */
  steps?: number;
  /** Default 128 (capped at the size of the fit split). */
  batchSize?: number;
  /** SGD learning rate, teacher and student. Default 0.01 (NAD's). */
  learningRate?: number;
  /** Nesterov momentum. Default 0.9. */
  momentum?: number;
  /** L2 penalty on kernels added to the gradient. Default 5e-4 (NAD's). */
  weightDecay?: number;
  /**
   * Weight of each layer's attention loss. Default 1000, NAD's CIFAR value for its deeper layers.
   * Tuned down (divided by 10, up to `betaRetries` times) when a run cannot get through half its
   * steps without breaking the accuracy floor; the check uses only held-out trusted accuracy.
   */
  beta?: number;
  /** How many times beta may be divided by 10. Default 2. */
  betaRetries?: number;
  /** Exponent of the attention map (mean over channels of |a|^p). Default 2. */
  power?: number;
  /**
   * Where attention is matched: the last N Conv2D layers (their activations after any directly
   * following batch norm / ReLU), or explicit Conv2D layer names. Default 3.
   */
  attentionLayers?: number | readonly string[];
  /** Allowed drop of held-out trusted accuracy before stopping (teacher and student). Default 0.02. */
  accuracyBudget?: number;
  /** Steps between validation checks. Default 25. */
  evaluateEvery?: number;
}

export const NAD_DEFAULTS = {
  teacherSteps: 100,
  steps: 300,
  batchSize: 128,
  learningRate: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  beta: 1000,
  betaRetries: 2,
  power: 2,
  attentionLayers: 3,
  accuracyBudget: 0.02,
  evaluateEvery: 25,
} as const satisfies Required<Omit<NadOptions, keyof DefenseOptions>>;

/** NAD's attention map: mean over channels of |a|^p, flattened per image and L2-normalised. */
export function attentionMap(activation: tf.Tensor4D, power = 2): tf.Tensor2D {
  return tf.tidy(() => {
    const energy = power === 2 ? tf.square(activation) : tf.pow(tf.abs(activation), power);
    const flat = tf.reshape(tf.mean(energy, -1), [activation.shape[0], -1]);
    // sqrt(sum + eps) rather than tf.norm: a dead layer gives an all-zero map, and d|x|/dx is NaN at 0.
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(flat), -1, true), 1e-12));
    return tf.div(flat, norm) as tf.Tensor2D;
  });
}

/**
 * Squared difference of two attention maps averaged over images and positions, as NAD's code does
 * (`(at(s) - at(t)).pow(2).mean()`); beta ~ 1000 is calibrated for that averaging, not a sum.
 */
export function attentionLoss(student: tf.Tensor4D, teacher: tf.Tensor4D, power = 2): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(attentionMap(student, power), attentionMap(teacher, power))) as tf.Scalar);
}

function attentionTaps(model: tf.LayersModel, choice: number | readonly string[]): tf.SymbolicTensor[] {
  const convs = requireConvLayers(model, 'NAD');
  let chosen: tf.layers.Layer[];
  if (typeof choice === 'number') {
    if (!(Number.isInteger(choice) && choice >= 1)) {
      throw new AntidoteError('INVALID_INPUT', `attentionLayers must be a positive integer, got ${choice}.`);
    }
    chosen = convs.slice(-choice);
  } else {
    chosen = choice.map((name) => {
      const layer = convs.find((l) => l.name === name);
      if (!layer)
        throw new AntidoteError(
          'INVALID_INPUT',
          `No Conv2D layer named "${name}"; it has ${convs.map((l) => l.name).join(', ')}.`,
        );
      return layer;
    });
  }
  return chosen.map((layer) => convActivation(layer).tensor);
}

export async function neuralAttentionDistillation(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: NadOptions,
): Promise<RepairResult> {
  const started = performance.now();
  const settings = { ...NAD_DEFAULTS, ...options };
  const { fit, validation } = splitTrusted(trusted, options);
  const probabilities = outputsProbabilities(model);
  const totalSteps = settings.teacherSteps + settings.steps;
  const resumeFrom = checkResume(options.resumeFrom, 'nad');
  checkTotalSteps(resumeFrom, totalSteps);
  const resumePhase = resumeFrom ? stateString(resumeFrom.state, 'phase') : null;
  if (resumePhase !== null && resumePhase !== 'teacher' && resumePhase !== 'distill') {
    throw new AntidoteError('CORRUPT_FILE', `The NAD checkpoint names an unknown phase "${resumePhase}".`);
  }
  const teacher = await workingCopy(model, trusted);
  let student: tf.LayersModel | null = null;
  let best: {
    model: tf.LayersModel;
    beta: number;
    steps: number;
    accuracy: number;
    stoppedEarly: boolean;
    diverged: boolean;
    checkpoints?: CheckpointRecord[];
  } | null = null;
  try {
    const reference = await heldOutReference(model, validation);
    const accuracyBefore = reference.accuracy;
    const floor = accuracyBefore - settings.accuracyBudget;
    const tuning = {
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      momentum: settings.momentum,
      weightDecay: settings.weightDecay,
      evaluateEvery: settings.evaluateEvery,
      floor,
      startAccuracy: accuracyBefore,
      reference,
    };
    let teacherOutcome: FloorTuningOutcome;
    if (resumeFrom && resumePhase === 'distill') {
      // The teacher finished before the checkpoint: restore it instead of training it again.
      restoreWeights(teacher, tensorsFromEntry('teacher', resumeFrom.state.teacherSpecs, resumeFrom.files));
      teacherOutcome = outcomeFromJson(stateObject(resumeFrom.state, 'teacherOutcome'));
    } else {
      const checkpoint = phaseCheckpointing({
        defense: 'nad',
        phase: 'teacher',
        offset: 0,
        totalSteps,
        options,
        ...(resumeFrom ? { resume: phaseFromJson(resumeFrom.state, resumeFrom.files) } : {}),
      });
      teacherOutcome = await tuneWithinFloor(
        teacher,
        fit,
        validation,
        {
          ...tuning,
          phase: 'teacher',
          steps: settings.teacherSteps,
          loss: crossEntropy(probabilities),
          replicaLoss: CROSS_ENTROPY_REPLICA_LOSS,
          ...(checkpoint ? { checkpoint } : {}),
        },
        options,
      );
    }
    // What every distillation checkpoint carries besides its own phase: the teacher and earlier attempts.
    let teacherPart: CheckpointPart | null = null;
    let previousPart: CheckpointPart = { state: { previousBest: null }, files: {} };
    const distillPart = async (attempt: number): Promise<CheckpointPart> => {
      if (!teacherPart) {
        const entry = tensorsToEntry('teacher', await encodeTensors(teacher.getWeights()));
        teacherPart = { state: { teacherSpecs: entry.specs, teacherOutcome: outcomeToJson(teacherOutcome) }, files: entry.files };
      }
      return {
        state: { ...teacherPart.state, ...previousPart.state, attempt },
        files: { ...teacherPart.files, ...previousPart.files },
      };
    };
    let startAttempt = 0;
    if (resumeFrom && resumePhase === 'distill') {
      startAttempt = stateNumber(resumeFrom.state, 'attempt');
      const previous = resumeFrom.state.previousBest;
      if (previous !== null && previous !== undefined) {
        const record = stateObject(resumeFrom.state, 'previousBest');
        const restored = await cloneModel(model);
        best = { model: restored, beta: stateNumber(record, 'beta'), ...outcomeFromJson(record) };
        restoreWeights(restored, tensorsFromEntry('previous-best', record.specs, resumeFrom.files));
        previousPart = {
          state: { previousBest: record },
          files: { 'checkpoint/previous-best.bin': resumeFrom.files['checkpoint/previous-best.bin']! },
        };
      }
    }
    const teacherTaps = tf.model({ inputs: teacher.inputs, outputs: attentionTaps(teacher, settings.attentionLayers) });

    // Try beta, beta/10, ...: the first that trains through half its steps above the floor wins;
    // failing that, the attempt that trained longest (it moved furthest from the suspect).
    for (let attempt = startAttempt; attempt <= settings.betaRetries; attempt++) {
      const beta = settings.beta / 10 ** attempt;
      student = await cloneModel(model);
      const checkpoint = phaseCheckpointing({
        defense: 'nad',
        phase: 'distill',
        offset: settings.teacherSteps + attempt * settings.steps,
        totalSteps,
        options,
        extra: () => distillPart(attempt),
        ...(resumeFrom && resumePhase === 'distill' && attempt === startAttempt
          ? { resume: phaseFromJson(resumeFrom.state, resumeFrom.files) }
          : {}),
      });
      const heads = tf.model({
        inputs: student.inputs,
        outputs: [...attentionTaps(student, settings.attentionLayers), student.outputs[0]!],
      });
      const outcome = await tuneWithinFloor(
        student,
        fit,
        validation,
        {
          ...tuning,
          phase: attempt === 0 ? 'distill' : `distill-retry-${attempt}`,
          steps: settings.steps,
          seedOffset: 1 + attempt,
          ...(checkpoint ? { checkpoint } : {}),
          loss: ({ images, labels }) => {
            const outputs = heads.apply(images, { training: true }) as tf.Tensor[];
            const output = outputs[outputs.length - 1] as tf.Tensor2D;
            const logits = outputToLogits(output, probabilities) as tf.Tensor2D;
            let total = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
            const targets = predictBatch(teacherTaps, images) as tf.Tensor4D | tf.Tensor4D[];
            const teacherMaps = Array.isArray(targets) ? targets : [targets];
            teacherMaps.forEach((target, i) => {
              total = tf.add(total, tf.mul(beta, attentionLoss(outputs[i] as tf.Tensor4D, target, settings.power)));
            });
            return total;
          },
        },
        options,
      );
      const candidate = { model: student, beta, ...outcome };
      student = null;
      const good = outcome.steps >= settings.steps / 2;
      if (!best || candidate.steps > best.steps) {
        best?.model.dispose();
        best = candidate;
        if (checkpoint?.save) {
          const entry = tensorsToEntry('previous-best', await encodeTensors(candidate.model.getWeights()));
          previousPart = { state: { previousBest: { beta, ...outcomeToJson(outcome), specs: entry.specs } }, files: entry.files };
        }
      } else {
        candidate.model.dispose();
      }
      if (good) break;
    }
    if (!best) throw new AntidoteError('INTERNAL', 'NAD ran no distillation attempt.');
    return {
      model: best.model,
      defense: 'nad',
      validationAccuracyBefore: accuracyBefore,
      validationAccuracyAfter: best.accuracy,
      steps: best.steps,
      ...(best.checkpoints ? { checkpoints: best.checkpoints } : {}),
      seconds: (performance.now() - started) / 1000,
      parameters: {
        teacherSteps: settings.teacherSteps,
        teacherStepsUsed: teacherOutcome.steps,
        teacherValidationAccuracy: teacherOutcome.accuracy,
        beta: best.beta,
        betaRequested: settings.beta,
        power: settings.power,
        attentionLayers:
          typeof settings.attentionLayers === 'number' ? settings.attentionLayers : settings.attentionLayers.join(','),
        ...tuningReport(settings, best, fit, validation),
        ...(resumeFrom ? { resumedFromStep: resumeFrom.step } : {}),
      },
    };
  } catch (error) {
    best?.model.dispose();
    throw error;
  } finally {
    teacher.dispose();
    student?.dispose();
  }
}

function outcomeToJson(outcome: FloorTuningOutcome): JsonObject {
  const { steps, accuracy, stoppedEarly, diverged, stepsRun } = outcome;
  return { steps, accuracy, stoppedEarly, diverged, stepsRun };
}

function outcomeFromJson(state: JsonObject): FloorTuningOutcome {
  return {
    steps: stateNumber(state, 'steps'),
    accuracy: stateNumber(state, 'accuracy'),
    stoppedEarly: state.stoppedEarly === true,
    diverged: state.diverged === true,
    // Checkpoints written before stepsRun was recorded lack it; their outcome's steps is the best estimate.
    stepsRun: typeof state.stepsRun === 'number' ? state.stepsRun : stateNumber(state, 'steps'),
    checkpoints: [],
  };
}

export const nadDefense: RepairDefense<NadOptions> = { name: 'nad', repair: neuralAttentionDistillation };
