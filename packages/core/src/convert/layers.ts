/**
 * The few layers an imported model needs beyond stock tfjs-layers: ONNX's parameterised
 * activations, constant and broadcasting arithmetic, pooling with explicit pads, non-zero padding,
 * and the input normalisation that applies a model's own preprocessing. Each is registered for
 * serialisation, so an imported model saves and loads like any other LayersModel.
 */
import * as tf from '@tensorflow/tfjs';

type Shape = (number | null)[];
type ShapeArg = Shape | Shape[];

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
}

function firstShape(shape: ShapeArg): Shape {
  return Array.isArray(shape[0]) ? (shape[0] as Shape) : (shape as Shape);
}

export type ElementwiseOp = 'clip' | 'hardSigmoid' | 'hardSwish' | 'affine';

export interface OnnxElementwiseConfig {
  op: ElementwiseOp;
  alpha?: number;
  beta?: number;
  min?: number;
  max?: number;
  name?: string;
}

/** Clip with arbitrary bounds, HardSigmoid(alpha, beta) and HardSwish as ONNX defines them; affine alpha * x + beta (Keras Rescaling). */
export class OnnxElementwise extends tf.layers.Layer {
  static className = 'OnnxElementwise';
  private readonly op: ElementwiseOp;
  private readonly alpha: number;
  private readonly beta: number;
  private readonly min: number;
  private readonly max: number;

  constructor(config: OnnxElementwiseConfig) {
    super(config);
    this.op = config.op;
    this.alpha = config.alpha ?? 0.2;
    this.beta = config.beta ?? 0.5;
    this.min = config.min ?? -3.4028234663852886e38;
    this.max = config.max ?? 3.4028234663852886e38;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      if (this.op === 'clip') return tf.clipByValue(x, this.min, this.max);
      if (this.op === 'affine') return tf.add(tf.mul(x, this.alpha), this.beta);
      const gate = tf.clipByValue(tf.add(tf.mul(x, this.alpha), this.beta), 0, 1);
      return this.op === 'hardSigmoid' ? gate : tf.mul(x, gate);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), op: this.op, alpha: this.alpha, beta: this.beta, min: this.min, max: this.max };
  }
}

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

function applyBinary(op: BinaryOp, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (op === 'add') return tf.add(a, b);
  if (op === 'sub') return tf.sub(a, b);
  if (op === 'mul') return tf.mul(a, b);
  return tf.div(a, b);
}

function broadcastShapes(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    out.push(da === 1 ? db : db === 1 ? da : da === null || db === null ? null : Math.max(da, db));
  }
  return out;
}

export interface OnnxConstantBinaryConfig {
  op: BinaryOp;
  /** Shape of the constant in the input's physical layout, batch axis included (usually 1). */
  constantShape: number[];
  /** Whether the constant is the left operand (matters for sub and div). */
  constantFirst: boolean;
  name?: string;
}

/** Arithmetic between the input and a stored constant, with numpy broadcasting. */
export class OnnxConstantBinary extends tf.layers.Layer {
  static className = 'OnnxConstantBinary';
  private readonly op: BinaryOp;
  private readonly constantShape: number[];
  private readonly constantFirst: boolean;
  private constant: tf.LayerVariable | null = null;

  constructor(config: OnnxConstantBinaryConfig) {
    super(config);
    this.op = config.op;
    this.constantShape = config.constantShape;
    this.constantFirst = config.constantFirst;
  }

  override build(): void {
    this.constant = this.addWeight('constant', this.constantShape, 'float32', tf.initializers.zeros(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: ShapeArg): Shape {
    const shape = broadcastShapes(firstShape(inputShape), this.constantShape);
    shape[0] = firstShape(inputShape)[0] ?? null;
    return shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const c = (this.constant as tf.LayerVariable).read();
      return this.constantFirst ? applyBinary(this.op, c, x) : applyBinary(this.op, x, c);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), op: this.op, constantShape: this.constantShape, constantFirst: this.constantFirst };
  }
}

/** Arithmetic between two inputs of broadcast-compatible shapes (squeeze-excite gates, scaled residuals). */
export class OnnxBinary extends tf.layers.Layer {
  static className = 'OnnxBinary';
  private readonly op: BinaryOp;

  constructor(config: { op: BinaryOp; name?: string }) {
    super(config);
    this.op = config.op;
  }

  override computeOutputShape(inputShape: ShapeArg): Shape {
    const [a, b] = inputShape as Shape[];
    return broadcastShapes(a as Shape, b as Shape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, b] = inputs as tf.Tensor[];
      return applyBinary(this.op, a as tf.Tensor, b as tf.Tensor);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), op: this.op };
  }
}

/** NHWC paddings from [top, bottom, left, right]. */
function spatialPaddings([t, b, l, r]: [number, number, number, number]): [number, number][] {
  return [
    [0, 0],
    [t, b],
    [l, r],
    [0, 0],
  ];
}

export interface OnnxPool2DConfig {
  op: 'max' | 'avg';
  kernel: [number, number];
  strides: [number, number];
  /** [top, bottom, left, right], including the extra bottom/right rows of ceil_mode. */
  pads: [number, number, number, number];
  /** AveragePool's count_include_pad: whether padded zeros count in the divisor. */
  countIncludePad: boolean;
  name?: string;
}

/** NHWC pooling with ONNX's explicit pads: max pads with -inf, average divides by the real count. */
export class OnnxPool2D extends tf.layers.Layer {
  static className = 'OnnxPool2D';
  private readonly cfg: OnnxPool2DConfig;

  constructor(config: OnnxPool2DConfig) {
    super(config);
    this.cfg = { ...config };
  }

  override computeOutputShape(inputShape: ShapeArg): Shape {
    const [n, h, w, c] = firstShape(inputShape);
    const [t, b, l, r] = this.cfg.pads;
    const out = (size: number | null | undefined, k: number, s: number, lo: number, hi: number) =>
      size == null ? null : Math.floor((size + lo + hi - k) / s) + 1;
    return [
      n ?? null,
      out(h, this.cfg.kernel[0], this.cfg.strides[0], t, b),
      out(w, this.cfg.kernel[1], this.cfg.strides[1], l, r),
      c ?? null,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const [t, b, l, r] = this.cfg.pads;
      const paddings = spatialPaddings(this.cfg.pads);
      const { kernel, strides } = this.cfg;
      if (this.cfg.op === 'max') {
        return tf.maxPool(tf.pad(x, paddings, Number.NEGATIVE_INFINITY), kernel, strides, 'valid');
      }
      const summed = tf.avgPool(tf.pad(x, paddings), kernel, strides, 'valid');
      // count_include_pad=1 divides by the kernel area; 0 divides by the real pixels under the window.
      if (this.cfg.countIncludePad || t + b + l + r === 0) return summed;
      const [, h, w] = x.shape;
      const fraction = tf.avgPool(tf.pad(tf.ones([1, h, w, 1]), paddings) as tf.Tensor4D, kernel, strides, 'valid');
      return tf.div(summed, fraction);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

export interface OnnxGroupedConv2DConfig {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  dilationRate: [number, number];
  groups: number;
  useBias: boolean;
  name?: string;
}

/**
 * Grouped convolution (ResNeXt, RegNet) on valid padding: tfjs-layers has none, so each group's
 * channels go through their own conv2d and the results are concatenated. The kernel is
 * [kh, kw, in / groups, filters] like Keras', output channels grouped in order.
 */
export class OnnxGroupedConv2D extends tf.layers.Layer {
  static className = 'OnnxGroupedConv2D';
  private readonly cfg: OnnxGroupedConv2DConfig;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(config: OnnxGroupedConv2DConfig) {
    super(config);
    this.cfg = { ...config };
  }

  override build(inputShape: ShapeArg): void {
    const channels = firstShape(inputShape)[3] as number;
    const [kh, kw] = this.cfg.kernelSize;
    this.kernel = this.addWeight(
      'kernel',
      [kh, kw, channels / this.cfg.groups, this.cfg.filters],
      'float32',
      tf.initializers.glorotUniform({}),
    );
    if (this.cfg.useBias) this.bias = this.addWeight('bias', [this.cfg.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: ShapeArg): Shape {
    const [n, h, w] = firstShape(inputShape);
    const [kh, kw] = this.cfg.kernelSize;
    const [sh, sw] = this.cfg.strides;
    const [dh, dw] = this.cfg.dilationRate;
    const out = (size: number | null | undefined, k: number, s: number, d: number) =>
      size == null ? null : Math.floor((size - (k - 1) * d - 1) / s) + 1;
    return [n ?? null, out(h, kh, sh, dh), out(w, kw, sw, dw), this.cfg.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const kernel = (this.kernel as tf.LayerVariable).read() as tf.Tensor4D;
      // tfjs's SplitV gradient fails for a single split, so one group skips the split.
      const oneGroup = this.cfg.groups === 1;
      const xs = oneGroup ? [x] : tf.split(x, this.cfg.groups, 3);
      const ks = oneGroup ? [kernel] : tf.split(kernel, this.cfg.groups, 3);
      const parts = xs.map((part, g) => this.convolve(part as tf.Tensor4D, ks[g] as tf.Tensor4D));
      const y = parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 3);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  /**
   * A dilated stride-1 conv runs as space-to-batch, valid conv, batch-to-space (how TensorFlow
   * implements atrous convolution): tfjs has no gradient for conv2d with dilations, but has one
   * for these three, so imported dilated convs can be repaired.
   */
  private convolve(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
    const [dh, dw] = this.cfg.dilationRate;
    if ((dh === 1 && dw === 1) || this.cfg.strides[0] !== 1 || this.cfg.strides[1] !== 1) {
      return tf.conv2d(x, kernel, this.cfg.strides, 'valid', 'NHWC', this.cfg.dilationRate);
    }
    const [n, h, w, c] = x.shape;
    const [kh, kw] = this.cfg.kernelSize;
    const outH = h - (kh - 1) * dh;
    const outW = w - (kw - 1) * dw;
    const padH = Math.ceil(h / dh) * dh - h;
    const padW = Math.ceil(w / dw) * dw - w;
    const spaced = tf.spaceToBatchND(
      x,
      [dh, dw],
      [
        [0, padH],
        [0, padW],
      ],
    );
    const y = tf.conv2d(spaced as tf.Tensor4D, kernel, 1, 'valid');
    const full = tf.batchToSpaceND(
      y,
      [dh, dw],
      [
        [0, 0],
        [0, 0],
      ],
    ) as tf.Tensor4D;
    return tf.slice(full, [0, 0, 0, 0], [n, outH, outW, full.shape[3] ?? c]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

export interface OnnxPad2DConfig {
  /** [top, bottom, left, right] */
  pads: [number, number, number, number];
  mode: 'constant' | 'reflect';
  value: number;
  name?: string;
}

/** Pad with a non-zero constant or by reflection (zero padding uses the stock ZeroPadding2D). */
export class OnnxPad2D extends tf.layers.Layer {
  static className = 'OnnxPad2D';
  private readonly cfg: OnnxPad2DConfig;

  constructor(config: OnnxPad2DConfig) {
    super(config);
    this.cfg = { ...config };
  }

  override computeOutputShape(inputShape: ShapeArg): Shape {
    const [n, h, w, c] = firstShape(inputShape);
    const [t, b, l, r] = this.cfg.pads;
    return [n ?? null, h == null ? null : h + t + b, w == null ? null : w + l + r, c ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const paddings = spatialPaddings(this.cfg.pads);
      return this.cfg.mode === 'reflect' ? tf.mirrorPad(x, paddings, 'reflect') : tf.pad(x, paddings, this.cfg.value);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

export interface InputNormalizationConfig {
  /** Multiplier applied to the model input (Antidote feeds pixels / 255, in RGB). */
  scale: number;
  mean: number[];
  std: number[];
  /** Reverse the channel axis (RGB -> BGR) before normalising. */
  reverseChannels: boolean;
  name?: string;
}

/** Maps Antidote's [0,1] RGB NHWC input to what the imported model was trained on. */
export class InputNormalization extends tf.layers.Layer {
  static className = 'InputNormalization';
  private readonly cfg: InputNormalizationConfig;

  constructor(config: InputNormalizationConfig) {
    super(config);
    this.cfg = { ...config };
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = single(inputs);
      if (this.cfg.reverseChannels) x = tf.reverse(x, -1);
      x = tf.mul(x, this.cfg.scale);
      return tf.div(tf.sub(x, tf.tensor1d(this.cfg.mean)), tf.tensor1d(this.cfg.std));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

for (const layer of [
  OnnxElementwise,
  OnnxConstantBinary,
  OnnxBinary,
  OnnxGroupedConv2D,
  OnnxPool2D,
  OnnxPad2D,
  InputNormalization,
]) {
  tf.serialization.registerClass(layer);
}
