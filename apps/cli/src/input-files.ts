/**
 * Reads user-supplied dataset files (`--import`, `--data`) into the named byte arrays the core
 * importers take. Existence and size are checked first, with the path in the message.
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type DatasetFile, DEFAULT_MAX_BYTES } from '@antidote/core/datasets';
import { AntidoteError } from '@antidote/core/errors';

/** Compressed uploads are smaller than their pixels, so the pixel cap also bounds each file. */
export const MAX_INPUT_FILE_BYTES = DEFAULT_MAX_BYTES;

export async function readInputFiles(paths: readonly string[], maxBytes = MAX_INPUT_FILE_BYTES): Promise<DatasetFile[]> {
  if (paths.length === 0) throw new AntidoteError('INVALID_INPUT', 'No dataset files were given.');
  const files: DatasetFile[] = [];
  for (const given of paths) {
    const file = path.resolve(given);
    let info: Stats;
    try {
      info = await stat(file);
    } catch {
      throw new AntidoteError('NOT_FOUND', `Dataset file ${given} does not exist.`);
    }
    if (!info.isFile()) throw new AntidoteError('INVALID_INPUT', `${given} is not a file; pass the dataset files themselves.`);
    if (info.size > maxBytes) {
      throw new AntidoteError('TOO_LARGE', `${given} is ${info.size} bytes, more than the limit of ${maxBytes}.`);
    }
    files.push({ name: path.basename(file), bytes: new Uint8Array(await readFile(file)) });
  }
  return files;
}
