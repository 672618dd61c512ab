import { isAntidoteError } from '@antidote/core/errors';
import { describe, expect, it } from 'vitest';
import { parseAttackParams, parseParamValue } from './attack-params.ts';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isAntidoteError(error) ? error.code : 'not an AntidoteError';
  }
  return undefined;
}

describe('parseParamValue', () => {
  it('types numbers, booleans and text the way attack options expect', () => {
    expect(parseParamValue('4')).toBe(4);
    expect(parseParamValue('0.25')).toBe(0.25);
    expect(parseParamValue('-1e-3')).toBe(-0.001);
    expect(parseParamValue('.5')).toBe(0.5);
    expect(parseParamValue('true')).toBe(true);
    expect(parseParamValue('false')).toBe(false);
    expect(parseParamValue('auto')).toBe('auto');
    expect(parseParamValue('top-left')).toBe('top-left');
    // Not numbers, even though Number() would accept some of them.
    expect(parseParamValue('0x10')).toBe('0x10');
    expect(parseParamValue('Infinity')).toBe('Infinity');
    expect(parseParamValue('1.2.3')).toBe('1.2.3');
  });
});

describe('parseAttackParams', () => {
  it('turns repeated key=value flags into an options record', () => {
    expect(parseAttackParams(['patchSize=4', 'corner=top-left', 'opacity=0.5', 'noiseMode=true'])).toEqual({
      patchSize: 4,
      corner: 'top-left',
      opacity: 0.5,
      noiseMode: true,
    });
  });

  it('keeps everything after the first "=" and trims spaces', () => {
    expect(parseAttackParams([' label = a=b '])).toEqual({ label: 'a=b' });
  });

  it('returns an empty record when no --param is given', () => {
    expect(parseAttackParams()).toEqual({});
    expect(parseAttackParams([])).toEqual({});
  });

  it.each([['patchSize'], ['patchSize='], ['=4'], ['9lives=1'], ['patch size=1']])('rejects %j as INVALID_INPUT', (entry) => {
    expect(codeOf(() => parseAttackParams([entry]))).toBe('INVALID_INPUT');
  });

  it('rejects duplicates and options that have their own flags, naming the flag', () => {
    expect(() => parseAttackParams(['opacity=1', 'opacity=0.5'])).toThrow(/opacity is given twice/);
    expect(() => parseAttackParams(['targetClass=3'])).toThrow(/use --target/);
    expect(() => parseAttackParams(['poisonCount=3'])).toThrow(/use --poison-count/);
    expect(() => parseAttackParams(['seed=3'])).toThrow(/use --seed/);
  });

  it('does not let a key reach the prototype', () => {
    const params = parseAttackParams(['constructor=1', 'toString=x', '__proto__=2']);
    expect(Object.keys(params)).toEqual(['constructor', 'toString', '__proto__']);
    expect(params.constructor).toBe(1);
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toBe(2);
  });
});
