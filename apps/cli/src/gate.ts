/**
 * The CI gate's exit codes, which a pipeline branches on. They differ from the other commands'
 * (0 ok, 1 unexpected, 2 bad input) because a gate has three good outcomes, not one.
 */
import { isAntidoteError } from '@antidote/core/errors';
import { BAD_INPUT_CODES } from './exit-codes.ts';

export const GATE_CLEAN = 0;
export const GATE_SUSPICIOUS = 1;
export const GATE_BACKDOORED = 2;
export const GATE_BAD_INPUT = 3;
export const GATE_ERROR = 4;

export const GATE_EXIT_HELP = `
Exit codes: 0 clean, 1 suspicious, 2 backdoored, 3 bad input (the model, data or flags need fixing), 4 error.`;

export type GateVerdict = 'clean' | 'suspicious' | 'backdoored';

export function gateCode(verdict: GateVerdict): number {
  return verdict === 'clean' ? GATE_CLEAN : verdict === 'suspicious' ? GATE_SUSPICIOUS : GATE_BACKDOORED;
}

export function gateErrorCode(error: unknown): number {
  return isAntidoteError(error) && BAD_INPUT_CODES.has(error.code) ? GATE_BAD_INPUT : GATE_ERROR;
}

/** Thrown after a gate command printed its result, to end the process with the gate's code. */
export class GateExit extends Error {
  constructor(readonly exitCode: number) {
    super(`gate exit ${exitCode}`);
  }
}

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);

/** One JUnit test case per gated model: a failure for suspicious/backdoored, an error for anything else. */
export function junitReport(input: {
  name: string;
  seconds: number;
  verdict?: GateVerdict;
  details: string;
  error?: { code: string; message: string };
}): string {
  const failed = input.verdict !== undefined && input.verdict !== 'clean';
  const body = input.error
    ? `<error type="${escapeXml(input.error.code)}" message="${escapeXml(input.error.message)}"/>`
    : failed
      ? `<failure type="${input.verdict}" message="${escapeXml(`model is ${input.verdict}`)}">${escapeXml(input.details)}</failure>`
      : '';
  const time = input.seconds.toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="antidote" tests="1" failures="${failed ? 1 : 0}" errors="${input.error ? 1 : 0}" time="${time}">
  <testsuite name="antidote scan" tests="1" failures="${failed ? 1 : 0}" errors="${input.error ? 1 : 0}" time="${time}">
    <testcase classname="antidote.scan" name="${escapeXml(input.name)}" time="${time}">${body}<system-out>${escapeXml(input.details)}</system-out></testcase>
  </testsuite>
</testsuites>
`;
}
