/**
 * `--param key=value` for attack knobs (e.g. `--param patchSize=4 --param corner=top-left`).
 * Values are typed the way the attacks validate them: numbers, true/false, otherwise text.
 */
import { AntidoteError } from '@antidote/core/errors';

export type ParamValue = number | boolean | string;

/** Options with their own flags; passing them as --param would be ambiguous. */
const RESERVED: Readonly<Record<string, string>> = {
  poisonCount: '--poison-count',
  targetClass: '--target',
  seed: '--seed',
};

const KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

export function parseParamValue(text: string): ParamValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMBER.test(text)) return Number(text);
  return text;
}

export function parseAttackParams(entries: readonly string[] = []): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const key = at < 0 ? entry : entry.slice(0, at).trim();
    const value = at < 0 ? '' : entry.slice(at + 1).trim();
    if (at < 0 || value === '') {
      throw new AntidoteError('INVALID_INPUT', `--param "${entry}" must look like key=value (e.g. --param patchSize=4).`);
    }
    if (!KEY.test(key)) {
      throw new AntidoteError('INVALID_INPUT', `--param "${entry}": "${key}" is not an option name.`);
    }
    const flag = RESERVED[key];
    if (flag) throw new AntidoteError('INVALID_INPUT', `--param ${key} is not accepted; use ${flag} instead.`);
    if (Object.hasOwn(params, key)) throw new AntidoteError('INVALID_INPUT', `--param ${key} is given twice.`);
    params[key] = parseParamValue(value);
  }
  return params;
}
