/**
 * Checkpoint and resume for the repairs, so a process killed mid-repair continues where it
 * stopped instead of starting over. A checkpoint is JSON-safe `state` plus binary `files`; `files`
 * always holds the weights being trained as a loadable model (`model.json` + `weights.bin`), and
 * everything else a defense needs (optimizer slots, the best weights so far, a NAD teacher, Neural
 * Cleanse triggers) under `checkpoint/`. A resumed run sees the batches the interrupted one would
 * have (trainModel derives them from seed and step), so it continues rather than repeats.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import { loadModelFromFiles, MODEL_JSON, type ModelFiles } from '../models/model-io.ts';
import type { TrainingCheckpoint } from '../training/train.ts';
import type { RepairDefenseName } from './types.ts';

export const DEFENSE_CHECKPOINT_FORMAT = 1;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface DefenseCheckpoint {
  format: typeof DEFENSE_CHECKPOINT_FORMAT;
  defense: RepairDefenseName;
  /** Steps done over all the defense's phases; a resumed run continues after it. */
  step: number;
  /** The defense's planned steps over all phases (NAD retries may add more). */
  totalSteps: number;
  /** Which phase, the step inside it and its bookkeeping. JSON-safe. */
  state: JsonObject;
  /** `model.json` + `weights.bin` (the weights being trained) and `checkpoint/*` payloads. */
  files: ModelFiles;
}

export interface CheckpointOptions {
  /** Awaited with a checkpoint every `checkpointEvery` training steps (not after the last step). */
  onCheckpoint?: (checkpoint: DefenseCheckpoint) => void | Promise<void>;
  /** Training steps between checkpoints. Checkpoints are off unless this and onCheckpoint are set. */
  checkpointEvery?: number;
  /** A checkpoint of an interrupted run of the same defense, suspect model, trusted data and options. */
  resumeFrom?: DefenseCheckpoint;
}

/** Tensors as bytes plus the specs to read them back (tf.io's weights encoding). */
export interface EncodedTensors {
  specs: tf.io.WeightsManifestEntry[];
  data: Uint8Array;
}

/** What a floor-guarded training phase (PT, the baselines' tuning) needs to continue. */
export interface PhaseSnapshot {
  training: TrainingCheckpoint;
  /** Step of the latest evaluation within the accuracy floor; 0 = the phase's starting weights. */
  bestStep: number;
  bestAccuracy: number;
  /** Those weights when they are neither the starting weights nor `training.model`. */
  bestWeights: EncodedTensors | null;
}

/** How a training phase takes part in checkpointing; built by the defense that runs it. */
export interface PhaseCheckpointing {
  every: number;
  save?: (snapshot: PhaseSnapshot) => Promise<void>;
  resume?: PhaseSnapshot;
}

export async function encodeTensors(tensors: readonly tf.Tensor[]): Promise<EncodedTensors> {
  const { data, specs } = await tf.io.encodeWeights(tensors.map((tensor, i) => ({ name: `t${i}`, tensor })));
  return { specs, data: new Uint8Array(data) };
}

/** The tensors in their original order; the caller owns them. */
export function decodeTensors(encoded: EncodedTensors): tf.Tensor[] {
  const { data } = encoded;
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  let named: tf.NamedTensorMap;
  try {
    named = tf.io.decodeWeights(buffer, encoded.specs);
  } catch (cause) {
    throw new AntidoteError('CORRUPT_FILE', 'A checkpoint holds tensors that cannot be decoded.', { cause });
  }
  return encoded.specs.map((spec) => {
    const tensor = named[spec.name];
    if (!tensor) throw new AntidoteError('CORRUPT_FILE', `A checkpoint lacks tensor ${spec.name}.`);
    return tensor;
  });
}

/** The weights of a saved model, as tensors the caller owns. */
export async function weightsOfFiles(files: ModelFiles): Promise<tf.Tensor[]> {
  const model = await loadModelFromFiles(files);
  try {
    return model.getWeights().map((w) => tf.clone(w));
  } finally {
    model.dispose();
  }
}

/** Sets weights from an encoding made by `encodeTensors(model.getWeights())`. */
export function restoreWeights(model: tf.LayersModel, encoded: EncodedTensors): void {
  const tensors = decodeTensors(encoded);
  try {
    model.setWeights(tensors);
  } catch (cause) {
    throw new AntidoteError('CORRUPT_FILE', 'A checkpoint holds weights of a different model.', { cause });
  } finally {
    tf.dispose(tensors);
  }
}

/** The snapshot trainModel's checkpoint hook turns into, given the phase's best-so-far bookkeeping. */
export async function snapshotPhase(
  training: TrainingCheckpoint,
  best: { step: number; accuracy: number; weights: readonly tf.Tensor[] },
): Promise<PhaseSnapshot> {
  const stored = best.step !== 0 && best.step !== training.step;
  return {
    training,
    bestStep: best.step,
    bestAccuracy: best.accuracy,
    bestWeights: stored ? await encodeTensors(best.weights) : null,
  };
}

/** The best-so-far weights of a resumed phase, or null when they are the phase's starting weights. */
export async function resumedBestWeights(resume: PhaseSnapshot): Promise<tf.Tensor[] | null> {
  if (resume.bestStep === 0) return null;
  if (resume.bestStep === resume.training.step) return weightsOfFiles(resume.training.model);
  if (!resume.bestWeights) throw new AntidoteError('CORRUPT_FILE', 'The checkpoint lacks its best weights.');
  return decodeTensors(resume.bestWeights);
}

// ---- to and from the JSON + files form ----------------------------------------------------------

const OPTIMIZER_FILE = 'checkpoint/optimizer.bin';
const BEST_FILE = 'checkpoint/best.bin';

function corrupt(what: string): AntidoteError {
  return new AntidoteError('CORRUPT_FILE', `The repair checkpoint is damaged: ${what}.`);
}

export function stateNumber(state: JsonObject, key: string): number {
  const value = state[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw corrupt(`"${key}" is not a number`);
  return value;
}

export function stateString(state: JsonObject, key: string): string {
  const value = state[key];
  if (typeof value !== 'string') throw corrupt(`"${key}" is not a string`);
  return value;
}

export function stateObject(state: JsonObject, key: string): JsonObject {
  const value = state[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(`"${key}" is not an object`);
  return value;
}

export function checkpointFile(files: ModelFiles, name: string): Uint8Array {
  const bytes = files[name];
  if (!bytes) throw corrupt(`${name} is missing`);
  return bytes;
}

function specsToJson(specs: readonly tf.io.WeightsManifestEntry[]): JsonValue {
  return JSON.parse(JSON.stringify(specs)) as JsonValue;
}

function specsFromJson(value: JsonValue | undefined): tf.io.WeightsManifestEntry[] {
  if (!Array.isArray(value)) throw corrupt('tensor specs are missing');
  return value.map((spec) => {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw corrupt('a tensor spec is malformed');
    const { name, shape, dtype } = spec;
    if (typeof name !== 'string' || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw corrupt('a tensor spec is malformed');
    }
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') throw corrupt(`tensor dtype ${String(dtype)}`);
    return { name, shape: shape as number[], dtype };
  });
}

/** Extra tensors (a teacher model, triggers) as a `checkpoint/<name>.bin` file and its specs for the state. */
export function tensorsToEntry(name: string, encoded: EncodedTensors): { specs: JsonValue; files: ModelFiles } {
  return { specs: specsToJson(encoded.specs), files: { [`checkpoint/${name}.bin`]: encoded.data } };
}

export function tensorsFromEntry(name: string, specs: JsonValue | undefined, files: ModelFiles): EncodedTensors {
  return { specs: specsFromJson(specs), data: checkpointFile(files, `checkpoint/${name}.bin`) };
}

/** A phase snapshot as state + files (the weights being trained become model.json + weights.bin). */
export function phaseToJson(snapshot: PhaseSnapshot): { state: JsonObject; files: ModelFiles } {
  const { training } = snapshot;
  const total = training.optimizer.reduce((n, slot) => n + slot.values.length, 0);
  const slots = new Float32Array(total);
  let offset = 0;
  for (const slot of training.optimizer) {
    slots.set(slot.values, offset);
    offset += slot.values.length;
  }
  const files: ModelFiles = { ...training.model, [OPTIMIZER_FILE]: new Uint8Array(slots.buffer) };
  if (snapshot.bestWeights) files[BEST_FILE] = snapshot.bestWeights.data;
  return {
    state: {
      phaseStep: training.step,
      optimizer: training.optimizer.map((slot) => ({ name: slot.name, shape: slot.shape })),
      bestStep: snapshot.bestStep,
      bestAccuracy: snapshot.bestAccuracy,
      bestSpecs: snapshot.bestWeights ? specsToJson(snapshot.bestWeights.specs) : null,
    },
    files,
  };
}

export function phaseFromJson(state: JsonObject, files: ModelFiles): PhaseSnapshot {
  const step = stateNumber(state, 'phaseStep');
  const optimizerState = state.optimizer;
  if (!Array.isArray(optimizerState)) throw corrupt('"optimizer" is not a list');
  const slotBytes = checkpointFile(files, OPTIMIZER_FILE);
  if (slotBytes.byteLength % 4 !== 0) throw corrupt('optimizer slots are truncated');
  const values = new Float32Array(slotBytes.slice().buffer);
  let offset = 0;
  const optimizer = optimizerState.map((slot) => {
    if (typeof slot !== 'object' || slot === null || Array.isArray(slot)) throw corrupt('an optimizer slot is malformed');
    const { name, shape } = slot;
    if (typeof name !== 'string' || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw corrupt('an optimizer slot is malformed');
    }
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (offset + size > values.length) throw corrupt('optimizer slots are truncated');
    const slotValues = values.slice(offset, offset + size);
    offset += size;
    return { name, shape: shape as number[], values: slotValues };
  });
  if (offset !== values.length) throw corrupt('optimizer slots do not match their description');
  const bestSpecs = state.bestSpecs;
  const model: ModelFiles = { [MODEL_JSON]: checkpointFile(files, MODEL_JSON) };
  for (const [name, bytes] of Object.entries(files)) if (!name.startsWith('checkpoint/')) model[name] = bytes;
  return {
    training: { step, model, optimizer },
    bestStep: stateNumber(state, 'bestStep'),
    bestAccuracy: stateNumber(state, 'bestAccuracy'),
    bestWeights:
      bestSpecs === null || bestSpecs === undefined
        ? null
        : { specs: specsFromJson(bestSpecs), data: checkpointFile(files, BEST_FILE) },
  };
}

/** Checks a checkpoint handed to `resumeFrom` belongs to this defense (and format). */
export function checkResume(
  checkpoint: DefenseCheckpoint | undefined,
  defense: RepairDefenseName,
): DefenseCheckpoint | undefined {
  if (!checkpoint) return undefined;
  if (checkpoint.format !== DEFENSE_CHECKPOINT_FORMAT) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `Checkpoint format ${String(checkpoint.format)} is not supported; start the repair over.`,
    );
  }
  if (checkpoint.defense !== defense) {
    throw new AntidoteError('INVALID_INPUT', `The checkpoint is of a ${checkpoint.defense} repair, not ${defense}.`);
  }
  if (typeof checkpoint.state !== 'object' || checkpoint.state === null) throw corrupt('no state');
  return checkpoint;
}

/** Whether checkpoints are wanted, with a valid interval. */
export function checkpointInterval(options: CheckpointOptions): number | null {
  if (!options.onCheckpoint || options.checkpointEvery === undefined) return null;
  if (!(Number.isInteger(options.checkpointEvery) && options.checkpointEvery >= 1)) {
    throw new AntidoteError('INVALID_INPUT', `checkpointEvery must be a positive integer, got ${options.checkpointEvery}.`);
  }
  return options.checkpointEvery;
}

/** Extra defense state saved with a phase checkpoint; computed when a checkpoint is taken. */
export type CheckpointExtra = () => CheckpointPart | Promise<CheckpointPart>;

export interface CheckpointPart {
  state: JsonObject;
  files: ModelFiles;
}

/**
 * Checkpointing of one training phase of a defense: the checkpoint's step is `offset` + the phase
 * step, its state names the phase and adds `extra` (e.g. a NAD teacher, Neural Cleanse triggers).
 */
export function phaseCheckpointing(args: {
  defense: RepairDefenseName;
  phase: string;
  offset: number;
  totalSteps: number;
  options: CheckpointOptions;
  extra?: CheckpointExtra;
  resume?: PhaseSnapshot;
}): PhaseCheckpointing | undefined {
  const every = checkpointInterval(args.options);
  const onCheckpoint = args.options.onCheckpoint;
  if (every === null && !args.resume) return undefined;
  return {
    every: every ?? 0,
    ...(onCheckpoint && every !== null
      ? {
          save: async (snapshot: PhaseSnapshot) => {
            const { state, files } = phaseToJson(snapshot);
            const more = (await args.extra?.()) ?? { state: {}, files: {} };
            await onCheckpoint({
              format: DEFENSE_CHECKPOINT_FORMAT,
              defense: args.defense,
              step: args.offset + snapshot.training.step,
              totalSteps: args.totalSteps,
              state: { phase: args.phase, ...more.state, ...state },
              files: { ...more.files, ...files },
            });
          },
        }
      : {}),
    ...(args.resume ? { resume: args.resume } : {}),
  };
}

/** Rejects a checkpoint taken with a different number of steps (the schedule would not match). */
export function checkTotalSteps(checkpoint: DefenseCheckpoint | undefined, totalSteps: number): void {
  if (checkpoint && checkpoint.totalSteps !== totalSteps) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `The checkpoint was taken in a run of ${checkpoint.totalSteps} steps, this one has ${totalSteps}; resume with the same options.`,
    );
  }
}

/**
 * Checkpointing of a defense whose training is one phase (PT, fine-tuning, fine-pruning's tuning):
 * the global step is the phase step. `extra` adds defense state (e.g. fine-pruning's channels).
 */
export function singlePhaseCheckpointing(
  defense: RepairDefenseName,
  phase: string,
  totalSteps: number,
  options: CheckpointOptions,
  extra: JsonObject = {},
): PhaseCheckpointing | undefined {
  const resumeFrom = checkResume(options.resumeFrom, defense);
  checkTotalSteps(resumeFrom, totalSteps);
  return phaseCheckpointing({
    defense,
    phase,
    offset: 0,
    totalSteps,
    options,
    extra: () => ({ state: extra, files: {} }),
    ...(resumeFrom ? { resume: phaseFromJson(resumeFrom.state, resumeFrom.files) } : {}),
  });
}

/** trainModel options that wire a phase into checkpointing; `best` reads the phase's bookkeeping at save time. */
export function trainingCheckpointOptions(
  checkpointing: PhaseCheckpointing | undefined,
  best: () => { step: number; accuracy: number; weights: readonly tf.Tensor[] },
): {
  resumeFrom?: TrainingCheckpoint;
  checkpointEvery?: number;
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => Promise<void>;
} {
  if (!checkpointing) return {};
  const { save, resume, every } = checkpointing;
  return {
    ...(resume ? { resumeFrom: resume.training } : {}),
    ...(save && every > 0
      ? {
          checkpointEvery: every,
          onCheckpoint: async (training: TrainingCheckpoint) => save(await snapshotPhase(training, best())),
        }
      : {}),
  };
}
