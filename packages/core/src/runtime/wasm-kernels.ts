/**
 * Training kernels for the tfjs wasm backend. Stock tfjs 4.22 wasm cannot train convolutions
 * (no Conv2DBackpropFilter) and takes slow C++ loops for transposed matMul and for the conv input
 * gradient. Each replacement here is composed from fast XNNPACK-backed forward ops; every one is
 * checked numerically against the cpu backend in `wasm-kernels.test.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { installBackpropMemoryRelease } from './backprop-memory.ts';

/** The subset of tfjs-backend-wasm's BackendWasm we rely on (its class is not exported as a type). */
interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  incRef(dataId: tf.DataId): void;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

const WASM = 'wasm';
/** Patch length (kh*kw*ci) up to which the filter gradient uses im2col + GEMM. */
const IM2COL_MAX_PATCH = 36;

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
  const { outHeight, outWidth, batchSize } = info;
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
    if (inChannels * filterHeight * filterWidth <= IM2COL_MAX_PATCH) {
      // Few input channels (first layers): the dilated conv degenerates into a huge-filter,
      // tiny-output convolution XNNPACK handles badly; one GEMM over explicit patches is ~3x faster.
      const channelsFirst = tf.transpose(padded, [3, 0, 1, 2]);
      const patches: tf.Tensor[] = [];
      for (let kh = 0; kh < filterHeight; kh++) {
        for (let kw = 0; kw < filterWidth; kw++) {
          patches.push(
            tf.stridedSlice(
              channelsFirst,
              [0, 0, kh, kw],
              [inChannels, batchSize, kh + (outHeight - 1) * strideHeight + 1, kw + (outWidth - 1) * strideWidth + 1],
              [1, 1, strideHeight, strideWidth],
            ),
          );
        }
      }
      const columns = tf.reshape(tf.stack(patches, 1), [
        inChannels * filterHeight * filterWidth,
        batchSize * outHeight * outWidth,
      ]);
      const g = tf.matMul(columns, tf.reshape(grad, [batchSize * outHeight * outWidth, outChannels]));
      return tf.transpose(tf.reshape(g, [inChannels, filterHeight, filterWidth, outChannels]), [1, 2, 0, 3]);
    }
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

/** Spreads dy over the strided positions of the forward pass (zeros between), for stride > 1. */
function dilateByStride(d: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return d;
  const [n, oh, ow, c] = d.shape;
  const spaced = tf.pad(tf.reshape(d, [n, oh, 1, ow, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const reshaped = tf.reshape(spaced, [n, oh * sh, ow * sw, c]) as tf.Tensor4D;
  return tf.slice(reshaped, [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]);
}

/**
 * Pads (or crops) the zero-dilated dy so a valid correlation with the flipped filter yields dx of
 * the input's spatial size: the "full" correlation both input gradients need.
 */
function padForInputGradient(d: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { filterHeight: kh, filterWidth: kw, padInfo, inHeight: h, inWidth: w, batchSize: n } = info;
  const [, dh, dw, channels] = d.shape;
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  const bottom = h + kh - 1 - top - dh;
  const right = w + kw - 1 - left - dw;
  let padded = tf.pad(d, [
    [0, 0],
    [Math.max(top, 0), Math.max(bottom, 0)],
    [Math.max(left, 0), Math.max(right, 0)],
    [0, 0],
  ]);
  if (top < 0 || left < 0 || bottom < 0 || right < 0) {
    padded = tf.slice(padded, [0, Math.max(-top, 0), Math.max(-left, 0), 0], [n, h + kh - 1, w + kw - 1, channels]);
  }
  return padded;
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
  const { strideHeight: sh, strideWidth: sw } = info;
  const result = tf.tidy(() => {
    const d = padForInputGradient(dilateByStride(borrow(dy, wasm) as tf.Tensor4D, sh, sw), info);
    const f = borrow(filter, wasm) as tf.Tensor4D;
    const flipped = tf.transpose(tf.reverse(f, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(d, flipped as tf.Tensor4D, 1, 'valid');
  });
  return adoptAsOutput(result, wasm);
}

/** Geometry of a depthwise gradient; dilated ones never reach here (imported dilated convs use space-to-batch). */
function depthwiseInfo(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: KernelArgs['attrs'],
  which: 'Input' | 'Filter',
): tf.backend_util.Conv2DInfo {
  const { strides, dilations, pad, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, true);
  if (info.dilationHeight > 1 || info.dilationWidth > 1) {
    throw new Error(`DepthwiseConv2dNativeBackprop${which}: dilations > 1 are not supported on wasm`);
  }
  return info;
}

/**
 * Depthwise dx: stock wasm has no kernel (imported MobileNets could not train). Like the dense
 * case it is a forward depthwise conv of the zero-dilated dy with the flipped filter, applied per
 * output channel (multiplier 1), then summed over each input channel's multiplier outputs.
 */
function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = depthwiseInfo(inputShape, filter.shape as [number, number, number, number], attrs, 'Input');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  const multiplier = (filter.shape[3] as number) ?? 1;
  const result = tf.tidy(() => {
    const d = padForInputGradient(dilateByStride(borrow(dy, wasm) as tf.Tensor4D, sh, sw), info);
    const flipped = tf.reshape(tf.reverse(borrow(filter, wasm), [0, 1]), [kh, kw, c * multiplier, 1]) as tf.Tensor4D;
    const perOutput = tf.depthwiseConv2d(d, flipped, 1, 'valid');
    return multiplier === 1 ? perOutput : tf.sum(tf.reshape(perOutput, [n, h, w, c, multiplier]), 4);
  });
  return adoptAsOutput(result, wasm);
}

/**
 * Depthwise dW[kh,kw,c,q] = sum over n,oh,ow of x[n, oh*s+kh, ow*s+kw, c] * dy[n,oh,ow,c*m+q]:
 * one strided slice, product and reduction per kernel position, the forward pass's FLOPs.
 */
function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = depthwiseInfo(x.shape as [number, number, number, number], filterShape, attrs, 'Filter');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const { batchSize: n, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const multiplier = filterShape[3];
  const result = tf.tidy(() => {
    const input = borrow(x, wasm) as tf.Tensor4D;
    const padded = tf.pad(input, [
      [0, 0],
      [padInfo.top, padInfo.bottom],
      [padInfo.left, padInfo.right],
      [0, 0],
    ]);
    const grad = tf.reshape(borrow(dy, wasm), [n, oh, ow, c, multiplier]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const patch = tf.stridedSlice(padded, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c], [1, sh, sw, 1]);
        taps.push(tf.sum(tf.mul(tf.reshape(patch, [n, oh, ow, c, 1]), grad), [0, 1, 2]));
      }
    }
    return tf.reshape(tf.stack(taps), [kh, kw, c, multiplier]);
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

/**
 * wasm's MaxPoolGrad is a scalar C++ loop that costs more than the convolutions around it. This
 * JS loop over the wasm heap routes each dy to the first maximum of its window, exactly as the
 * cpu backend does (ties go to the first position in scan order).
 */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  const out = wasm.makeOutput(input.shape, 'float32');
  // Views are taken after allocating: a heap growth would detach earlier ones.
  const dx = wasm.typedArrayFromHeap(out);
  const x = wasm.typedArrayFromHeap(input);
  const g = wasm.typedArrayFromHeap(dy);
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - padInfo.top;
      const hStart = Math.max(0, h0);
      const hEnd = Math.min(inHeight, h0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - padInfo.left;
        const wStart = Math.max(0, w0);
        const wEnd = Math.min(inWidth, w0 + filterWidth);
        const gradBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          let best = -1;
          let bestValue = Number.NEGATIVE_INFINITY;
          for (let h = hStart; h < hEnd; h++) {
            for (let w = wStart; w < wEnd; w++) {
              const at = ((b * inHeight + h) * inWidth + w) * channels + c;
              const v = x[at] as number;
              if (v > bestValue || best < 0) {
                bestValue = v;
                best = at;
              }
            }
          }
          if (best >= 0) dx[best] = (dx[best] as number) + (g[gradBase + c] as number);
        }
      }
    }
  }
  return out;
}

/**
 * wasm's Identity copies the whole buffer, and tfjs-core clones (Identity) every tensor a gradient
 * keeps for the backward pass, a measurable share of a repair's time in copies
 * (docs/method.md#notes-on-the-lab-and-the-engine).
 * Tensors are immutable (a variable's assign swaps its buffer), so the output can share the input's
 * buffer by reference count, as the cpu backend's Identity and wasm's own Reshape already do.
 */
function makeIdentity(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    // String tensors keep the stock path (their bytes live outside the heap).
    if (x.dtype === 'string') return original.kernelFunc(args);
    (args.backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

let installed = false;

/**
 * Registers the wasm training kernels, the broadcasting batch-norm gradient and the early release
 * of backward-pass memory (the wasm heap stops at 4 GB). Idempotent.
 */
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
  replace(tf.MaxPoolGrad, maxPoolGrad);
  replace(tf.DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInput);
  replace(tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilter);
  const stockIdentity = tf.getKernel(tf.Identity, WASM);
  if (stockIdentity) replace(tf.Identity, makeIdentity(stockIdentity));
  const matMul = tf.getKernel(tf.BatchMatMul, WASM);
  if (matMul) replace(tf.BatchMatMul, makeBatchMatMul(matMul));
  installBatchNormGradient();
  installBackpropMemoryRelease();
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
  'Conv2DBackpropFilter (im2col GEMM for thin inputs, dilated conv2d otherwise)',
  'MaxPoolGrad (first-maximum routing in JS)',
  'Conv2DBackpropInput (forward conv on zero-dilated dy)',
  'DepthwiseConv2dNativeBackpropInput (forward depthwise conv on zero-dilated dy; missing in stock wasm)',
  'DepthwiseConv2dNativeBackpropFilter (strided slice x dy per kernel tap; missing in stock wasm)',
  'BatchMatMul (explicit transpose before XNNPACK)',
  'Identity (shares the buffer instead of copying it)',
  'FusedBatchNorm gradient (broadcast instead of tile)',
  'Backward pass (frees each gradient and saved tensor once used)',
] as const;
