import { AntidoteError, ERROR_CODES, type ErrorCode } from '@antidote/core/errors';
import { CommanderError, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_CANCELLED, EXIT_OK, EXIT_UNEXPECTED, exitCodeFor, summarizeError } from './exit-codes.ts';

const EXPECTED: Record<ErrorCode, number> = {
  INVALID_INPUT: 2,
  UNSUPPORTED_FORMAT: 2,
  CORRUPT_FILE: 2,
  SHAPE_MISMATCH: 2,
  CLASS_MISMATCH: 2,
  TOO_LARGE: 2,
  NOT_FOUND: 2,
  BACKEND_UNAVAILABLE: 1,
  INTERNAL: 1,
  CANCELLED: 130,
};

describe('exitCodeFor', () => {
  it('uses the documented values', () => {
    expect([EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_CANCELLED]).toEqual([0, 1, 2, 130]);
  });

  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('maps AntidoteError %s', (code) => {
    expect(exitCodeFor(new AntidoteError(code, 'x'))).toBe(EXPECTED[code]);
  });

  it('treats commander usage errors as bad input and help/version as success', () => {
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"))).toBe(2);
    expect(exitCodeFor(new InvalidArgumentError('Expected an integer'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(0);
    expect(exitCodeFor(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(0);
    expect(exitCodeFor(new CommanderError(0, 'commander.help', '(outputHelp)'))).toBe(0);
    expect(exitCodeFor(new CommanderError(1, 'commander.help', '(outputHelp)'))).toBe(2);
  });

  it('treats anything else as unexpected', () => {
    expect(exitCodeFor(new TypeError('x is undefined'))).toBe(1);
    expect(exitCodeFor('a string')).toBe(1);
    expect(exitCodeFor(undefined)).toBe(1);
  });
});

describe('summarizeError', () => {
  it('keeps AntidoteError codes and messages', () => {
    expect(summarizeError(new AntidoteError('CORRUPT_FILE', 'model.json is broken'))).toEqual({
      code: 'CORRUPT_FILE',
      message: 'model.json is broken',
    });
    expect(summarizeError(new AntidoteError('CANCELLED', 'Interrupted'))).toEqual({ code: 'CANCELLED', message: 'cancelled' });
  });

  it('strips commander\'s "error:" prefix and reports usage errors as INVALID_INPUT', () => {
    expect(summarizeError(new CommanderError(1, 'commander.unknownCommand', "error: unknown command 'frob'"))).toEqual({
      code: 'INVALID_INPUT',
      message: "unknown command 'frob'",
    });
  });

  it('reports other errors as INTERNAL with only their first line', () => {
    expect(summarizeError(new Error('boom\n    at somewhere'))).toEqual({ code: 'INTERNAL', message: 'unexpected error: boom' });
  });
});
