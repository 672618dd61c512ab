import { describe, expect, it } from 'vitest';
import { assertFaithfulImport } from '../../convert/fidelity.ts';
import { importModel } from '../../convert/import-model.ts';
import { convertOnnx } from '../../convert/onnx-to-tfjs.ts';
import { resnetLikeOnnx } from '../../convert/test-models.ts';
import { type ErrorCode, isAntidoteError } from '../../errors.ts';
import { OnnxGraphBuilder } from './builder.ts';
import { parseOnnx } from './parse.ts';
import { DATA_TYPE, ModelProto } from './schema.ts';

function codeOf(run: () => unknown): ErrorCode | 'no error' | 'not an AntidoteError' {
  try {
    run();
    return 'no error';
  } catch (error) {
    return isAntidoteError(error) ? error.code : 'not an AntidoteError';
  }
}

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

/** A one-node model around a raw initializer object, for tensors the builder refuses to write. */
function withInitializer(initializer: object): Uint8Array {
  return ModelProto.encode(
    ModelProto.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        node: [{ opType: 'Mul', input: ['x', 'w'], output: ['y'] }],
        initializer: [initializer],
        input: [{ name: 'x' }],
        output: [{ name: 'y' }],
      },
    }),
  ).finish();
}

const importOnnx = (bytes: Uint8Array) => () => convertOnnx(parseOnnx(bytes)).model.dispose();

describe('parseOnnx and convertOnnx on bad input', () => {
  it('a truncated file is CORRUPT_FILE at any cut point', () => {
    const bytes = resnetLikeOnnx({ size: 16 });
    for (const fraction of [0.1, 0.37, 0.5, 0.81, 0.99]) {
      expect(codeOf(importOnnx(bytes.subarray(0, Math.floor(bytes.length * fraction))))).toBe('CORRUPT_FILE');
    }
    expect(codeOf(() => parseOnnx(new TextEncoder().encode('not a model at all')))).toBe('CORRUPT_FILE');
  });

  it('a graph with a cycle is CORRUPT_FILE naming a node', () => {
    const g = new OnnxGraphBuilder();
    g.input('x', ['N', 3, 8, 8]);
    g.node('Add', ['x', 'b'], {}, ['a']);
    g.node('Relu', ['a'], {}, ['b']);
    g.output('b', ['N', 3, 8, 8]);
    const bytes = g.build();
    expect(codeOf(() => parseOnnx(bytes))).toBe('CORRUPT_FILE');
    expect(messageOf(() => parseOnnx(bytes))).toMatch(/cycle/);
  });

  it('an initializer shorter than its dims is CORRUPT_FILE', () => {
    const raw = new Uint8Array(5 * 4);
    const bytes = withInitializer({ name: 'w', dims: [10], dataType: DATA_TYPE.FLOAT, rawData: raw });
    expect(codeOf(() => parseOnnx(bytes))).toBe('CORRUPT_FILE');
    const floats = withInitializer({ name: 'w', dims: [10], dataType: DATA_TYPE.FLOAT, floatData: [1, 2, 3] });
    expect(codeOf(() => parseOnnx(floats))).toBe('CORRUPT_FILE');
  });

  it('external data outside the archive or at an absolute path is refused', () => {
    const external = (location: string) =>
      withInitializer({
        name: 'w',
        dims: [4],
        dataType: DATA_TYPE.FLOAT,
        dataLocation: 1,
        externalData: [{ key: 'location', value: location }],
      });
    const files = { 'weights.bin': new Uint8Array(16) };
    for (const location of ['../secret.bin', '/etc/passwd', 'C:\\data\\w.bin', 'a/../../w.bin']) {
      expect(codeOf(() => parseOnnx(external(location), { externalFiles: files }))).toBe('INVALID_INPUT');
    }
    expect(codeOf(() => parseOnnx(external('missing.bin'), { externalFiles: files }))).toBe('INVALID_INPUT');
    expect(parseOnnx(external('weights.bin'), { externalFiles: files }).initializers.get('w')?.data).toEqual(new Float32Array(4));
    expect(codeOf(() => parseOnnx(external('weights.bin'), { externalFiles: { 'weights.bin': new Uint8Array(8) } }))).toBe(
      'CORRUPT_FILE',
    );
  });

  it('dims of 1e12 are TOO_LARGE before any allocation', () => {
    const bytes = withInitializer({ name: 'w', dims: [1e6, 1e6], dataType: DATA_TYPE.FLOAT, rawData: new Uint8Array(4) });
    expect(codeOf(() => parseOnnx(bytes))).toBe('TOO_LARGE');
  });

  it('unsupported ops are one UNSUPPORTED_FORMAT naming every op type and its first node', () => {
    const g = new OnnxGraphBuilder();
    g.input('x', ['N', 3, 8, 8]);
    const a = g.node('Relu', ['x']);
    const b = g.node('Erf', [a]);
    const c = g.node('Erf', [b]);
    const d = g.node('NonMaxSuppression', [c]);
    g.output(d, ['N', 3, 8, 8]);
    const run = importOnnx(g.build());
    expect(codeOf(run)).toBe('UNSUPPORTED_FORMAT');
    expect(messageOf(run)).toMatch(
      /Erf \(first used by node "Erf_1"\), NonMaxSuppression \(first used by node "NonMaxSuppression_3"\)/,
    );
  });

  it('a declared layout that contradicts the file is SHAPE_MISMATCH', async () => {
    let error: unknown;
    try {
      await importModel(resnetLikeOnnx({ size: 16 }), { preprocessing: { layout: 'NHWC' } });
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'SHAPE_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(/which is NCHW; the preprocessing says NHWC/);
  });

  it('two graph outputs and a missing batch dimension are typed errors', () => {
    const two = new OnnxGraphBuilder();
    two.input('x', ['N', 3, 8, 8]);
    const r = two.node('Relu', ['x']);
    const s = two.node('Sigmoid', ['x']);
    two.output(r, ['N', 3, 8, 8]);
    two.output(s, ['N', 3, 8, 8]);
    expect(codeOf(importOnnx(two.build()))).toBe('UNSUPPORTED_FORMAT');

    const noBatch = new OnnxGraphBuilder();
    noBatch.input('x', [3, 8, 8]);
    noBatch.output(noBatch.node('Relu', ['x']), [3, 8, 8]);
    expect(codeOf(importOnnx(noBatch.build()))).toBe('SHAPE_MISMATCH');
    expect(messageOf(importOnnx(noBatch.build()))).toMatch(/without a batch dimension/);
  });
});

describe('assertFaithfulImport', () => {
  const report = (top1Agreement: number) => ({ maxAbsDiff: 0.5, top1Agreement, n: 1000, maxAbsOutput: 9 });
  it('passes at 99.9% agreement and refuses below unless overridden with a reason', () => {
    expect(assertFaithfulImport(report(0.999))).toEqual({ overridden: false });
    expect(codeOf(() => assertFaithfulImport(report(0.998)))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertFaithfulImport(report(0.998), { reason: '  ' }))).toBe('INVALID_INPUT');
    expect(assertFaithfulImport(report(0.5), { reason: 'vendor model, known BN drift' })).toEqual({ overridden: true });
  });
});
