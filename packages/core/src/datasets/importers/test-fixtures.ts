/**
 * Builders of real dataset files for the importer tests. Images are written with the same
 * libraries users' tools produce files with, and the binary formats are assembled by hand from
 * their specifications so the tests do not share assumptions with the parsers.
 */
import { zipSync } from 'fflate';
import { encode as encodeJpeg } from 'jpeg-js';
import { type ColorType, PNG } from 'pngjs';
import tar from 'tar-stream';
import { AntidoteError } from '../../errors.ts';

export type Rgba = readonly [number, number, number, number];

export function pngBytes(
  width: number,
  height: number,
  pixel: (x: number, y: number) => Rgba,
  colorType: ColorType = 6,
): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(pixel(x, y), 4 * (y * width + x));
  }
  return new Uint8Array(PNG.sync.write(png, { colorType }));
}

export function jpegBytes(width: number, height: number, pixel: (x: number, y: number) => Rgba): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), 4 * (y * width + x));
  }
  return new Uint8Array(encodeJpeg({ width, height, data }, 100).data);
}

export function zipBytes(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(files);
}

export interface TarFixtureEntry {
  name: string;
  bytes?: Uint8Array;
  type?: 'file' | 'directory' | 'symlink';
}

export async function tarBytes(entries: readonly TarFixtureEntry[]): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header = { name: entry.name, type, ...(type === 'symlink' ? { linkname: 'elsewhere.png' } : {}) };
    if (entry.bytes) pack.entry(header, Buffer.from(entry.bytes));
    else pack.entry(header);
  }
  pack.finalize();
  const chunks: Uint8Array[] = [];
  // tar-stream yields Buffers; its typings lose that by extending stream.Readable.
  for await (const chunk of pack) chunks.push(chunk as Uint8Array);
  return new Uint8Array(Buffer.concat(chunks));
}

/** An .npy file per the NumPy format specification: header padded with spaces to a multiple of 64, ending in '\n'. */
export function npyBytes(
  descr: string,
  shape: readonly number[],
  data: Uint8Array,
  options: { version?: 1 | 2 | 3; fortranOrder?: boolean } = {},
): Uint8Array {
  const version = options.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${options.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefixLength = version === 1 ? 10 : 12;
  const padding = (64 - ((prefixLength + dict.length + 1) % 64)) % 64;
  const header = new TextEncoder().encode(`${dict}${' '.repeat(padding)}\n`);
  const out = new Uint8Array(prefixLength + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefixLength);
  out.set(data, prefixLength + header.length);
  return out;
}

export function float32Bytes(values: readonly number[], littleEndian = true): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((value, i) => {
    view.setFloat32(4 * i, value, littleEndian);
  });
  return new Uint8Array(view.buffer);
}

export function int32Bytes(values: readonly number[], littleEndian = true): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((value, i) => {
    view.setInt32(4 * i, value, littleEndian);
  });
  return new Uint8Array(view.buffer);
}

export function int64Bytes(values: readonly number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((value, i) => {
    view.setBigInt64(8 * i, BigInt(value), true);
  });
  return new Uint8Array(view.buffer);
}

/** An IDX file: 00 00 <type> <ndim>, big-endian uint32 dimensions, then the elements. */
export function idxBytes(typeCode: number, dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, typeCode, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((dim, i) => {
    view.setUint32(4 + 4 * i, dim, false);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** A CIFAR-10 record: the label byte, then the red, green and blue 32x32 planes. */
export function cifarRecord(label: number, pixel: (x: number, y: number, channel: number) => number): Uint8Array {
  const record = new Uint8Array(3073);
  record[0] = label;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) record[1 + c * 1024 + y * 32 + x] = pixel(x, y, c);
    }
  }
  return record;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** The AntidoteError `run` throws; fails the test when it throws nothing or something else. */
export function captureError(run: () => unknown): AntidoteError {
  try {
    run();
  } catch (error) {
    if (error instanceof AntidoteError) return error;
    throw error;
  }
  throw new Error('Expected an AntidoteError but nothing was thrown.');
}

export async function captureAsyncError(run: () => Promise<unknown>): Promise<AntidoteError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AntidoteError) return error;
    throw error;
  }
  throw new Error('Expected an AntidoteError but nothing was rejected.');
}
