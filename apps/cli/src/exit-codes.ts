/**
 * How a failure becomes an exit code and a one-line message. Codes: 0 ok, 1 unexpected,
 * 2 bad input (the user can fix it), 130 cancelled (Ctrl-C, like a shell's 128 + SIGINT).
 */
import { type ErrorCode, INPUT_ERROR_CODES, isAntidoteError } from '@antidote/core/errors';
import { CommanderError } from 'commander';

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_CANCELLED = 130;

/** AntidoteError codes that mean "fix your input and retry". */
export const BAD_INPUT_CODES: ReadonlySet<ErrorCode> = INPUT_ERROR_CODES;

/** Commander "errors" that are really successful early exits. */
const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.version']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (COMMANDER_SUCCESS.has(error.code)) return EXIT_OK;
    // `.help()` without an error context (exitCode 0) is a success; implicit help for a missing command is not.
    if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    return EXIT_BAD_INPUT;
  }
  if (isAntidoteError(error)) {
    if (error.code === 'CANCELLED') return EXIT_CANCELLED;
    return BAD_INPUT_CODES.has(error.code) ? EXIT_BAD_INPUT : EXIT_UNEXPECTED;
  }
  return EXIT_UNEXPECTED;
}

export interface ErrorSummary {
  /** An AntidoteError code; usage errors report INVALID_INPUT, anything unforeseen INTERNAL. */
  code: ErrorCode;
  message: string;
}

export function summarizeError(error: unknown): ErrorSummary {
  if (error instanceof CommanderError) {
    // Commander prefixes its messages with "error: "; the CLI adds its own "antidote: ".
    return { code: 'INVALID_INPUT', message: error.message.replace(/^error:\s*/i, '') };
  }
  if (isAntidoteError(error)) {
    return { code: error.code, message: error.code === 'CANCELLED' ? 'cancelled' : error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `unexpected error: ${message.split('\n')[0] ?? message}` };
}
