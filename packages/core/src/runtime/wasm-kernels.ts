/**
 * Training kernels for the tfjs wasm backend. Stock tfjs 4.22 wasm cannot train convolutions
 * (no Conv2DBackpropFilter) and takes slow C++ loops for transposed matMul and for the conv input
 * gradient. Each replacement here is composed from fast XNNPACK-backed forward ops; every one is
 * checked numerically against the cpu backend in `wasm-kernels.test.ts`.
 */
import * as tf from '@tensorflow/tfjs';

/** The subset of tfjs-backend-wasm's BackendWasm we rely on (its class is not exported as a type). */
interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  incRef(dataId: tf.DataId): void;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

const WASM = 'wasm';

/** Wraps a kernel input as a Tensor without taking ownership (the wrapper's dispose is balanced by incRef). */
function borrow(info: tf.TensorInfo, backend: WasmBackend): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/** Copies a tensor computed inside a kernel into a fresh kernel output owned by the engine. */
function adoptAsOutput(result: tf.Tensor, backend: WasmBackend): tf.TensorInfo {
  const out = backend.makeOutput(result.shape, 'float32');
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(result));
  result.dispose();
  return out;
}

function requireNhwc(dataFormat: string | undefined, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel}: only NHWC is supported on wasm (got ${dataFormat})`);
  }
}

/**
 * dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s+kh, ow*s+kw, ci] * dy[n,oh,ow,co]
 * is itself a convolution: treat input channels as the batch, the batch as channels, dy as the
 * filter, and the forward stride as dilation. XNNPACK runs it at forward-conv speed.
 */
function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  requireNhwc(dataFormat, 'Conv2DBackpropFilter');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight, strideWidth, filterHeight, filterWidth, inChannels, outChannels, padInfo } = info;
  const result = tf.tidy(() => {
    const input = borrow(x, wasm) as tf.Tensor4D;
    const grad = borrow(dy, wasm) as tf.Tensor4D;
    const padded =
      padInfo.top || padInfo.bottom || padInfo.left || padInfo.right
        ? tf.pad(input, [
            [0, 0],
            [padInfo.top, padInfo.bottom],
            [padInfo.left, padInfo.right],
            [0, 0],
          ])
        : input;
    const g = tf.conv2d(tf.transpose(padded, [3, 1, 2, 0]), tf.transpose(grad, [1, 2, 0, 3]), 1, 'valid', 'NHWC', [
      strideHeight,
      strideWidth,
    ]);
    // Padding beyond the last window position can make g one row/column larger than the filter.
    const cropped = tf.slice(g, [0, 0, 0, 0], [inChannels, filterHeight, filterWidth, outChannels]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
  return adoptAsOutput(result, wasm);
}

/**
 * dx = full correlation of the zero-dilated dy with the spatially flipped, in/out-swapped
 * filter: a forward conv2d on XNNPACK instead of wasm's scalar C++ loop.
 */
function conv2dBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  requireNhwc(dataFormat, 'Conv2DBackpropInput');
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { outHeight: oh, outWidth: ow, batchSize: n, inHeight: h, inWidth: w, outChannels: co, padInfo } = info;
  const result = tf.tidy(() => {
    let d = borrow(dy, wasm) as tf.Tensor4D;
    const f = borrow(filter, wasm) as tf.Tensor4D;
    if (sh > 1 || sw > 1) {
      const spaced = tf.pad(tf.reshape(d, [n, oh, 1, ow, 1, co]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      const reshaped = tf.reshape(spaced, [n, oh * sh, ow * sw, co]) as tf.Tensor4D;
      d = tf.slice(reshaped, [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, co]);
    }
    const dh = (oh - 1) * sh + 1;
    const dw = (ow - 1) * sw + 1;
    const top = kh - 1 - padInfo.top;
    const left = kw - 1 - padInfo.left;
    const bottom = h + kh - 1 - top - dh;
    const right = w + kw - 1 - left - dw;
    d = tf.pad(d, [
      [0, 0],
      [Math.max(top, 0), Math.max(bottom, 0)],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ]);
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      d = tf.slice(d, [0, Math.max(-top, 0), Math.max(-left, 0), 0], [n, h + kh - 1, w + kw - 1, co]);
    }
    const flipped = tf.transpose(tf.reverse(f, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(d, flipped as tf.Tensor4D, 1, 'valid');
  });
  return adoptAsOutput(result, wasm);
}

/**
 * wasm BatchMatMul sends transposed operands to a ~2 GFLOP/s loop instead of XNNPACK (~25-30).
 * Materialising the transpose first is far cheaper than the slow path.
 */
function makeBatchMatMul(original: tf.KernelConfig): tf.KernelFunc {
  const transposeConfig = tf.getKernel('Transpose', WASM);
  if (!transposeConfig) throw new Error('wasm backend has no Transpose kernel');
  const transpose = transposeConfig.kernelFunc;
  const swapLastTwo = (t: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo => {
    const perm = t.shape.map((_, i) => i);
    const r = perm.length;
    perm[r - 1] = r - 2;
    perm[r - 2] = r - 1;
    return transpose({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
  };
  return (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const a2 = transposeA ? swapLastTwo(a, backend) : a;
    const b2 = transposeB ? swapLastTwo(b, backend) : b;
    try {
      return original.kernelFunc({
        inputs: { a: a2, b: b2 },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
    }
  };
}

let installed = false;

/** Registers the wasm training kernels and the broadcasting batch-norm gradient. Idempotent. */
export function installWasmTrainingKernels(): void {
  if (installed) return;
  const replace = (kernelName: string, kernelFunc: tf.KernelFunc): void => {
    const existing = tf.getKernel(kernelName, WASM);
    if (existing) tf.unregisterKernel(kernelName, WASM);
    // Keep setupFunc: wasm kernels bind their C++ entry points in it at backend start.
    tf.registerKernel({ ...existing, kernelName, backendName: WASM, kernelFunc });
  };
  replace(tf.Conv2DBackpropFilter, conv2dBackpropFilter);
  replace(tf.Conv2DBackpropInput, conv2dBackpropInput);
  const matMul = tf.getKernel(tf.BatchMatMul, WASM);
  if (matMul) replace(tf.BatchMatMul, makeBatchMatMul(matMul));
  installBatchNormGradient();
  installed = true;
}

/**
 * tfjs-core's FusedBatchNorm gradient tiles rsqrt(variance) to the full NHWC activation before
 * multiplying, one full-size Tile per layer per step; broadcasting computes the same values.
 * Gradients are backend-independent, so this helps every backend.
 */
function installBatchNormGradient(): void {
  const original = tf.getGradient(tf.FusedBatchNorm);
  if (!original) return;
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const grads = original.gradFunc(dy, saved, attrs);
      const [, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      if (mean.rank === 1) {
        const dyTensor = dy as tf.Tensor;
        grads.x = () => {
          const inverseStd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
          const scaled = tf.mul(dyTensor, inverseStd);
          return scale == null ? scaled : tf.mul(scaled, scale);
        };
      }
      return grads;
    },
  });
}

/** Names of the kernels this module replaces on wasm, for `describeRuntime()`. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter (dilated conv2d)',
  'Conv2DBackpropInput (forward conv on zero-dilated dy)',
  'BatchMatMul (explicit transpose before XNNPACK)',
  'FusedBatchNorm gradient (broadcast instead of tile)',
] as const;
