/**
 * Commander argument parsers for numeric options. They throw commander's InvalidArgumentError,
 * which commander reports as a usage error naming the option (exit code 2).
 */
import { InvalidArgumentError } from 'commander';

function toNumber(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

export function parseInteger(text: string): number {
  const value = toNumber(text);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`Expected an integer, got "${text}".`);
  return value;
}

export function parseNonNegativeInteger(text: string): number {
  const value = toNumber(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`Expected an integer >= 0, got "${text}".`);
  return value;
}

export function parsePositiveInteger(text: string): number {
  const value = toNumber(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`Expected an integer >= 1, got "${text}".`);
  return value;
}

export function parsePositiveNumber(text: string): number {
  const value = toNumber(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`Expected a number > 0, got "${text}".`);
  return value;
}

/** For repeatable options such as `--param a=1 --param b=2`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
