/**
 * Everything the CLI prints. Human mode: notes and results on stdout, errors on stderr.
 * --json mode: exactly one JSON document on stdout (the result or `{ "error": ... }`), and
 * stray console.log calls from libraries are redirected to stderr so they cannot corrupt it.
 */
import type { ErrorSummary } from './exit-codes.ts';

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface OutputOptions {
  json: boolean;
  noColor: boolean;
  streams?: OutputStreams;
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow';
const STYLES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
};

export class Output {
  readonly json: boolean;
  private readonly streams: OutputStreams;
  private readonly colorOut: boolean;
  private readonly colorErr: boolean;
  private wroteResult = false;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
    this.colorOut = !options.noColor && !options.json && this.streams.stdout.isTTY === true;
    this.colorErr = !options.noColor && this.streams.stderr.isTTY === true;
  }

  /** Whether a live progress bar may be drawn: on a terminal, never in --json mode. */
  get interactive(): boolean {
    return !this.json && this.streams.stderr.isTTY === true;
  }

  get stderr(): NodeJS.WritableStream {
    return this.streams.stderr;
  }

  style(text: string, style: Style): string {
    if (!this.colorOut) return text;
    const [open, close] = STYLES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** A line of human output (a plan, a step); dropped in --json mode. */
  note(text: string): void {
    if (!this.json) this.streams.stdout.write(`${text}\n`);
  }

  /** The command's result: `data` as JSON in --json mode, else the human lines. */
  result(data: unknown, human: () => readonly string[]): void {
    if (this.json) {
      if (this.wroteResult) throw new Error('A command may print only one JSON result.');
      this.wroteResult = true;
      this.streams.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      return;
    }
    for (const line of human()) this.streams.stdout.write(`${line}\n`);
  }

  /** Warnings go to stderr in both modes. */
  warn(text: string): void {
    this.streams.stderr.write(`antidote: ${text}\n`);
  }

  /** `antidote: <message>` on stderr; in --json mode also `{ "error": { code, message } }` on stdout. */
  error(summary: ErrorSummary, stack?: string): void {
    const prefix = this.colorErr ? '\u001b[31mantidote:\u001b[39m' : 'antidote:';
    this.streams.stderr.write(`${prefix} ${summary.message}\n`);
    if (stack) this.streams.stderr.write(`${stack}\n`);
    if (this.json && !this.wroteResult) {
      this.wroteResult = true;
      this.streams.stdout.write(`${JSON.stringify({ error: { code: summary.code, message: summary.message } }, null, 2)}\n`);
    }
  }
}

/** In --json mode stdout belongs to the result alone: send console.log/info/debug to stderr. */
export function protectStdout(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

/** Resolves once everything written so far has been handed to the OS (before process.exit). */
export function flushStream(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}
