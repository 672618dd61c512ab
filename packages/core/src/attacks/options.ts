/**
 * Option validation shared by the attacks. Options arrive from the CLI, the gateway and the
 * lab UI as loosely typed records, so every value is checked at runtime and a bad one is
 * reported with the attack, the option and the accepted range.
 */
import { AntidoteError } from '../errors.ts';
import type { AttackOptions } from './types.ts';

const BASE_KEYS = ['poisonCount', 'targetClass', 'seed'] as const;

function invalid(attack: string, message: string): AntidoteError {
  return new AntidoteError('INVALID_INPUT', `${attack}: ${message}`);
}

/**
 * Rejects keys the attack does not know, because a misspelt knob (e.g. `opactiy`) would
 * otherwise silently fall back to its default and produce a different attack than asked for.
 */
export function rejectUnknownKeys(attack: string, options: object, knobs: readonly string[]): void {
  const known = new Set<string>([...BASE_KEYS, ...knobs]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw invalid(attack, `unknown option '${key}'. Known options: ${[...known].join(', ')}.`);
    }
  }
}

export function integerOption(attack: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw invalid(attack, `${name} must be an integer ${range}, got ${String(value)}.`);
  }
  return value;
}

/** A finite number in [min, max], or (min, max] when `minExclusive`. */
export function numberOption(
  attack: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  minExclusive = false,
): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) {
    throw invalid(attack, `${name} must be a number in ${minExclusive ? '(' : '['}${min}, ${max}], got ${String(value)}.`);
  }
  return value;
}

export function booleanOption(attack: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(attack, `${name} must be true or false, got ${String(value)}.`);
  return value;
}

export function choiceOption<T extends string>(attack: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalid(attack, `${name} must be one of ${choices.join(', ')}, got ${String(value)}.`);
  }
  return value as T;
}

/**
 * Checks `input` for unknown keys, validates the shared options and overlays the attack's knobs
 * on `defaults`. An explicit `undefined` means "use the default", as JS callers expect; the
 * `optional` knobs have no fixed default (e.g. a test alpha that follows the training alpha).
 */
export function readOptions<D extends object>(
  attack: string,
  input: AttackOptions & Record<string, unknown>,
  defaults: D,
  optional: readonly string[] = [],
): { base: AttackOptions; raw: Record<keyof D, unknown> & Record<string, unknown> } {
  if (typeof input !== 'object' || input === null) throw invalid(attack, 'options must be an object.');
  rejectUnknownKeys(attack, input, [...Object.keys(defaults), ...optional]);
  const raw: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const key of [...Object.keys(defaults), ...optional]) {
    if (input[key] !== undefined) raw[key] = input[key];
  }
  return { base: baseOptions(attack, input), raw: raw as Record<keyof D, unknown> & Record<string, unknown> };
}

/** Validates the options every attack shares; the target's upper bound is checked against the dataset later. */
export function baseOptions(attack: string, options: AttackOptions): AttackOptions {
  if (typeof options !== 'object' || options === null) throw invalid(attack, 'options must be an object.');
  return {
    poisonCount: integerOption(attack, 'poisonCount', options.poisonCount, 0),
    targetClass: integerOption(attack, 'targetClass', options.targetClass, 0),
    seed: integerOption(attack, 'seed', options.seed, Number.MIN_SAFE_INTEGER),
  };
}

/** The class count is only known once a dataset arrives, so the target is range-checked here. */
export function checkTargetClass(attack: string, targetClass: number, classCount: number): void {
  if (targetClass >= classCount) {
    throw invalid(
      attack,
      `targetClass ${targetClass} is out of range: the dataset has ${classCount} classes (0..${classCount - 1}).`,
    );
  }
}
