/** The benchmark scripts' command line: `--name value` options and bare `--flag`s. */
export const args = process.argv.slice(2);

/** The value after `name`, or `fallback` when the option is absent. */
export function option(name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
