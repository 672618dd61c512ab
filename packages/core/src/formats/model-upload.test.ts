import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isAntidoteError } from '../errors.ts';
import { classifyModelUpload, replaceUploadModel } from './model-upload.ts';

const onnx = new Uint8Array([0x08, 0x08, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6f, 0x72, 0x63, 0x68]);
const text = (s: string) => new TextEncoder().encode(s);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isAntidoteError(error) ? error.code : 'not typed';
  }
  return undefined;
}

describe('classifyModelUpload', () => {
  it('tells bare ONNX, HDF5, Keras 3 zips and TF.js archives apart', () => {
    expect(classifyModelUpload(onnx)).toMatchObject({ kind: 'onnx', model: onnx });
    expect(classifyModelUpload(new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0])).kind).toBe('keras');
    const keras = zipSync({ 'config.json': text('{}'), 'model.weights.h5': new Uint8Array(4) });
    expect(classifyModelUpload(keras)).toMatchObject({ kind: 'keras', model: keras });
    expect(classifyModelUpload(zipSync({ 'm/model.json': text('{}'), 'm/weights.bin': new Uint8Array(4) })).kind).toBe(
      'tfjs-layers',
    );
  });

  it('finds the ONNX file of a zip with its sidecars and external data, and swaps it back in', () => {
    const zip = zipSync({
      'export/net.onnx': onnx,
      'export/net.onnx.data': new Uint8Array([1, 2, 3]),
      'export/antidote.json': text('{"layout":"NCHW"}'),
      'export/preprocessor_config.json': text('{}'),
    });
    const upload = classifyModelUpload(zip);
    expect(upload).toMatchObject({ kind: 'onnx', modelName: 'export/net.onnx' });
    expect(Object.keys(upload.externalFiles).sort()).toEqual(['antidote.json', 'net.onnx.data', 'preprocessor_config.json']);
    expect(new TextDecoder().decode(upload.antidoteJson)).toBe('{"layout":"NCHW"}');
    const swapped = classifyModelUpload(replaceUploadModel(zip, upload, new Uint8Array([0x08, 0x09, 1, 2, 3, 4, 5, 6, 7])));
    expect(Array.from(swapped.model)).toEqual([0x08, 0x09, 1, 2, 3, 4, 5, 6, 7]);
    expect(swapped.externalFiles['net.onnx.data']).toEqual(new Uint8Array([1, 2, 3]));
    expect(replaceUploadModel(onnx, classifyModelUpload(onnx), onnx)).toBe(onnx);
  });

  it('refuses what is not a model, and archives with none or several, as typed errors', () => {
    expect(code(() => classifyModelUpload(text('hello world, not a model')))).toBe('UNSUPPORTED_FORMAT');
    expect(code(() => classifyModelUpload(zipSync({ 'a.txt': text('x') })))).toBe('UNSUPPORTED_FORMAT');
    expect(code(() => classifyModelUpload(zipSync({ 'a.onnx': onnx, 'b.onnx': onnx })))).toBe('UNSUPPORTED_FORMAT');
    expect(code(() => classifyModelUpload(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])))).toBe('CORRUPT_FILE');
  });
});
