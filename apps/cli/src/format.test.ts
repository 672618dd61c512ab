import { describe, expect, it } from 'vitest';
import { hasFlag } from './cli.ts';
import { formatClass, formatDuration, formatPercent, formatTable } from './format.ts';
import { collect, parseInteger, parseNonNegativeInteger, parsePositiveInteger, parsePositiveNumber } from './option-parsers.ts';
import { formatBarPayload } from './progress.ts';

describe('formatting', () => {
  it('formats percentages and durations', () => {
    expect(formatPercent(0.9012)).toBe('90.1%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(Number.NaN)).toBe('n/a');
    expect(formatDuration(3.21)).toBe('3.2s');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(3720)).toBe('1h 02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });

  it('aligns table columns without trailing padding', () => {
    expect(
      formatTable(
        [
          ['CDA', '90.1%', 'clean'],
          ['Wall time', '3m 05s'],
        ],
        '  ',
      ),
    ).toEqual(['  CDA        90.1%   clean', '  Wall time  3m 05s']);
  });

  it('names classes only when the name adds something', () => {
    expect(formatClass(0, ['T-shirt/top', 'Trouser'])).toBe('0 (T-shirt/top)');
    expect(formatClass(3, ['0', '1', '2', '3'])).toBe('3');
    expect(formatClass(9, ['a'])).toBe('9');
  });

  it('formats progress bar fields', () => {
    expect(formatBarPayload({ loss: 0.12345, imagesPerSecond: 1234.6, etaSeconds: 65 })).toEqual({
      loss: '0.123',
      rate: '1235',
      etaText: '1m 05s',
    });
    expect(formatBarPayload({ loss: Number.NaN, imagesPerSecond: Number.NaN, etaSeconds: Number.NaN }).loss).toBe('-');
  });
});

describe('option parsers', () => {
  it('accept valid numbers and reject the rest with a usage error', () => {
    expect(parseInteger('-3')).toBe(-3);
    expect(parseNonNegativeInteger('0')).toBe(0);
    expect(parsePositiveInteger('128')).toBe(128);
    expect(parsePositiveNumber('0.5')).toBe(0.5);
    for (const [parse, text] of [
      [parseInteger, '1.5'],
      [parseInteger, ''],
      [parseNonNegativeInteger, '-1'],
      [parsePositiveInteger, '0'],
      [parsePositiveNumber, '0'],
      [parsePositiveNumber, 'abc'],
      [parsePositiveNumber, 'Infinity'],
    ] as const) {
      expect(() => parse(text), `${parse.name}(${text})`).toThrow(/Expected/);
    }
  });

  it('collects repeated options', () => {
    expect(collect('b=2', collect('a=1', undefined))).toEqual(['a=1', 'b=2']);
  });

  it('finds global flags before "--" only', () => {
    expect(hasFlag(['runtime', '--json'], '--json')).toBe(true);
    expect(hasFlag(['runtime', '--', '--json'], '--json')).toBe(false);
    expect(hasFlag(['runtime'], '--json')).toBe(false);
  });
});
