/**
 * Runs one `antidote` invocation and returns its exit code: builds the program, wires Ctrl-C,
 * and turns every failure into `antidote: <message>` (plus a JSON error in --json mode).
 */
import { CommanderError } from 'commander';
import { createCancellation } from './cancellation.ts';
import { type CliEnv, readEnv } from './env.ts';
import { EXIT_BAD_INPUT, EXIT_CANCELLED, EXIT_OK, exitCodeFor, summarizeError } from './exit-codes.ts';
import { GATE_BAD_INPUT, GateExit } from './gate.ts';
import { Output, protectStdout } from './output.ts';
import { createProgram } from './program.ts';

/** Global flags are needed before commander has parsed (to report parse errors in the right format). */
export function hasFlag(argv: readonly string[], flag: string): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes(flag);
}

export async function runCli(argv: readonly string[], env: CliEnv = readEnv()): Promise<number> {
  const startedAt = performance.now();
  const json = hasFlag(argv, '--json');
  const debug = env.debug || hasFlag(argv, '--debug');
  if (json) protectStdout();
  const output = new Output({ json, noColor: env.noColor });
  const cancellation = createCancellation(() => output.warn('cancelling... (press Ctrl-C again to quit at once)'));
  try {
    const program = createProgram({
      output,
      env,
      cancellation,
      startedAt,
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    });
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    // the gate commands printed their result already; their code is the pipeline's answer
    if (error instanceof GateExit) return error.exitCode;
    const code = cancellation.signal.aborted ? EXIT_CANCELLED : exitCodeFor(error);
    if (code === EXIT_OK) return code;
    if (error instanceof CommanderError && error.code === 'commander.help') {
      // `antidote` without a command: commander already printed the help on stderr.
      if (json) output.error({ code: 'INVALID_INPUT', message: 'no command given; run antidote --help' });
      return EXIT_BAD_INPUT;
    }
    // the gate commands document 3 for bad input, usage errors included
    const gateCommand = argv.find((a) => !a.startsWith('-'));
    if (code === EXIT_BAD_INPUT && (gateCommand === 'scan' || gateCommand === 'repair')) {
      output.error(summarizeError(error));
      return GATE_BAD_INPUT;
    }
    const summary = code === EXIT_CANCELLED ? { code: 'CANCELLED' as const, message: 'cancelled' } : summarizeError(error);
    const stack = debug && error instanceof Error && !(error instanceof CommanderError) ? error.stack : undefined;
    output.error(summary, stack);
    return code;
  } finally {
    cancellation.dispose();
  }
}
