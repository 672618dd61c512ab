/**
 * A model folder on disk: `model.json` + the weight files it names (what `antidote train` and
 * `antidote poison` write), plus two optional sidecars:
 * - `antidote-attack.json`: the attack spec a poisoned model was trained with, so `eval` can
 *   rebuild the same trigger and measure ASR/ARR;
 * - `antidote-model.json`: how the model was made (dataset, recipe, measured CDA), so `eval`
 *   can default to the dataset the model was trained on.
 */
import type { Stats } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AntidoteError, isAntidoteError } from '@antidote/core/errors';
import { LAB_ATTACK_NAMES, type LabAttackName, type LabAttackSpec } from '@antidote/core/lab';
import { MAX_MODEL_BYTES, MODEL_JSON, type ModelFiles } from '@antidote/core/models';

export const ATTACK_SPEC_FILE = 'antidote-attack.json';
export const MODEL_CARD_FILE = 'antidote-model.json';
/** A layers model.json is topology only (weights live in shards); anything bigger is not one. */
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return null;
    throw error;
  }
}

async function assertModelDirectory(folder: string): Promise<void> {
  const info = await statOrNull(folder);
  if (!info) throw new AntidoteError('NOT_FOUND', `Model folder ${folder} does not exist.`);
  if (!info.isDirectory()) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `${folder} is a file, not a model folder; pass the folder that holds ${MODEL_JSON} and its weight files.`,
    );
  }
}

/** The weight file paths model.json names, or [] when it cannot be read (loadModelFromFiles then says why). */
export function weightPathsOf(modelJson: Uint8Array): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(modelJson));
  } catch {
    return [];
  }
  const manifest = (parsed as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return [];
  const paths = new Set<string>();
  for (const group of manifest) {
    const groupPaths = (group as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(groupPaths)) continue;
    for (const p of groupPaths) if (typeof p === 'string') paths.add(p);
  }
  return [...paths];
}

/** Resolves a weight path named by model.json inside `folder`, refusing paths that leave it. */
export function resolveWeightPath(folder: string, weightPath: string): string {
  const resolved = path.resolve(folder, weightPath);
  const relative = path.relative(folder, resolved);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative) || path.isAbsolute(weightPath)) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `${MODEL_JSON} names weight file "${weightPath}", which is outside the model folder; weight files must sit next to ${MODEL_JSON}.`,
    );
  }
  return resolved;
}

/**
 * Reads model.json and every weight file it names into memory (keys as model.json spells them).
 * Missing files are NOT_FOUND errors naming the file; sizes are checked before reading.
 */
export async function readModelFolder(dir: string): Promise<ModelFiles> {
  const folder = path.resolve(dir);
  await assertModelDirectory(folder);
  const jsonPath = path.join(folder, MODEL_JSON);
  const jsonInfo = await statOrNull(jsonPath);
  if (!jsonInfo?.isFile()) {
    throw new AntidoteError(
      'NOT_FOUND',
      `${folder} has no ${MODEL_JSON}; a model folder holds ${MODEL_JSON} plus its weight files (as written by antidote train --out).`,
    );
  }
  if (jsonInfo.size > MAX_MODEL_JSON_BYTES) {
    throw new AntidoteError('TOO_LARGE', `${jsonPath} is ${jsonInfo.size} bytes; a TF.js layers ${MODEL_JSON} is far smaller.`);
  }
  const modelJson = new Uint8Array(await readFile(jsonPath));
  const files: ModelFiles = { [MODEL_JSON]: modelJson };
  const weights = weightPathsOf(modelJson).map((name) => ({ name, file: resolveWeightPath(folder, name) }));
  let total = 0;
  for (const weight of weights) {
    const info = await statOrNull(weight.file);
    if (!info?.isFile()) {
      throw new AntidoteError(
        'NOT_FOUND',
        `${MODEL_JSON} names weight file "${weight.name}" but ${weight.file} does not exist; copy the whole model folder.`,
      );
    }
    total += info.size;
  }
  if (total > MAX_MODEL_BYTES) {
    throw new AntidoteError('TOO_LARGE', `The weight files of ${folder} hold ${total} bytes; the limit is ${MAX_MODEL_BYTES}.`);
  }
  for (const weight of weights) files[weight.name] = new Uint8Array(await readFile(weight.file));
  return files;
}

/** Prefixes core's model errors (which name model.json but not where it is) with the folder. */
export function inModelFolder(dir: string, error: unknown): unknown {
  if (!isAntidoteError(error)) return error;
  return new AntidoteError(error.code, `${path.resolve(dir)}: ${error.message}`, { cause: error, details: { ...error.details } });
}

/** Fails early (before minutes of training) when --out names an existing file. */
export async function assertOutputFolder(dir: string): Promise<void> {
  const folder = path.resolve(dir);
  const info = await statOrNull(folder);
  if (info && !info.isDirectory()) {
    throw new AntidoteError('INVALID_INPUT', `--out ${folder} is a file; give a folder to save the model in.`);
  }
}

/** Creates the folder (and parents) and writes the files; refuses a path that is a file. */
export async function writeModelFolder(dir: string, files: ModelFiles): Promise<string[]> {
  const folder = path.resolve(dir);
  await assertOutputFolder(folder);
  await mkdir(folder, { recursive: true });
  const written: string[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(resolveWeightPath(folder, name), bytes);
    written.push(name);
  }
  return written;
}

async function readJsonSidecar(dir: string, name: string): Promise<unknown> {
  const file = path.join(path.resolve(dir), name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AntidoteError('CORRUPT_FILE', `${file} is not valid JSON (${(cause as Error).message}); delete or fix it.`, {
      cause,
    });
  }
}

async function writeJsonSidecar(dir: string, name: string, value: unknown): Promise<void> {
  await writeFile(path.join(path.resolve(dir), name), `${JSON.stringify(value, null, 2)}\n`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** Checks a parsed antidote-attack.json; `source` names the file in messages. */
export function parseAttackSpec(value: unknown, source: string): LabAttackSpec {
  const bad = (what: string) =>
    new AntidoteError(
      'CORRUPT_FILE',
      `${source}: ${what}; it should hold {"name", "poisonCount", "targetClass", "seed", "params"}.`,
    );
  if (!isObject(value)) throw bad('not a JSON object');
  const { name, poisonCount, targetClass, seed, params } = value;
  if (typeof name !== 'string' || !(LAB_ATTACK_NAMES as readonly string[]).includes(name)) {
    throw bad(`"name" must be one of ${LAB_ATTACK_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  if (!isInteger(poisonCount, 0)) throw bad(`"poisonCount" must be an integer >= 0, got ${JSON.stringify(poisonCount)}`);
  if (!isInteger(targetClass, 0)) throw bad(`"targetClass" must be an integer >= 0, got ${JSON.stringify(targetClass)}`);
  if (!isInteger(seed, Number.MIN_SAFE_INTEGER)) throw bad(`"seed" must be an integer, got ${JSON.stringify(seed)}`);
  if (params !== undefined && !isObject(params)) throw bad('"params" must be an object');
  return { name: name as LabAttackName, poisonCount, targetClass, seed, ...(params ? { params } : {}) };
}

export async function readAttackSpec(dir: string): Promise<LabAttackSpec | null> {
  const value = await readJsonSidecar(dir, ATTACK_SPEC_FILE);
  return value === undefined ? null : parseAttackSpec(value, path.join(path.resolve(dir), ATTACK_SPEC_FILE));
}

export async function writeAttackSpec(dir: string, spec: LabAttackSpec): Promise<void> {
  await writeJsonSidecar(dir, ATTACK_SPEC_FILE, spec);
}

/** A clean model saved over a poisoned one must not inherit its attack spec. */
export async function removeAttackSpec(dir: string): Promise<void> {
  await rm(path.join(path.resolve(dir), ATTACK_SPEC_FILE), { force: true });
}

export interface ModelCard {
  /** Built-in dataset name the model was trained on. */
  dataset: string;
  architecture: string;
  recipe: Record<string, unknown>;
  cda: number;
  asr: number | null;
  arr: number | null;
  backend: string;
  trainSeconds: number;
  createdAt: string;
}

export async function writeModelCard(dir: string, card: ModelCard): Promise<void> {
  await writeJsonSidecar(dir, MODEL_CARD_FILE, card);
}

/** The dataset recorded in antidote-model.json, if any. */
export async function readModelCardDataset(dir: string): Promise<string | null> {
  const value = await readJsonSidecar(dir, MODEL_CARD_FILE);
  if (value === undefined) return null;
  if (!isObject(value) || typeof value.dataset !== 'string') {
    throw new AntidoteError(
      'CORRUPT_FILE',
      `${path.join(path.resolve(dir), MODEL_CARD_FILE)} has no "dataset" name; delete or fix it.`,
    );
  }
  return value.dataset;
}
