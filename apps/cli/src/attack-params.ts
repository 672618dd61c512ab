/**
 * `--param key=value` for attack knobs (e.g. `--param patchSize=4 --param corner=top-left`).
 * Values are typed the way the attacks validate them: numbers, true/false, otherwise text.
 */
import { AntidoteError } from '@antidote/core/errors';

export type ParamValue = number | boolean | string;

/** Options with their own flags; passing them as --param would be ambiguous. */
const RESERVED: ReadonlyMap<string, string> = new Map([
  ['poisonCount', '--poison-count'],
  ['targetClass', '--target'],
  ['seed', '--seed'],
]);

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

export function parseParamValue(text: string): ParamValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMBER.test(text)) return Number(text);
  return text;
}

export function parseAttackParams(entries: readonly string[] = []): Record<string, ParamValue> {
  // A Map, then Object.fromEntries: keys such as __proto__ or constructor stay plain data.
  const params = new Map<string, ParamValue>();
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
    const flag = RESERVED.get(key);
    if (flag) throw new AntidoteError('INVALID_INPUT', `--param ${key} is not accepted; use ${flag} instead.`);
    if (params.has(key)) throw new AntidoteError('INVALID_INPUT', `--param ${key} is given twice.`);
    params.set(key, parseParamValue(value));
  }
  return Object.fromEntries(params);
}
