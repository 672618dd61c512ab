/**
 * The only module that reads process.env. Everything the CLI takes from the environment is
 * parsed and validated here; the rest of the CLI receives a plain `CliEnv`.
 */
import { AntidoteError } from '@antidote/core/errors';
import { BACKEND_PREFERENCE, type BackendChoice } from '@antidote/core/runtime';

export interface CliEnv {
  /** ANTIDOTE_BACKEND as given (validated only when it is used: `--backend` overrides it). */
  readonly backend: string | undefined;
  /** NO_COLOR set to any non-empty value (https://no-color.org). */
  readonly noColor: boolean;
  /** ANTIDOTE_DEBUG=1 (or true/yes) behaves like `--debug`: stack traces on errors. */
  readonly debug: boolean;
  /**
   * The folder npm was started from (INIT_CWD). `npm start` at the repo root runs the demo in
   * apps/cli, so the demo saves its model relative to this folder when it is set.
   */
  readonly initCwd: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function truthy(value: string | undefined): boolean {
  const normalized = nonEmpty(value)?.toLowerCase();
  return normalized === '1' || normalized === 'true' || normalized === 'yes';
}

/**
 * The variables the embedded service (`antidote serve`) hands to the gateway and worker env
 * parsers, which validate them; the CLI only adds its own overrides.
 */
export function serviceEnvSource(): Record<string, string | undefined> {
  return { ...process.env };
}

export function readEnv(source: Readonly<Record<string, string | undefined>> = process.env): CliEnv {
  return {
    backend: nonEmpty(source.ANTIDOTE_BACKEND),
    noColor: nonEmpty(source.NO_COLOR) !== undefined,
    debug: truthy(source.ANTIDOTE_DEBUG),
    initCwd: nonEmpty(source.INIT_CWD),
  };
}

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_PREFERENCE as readonly string[]).includes(value);
}

/** `--backend` wins over ANTIDOTE_BACKEND; neither means "the fastest available". */
export function chooseBackend(flag: string | undefined, env: Pick<CliEnv, 'backend'>): BackendChoice | undefined {
  if (flag !== undefined) {
    if (!isBackendChoice(flag)) {
      throw new AntidoteError('INVALID_INPUT', `--backend must be one of ${BACKEND_PREFERENCE.join(', ')}; got "${flag}".`);
    }
    return flag;
  }
  if (env.backend === undefined) return undefined;
  if (!isBackendChoice(env.backend)) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `ANTIDOTE_BACKEND must be one of ${BACKEND_PREFERENCE.join(', ')}; got "${env.backend}".`,
    );
  }
  return env.backend;
}
