/**
 * HDF5 through h5wasm (its wasm ships in the package): bytes in, a File in emscripten's memory
 * filesystem, bytes out again after edits. One file at a time per call; nothing touches the disk.
 */
import type h5wasmModule from 'h5wasm/node';
import { AntidoteError } from '../../errors.ts';

let counter = 0;

type H5Wasm = typeof h5wasmModule;
export type H5File = InstanceType<H5Wasm['File']>;

let loaded: Promise<H5Wasm> | null = null;

/** h5wasm reserves a large wasm heap when it loads, so it loads on the first Keras file only. */
function loadH5wasm(): Promise<H5Wasm> {
  loaded ??= import('h5wasm/node').then((m) => m.default);
  return loaded;
}

/** Opens `bytes` as HDF5 (read-only, or 'a' to edit) and returns fn's result plus the edited bytes. */
export async function withH5<T>(
  bytes: Uint8Array,
  mode: 'r' | 'a',
  fn: (file: H5File) => T,
): Promise<{ result: T; bytes: Uint8Array }> {
  const h5wasm = await loadH5wasm();
  const { FS } = await h5wasm.ready;
  const path = `/antidote-${counter++}.h5`;
  FS.writeFile(path, bytes);
  let file: H5File | null = null;
  try {
    try {
      file = new h5wasm.File(path, mode);
    } catch (cause) {
      throw new AntidoteError('CORRUPT_FILE', 'The HDF5 weights file cannot be opened; it is truncated or not HDF5.', {
        cause,
      });
    }
    let result: T;
    try {
      result = fn(file);
      file.close();
      file = null;
    } catch (cause) {
      // h5wasm throws plain strings and wasm traps on damaged structures: the upload is at fault
      if (cause instanceof AntidoteError) throw cause;
      throw new AntidoteError('CORRUPT_FILE', 'The HDF5 weights file is damaged: its structure cannot be read.', { cause });
    }
    return { result, bytes: mode === 'a' ? (FS.readFile(path) as Uint8Array) : bytes };
  } finally {
    try {
      // still open when fn threw (TS narrows `file` to null after the happy path's close)
      (file as H5File | null)?.close();
    } catch {
      // a file whose open half-failed has no valid id to close
    }
    FS.unlink(path);
  }
}

/** Creates a fresh HDF5 file, lets fn fill it, returns its bytes (used by tests and exports). */
export async function createH5(fn: (file: H5File) => void): Promise<Uint8Array> {
  const h5wasm = await loadH5wasm();
  const { FS } = await h5wasm.ready;
  const path = `/antidote-${counter++}.h5`;
  const file = new h5wasm.File(path, 'w');
  try {
    fn(file);
  } finally {
    file.close();
  }
  const bytes = FS.readFile(path) as Uint8Array;
  FS.unlink(path);
  return bytes;
}
